// The volcano plot of a comparison: log2 fold change (A over B) against −log10 adjusted p, one
// point per gene on a canvas (20,000 points draw in a few ms). Genes beyond the thresholds are
// coloured (up in A red, down blue), the strongest labelled; a point under the pointer is named
// in a tooltip and a click (or tap) colours the plot by that gene. Fold changes set by the
// pseudo-count (a gene not expressed on one side) would stretch the axis to ±30: they are drawn
// as open triangles at its edge. Adjusted p of 0 (below 1e-300) sit on the top edge.

import { el } from "../dom.js";
import { formatP } from "../format.js";
import { lfcFlag } from "../panels/markertable.js";

const PAD = { left: 42, right: 10, top: 10, bottom: 34 };
const P_LINE = 0.05;
const LFC_LINE = 1;
const COLORS = { up: "#c0392b", down: "#2e6db4", none: "#9aa3ad", ring: "#111" };
const LABELS = 6; // strongest genes named on each side

export function createVolcano({ onGene, labelOf }) {
  const wrap = el("div", "volcano");
  const canvas = el("canvas", "volcano-canvas");
  canvas.setAttribute("role", "img");
  const tip = el("div", "volcano-tip");
  tip.hidden = true;
  wrap.append(canvas, tip);
  let data = null; // {x, y, kind, edge, n} in data units
  let points = null; // screen positions (CSS px)
  let highlight = -1;
  let hover = -1;

  /** columns: the comparison's per-gene Float64Arrays. */
  function show(columns) {
    const n = columns.t.length;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const kind = new Int8Array(n); // 1 up, −1 down, 0 neither; NaN genes are not drawn
    const edge = new Uint8Array(n);
    let xMax = LFC_LINE * 1.5;
    let yMax = -Math.log10(P_LINE) * 1.5;
    for (let j = 0; j < n; j++) {
      const p = columns.pval_adj[j];
      const lfc = columns.logfoldchange[j];
      if (!Number.isFinite(p) || !Number.isFinite(lfc)) { kind[j] = 2; continue; }
      edge[j] = lfcFlag(columns.mean_a[j], columns.mean_b[j]) ? 1 : 0;
      x[j] = lfc;
      y[j] = p > 0 ? -Math.log10(p) : Infinity;
      if (!edge[j]) xMax = Math.max(xMax, Math.abs(lfc));
      if (Number.isFinite(y[j])) yMax = Math.max(yMax, y[j]);
      kind[j] = p < P_LINE && Math.abs(lfc) >= LFC_LINE ? Math.sign(lfc) : 0;
    }
    data = { x, y, kind, edge, n, xMax: xMax * 1.05, yMax: yMax * 1.05 };
    canvas.setAttribute("aria-label", `Volcano plot of ${n} genes: log2 fold change against −log10 adjusted p. ` +
      "The table below lists the same genes.");
    draw();
  }

  function setHighlight(index) {
    highlight = index;
    draw();
  }

  function layout() {
    const width = Math.max(200, wrap.clientWidth || 320);
    const height = Math.round(Math.min(320, Math.max(200, width * 0.72)));
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    return { width, height, ratio };
  }

  function draw() {
    if (!data) return;
    const { width, height, ratio } = layout();
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const sx = (v) => PAD.left + ((Math.max(-data.xMax, Math.min(data.xMax, v)) + data.xMax) / (2 * data.xMax)) * (width - PAD.left - PAD.right);
    const sy = (v) => height - PAD.bottom - (Math.min(v, data.yMax) / data.yMax) * (height - PAD.top - PAD.bottom);
    axes(g, width, height, sx, sy);
    points = new Float32Array(2 * data.n).fill(NaN);
    for (const pass of [0, 1]) { // grey first, coloured on top
      for (let j = 0; j < data.n; j++) {
        const k = data.kind[j];
        if (k === 2 || (pass === 0) !== (k === 0)) continue;
        const px = sx(data.x[j]);
        const py = sy(data.y[j]);
        points[2 * j] = px;
        points[2 * j + 1] = py;
        g.fillStyle = k > 0 ? COLORS.up : k < 0 ? COLORS.down : COLORS.none;
        g.strokeStyle = g.fillStyle;
        if (data.edge[j]) triangle(g, px, py, data.x[j] > 0);
        else g.fillRect(px - 1.5, py - 1.5, 3, 3);
      }
    }
    labels(g, width);
    g.lineWidth = 1.5;
    for (const j of [highlight, hover]) if (j >= 0 && Number.isFinite(points[2 * j])) ring(g, points[2 * j], points[2 * j + 1]);
  }

  function axes(g, width, height, sx, sy) {
    g.strokeStyle = "#c5cbd3";
    g.fillStyle = "#4a525c";
    g.lineWidth = 1;
    g.font = "11px system-ui, sans-serif";
    g.beginPath();
    g.moveTo(PAD.left, PAD.top);
    g.lineTo(PAD.left, height - PAD.bottom);
    g.lineTo(width - PAD.right, height - PAD.bottom);
    g.stroke();
    g.setLineDash([3, 3]);
    g.beginPath();
    for (const v of [-LFC_LINE, LFC_LINE]) { g.moveTo(sx(v), PAD.top); g.lineTo(sx(v), height - PAD.bottom); }
    g.moveTo(PAD.left, sy(-Math.log10(P_LINE)));
    g.lineTo(width - PAD.right, sy(-Math.log10(P_LINE)));
    g.stroke();
    g.setLineDash([]);
    g.textAlign = "center";
    g.textBaseline = "top";
    for (const v of ticks(-data.xMax, data.xMax)) g.fillText(String(v), sx(v), height - PAD.bottom + 4);
    g.fillText("log2 fold change (A over B)", (PAD.left + width - PAD.right) / 2, height - 14);
    g.textAlign = "right";
    g.textBaseline = "middle";
    for (const v of ticks(0, data.yMax)) g.fillText(String(v), PAD.left - 4, sy(v));
    g.save();
    g.translate(11, (PAD.top + height - PAD.bottom) / 2);
    g.rotate(-Math.PI / 2);
    g.textAlign = "center";
    g.fillText("−log10 adjusted p", 0, 0);
    g.restore();
  }

  /** The strongest genes of each side (highest −log10 p, then fold change), without overlaps. */
  function labels(g, width) {
    const taken = [];
    g.font = "11px system-ui, sans-serif";
    g.textBaseline = "bottom";
    for (const side of [1, -1]) {
      const genes = [];
      for (let j = 0; j < data.n; j++) if (data.kind[j] === side) genes.push(j);
      genes.sort((p, q) => data.y[q] - data.y[p] || Math.abs(data.x[q]) - Math.abs(data.x[p]));
      for (const j of genes.slice(0, LABELS * 3)) {
        if (taken.filter((t) => t.side === side).length >= LABELS) break;
        const text = labelOf(j);
        const w = g.measureText(text).width;
        const x = Math.min(Math.max(points[2 * j] + (side > 0 ? 3 : -3 - w), PAD.left + 2), width - PAD.right - w);
        const y = Math.max(points[2 * j + 1] - 2, PAD.top + 11);
        const box = { x, y: y - 11, w, h: 11, side };
        if (taken.some((t) => box.x < t.x + t.w && t.x < box.x + box.w && box.y < t.y + t.h && t.y < box.y + box.h)) continue;
        taken.push(box);
        g.fillStyle = "rgba(255,255,255,0.8)";
        g.fillRect(x - 1, y - 11, w + 2, 11);
        g.fillStyle = "#1d232b";
        g.textAlign = "left";
        g.fillText(text, x, y);
      }
    }
  }

  /** The gene drawn nearest to (px, py) within 8 px, or −1. */
  function nearest(px, py) {
    if (!points) return -1;
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
    draw();
    tip.hidden = j < 0;
    if (j < 0) return;
    const p = data.y[j] === Infinity ? 0 : 10 ** -data.y[j];
    tip.replaceChildren(el("b", null, labelOf(j)), ` log2FC ${data.x[j].toFixed(2)}, p adj ${formatP(p)}`);
    tip.style.left = `${Math.min(points[2 * j], canvas.clientWidth - 150)}px`;
    tip.style.top = `${Math.max(0, points[2 * j + 1] - 36)}px`;
  }

  canvas.addEventListener("pointermove", (ev) => { if (data) showTip(at(ev)); });
  canvas.addEventListener("pointerleave", () => { if (data) showTip(-1); });
  canvas.addEventListener("click", (ev) => {
    const j = data ? at(ev) : -1;
    if (j >= 0) onGene(j);
  });
  new ResizeObserver(() => draw()).observe(wrap);

  return { node: wrap, show, setHighlight, position: (j) => (points ? [points[2 * j], points[2 * j + 1]] : null) };
}

function triangle(g, x, y, right) {
  g.beginPath();
  const d = right ? 1 : -1;
  g.moveTo(x + 3 * d, y);
  g.lineTo(x - 2 * d, y - 3);
  g.lineTo(x - 2 * d, y + 3);
  g.closePath();
  g.stroke();
}

function ring(g, x, y) {
  g.strokeStyle = COLORS.ring;
  g.beginPath();
  g.arc(x, y, 5, 0, 2 * Math.PI);
  g.stroke();
}

/** Round tick values between lo and hi (about five). */
function ticks(lo, hi) {
  const step0 = (hi - lo) / 5;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}
