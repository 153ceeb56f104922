// Drawing of the marker heatmap as one SVG with its title and legend: rows = categories,
// columns = genes (the dot plot's grid and labels), each cell the category's mean expression of
// the gene as a z-score across the categories shown (scaled per gene, so a gene's highest
// categories stand out whatever its level), on the blue-white-red map centred on 0. Clicking a
// gene's name or one of its cells colours the plot by it. Styles are attributes, not page CSS,
// so the saved SVG and PNG look as the panel does. Text via textContent.

import { axes, matrixLayout, svg } from "./dotplotsvg.js";
import { figureHead, headWidth } from "./figurefit.js";
import { FONT } from "../look.js";
import { colormap, colormapStops, cssColor } from "../colormaps.js";
import { iso } from "../dom.js";
import { formatNumber } from "../format.js";

const CELL = 20;
const LEGEND_W = 130;
const LEGEND_H = 66;

/** z-scores of mean(k, j) over the categories k, per gene j (0 for a gene equal everywhere). */
export function zScores(nCats, nGenes, mean) {
  const out = [];
  for (let j = 0; j < nGenes; j++) {
    const v = Array.from({ length: nCats }, (_, k) => Number(mean(k, j)));
    const finite = v.filter(Number.isFinite);
    const mu = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
    const sd = Math.sqrt(finite.reduce((a, b) => a + (b - mu) ** 2, 0) / Math.max(1, finite.length - 1));
    out.push(v.map((x) => (Number.isFinite(x) ? (sd > 0 ? (x - mu) / sd : 0) : NaN)));
  }
  return out; // out[j][k]
}

/** The colour legend with its first baseline at `y`: what the colour is, the bar of −m … +m. */
function legend(root, { x, y, m }) {
  const g = svg("g", { class: "hm-legend" });
  g.append(svg("text", { x, y, "font-weight": 600, fill: "#1d232b" }, "mean expression"));
  g.append(svg("text", { x, y: y + 15, fill: "#5f6873", "font-size": 10 }, "z-score per gene across"));
  g.append(svg("text", { x, y: y + 28, fill: "#5f6873", "font-size": 10 }, "the categories shown"));
  const defs = svg("defs");
  const grad = svg("linearGradient", { id: "hm-diverging", x1: 0, x2: 1, y1: 0, y2: 0 });
  for (const [at, colour] of colormapStops("diverging")) grad.append(svg("stop", { offset: at, "stop-color": colour }));
  defs.append(grad);
  root.append(defs);
  g.append(svg("rect", { x, y: y + 38, width: 120, height: 10, fill: "url(#hm-diverging)" }));
  g.append(svg("text", { x, y: y + 62, fill: "#5f6873", "font-size": 10 }, `−${formatNumber(m)}`));
  g.append(svg("text", { x: x + 60, y: y + 62, fill: "#5f6873", "font-size": 10, "text-anchor": "middle" }, "0"));
  g.append(svg("text", { x: x + 120, y: y + 62, fill: "#5f6873", "font-size": 10, "text-anchor": "end" }, `+${formatNumber(m)}`));
  root.append(g);
}

/** The cells, each coloured by its z-score (grey: no value); a click colours the plot by its gene. */
function cellsOf({ cats, labels, z, m, mean, onGene, left, top }) {
  const map = colormap("diverging");
  const cells = svg("g", { class: "hm-cells" });
  labels.forEach((l, j) => {
    cats.forEach((c, k) => {
      const v = z[j][k];
      const rect = svg("rect", { x: left + j * CELL, y: top + k * CELL, width: CELL, height: CELL, class: "hm-cell", "data-gene": j, "data-cat": k,
        "data-z": v, fill: Number.isFinite(v) ? cssColor(map((Math.max(-m, Math.min(m, v)) + m) / (2 * m))) : "#d6d6d6" });
      rect.append(svg("title", {}, `${iso(l)} in ${iso(c)}: mean ${formatNumber(Number(mean(k, j)))}, z ${formatNumber(v)} (click: colour the plot by ${iso(l)})`));
      rect.addEventListener("click", () => onGene(j));
      cells.append(rect);
    });
  });
  return cells;
}

/**
 * cats: row labels; labels: gene labels; mean(k, j); onGene(j); title, subtitle: the figure's
 * head; width: the px the panel has (data-fit). Returns the <svg> element.
 */
export function drawHeatmap({ cats, labels, mean, onGene, title, subtitle, width: fit = 900 }) {
  const z = zScores(cats.length, labels.length, mean);
  // the colour range: the largest |z| up to the next half, at most 3 (a legend of ±2.5, not ±2.472)
  const m = Math.min(3, Math.max(1, Math.ceil(2 * Math.max(0, ...z.flat().filter(Number.isFinite).map(Math.abs))) / 2));
  const sizes = { cats, labels, width: fit, beside: [LEGEND_W, LEGEND_H] };
  // the figure widens up to the panel's width for a long title; the head wraps within what is in view
  const natural = matrixLayout({ ...sizes, head: 0 }).width;
  const figureW = Math.ceil(Math.max(natural, Math.min(fit, headWidth(title, subtitle, 16))));
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", role: "img", class: "heatmap-svg", "font-family": FONT, "font-size": 11,
    "data-zmax": m, "data-fit": fit });
  const background = svg("rect", { x: 0, y: 0, fill: "#ffffff" });
  root.append(background);
  const head = figureHead(root, { title, subtitle, width: Math.min(figureW, Math.max(fit, 200)) - 24, size: 16 }) + 8;
  const { left, top, lx, ly, height } = matrixLayout({ ...sizes, head });
  const grid = svg("g", { class: "grid" });
  axes(grid, { cats, labels, left, top, onGene });
  for (const line of grid.querySelectorAll("line")) line.remove(); // the cells are the grid (and take the clicks)
  // the page's CSS colours the dot plot's labels; here they carry their own colours
  for (const t of grid.querySelectorAll("text")) t.setAttribute("fill", t.getAttribute("class") === "dp-gene" ? "#1f5fbf" : "#1d232b");
  root.append(cellsOf({ cats, labels, z, m, mean, onGene, left, top }), grid);
  legend(root, { x: lx, y: ly, m });
  for (const [k, v] of Object.entries({ width: figureW, height, viewBox: `0 0 ${figureW} ${height}` })) root.setAttribute(k, String(v));
  background.setAttribute("width", String(figureW));
  background.setAttribute("height", String(height));
  return root;
}
