// The volcano plot of a comparison: log2 fold change (A over B) against −log10 adjusted p, one
// point per gene (drawing: volcanodraw.js). Genes beyond the thresholds are coloured (higher in A
// red, in B blue), the strongest named; the point under the pointer is named in a tooltip, and a
// click or tap colours the plot by that gene. Fold changes set by the pseudo-count (a gene not
// expressed on one side) would stretch the axis to ±30: they are open triangles on its edge.
// Adjusted p of 0 (below 1e-300) sit on the top edge.
//
// The plot is rendered once per result and size into an offscreen layer, in steps that are
// separate tasks (the page keeps answering); hovering and highlighting copy the layer and ring
// one point.

import { el } from "../dom.js";
import { formatP } from "../format.js";
import { COLORS, LFC_LINE, P_LINE, drawAxes, drawLabels, drawPoints, pointImage, positions, ring, scales, volcanoData } from "./volcanodraw.js";

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/** What the colours and marks mean, as text under the plot. */
function key() {
  const box = el("p", "volcano-key");
  const mark = (colour, symbol, text) => {
    const item = el("span", "volcano-key-item");
    const swatch = el("span", "volcano-swatch", symbol);
    swatch.style.color = colour;
    item.append(swatch, text);
    return item;
  };
  box.append(mark(COLORS.up, "■", "higher in A"), mark(COLORS.down, "■", "higher in B"),
    ` (adjusted p < ${P_LINE}, |log2FC| ≥ ${LFC_LINE}); `, mark(COLORS.none, "▷", "not expressed on one side: at the edge"));
  return box;
}

export function createVolcano({ onGene, labelOf }) {
  const wrap = el("div", "volcano");
  // the canvas joins the page with the first result (a page whose only canvas is the plot's
  // stays so until something is compared)
  const canvas = el("canvas", "volcano-canvas");
  canvas.setAttribute("role", "img");
  const tip = el("div", "volcano-tip");
  tip.hidden = true;
  wrap.append(tip, key());
  let data = null;
  let points = null; // CSS pixel positions of the rendered layer
  let layer = null; // {canvas, key, width, height, ratio}
  let generation = 0;
  let rendering = null; // the size key of the render under way
  let highlight = -1;
  let hover = -1;

  function size() {
    const width = Math.max(200, wrap.clientWidth);
    const height = Math.round(Math.min(320, Math.max(200, width * 0.72)));
    return { width, height, ratio: window.devicePixelRatio || 1 };
  }

  /** Render the layer for the current data and size, a step per task; false if superseded. */
  async function render() {
    const my = ++generation;
    const { width, height, ratio } = size();
    const key = `${width}x${height}@${ratio}`;
    const off = document.createElement("canvas");
    off.width = Math.round(width * ratio);
    off.height = Math.round(height * ratio);
    const g = off.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const scale = scales(data, width, height);
    drawAxes(g, data, width, height, scale);
    const at = positions(data, scale);
    await nextTask();
    if (my !== generation) return false;
    const image = pointImage(data, at, off.width, off.height, ratio);
    await nextTask();
    if (my !== generation) return false;
    drawPoints(g, image);
    drawLabels(g, data, at, width, labelOf);
    points = at;
    layer = { canvas: off, key, width, height, ratio };
    return true;
  }

  /** Copy the layer to the page and ring the highlighted and hovered genes. */
  function paint() {
    if (!layer) return;
    if (canvas.width !== layer.canvas.width || canvas.height !== layer.canvas.height) {
      canvas.width = layer.canvas.width;
      canvas.height = layer.canvas.height;
      canvas.style.width = `${layer.width}px`;
      canvas.style.height = `${layer.height}px`;
    }
    const g = canvas.getContext("2d");
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, canvas.width, canvas.height);
    g.drawImage(layer.canvas, 0, 0);
    g.setTransform(layer.ratio, 0, 0, layer.ratio, 0, 0);
    for (const j of [highlight, hover]) if (j >= 0 && Number.isFinite(points[2 * j])) ring(g, points[2 * j], points[2 * j + 1]);
  }

  /** Render (when shown and out of date) and paint. */
  async function update() {
    if (!data || !wrap.clientWidth) return; // hidden: rendered when shown (ResizeObserver)
    const { width, height, ratio } = size();
    const key = `${width}x${height}@${ratio}`;
    if (layer?.data !== data || layer.key !== key) {
      if (rendering === key) return; // that render paints when done
      rendering = key;
      const done = await render();
      if (!done) return;
      rendering = null;
      layer.data = data;
    }
    paint();
  }

  /** columns: the comparison's per-gene Float64Arrays. Resolves when drawn. */
  async function show(columns) {
    data = volcanoData(columns);
    layer = null;
    if (!canvas.isConnected) wrap.prepend(canvas);
    rendering = null;
    canvas.setAttribute("aria-label", `Volcano plot of ${data.n} genes: log2 fold change against −log10 adjusted p. ` +
      "The table below lists the same genes.");
    await nextTask();
    await update();
  }

  /** The gene drawn nearest to (px, py) within 8 px, or −1. */
  function nearest(px, py) {
    if (!points || !layer) return -1;
    let best = -1;
    let bestDistance = 64;
    for (let j = 0; j < data.n; j++) {
      const dx = points[2 * j] - px;
      const dy = points[2 * j + 1] - py;
      const d = dx * dx + dy * dy;
      if (d <= bestDistance) [best, bestDistance] = [j, d];
    }
    return best;
  }

  function at(ev) {
    const r = canvas.getBoundingClientRect();
    return nearest(ev.clientX - r.left, ev.clientY - r.top);
  }

  function showTip(j) {
    hover = j;
    paint();
    tip.hidden = j < 0;
    if (j < 0) return;
    const p = data.y[j] === Infinity ? 0 : 10 ** -data.y[j];
    tip.replaceChildren(el("b", null, labelOf(j)), ` log2FC ${data.x[j].toFixed(2)}, p adj ${formatP(p)}`);
    tip.style.left = `${Math.max(0, Math.min(points[2 * j] - 20, canvas.clientWidth - tip.offsetWidth))}px`;
    tip.style.top = `${Math.max(0, points[2 * j + 1] - 34)}px`;
  }

  canvas.addEventListener("pointermove", (ev) => { if (layer) showTip(at(ev)); });
  canvas.addEventListener("pointerleave", () => { if (layer) showTip(-1); });
  canvas.addEventListener("click", (ev) => {
    const j = layer ? at(ev) : -1;
    if (j >= 0) onGene(j);
  });
  new ResizeObserver(() => update()).observe(wrap);

  return {
    node: wrap,
    show,
    setHighlight(index) {
      highlight = index;
      paint();
    },
    /** CSS pixel position of gene j in the canvas (for tests and keyboard help), or null. */
    position: (j) => (points && Number.isFinite(points[2 * j]) ? [points[2 * j], points[2 * j + 1]] : null),
  };
}
