// Drawing of the marker heatmap as one SVG with its title and legend: rows = categories,
// columns = genes (the dot plot's grid and labels), each cell the category's mean expression of
// the gene as a z-score across the categories shown (scaled per gene, so a gene's highest
// categories stand out whatever its level), on the blue-white-red map centred on 0. Clicking a
// gene's name or one of its cells colours the plot by it. Styles are attributes, not page CSS,
// so the saved SVG and PNG look as the panel does. Text via textContent.

import { axes, svg } from "./dotplotsvg.js";
import { colormap, colormapStops, cssColor } from "../colormaps.js";
import { iso } from "../dom.js";
import { formatNumber } from "../format.js";

const CELL = 20;
const HEAD = 52;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

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

/**
 * cats: row labels; labels: gene labels; mean(k, j); onGene(j); title, subtitle: the figure's
 * head. Returns the <svg> element.
 */
export function drawHeatmap({ cats, labels, mean, onGene, title, subtitle }) {
  const z = zScores(cats.length, labels.length, mean);
  // the colour range: the largest |z| up to the next half, at most 3 (a legend of ±2.5, not ±2.472)
  const m = Math.min(3, Math.max(1, Math.ceil(2 * Math.max(0, ...z.flat().filter(Number.isFinite).map(Math.abs))) / 2));
  const map = colormap("diverging");
  const maxCat = Math.max(...cats.map((c) => Math.min(32, c.length)));
  const maxGene = Math.max(...labels.map((l) => Math.min(26, l.length)));
  const left = Math.min(230, 14 + maxCat * 6.6);
  const top = HEAD + Math.min(170, 20 + maxGene * 5.6);
  const width = Math.ceil(left + labels.length * CELL + 40 + 150);
  const height = Math.ceil(Math.max(top + cats.length * CELL + 16, top + 130));
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    class: "heatmap-svg", "font-family": FONT, "font-size": 11, "data-zmax": m });
  root.append(svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
  root.append(svg("text", { x: 12, y: 22, "font-size": 16, "font-weight": 600, fill: "#1d232b" }, title));
  root.append(svg("text", { x: 12, y: 40, "font-size": 12, fill: "#5f6873" }, subtitle));
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
  const grid = svg("g", { class: "grid" });
  axes(grid, { cats, labels, left, top, onGene });
  for (const line of grid.querySelectorAll("line")) line.remove(); // the cells are the grid (and take the clicks)
  // the page's CSS colours the dot plot's labels; here they carry their own colours
  for (const t of grid.querySelectorAll("text")) t.setAttribute("fill", t.getAttribute("class") === "dp-gene" ? "#1f5fbf" : "#1d232b");
  root.append(cells, grid);
  const lx = left + labels.length * CELL + 24;
  root.append(svg("text", { x: lx, y: top + 4, "font-weight": 600, fill: "#1d232b" }, "mean expression"));
  root.append(svg("text", { x: lx, y: top + 19, fill: "#5f6873", "font-size": 10 }, "z-score per gene across"));
  root.append(svg("text", { x: lx, y: top + 32, fill: "#5f6873", "font-size": 10 }, "the categories shown"));
  const defs = svg("defs");
  const grad = svg("linearGradient", { id: "hm-diverging", x1: 0, x2: 1, y1: 0, y2: 0 });
  for (const [at, colour] of colormapStops("diverging")) grad.append(svg("stop", { offset: at, "stop-color": colour }));
  defs.append(grad);
  root.append(defs);
  root.append(svg("rect", { x: lx, y: top + 42, width: 120, height: 10, fill: "url(#hm-diverging)" }));
  root.append(svg("text", { x: lx, y: top + 66, fill: "#5f6873", "font-size": 10 }, `−${formatNumber(m)}`));
  root.append(svg("text", { x: lx + 60, y: top + 66, fill: "#5f6873", "font-size": 10, "text-anchor": "middle" }, "0"));
  root.append(svg("text", { x: lx + 120, y: top + 66, fill: "#5f6873", "font-size": 10, "text-anchor": "end" }, `+${formatNumber(m)}`));
  return root;
}
