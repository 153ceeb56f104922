// Drawing of a violin plot as one SVG with its title and legend (the same element is shown in
// the panel and saved as SVG or PNG): one violin per category (the density's outline in the
// category's colour, the quartile box, the median as a white bar, whiskers to the last value
// within 1.5 IQR), every cell as a point in groups of up to SMALL_GROUP cells, and under each
// the fraction of cells expressing and the number of cells. Text via textContent.

import { svg } from "./dotplotsvg.js";
import { categoryColors, cssColor } from "../colormaps.js";
import { count, formatNumber } from "../format.js";
import { SMALL_GROUP } from "./violinstats.js";

const TOP = 62;
const PLOT_H = 260;
const LEFT = 58;
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";
const LEGEND_W = 250;

/** About five round numbers across [lo, hi]. */
function ticks(lo, hi) {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

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

function legend(root, { x, top, title, source }) {
  const lines = [
    [title, 600], [`Values: ${source}`, 400], ["Violin: density of the cells' values", 400], ["Box: quartiles; white bar: median", 400],
    ["Whiskers: last values within 1.5 × IQR", 400], [`Dots: every cell, in groups of ≤ ${SMALL_GROUP}`, 400],
    ["% expr.: cells with a value above 0", 400], ["cells: cells with a value", 400],
  ];
  lines.forEach(([text, weight], k) => root.append(svg("text", { x, y: top + 12 + k * 17, "font-size": 12, "font-weight": weight, fill: k ? "#5f6873" : "#1d232b" }, text)));
}

/**
 * stats: violinStats(); column: {name, categories, colors}; title, subtitle: the figure's head;
 * source: what the values are (e.g. "X, log-normalised"). Returns the <svg> element.
 */
export function drawViolins({ stats, column, title, subtitle, source, valueName }) {
  const groups = stats.groups.filter(Boolean);
  const w = Math.max(34, Math.min(80, 900 / Math.max(1, groups.length)));
  const longest = Math.max(0, ...groups.map((gr) => Math.min(24, String(column.categories[gr.code]).length)));
  const bottom = TOP + PLOT_H + 40 + longest * 5.2 + 14;
  const plotW = groups.length * w;
  const width = Math.ceil(LEFT + plotW + 24 + LEGEND_W);
  const height = Math.ceil(Math.max(bottom, TOP + 8 * 17 + 20));
  const [lo0, hi0] = stats.range;
  const pad = hi0 > lo0 ? (hi0 - lo0) * 0.03 : 1;
  const y = { lo: lo0 - pad, hi: hi0 + pad };
  y.at = (v) => TOP + (1 - (v - y.lo) / (y.hi - y.lo)) * PLOT_H;
  const root = svg("svg", { xmlns: "http://www.w3.org/2000/svg", class: "violin-svg", width, height, viewBox: `0 0 ${width} ${height}`,
    "font-family": FONT, "data-top": TOP, "data-height": PLOT_H, "data-lo": y.lo, "data-hi": y.hi });
  root.append(svg("rect", { x: 0, y: 0, width, height, fill: "#ffffff" }));
  root.append(svg("text", { x: 12, y: 24, "font-size": 17, "font-weight": 600, fill: "#1d232b" }, title));
  root.append(svg("text", { x: 12, y: 44, "font-size": 12, fill: "#5f6873" }, subtitle));
  for (const t of ticks(y.lo, y.hi)) {
    root.append(svg("line", { x1: LEFT, x2: LEFT + plotW, y1: y.at(t), y2: y.at(t), stroke: "#eceef1" }));
    root.append(svg("text", { x: LEFT - 6, y: y.at(t) + 4, "font-size": 11, "text-anchor": "end", fill: "#5f6873" }, formatNumber(t)));
  }
  const axis = svg("text", { x: 14, y: TOP + PLOT_H / 2, "font-size": 11, fill: "#5f6873", "text-anchor": "middle",
    transform: `rotate(-90 14 ${TOP + PLOT_H / 2})` }, shorten(valueName, 40));
  root.append(axis);
  const colors = categoryColors(column.colors, column.categories.length);
  groups.forEach((group, i) => {
    const x = LEFT + i * w + w / 2;
    const name = String(column.categories[group.code]);
    const g = svg("g", { class: "violin", "data-code": group.code, "data-median": group.median, "data-frac": group.frac, "data-n": group.n });
    g.append(svg("title", {}, `${name}: median ${formatNumber(group.median)}, ${Math.round(group.frac * 100)}% expressing, ${count(group.n)} cells`));
    violin(g, group, { x, w, y, range: stats.range, color: cssColor(colors[group.code]) });
    g.append(svg("text", { x, y: TOP + PLOT_H + 14, "font-size": 10, "text-anchor": "middle", fill: "#1d232b", class: "v-frac" }, `${Math.round(group.frac * 100)}%`));
    g.append(svg("text", { x, y: TOP + PLOT_H + 26, "font-size": 9, "text-anchor": "middle", fill: "#5f6873" }, count(group.n)));
    const label = svg("text", { x, y: TOP + PLOT_H + 40, "font-size": 11, "text-anchor": "end", fill: "#1d232b", class: "v-cat",
      transform: `rotate(-40 ${x} ${TOP + PLOT_H + 40})` }, shorten(name, 24));
    g.append(label);
    root.append(g);
  });
  root.append(svg("text", { x: LEFT - 6, y: TOP + PLOT_H + 14, "font-size": 10, "text-anchor": "end", fill: "#5f6873" }, "% expr."));
  root.append(svg("text", { x: LEFT - 6, y: TOP + PLOT_H + 26, "font-size": 9, "text-anchor": "end", fill: "#5f6873" }, "cells"));
  legend(root, { x: LEFT + plotW + 24, top: TOP, title: column.name, source });
  return root;
}
