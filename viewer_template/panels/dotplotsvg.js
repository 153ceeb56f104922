// Drawing of the dot plot as SVG: rows = categories, columns = genes; dot size = fraction of
// cells expressing, colour = mean expression scaled per gene (viridis). Text via textContent.

import { viridis, cssColor } from "../colormaps.js";
import { iso } from "../dom.js";
import { textWidth } from "./figurefit.js";

const NS = "http://www.w3.org/2000/svg";
const CELL = 20;
const GAP = 18;
const COS55 = Math.cos((55 * Math.PI) / 180);
const SIN55 = Math.sin((55 * Math.PI) / 180);

/**
 * Where a matrix of `cats` (rows) × `labels` (genes) and its legend go in a figure for `width`
 * px whose head ends at `head`: category names at the left, gene names slanted above, the
 * legend (`beside`: [w, h] px) beside the matrix when it fits there, else under it (`under`, by
 * default the same size; at the left, so when the matrix is wider than the panel and scrolls,
 * its legend is in view). Cells keep their size. Returns {left, top, lx, ly, width, height,
 * beside}: ly is the legend's first baseline.
 */
export function matrixLayout({ cats, labels, head, width, beside: [bw, bh], under: [uw, uh] = [bw, bh] }) {
  const catW = Math.max(0, ...cats.map((c) => textWidth(shorten(c, 32), 11)));
  const geneW = labels.map((l) => textWidth(shorten(l, 26), 11));
  const left = Math.ceil(14 + catW);
  const top = Math.ceil(head + 16 + Math.max(0, ...geneW.map((w) => w * SIN55)));
  const gridW = labels.length * CELL;
  // the slanted names of the last genes reach past the grid's right edge
  const reach = Math.max(left + gridW, ...geneW.map((w, j) => left + (j + 0.5) * CELL + w * COS55 + 8));
  const bottom = top + cats.length * CELL;
  if (left + gridW + GAP + bw + 8 <= width) {
    const lx = left + gridW + GAP;
    return { left, top, lx, ly: top + 4, width: Math.ceil(Math.max(lx + bw + 8, reach)), height: Math.ceil(Math.max(bottom + 16, top + bh + 12)), beside: true };
  }
  const lx = left + uw + 12 <= width ? left : 12;
  const ly = bottom + 28;
  return { left, top, lx, ly, width: Math.ceil(Math.max(reach, left + gridW + 12, lx + uw + 12)), height: Math.ceil(ly + uh + 8), beside: false };
}

export function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** mean(k, j) scaled to [0, 1] over the shown categories, per gene j. */
function scaler(nCats, mean) {
  return (j) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let k = 0; k < nCats; k++) {
      const v = mean(k, j);
      if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    }
    return (v) => (Number.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0);
  };
}

export function axes(g, { cats, labels, left, top, onGene }) {
  const width = labels.length * CELL;
  cats.forEach((c, k) => {
    const y = top + k * CELL + CELL / 2;
    g.append(svg("line", { x1: left, x2: left + width, y1: y, y2: y, stroke: "#eceef1" }));
    const label = svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "dp-cat" }, shorten(c, 32));
    label.append(svg("title", {}, c));
    g.append(label);
  });
  labels.forEach((l, j) => {
    const x = left + j * CELL + CELL / 2;
    g.append(svg("line", { x1: x, x2: x, y1: top, y2: top + cats.length * CELL, stroke: "#eceef1" }));
    const t = svg("text", { x, y: top - 6, transform: `rotate(-55 ${x} ${top - 6})`, class: "dp-gene" }, shorten(l, 26));
    t.addEventListener("click", () => onGene(j));
    t.append(svg("title", {}, `${iso(l)}: click to colour the plot`));
    g.append(t);
  });
}

function dots(g, { cats, labels, left, top, frac, mean }) {
  const scale = scaler(cats.length, mean);
  labels.forEach((l, j) => {
    const s = scale(j);
    cats.forEach((c, k) => {
      const f = frac(k, j);
      if (!Number.isFinite(f) || f <= 0) return;
      const dot = svg("circle", {
        cx: left + j * CELL + CELL / 2, cy: top + k * CELL + CELL / 2, r: Math.max(1, Math.sqrt(f) * (CELL / 2 - 1)).toFixed(2),
        fill: cssColor(viridis(s(mean(k, j)))), stroke: "rgba(0,0,0,0.25)", "stroke-width": 0.5,
      });
      dot.append(svg("title", {}, `${iso(l)} in ${iso(c)}: ${Math.round(f * 100)}% expressing, mean ${Number(mean(k, j)).toPrecision(3)}`));
      g.append(dot);
    });
  });
}

const BESIDE = [120, 118]; // the legend's two parts one above the other
const UNDER = [270, 52]; // side by side

/** The legend with its first baseline at `top`: dot sizes, then the colour bar (below them, or at their right when `across`). */
function legend(root, lx, top, across) {
  const lg = svg("g", { class: "dp-legend" });
  lg.append(svg("text", { x: lx, y: top + 4, class: "dp-legend-title" }, "% expressing"));
  [0.25, 0.5, 0.75, 1].forEach((f, i) => {
    const cx = lx + 8 + i * 28;
    lg.append(svg("circle", { cx, cy: top + 22, r: Math.sqrt(f) * (CELL / 2 - 1), fill: "#888" }));
    lg.append(svg("text", { x: cx, y: top + 44, "text-anchor": "middle", class: "dp-small" }, `${f * 100}`));
  });
  const x = across ? lx + 150 : lx;
  const y = across ? top - 68 : top;
  lg.append(svg("text", { x, y: y + 72, class: "dp-legend-title" }, "mean expression"));
  lg.append(svg("text", { x, y: y + 86, class: "dp-small" }, "(scaled per gene)"));
  const defs = svg("defs");
  const grad = svg("linearGradient", { id: "dp-viridis", x1: 0, x2: 1, y1: 0, y2: 0 });
  for (let i = 0; i <= 10; i++) grad.append(svg("stop", { offset: `${i * 10}%`, "stop-color": cssColor(viridis(i / 10)) }));
  defs.append(grad);
  root.append(defs);
  lg.append(svg("rect", { x, y: y + 94, width: 110, height: 10, fill: "url(#dp-viridis)" }));
  lg.append(svg("text", { x, y: y + 118, class: "dp-small" }, "0"));
  lg.append(svg("text", { x: x + 110, y: y + 118, "text-anchor": "end", class: "dp-small" }, "1"));
  root.append(lg);
}

/**
 * cats: row labels; labels: column (gene) labels; frac(k, j), mean(k, j): statistics of row k,
 * column j; onGene(j): a gene label was clicked; width: the px the panel has (data-fit).
 */
export function drawDotplot({ cats, labels, frac, mean, onGene, width: fit = 900 }) {
  const { left, top, lx, ly, width, height, beside } = matrixLayout({ cats, labels, head: 0, width: fit, beside: BESIDE, under: UNDER });
  const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "dotplot-svg", "data-fit": fit });
  root.append(svg("title", {}, "Dot plot of marker genes"));
  const grid = svg("g", { class: "grid" });
  axes(grid, { cats, labels, left, top, onGene });
  const g = svg("g", { class: "dots" });
  dots(g, { cats, labels, left, top, frac, mean });
  root.append(grid, g);
  legend(root, lx, ly - 4, !beside);
  return root;
}
