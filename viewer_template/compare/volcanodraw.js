// Drawing the volcano plot (volcano.js owns its state and interaction): the per-gene
// coordinates, the axes with threshold lines, the points as pixels, the labels of the strongest
// genes. Points are written into a pixel buffer: 20,000 fillRect calls took ~50 ms on a
// software-rendered canvas, the buffer ~10 ms.

import { lfcFlag } from "../panels/markertable.js";

export const PAD = { left: 42, right: 10, top: 10, bottom: 34 };
export const P_LINE = 0.05;
export const LFC_LINE = 1;
export const COLORS = { up: "#c0392b", down: "#2e6db4", none: "#9aa3ad", ring: "#111" };
const LABELS = 6; // strongest genes named on each side
const FONT = "11px system-ui, sans-serif";
export const NOT_DRAWN = 2; // kind of a gene without a finite p or fold change

/** Per gene: x (log2FC), y (−log10 adjusted p, ∞ for 0), kind (1 up, −1 down, 0 neither,
 * NOT_DRAWN), edge (fold change set by the pseudo-count); and the axis ranges. */
export function volcanoData(columns) {
  const n = columns.t.length;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const kind = new Int8Array(n);
  const edge = new Uint8Array(n);
  let xMax = LFC_LINE * 1.5;
  let yMax = -Math.log10(P_LINE) * 1.5;
  for (let j = 0; j < n; j++) {
    const p = columns.pval_adj[j];
    const lfc = columns.logfoldchange[j];
    if (!Number.isFinite(p) || !Number.isFinite(lfc)) {
      kind[j] = NOT_DRAWN;
      continue;
    }
    edge[j] = lfcFlag(columns.mean_a[j], columns.mean_b[j]) ? 1 : 0;
    x[j] = lfc;
    y[j] = p > 0 ? -Math.log10(p) : Infinity;
    if (!edge[j]) xMax = Math.max(xMax, Math.abs(lfc));
    if (y[j] !== Infinity) yMax = Math.max(yMax, y[j]);
    kind[j] = p < P_LINE && Math.abs(lfc) >= LFC_LINE ? Math.sign(lfc) : 0;
  }
  return { x, y, kind, edge, n, xMax: xMax * 1.05, yMax: yMax * 1.05 };
}

/** Scales from data to CSS pixels; values beyond the axes sit on its edge. */
export function scales(data, width, height) {
  const sx = (v) => PAD.left + ((Math.max(-data.xMax, Math.min(data.xMax, v)) + data.xMax) / (2 * data.xMax)) * (width - PAD.left - PAD.right);
  const sy = (v) => height - PAD.bottom - (Math.min(v, data.yMax) / data.yMax) * (height - PAD.top - PAD.bottom);
  return { sx, sy };
}

/** Screen positions of every drawn gene (NaN for the others). */
export function positions(data, { sx, sy }) {
  const points = new Float32Array(2 * data.n).fill(NaN);
  for (let j = 0; j < data.n; j++) {
    if (data.kind[j] === NOT_DRAWN) continue;
    points[2 * j] = sx(data.x[j]);
    points[2 * j + 1] = sy(data.y[j]);
  }
  return points;
}

