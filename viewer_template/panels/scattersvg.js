// Drawing of one gene against another as one SVG with title and legend: every cell a dot up to
// MAX_DOTS cells, beyond that a grid of squares shaded by how many cells fall in each (a million
// circles would stall the page and any drawing program); dots in their legend row's colour. The legend counts the cells expressing
// neither gene, either or both, and gives Pearson's r. Text via textContent.

import { svg } from "./dotplotsvg.js";
import { figureHead, headWidth, textWidth } from "./figurefit.js";
import { count, formatNumber, roundTicks } from "../format.js";
import { FONT } from "../look.js";

export const MAX_DOTS = 20000;
const LEFT = 62;
const SIZE = 340;
const BINS = 85;
const LEGEND_H = 150; // "Cells expressing", four rows, r and the cell count

/** Pearson's r of the pairs where both values are finite (float64), and their number. */
export function pearson(a, b, keep = null) {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if ((keep && !keep[i]) || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    n++;
    sa += a[i];
    sb += b[i];
  }
  const ma = sa / n;
  const mb = sb / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) {
    if ((keep && !keep[i]) || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return { n, r: saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN };
}

const ticks = (lo, hi) => roundTicks(lo, hi, 4);

function range(values, keep) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if ((keep && !keep[i]) || !Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return [0, 1];
  const pad = hi > lo ? (hi - lo) * 0.03 : 0.5;
  return [lo - pad, hi + pad];
}

/** A dot per cell in the colour of its legend row (neither, first only, second only, both). */
function points(root, { a, b, keep, x, y, groups }) {
  const fills = groups.map((g) => `rgb(${g.rgb.join(", ")})`);
  const dots = svg("g", { class: "sc-dots", "fill-opacity": 0.75, stroke: "rgba(0,0,0,0.35)", "stroke-width": 0.4 });
  for (let i = 0; i < a.length; i++) {
    if ((keep && !keep[i]) || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const fill = fills[(a[i] !== 0 ? 1 : 0) + (b[i] !== 0 ? 2 : 0)];
    dots.append(svg("circle", { cx: x(a[i]).toFixed(2), cy: y(b[i]).toFixed(2), r: 2, fill }));
  }
  root.append(dots);
}

/** Cells counted in BINS × BINS squares, shaded on a log scale: dark where many cells are. */
function density(root, { a, b, keep, x, y, top: plotTop }) {
  const grid = new Uint32Array(BINS * BINS);
  const cell = SIZE / BINS;
  for (let i = 0; i < a.length; i++) {
    if ((keep && !keep[i]) || !Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    const gx = Math.min(BINS - 1, Math.max(0, Math.floor((x(a[i]) - LEFT) / cell)));
    const gy = Math.min(BINS - 1, Math.max(0, Math.floor((y(b[i]) - plotTop) / cell)));
    grid[gy * BINS + gx]++;
  }
  const top = Math.log1p(Math.max(1, ...grid));
  const g = svg("g", { class: "sc-density" });
  for (let k = 0; k < grid.length; k++) {
    if (!grid[k]) continue;
    const t = 0.25 + 0.75 * (Math.log1p(grid[k]) / top);
    const shade = Math.round(235 - t * 210);
    g.append(svg("rect", { x: (LEFT + (k % BINS) * cell).toFixed(2), y: (plotTop + Math.floor(k / BINS) * cell).toFixed(2), width: cell.toFixed(2),
      height: cell.toFixed(2), fill: `rgb(${shade}, ${shade}, ${Math.min(255, shade + 20)})` }));
  }
  root.append(g);
}

/**
 * a, b: {label, values}; keep: subset mask or null; groups: legend.js blendGroups(); title,
 * subtitle; fit: the px the panel has (the legend goes under the plot when it does not fit
 * beside it; the title and subtitle wrap to it).
 */
export function drawScatter({ a, b, keep, groups, title, subtitle, fit = Infinity }) {
  const { n, r } = pearson(a.values, b.values, keep);
  const [x0, x1] = range(a.values, keep);
  const [y0, y1] = range(b.values, keep);
  const legendW = legendWidth(groups, n);
  const beside = fit >= LEFT + SIZE + 30 + legendW + 10;
  const plotWidth = beside ? LEFT + SIZE + 30 + legendW + 10 : Math.max(LEFT + SIZE + 20, LEFT + legendW + 10);
  const width = Math.ceil(Math.max(plotWidth, Math.min(fit, headWidth(title, subtitle, 17))));
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", class: "scatter-svg", width, "font-family": FONT, "font-size": 11 });
  root.append(svg("rect", { x: 0, y: 0, width, height: 0, fill: "#ffffff", class: "sc-back" }));
  const top = figureHead(root, { title, subtitle, width: width - 24, size: 17 }) + 18;
  const x = (v) => LEFT + ((v - x0) / (x1 - x0)) * SIZE;
  const y = (v) => top + (1 - (v - y0) / (y1 - y0)) * SIZE;
  root.append(svg("rect", { x: LEFT, y: top, width: SIZE, height: SIZE, fill: "none", stroke: "#cdd2d9" }));
  for (const t of ticks(x0, x1)) {
    root.append(svg("line", { x1: x(t), x2: x(t), y1: top + SIZE, y2: top + SIZE + 4, stroke: "#5f6873" }));
    root.append(svg("text", { x: x(t), y: top + SIZE + 16, "text-anchor": "middle", fill: "#5f6873" }, formatNumber(t)));
  }
  for (const t of ticks(y0, y1)) {
    root.append(svg("line", { x1: LEFT - 4, x2: LEFT, y1: y(t), y2: y(t), stroke: "#5f6873" }));
    root.append(svg("text", { x: LEFT - 7, y: y(t) + 4, "text-anchor": "end", fill: "#5f6873" }, formatNumber(t)));
  }
  root.append(svg("text", { x: LEFT + SIZE / 2, y: top + SIZE + 36, "text-anchor": "middle", fill: "#1d232b", "font-weight": 600 }, a.label));
  root.append(svg("text", { x: 16, y: top + SIZE / 2, "text-anchor": "middle", fill: "#1d232b", "font-weight": 600,
    transform: `rotate(-90 16 ${top + SIZE / 2})` }, b.label));
  (n > MAX_DOTS ? density : points)(root, { a: a.values, b: b.values, keep, x, y, groups, top });
  const legendTop = beside ? top : top + SIZE + 62;
  legend(root, { x: beside ? LEFT + SIZE + 30 : LEFT, top: legendTop, width: legendW, groups, r, n });
  const height = Math.ceil(beside ? top + SIZE + 50 : legendTop + LEGEND_H);
  Object.entries({ height, viewBox: `0 0 ${width} ${height}`, "data-r": r, "data-n": n, "data-x0": x0, "data-x1": x1, "data-y0": y0,
    "data-y1": y1, "data-left": LEFT, "data-top": top, "data-size": SIZE, "data-fit": Number.isFinite(fit) ? fit : "" })
    .forEach(([k, v]) => root.setAttribute(k, String(v)));
  root.querySelector(".sc-back").setAttribute("height", String(height));
  return root;
}

/** The legend's width: its longest line (a row is a dot, the label, a gap and the count). */
function legendWidth(groups, n) {
  const rows = groups.map((g) => 17 + textWidth(g.label, 12) + 16 + textWidth(count(g.count), 12));
  return Math.ceil(Math.max(textWidth("Cells expressing", 12, 600), textWidth(cellsNote(n), 11), ...rows));
}

const cellsNote = (n) => (n > MAX_DOTS ? `${count(n)} cells, as squares shaded by count` : `${count(n)} cells, one dot each`);

/** Who expresses which gene (a coloured dot and a count per row), Pearson's r and the cell count. */
function legend(root, { x: lx, top, width, groups, r, n }) {
  root.append(svg("text", { x: lx, y: top + 10, "font-weight": 600, fill: "#1d232b", "font-size": 12 }, "Cells expressing"));
  groups.forEach((g, k) => {
    const yy = top + 30 + k * 18;
    root.append(svg("circle", { cx: lx + 6, cy: yy - 4, r: 5, fill: `rgb(${g.rgb.join(", ")})` }));
    root.append(svg("text", { x: lx + 17, y: yy, fill: "#1d232b", "font-size": 12 }, g.label));
    root.append(svg("text", { x: lx + width, y: yy, fill: "#5f6873", "font-size": 12, "text-anchor": "end" }, count(g.count)));
  });
  root.append(svg("text", { x: lx, y: top + 120, fill: "#1d232b", "font-size": 12, class: "sc-r" }, `Pearson r = ${Number.isFinite(r) ? r.toFixed(3) : "NA"}`));
  root.append(svg("text", { x: lx, y: top + 138, fill: "#5f6873", "font-size": 11 }, cellsNote(n)));
}
