// Category names on the plot, for the colouring's categorical column (the look's `labels`
// toggle): HTML text over the canvas (textContent, a white halo), placed again on every camera
// move and resize, so names follow pan and zoom and never pile up. The centres are computed once
// per embedding, column and subset. placed() gives the same names to the exports. Below: where
// the names go (categoryCentres, placeLabels; pure), in this module since the first frame shows
// the names: one file fewer to fetch before it.

import { el } from "../dom.js";
import { FONT } from "../look.js";
import { baseOf, turnPoint } from "./rotation.js";
import { worldToScreen } from "./camera.js";

export const LABEL_FONT = { size: 12, weight: 650 };

export function labelMeasurer() {
  const g = document.createElement("canvas").getContext("2d");
  g.font = `${LABEL_FONT.weight} ${LABEL_FONT.size}px ${FONT}`;
  const cache = new Map();
  return (text) => {
    if (!cache.has(text)) cache.set(text, g.measureText(text).width);
    return cache.get(text);
  };
}

/** The categorical column names are drawn for, or null (continuous, no colouring, toggled off). */
function labelledColumn(s) {
  if (!s.look.labels || !s.embedding || s.color.kind !== "obs" || s.color.column.kind === "continuous") return null;
  return s.color.column;
}

export function createPlotLabels({ area, store, view }) {
  const layer = el("div", "plot-labels");
  layer.id = "plot-labels";
  layer.setAttribute("aria-hidden", "true"); // the legend names the categories for screen readers
  area.append(layer);
  const measure = labelMeasurer();
  let key = null; // [embedding, column, subset] the centres belong to
  let centres = [];
  let frame = 0;
  const spans = new Map(); // code → span, reused across frames

  // a 3-D embedding: the medians of the three coordinates, once, turned with the cloud (its
  // projected cells' medians would be recomputed on every frame of a turn)
  function centresFor(s, column) {
    const subset = s.subset?.mask ?? null;
    const e = baseOf(s.embedding);
    if (!key || key[0] !== e || key[1] !== column || key[2] !== subset) {
      centres = categoryCentres(e, column.codes, column.categories.length, subset);
      key = [e, column, subset];
    }
    return e === s.embedding ? centres : centres.map((c) => ({ ...c, ...turnPoint(s.embedding, c) }));
  }

  /** Names placed for a plot of `size` (CSS px) in the current view: [{code, text, x, y, w, h}]. */
  function placed(size = view.size()) {
    const s = store.get();
    const column = labelledColumn(s);
    if (!column || !s.camera) return [];
    return placeLabels(centresFor(s, column), { camera: s.camera, bounds: s.embedding.bounds, size, names: column.categories,
      hidden: s.categories.hidden, measure });
  }

  function draw() {
    frame = 0;
    const shown = new Set();
    for (const p of placed()) {
      let span = spans.get(p.code);
      if (!span || span.textContent !== p.text) {
        span?.remove();
        span = el("span", "plot-label", p.text);
        span.dataset.code = String(p.code);
        spans.set(p.code, span);
        layer.append(span);
      }
      span.style.transform = `translate(${(p.x - p.w / 2).toFixed(1)}px, ${(p.y - p.h / 2).toFixed(1)}px)`;
      span.hidden = false;
      shown.add(p.code);
    }
    for (const [code, span] of spans) if (!shown.has(code)) span.hidden = true;
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  store.subscribe((s, prev, changed) => {
    // names are kept while a 3-D embedding turns (the same id): only their places change
    if (changed.includes("color") || (changed.includes("embedding") && prev.embedding?.id !== s.embedding?.id)) {
      for (const span of spans.values()) span.remove();
      spans.clear();
    }
    schedule();
  }, ["embedding", "color", "categories", "camera", "subset", "look"]);
  new ResizeObserver(schedule).observe(area);
  return { placed };
}

// Pure: where category names go on the plot. Each category's centre is the median of its cells'
// positions (x and y apart, as numpy's median: the mean of the two middle values for an even
// count), which sits inside the cluster where a mean would fall between two lobes. Placement
// keeps the largest categories first and drops a name that would overlap one already placed,
// so zoomed out the plot shows the big clusters' names and zooming in reveals the rest.

/** k-th smallest of a[lo..hi) (Hoare's selection, in place). */
function select(a, lo, hi, k) {
  let l = lo;
  let r = hi - 1;
  while (r > l) {
    const pivot = a[(l + r) >> 1];
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k];
  }
  return a[k];
}