export function drawAxes(g, data, width, height, { sx, sy }) {
  g.strokeStyle = "#c5cbd3";
  g.fillStyle = "#4a525c";
  g.lineWidth = 1;
  g.font = FONT;
  g.beginPath();
  g.moveTo(PAD.left, PAD.top);
  g.lineTo(PAD.left, height - PAD.bottom);
  g.lineTo(width - PAD.right, height - PAD.bottom);
  g.stroke();
  g.setLineDash([3, 3]);
  g.beginPath();
  for (const v of [-LFC_LINE, LFC_LINE]) {
    g.moveTo(sx(v), PAD.top);
    g.lineTo(sx(v), height - PAD.bottom);
  }
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

const word = (c) => (0xff000000 | (parseInt(c.slice(5, 7), 16) << 16) | (parseInt(c.slice(3, 5), 16) << 8) | parseInt(c.slice(1, 3), 16)) >>> 0;

/** The points as an image of w × h device pixels (grey first, coloured on top), and the open
 * triangles of edge genes as paths per colour (none, up, down). */
export function pointImage(data, points, w, h, ratio) {
  const pixels = new Uint32Array(w * h); // RGBA bytes as little-endian words: 0xAABBGGRR
  const half = Math.max(1, Math.round(1.5 * ratio));
  const colours = [word(COLORS.none), word(COLORS.up), word(COLORS.down)];
  const triangles = [new Path2D(), new Path2D(), new Path2D()];
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < data.n; j++) {
      const k = data.kind[j];
      if (k === NOT_DRAWN || (pass === 0) !== (k === 0)) continue;
      const c = k === 0 ? 0 : k > 0 ? 1 : 2;
      if (data.edge[j]) {
        triangle(triangles[c], points[2 * j], points[2 * j + 1], data.x[j] > 0);
        continue;
      }
      const cx = Math.round(points[2 * j] * ratio);
      const cy = Math.round(points[2 * j + 1] * ratio);
      const x0 = Math.max(0, cx - half);
      const x1 = Math.min(w, cx + half);
      for (let y = Math.max(0, cy - half); y < Math.min(h, cy + half); y++) pixels.fill(colours[c], y * w + x0, y * w + x1);
    }
  }
  return { image: new ImageData(new Uint8ClampedArray(pixels.buffer), w, h), triangles };
}

export function drawPoints(g, { image, triangles }) {
  const sheet = document.createElement("canvas");
  sheet.width = image.width;
  sheet.height = image.height;
  sheet.getContext("2d").putImageData(image, 0, 0);
  g.save();
  g.setTransform(1, 0, 0, 1, 0, 0);
  g.drawImage(sheet, 0, 0); // composited over the axes (putImageData would replace them)
  g.restore();
  g.lineWidth = 1;
  [COLORS.none, COLORS.up, COLORS.down].forEach((colour, i) => {
    g.strokeStyle = colour;
    g.stroke(triangles[i]);
  });
}

/** The strongest genes of each side (highest −log10 p, then fold change), without overlaps. */
export function drawLabels(g, data, points, width, labelOf) {
  const taken = [];
  g.font = FONT;
  g.textBaseline = "bottom";
  g.textAlign = "left";
  for (const side of [1, -1]) {
    const genes = [];
    for (let j = 0; j < data.n; j++) if (data.kind[j] === side) genes.push(j);
    genes.sort((p, q) => data.y[q] - data.y[p] || Math.abs(data.x[q]) - Math.abs(data.x[p]));
    let named = 0;
    for (const j of genes.slice(0, LABELS * 3)) {
      if (named >= LABELS) break;
      const text = labelOf(j);
      const w = g.measureText(text).width;
      const x = Math.min(Math.max(points[2 * j] + (side > 0 ? 3 : -3 - w), PAD.left + 2), width - PAD.right - w);
      const y = Math.max(points[2 * j + 1] - 2, PAD.top + 11);
      const box = { x, y: y - 11, w, h: 11 };
      if (taken.some((t) => box.x < t.x + t.w && t.x < box.x + box.w && box.y < t.y + t.h && t.y < box.y + box.h)) continue;
      taken.push(box);
      named++;
      g.fillStyle = "rgba(255,255,255,0.8)";
      g.fillRect(x - 1, y - 11, w + 2, 11);
      g.fillStyle = "#1d232b";
      g.fillText(text, x, y);
    }
  }
}

export function ring(g, x, y) {
  g.strokeStyle = COLORS.ring;
  g.lineWidth = 1.5;
  g.beginPath();
  g.arc(x, y, 5, 0, 2 * Math.PI);
  g.stroke();
}

function triangle(path, x, y, right) {
  const d = right ? 1 : -1;
  path.moveTo(x + 3 * d, y);
  path.lineTo(x - 2 * d, y - 3);
  path.lineTo(x - 2 * d, y + 3);
  path.closePath();
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
