// Drawing of a violin plot as one SVG with its title and legend (the same element is shown in
// the panel and saved as SVG or PNG): one violin per category (the density's outline in the
// category's colour, the quartile box, the median as a white bar, whiskers to the last value
// within 1.5 IQR), every cell as a point in groups of up to SMALL_GROUP cells, and under each
// the fraction of cells expressing and the number of cells. Text via textContent.

import { svg } from "./dotplotsvg.js";
import { categoryColors, cssColor } from "../colormaps.js";
import { count, formatNumber, roundTicks } from "../format.js";
import { SMALL_GROUP } from "./violinstats.js";
import { figureHead, headWidth, textBlock, textWidth, wrapText } from "./figurefit.js";
import { FONT } from "../look.js";

const PLOT_H = 260;

const ticks = (lo, hi) => roundTicks(lo, hi, 5);

/** A small deterministic jitter for the k-th point (the same picture every time). */
const jitter = (k) => ((Math.sin(k * 12.9898) * 43758.5453) % 1 + 1) % 1 - 0.5;

function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

function violin(g, group, { x, w, y, range, color }) {
  const half = 0.45 * w;
  const d = group.density;
  const bins = d.length;
  const pts = [];
  // the density's bins span the values' common range; the outline covers only the group's own
  // values (its ends at the group's min and max), not the range's empty ends
  const step = (range[1] - range[0]) / bins;
  for (let i = 0; i < bins; i++) {
    const v = range[0] + (i + 0.5) * step;
    if (v < group.min - step || v > group.max + step) continue;
    pts.push([d[i] * half, y.at(Math.min(group.max, Math.max(group.min, v)))]);
  }
  if (pts.length > 1) {
    const right = pts.map(([dx, py]) => `${(x + dx).toFixed(1)},${py.toFixed(1)}`);
    const left = pts.slice().reverse().map(([dx, py]) => `${(x - dx).toFixed(1)},${py.toFixed(1)}`);
    g.append(svg("path", { d: `M${right.join("L")}L${left.join("L")}Z`, fill: color, "fill-opacity": 0.45, stroke: color, "stroke-width": 1 }));
  }
  g.append(svg("line", { x1: x, x2: x, y1: y.at(group.whiskers[0]), y2: y.at(group.whiskers[1]), stroke: "#333a44", "stroke-width": 1 }));
  const bw = Math.max(4, 0.12 * w);
  g.append(svg("rect", { x: x - bw / 2, y: y.at(group.q3), width: bw, height: Math.max(1, y.at(group.q1) - y.at(group.q3)), fill: "#333a44" }));
  g.append(svg("line", { class: "v-median", x1: x - bw / 2, x2: x + bw / 2, y1: y.at(group.median), y2: y.at(group.median), stroke: "#ffffff", "stroke-width": 2 }));
  if (group.points) {
    const dots = svg("g", { fill: "#1d232b", "fill-opacity": 0.7 });
    group.points.forEach((v, k) => dots.append(svg("circle", { cx: (x + jitter(k) * half).toFixed(1), cy: y.at(v).toFixed(1), r: 1.6 })));
    g.append(dots);
  }
}

const LEGEND_W = 270;
const GAP = 24;
const LINE = 17;
const MIN_W = 34; // the narrowest violin whose numbers below still read
const MAX_W = 80;
const COS = Math.cos((40 * Math.PI) / 180);
const SIN = Math.sin((40 * Math.PI) / 180);

/** The legend's lines (the column's name first), each wrapped to `width`: [{lines, weight}]. */
function legendItems(title, source, width) {
  const items = [
    [title, 600], [`Values: ${source}`, 400], ["Violin: density of the cells' values", 400], ["Box: quartiles; white bar: median", 400],
    ["Whiskers: last values within 1.5 × IQR", 400], [`Dots: every cell, in groups of ≤ ${SMALL_GROUP}`, 400],
    ["% expr.: cells with a value above 0", 400], ["cells: cells with a value", 400],
  ];
  return items.map(([text, weight]) => ({ lines: wrapText(text, width, 12, weight), weight }));
}

/** Legend items in `columns` columns from (x, top): the first (the column's name) spans them all. Returns the y below it. */
function legend(root, items, { x, top, columns, width }) {
  const put = (item, lx, y) => {
    root.append(textBlock(item.lines, { x: lx, y: y + 12, "font-size": 12, "font-weight": item.weight, fill: item.weight > 400 ? "#1d232b" : "#5f6873",
      class: "v-legend" }, LINE));
    return y + item.lines.length * LINE;
  };
  const below = put(items[0], x, top);
  const rest = items.slice(1);
  const per = Math.ceil(rest.length / columns);
  let bottom = below;
  for (let c = 0; c < columns; c++) {
    let y = below;
    for (const item of rest.slice(c * per, (c + 1) * per)) y = put(item, x + c * (width + GAP), y);
    bottom = Math.max(bottom, y);
  }
  return bottom;
}

/**
 * The figure's plan for `width` px: the width per category (between MIN_W and MAX_W), the left
 * margin that holds the first categories' slanted names, and the legend beside the violins when
 * it fits there, else below them (in two columns when they fit). Wider than `width` only when
 * even MIN_W per category does not fit: then the page scrolls the violins, not the legend.
 */
