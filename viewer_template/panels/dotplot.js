// Dot plot of the top markers of every category of one DE grouping: rows = categories,
// columns = top 3 up-regulated genes per category; dot size = fraction of cells expressing,
// colour = mean expression scaled per gene (viridis). Built as SVG; all text via textContent.

import { viridis, cssColor } from "../colormaps.js";
import { el, iso } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";
const PER_CATEGORY = 3;
const CELL = 20;

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

export function createDotplot({ panel, dataset, genes, onGene }) {
  const ds = dataset;
  const body = panel.querySelector(".dotplot-body");
  const titleEl = panel.querySelector(".dotplot-title");
  let token = 0;
  let opener = null; // where the focus was: it goes back there when the dot plot closes

  /** Close the dot plot if it is open; true when it was. */
  function close() {
    if (panel.hidden) return false;
    panel.hidden = true;
    token++;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
    return true;
  }
  panel.querySelector(".dotplot-close").addEventListener("click", close);

  async function show(deId) {
    const my = ++token;
    if (panel.hidden) opener = document.activeElement;
    panel.hidden = false;
    body.replaceChildren(el("p", "note", "Loading…"));
    try {
      const info = await ds.deInfo(deId);
      const cats = (info.categories || []).map(String);
      titleEl.replaceChildren("Top markers per ", el("bdi", null, info.name));
      const K = cats.length;
      const tops = await Promise.all(cats.map((_, k) => ds.deRow(deId, "top_up", k)));
      const chosen = [];
      const seen = new Set();
      tops.forEach((row) => {
        let taken = 0;
        for (const g of row) {
          if (taken >= PER_CATEGORY) break;
          if (g < 0) break;
          taken++;
          if (!seen.has(g)) {
            seen.add(g);
            chosen.push(g);
          }
        }
      });
      const [fracRows, meanRows, index] = await Promise.all([
        Promise.all(cats.map((_, k) => ds.deRow(deId, "frac_in", k))),
        Promise.all(cats.map((_, k) => ds.deRow(deId, "mean_in", k))),
        genes(),
      ]);
      const labels = chosen.map((g) => index.label(g));
      if (my !== token) return;
      if (!chosen.length) {
        body.replaceChildren(el("p", "note", "No marker genes to show."));
        return;
      }
      body.replaceChildren(draw(cats, chosen, labels, fracRows, meanRows, K));
    } catch (err) {
      if (my !== token) return;
      body.replaceChildren(el("p", "note error", `Could not draw the dot plot: ${err.message}`));
    }
  }

  function draw(cats, genes, labels, fracRows, meanRows, K) {
    const maxCat = Math.max(...cats.map((c) => Math.min(32, c.length)));
    const maxGene = Math.max(...labels.map((l) => Math.min(22, l.length)));
    const left = Math.min(220, 12 + maxCat * 6.6);
    const top = Math.min(130, 14 + maxGene * 5.2);
    const legendW = 150;
    const width = left + genes.length * CELL + 16 + legendW;
    const height = Math.max(top + K * CELL + 12, top + 150);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", class: "dotplot-svg" });
    root.append(svg("title", {}, "Dot plot of marker genes"));
    // per-gene scaling of mean expression
    const scaled = genes.map((g) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < K; k++) {
        const v = meanRows[k][g];
        if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
      return (v) => (Number.isFinite(v) && hi > lo ? (v - lo) / (hi - lo) : 0);
    });
    const grid = svg("g", { class: "grid" });
    for (let k = 0; k < K; k++) {
      const y = top + k * CELL + CELL / 2;
      grid.append(svg("line", { x1: left, x2: left + genes.length * CELL, y1: y, y2: y, stroke: "#eceef1" }));
      const label = svg("text", { x: left - 8, y: y + 4, "text-anchor": "end", class: "dp-cat" }, shorten(cats[k], 32));
      label.append(svg("title", {}, cats[k]));
      grid.append(label);
    }
    genes.forEach((g, j) => {
      const x = left + j * CELL + CELL / 2;
      grid.append(svg("line", { x1: x, x2: x, y1: top, y2: top + K * CELL, stroke: "#eceef1" }));
      const t = svg("text", { x, y: top - 6, transform: `rotate(-55 ${x} ${top - 6})`, class: "dp-gene" }, shorten(labels[j], 22));
      t.addEventListener("click", () => onGene(g));
      const tip = svg("title", {}, `${iso(labels[j])}: click to colour the plot`);
      t.append(tip);
      grid.append(t);
    });
    root.append(grid);
    const dots = svg("g", { class: "dots" });
    for (let k = 0; k < K; k++) {
      genes.forEach((g, j) => {
        const f = fracRows[k][g];
        if (!Number.isFinite(f) || f <= 0) return;
        const r = Math.max(1, Math.sqrt(f) * (CELL / 2 - 1));
        const c = svg("circle", {
          cx: left + j * CELL + CELL / 2, cy: top + k * CELL + CELL / 2, r: r.toFixed(2),
          fill: cssColor(viridis(scaled[j](meanRows[k][g]))), stroke: "rgba(0,0,0,0.25)", "stroke-width": 0.5,
        });
        c.append(svg("title", {}, `${iso(labels[j])} in ${iso(cats[k])}: ${Math.round(f * 100)}% expressing, mean ${Number(meanRows[k][g]).toPrecision(3)}`));
        dots.append(c);
      });
    }
    root.append(dots);
    // legends
    const lx = left + genes.length * CELL + 24;
    const lg = svg("g", { class: "dp-legend" });
    lg.append(svg("text", { x: lx, y: top + 4, class: "dp-legend-title" }, "% expressing"));
    [0.25, 0.5, 0.75, 1].forEach((f, i) => {
      const cx = lx + 8 + i * 28;
      lg.append(svg("circle", { cx, cy: top + 22, r: Math.sqrt(f) * (CELL / 2 - 1), fill: "#888" }));
      lg.append(svg("text", { x: cx, y: top + 44, "text-anchor": "middle", class: "dp-small" }, `${f * 100}`));
    });
    lg.append(svg("text", { x: lx, y: top + 72, class: "dp-legend-title" }, "mean expression"));
    lg.append(svg("text", { x: lx, y: top + 86, class: "dp-small" }, "(scaled per gene)"));
    const defs = svg("defs");
    const grad = svg("linearGradient", { id: "dp-viridis", x1: 0, x2: 1, y1: 0, y2: 0 });
    for (let i = 0; i <= 10; i++) grad.append(svg("stop", { offset: `${i * 10}%`, "stop-color": cssColor(viridis(i / 10)) }));
    defs.append(grad);
    root.append(defs);
    lg.append(svg("rect", { x: lx, y: top + 94, width: 110, height: 10, fill: "url(#dp-viridis)" }));
    lg.append(svg("text", { x: lx, y: top + 118, class: "dp-small" }, "0"));
    lg.append(svg("text", { x: lx + 110, y: top + 118, "text-anchor": "end", class: "dp-small" }, "1"));
    root.append(lg);
    return root;
  }

  return { show, close };
}
