// The layout of an exported figure in CSS pixels: title and subtitle above, the plot, the legend
// on its right. Produces drawing operations (text, circle, colour bar, frame, rect) that the PNG and
// SVG painters render alike, so both exports show the same figure. Pure but for text measuring.

import { colormapStops } from "../colormaps.js";
import { formatNumber } from "../format.js";

const PAD = 16;
const HEAD = 56;
const LEGEND_W = 230;
const ROW = 18;
const TEXT = "#1d232b";
const MUTED = "#5f6873";

/** `text` cut with an ellipsis to fit `width` px in font `size`/`weight` (measure(text, size, weight) → px). */
function fit(text, width, size, weight, measure) {
  if (measure(text, size, weight) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) { // the longest prefix that fits with "…"
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(`${text.slice(0, mid)}…`, size, weight) <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}

/** Words of `text` in lines of at most `width` px, at most `max` lines (the last cut with "…"). */
function wrap(text, width, size, measure, max) {
  const lines = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (!line || measure(next, size, 400) <= width) line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  if (lines.length > max) {
    lines.length = max;
    lines[max - 1] = fit(`${lines[max - 1]}…`, width, size, 400, measure);
  }
  return lines;
}

/** Two genes' map (legend.map): a square of shades, the second gene up, the first across; returns the y below it. */
function blendSquare(ops, map, x, y, w, measure) {
  const cell = 12;
  map.rows.forEach((row, r) => row.forEach((fill, c) => ops.push({ type: "rect", x: x + c * cell, y: y + r * cell, w: cell, h: cell, fill })));
  y += map.rows.length * cell;
  for (const text of [map.up, map.across]) {
    ops.push({ type: "text", x, y: y + 13, size: 11, color: MUTED, text: fit(text, w, 11, 400, measure) });
    y += 14;
  }
  return y + 8;
}

function categories(ops, legend, x, y, w, bottom, measure) {
  if (legend.map) y = blendSquare(ops, legend.map, x, y, w, measure);
  const rows = Math.max(1, Math.floor((bottom - y) / ROW));
  const shown = legend.items.length > rows ? legend.items.slice(0, rows - 1) : legend.items;
  for (const item of shown) {
    const countW = measure(item.count, 12, 400);
    ops.push({ type: "circle", cx: x + 6, cy: y + 6, r: 5, fill: item.color });
    ops.push({ type: "text", x: x + 17, y: y + 10, size: 12, color: TEXT, text: fit(item.label, w - 17 - countW - 10, 12, 400, measure) });
    ops.push({ type: "text", x: x + w, y: y + 10, size: 12, color: MUTED, text: item.count, anchor: "end" });
    y += ROW;
  }
  if (shown.length < legend.items.length) {
    ops.push({ type: "text", x, y: y + 10, size: 12, color: MUTED, text: `… and ${legend.items.length - shown.length} more categories` });
    y += ROW;
  }
  const lines = legend.note ? wrap(legend.note, w, 11, measure, Math.max(0, Math.floor((bottom - y - 4) / 14))) : [];
  lines.forEach((text, k) => ops.push({ type: "text", x, y: y + 14 + k * 14, size: 11, color: MUTED, text }));
}

function colourBar(ops, legend, x, y, w, bottom, measure) {
  if (!legend.empty) {
    ops.push({ type: "bar", x, y, w, h: 12, stops: colormapStops(legend.cmap) });
    ops.push({ type: "text", x, y: y + 27, size: 12, color: MUTED, text: (legend.cappedLow ? "≤" : "") + formatNumber(legend.min) });
    ops.push({ type: "text", x: x + w, y: y + 27, size: 12, color: MUTED, text: formatNumber(legend.max) + (legend.capped ? "+" : ""), anchor: "end" });
    y += 40;
  }
  if (legend.zero) {
    ops.push({ type: "circle", cx: x + 6, cy: y + 6, r: 5, fill: legend.zero.color });
    ops.push({ type: "text", x: x + 17, y: y + 10, size: 12, color: MUTED, text: fit(legend.zero.label, w - 17, 12, 400, measure) });
    y += ROW + 4;
  }
  const lines = wrap(legend.note, w, 11, measure, Math.max(0, Math.floor((bottom - y) / 14)));
  lines.forEach((text, k) => ops.push({ type: "text", x, y: y + 10 + k * 14, size: 11, color: MUTED, text }));
}

/**
 * model: figureModel(); plot: {width, height} of the plot in CSS px; measure(text, size, weight).
 * Returns {width, height, plot: {x, y, width, height}, ops}.
 */
export function figureLayout(model, plot, measure) {
  const hasLegend = model.legend.kind !== "none";
  const width = PAD + plot.width + PAD + (hasLegend ? LEGEND_W + PAD : 0);
  const height = HEAD + plot.height + PAD;
  const ops = [
    { type: "text", x: PAD, y: 26, size: 18, weight: 600, color: TEXT, text: fit(model.title, width - 2 * PAD, 18, 600, measure) },
    { type: "text", x: PAD, y: 46, size: 13, color: MUTED, text: fit(model.subtitle, width - 2 * PAD, 13, 400, measure) },
    { type: "frame", x: PAD, y: HEAD, w: plot.width, h: plot.height, stroke: "#e2e5ea" },
  ];
  if (hasLegend) {
    const x = PAD + plot.width + PAD;
    const heading = wrap(model.legend.name, LEGEND_W, 13, (t, s) => measure(t, s, 600), 2);
    heading.forEach((text, k) => ops.push({ type: "text", x, y: HEAD + 12 + k * 17, size: 13, weight: 600, color: TEXT, text }));
    const y = HEAD + heading.length * 17 + 8;
    if (model.legend.kind === "categories") categories(ops, model.legend, x, y, LEGEND_W, HEAD + plot.height, measure);
    else colourBar(ops, model.legend, x, y, LEGEND_W, HEAD + plot.height, measure);
  }
  return { width, height, plot: { x: PAD, y: HEAD, width: plot.width, height: plot.height }, ops };
}