function median(a, lo, hi) {
  const n = hi - lo;
  const upper = select(a, lo, hi, lo + (n >> 1));
  if (n % 2) return upper;
  // the lower middle is the largest value left of the upper one after the selection
  let lower = -Infinity;
  for (let i = lo; i < lo + (n >> 1); i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/**
 * Median position of each category's drawn cells, in data coordinates: [{code, x, y, n}] for
 * categories with cells (and z, the median of a 3-D embedding's third coordinate, for
 * {z, zBounds}). embedding: {xy (uint16 pairs), bounds, hidden}; codes: Int per cell
 * (-1 none); keep: Uint8Array of the cells shown (a subset) or null for all.
 */
export function categoryCentres(embedding, codes, nCategories, keep = null) {
  const { xy, bounds } = embedding;
  const n = codes.length;
  const starts = new Uint32Array(nCategories + 1);
  const usable = (i) => {
    const c = codes[i];
    if (c < 0 || c >= nCategories || (keep && !keep[i])) return false;
    return !(embedding.hidden > 0 && xy[2 * i] === 65535 && xy[2 * i + 1] === 65535); // no position
  };
  for (let i = 0; i < n; i++) if (usable(i)) starts[codes[i] + 1]++;
  for (let k = 0; k < nCategories; k++) starts[k + 1] += starts[k];
  const fill = starts.slice(0, nCategories);
  const xs = new Uint16Array(starts[nCategories]);
  const ys = new Uint16Array(starts[nCategories]);
  const z = embedding.z ?? null; // a 3-D embedding's third coordinate: its median too
  const zs = z ? new Uint16Array(starts[nCategories]) : null;
  for (let i = 0; i < n; i++) {
    if (!usable(i)) continue;
    const at = fill[codes[i]]++;
    xs[at] = xy[2 * i];
    ys[at] = xy[2 * i + 1];
    if (z) zs[at] = z[i];
  }
  const rx = (bounds.max[0] - bounds.min[0]) / 65535;
  const ry = (bounds.max[1] - bounds.min[1]) / 65535;
  const out = [];
  for (let k = 0; k < nCategories; k++) {
    const lo = starts[k];
    const hi = starts[k + 1];
    if (hi === lo) continue;
    const c = { code: k, n: hi - lo, x: bounds.min[0] + median(xs, lo, hi) * rx, y: bounds.min[1] + median(ys, lo, hi) * ry };
    if (z) c.z = embedding.zBounds.min + (median(zs, lo, hi) * (embedding.zBounds.max - embedding.zBounds.min)) / 65535;
    out.push(c);
  }
  return out;
}

/**
 * Names that fit: centres → [{code, text, x, y, w, h}] in CSS px of a plot of `size`, the
 * largest categories first, none overlapping another (with a gap) or leaving the plot.
 * measure(text) → width in px; names: the categories; hidden: Set of codes not drawn.
 */
export function placeLabels(centres, { camera, bounds, size, names, hidden, measure, height = 16, gap = 3 }) {
  const placed = [];
  const grid = new Map(); // 64-px cells → boxes placed there, so a thousand names stay quick
  const cellsOf = (b) => {
    const keys = [];
    for (let gx = Math.floor(b.x0 / 64); gx <= Math.floor(b.x1 / 64); gx++) {
      for (let gy = Math.floor(b.y0 / 64); gy <= Math.floor(b.y1 / 64); gy++) keys.push(`${gx},${gy}`);
    }
    return keys;
  };
  const bySize = centres.filter((c) => !hidden.has(c.code)).sort((a, b) => b.n - a.n || a.code - b.code);
  for (const c of bySize) {
    const [x, y] = worldToScreen(camera, bounds, size.width, size.height, c.x, c.y);
    const text = String(names[c.code]);
    const w = measure(text);
    const box = { x0: x - w / 2 - gap, x1: x + w / 2 + gap, y0: y - height / 2 - gap, y1: y + height / 2 + gap };
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > size.width || box.y1 > size.height) continue;
    const keys = cellsOf(box);
    const hit = keys.some((key) => (grid.get(key) || []).some((o) => o.x0 < box.x1 && box.x0 < o.x1 && o.y0 < box.y1 && box.y0 < o.y1));
    if (hit) continue;
    for (const key of keys) {
      if (!grid.has(key)) grid.set(key, []);
      grid.get(key).push(box);
    }
    placed.push({ code: c.code, text, x, y, w, h: height });
  }
  return placed;
}