function plan({ names, width, title, subtitle }) {
  const n = Math.max(1, names.length);
  const reach = names.map((name) => textWidth(shorten(name, 24), 11) * COS);
  // a slanted name ends left of its violin: the margin keeps the first ones inside the figure
  const left = Math.ceil(Math.max(58, ...reach.map((r, i) => r + 4 - (i + 0.5) * MIN_W)));
  const beside = left + n * MIN_W + GAP + LEGEND_W + 12 <= width;
  const room = beside ? width - left - GAP - LEGEND_W - 12 : width - left - 12;
  const w = Math.max(MIN_W, Math.min(MAX_W, room / n));
  const columns = !beside && width - 24 >= 2 * LEGEND_W + GAP ? 2 : 1;
  const legendW = beside ? LEGEND_W : Math.max(120, Math.min(LEGEND_W, (width - 24 - (columns - 1) * GAP) / columns));
  const natural = beside ? left + n * w + GAP + LEGEND_W + 12 : Math.max(left + n * w + 12, 24 + columns * legendW + (columns - 1) * GAP);
  const figureW = Math.ceil(Math.max(natural, Math.min(width, headWidth(title, subtitle, 17))));
  const drop = Math.max(0, ...reach.map((r) => (r / COS) * SIN)) + 11 * COS;
  return { w, left, beside, columns, legendW, width: figureW, textW: Math.min(figureW, Math.max(width, 200)) - 24, drop };
}

/** The y axis: grid lines, their values and the value's name. */
function yAxis(root, { y, top, left, plotW, valueName }) {
  for (const t of ticks(y.lo, y.hi)) {
    root.append(svg("line", { x1: left, x2: left + plotW, y1: y.at(t), y2: y.at(t), stroke: "#eceef1" }));
    root.append(svg("text", { x: left - 6, y: y.at(t) + 4, "font-size": 11, "text-anchor": "end", fill: "#5f6873" }, formatNumber(t)));
  }
  root.append(svg("text", { x: 14, y: top + PLOT_H / 2, "font-size": 11, fill: "#5f6873", "text-anchor": "middle",
    transform: `rotate(-90 14 ${top + PLOT_H / 2})` }, shorten(valueName, 40)));
}

/** One category: its violin, the fraction expressing and the count under it, its slanted name. */
function category(root, group, { x, w, y, top, range, color, name }) {
  const g = svg("g", { class: "violin", "data-code": group.code, "data-median": group.median, "data-frac": group.frac, "data-n": group.n });
  g.append(svg("title", {}, `${name}: median ${formatNumber(group.median)}, ${Math.round(group.frac * 100)}% expressing, ${count(group.n)} cells`));
  violin(g, group, { x, w, y, range, color });
  g.append(svg("text", { x, y: top + PLOT_H + 14, "font-size": 10, "text-anchor": "middle", fill: "#1d232b", class: "v-frac" }, `${Math.round(group.frac * 100)}%`));
  g.append(svg("text", { x, y: top + PLOT_H + 26, "font-size": 10, "text-anchor": "middle", fill: "#5f6873" }, count(group.n)));
  g.append(svg("text", { x, y: top + PLOT_H + 40, "font-size": 11, "text-anchor": "end", fill: "#1d232b", class: "v-cat",
    transform: `rotate(-40 ${x} ${top + PLOT_H + 40})` }, shorten(name, 24)));
  root.append(g);
}

/**
 * stats: violinStats(); column: {name, categories, colors}; title, subtitle: the figure's head;
 * source: what the values are (e.g. "X, log-normalised"); width: the px the panel has. Returns
 * the <svg> element (its data-fit: the width it was laid out for).
 */
export function drawViolins({ stats, column, title, subtitle, source, valueName, width = 900 }) {
  const groups = stats.groups.filter(Boolean);
  const names = groups.map((gr) => String(column.categories[gr.code]));
  const p = plan({ names, width, title, subtitle });
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", class: "violin-svg", "font-family": FONT, "data-fit": width });
  const background = svg("rect", { x: 0, y: 0, fill: "#ffffff" });
  root.append(background);
  const top = figureHead(root, { title, subtitle, width: p.textW, size: 17 }) + 18;
  const [lo0, hi0] = stats.range;
  const pad = hi0 > lo0 ? (hi0 - lo0) * 0.03 : 1;
  const y = { lo: lo0 - pad, hi: hi0 + pad };
  y.at = (v) => top + (1 - (v - y.lo) / (y.hi - y.lo)) * PLOT_H;
  const plotW = groups.length * p.w;
  yAxis(root, { y, top, left: p.left, plotW, valueName });
  const colors = categoryColors(column.colors, column.categories.length);
  groups.forEach((group, i) => category(root, group, { x: p.left + i * p.w + p.w / 2, w: p.w, y, top, range: stats.range,
    color: cssColor(colors[group.code]), name: names[i] }));
  root.append(svg("text", { x: p.left - 6, y: top + PLOT_H + 14, "font-size": 10, "text-anchor": "end", fill: "#5f6873" }, "% expr."));
  root.append(svg("text", { x: p.left - 6, y: top + PLOT_H + 26, "font-size": 10, "text-anchor": "end", fill: "#5f6873" }, "cells"));
  const under = top + PLOT_H + 40 + p.drop;
  const items = legendItems(column.name, source, p.legendW);
  const legendEnd = p.beside ? legend(root, items, { x: p.left + plotW + GAP, top, columns: 1, width: p.legendW })
    : legend(root, items, { x: 12, top: under + 16, columns: p.columns, width: p.legendW });
  const height = Math.ceil(Math.max(under, legendEnd) + 14);
  for (const [k, v] of Object.entries({ width: p.width, height, viewBox: `0 0 ${p.width} ${height}`, "data-top": top, "data-height": PLOT_H,
    "data-lo": y.lo, "data-hi": y.hi })) root.setAttribute(k, String(v));
  background.setAttribute("width", String(p.width));
  background.setAttribute("height", String(height));
  return root;
}
