// Pure: turn a column or gene into what the renderer draws (values, draw order, palette).
// Draw order puts missing values first (underneath) and, for continuous values, low under high.
// Two genes on one plot (blendArrays) are below.

import { categoryColors, colormapLut, MISSING_RGB, ZERO_RGB } from "../colormaps.js";

export const MISSING_VALUE = -3e38;
export const ZERO_VALUE = -2e38; // "not expressed": drawn light grey, under every expressing cell
const BINS = 256;

/** Categorical codes → {mode, values, order, palette}. hidden: Set of codes; highlight: code or null. */
export function categorical(codes, colors, nCategories, { hidden = new Set(), highlight = null } = {}) {
  const n = codes.length;
  const values = new Float32Array(n);
  const rgb = categoryColors(colors, nCategories);
  const palette = new Uint8Array(Math.max(1, nCategories) * 4);
  for (let k = 0; k < nCategories; k++) {
    const dim = highlight !== null && highlight !== k;
    const c = dim ? MISSING_RGB : rgb[k];
    palette.set([c[0], c[1], c[2], hidden.has(k) ? 0 : 255], k * 4);
  }
  // a byte per category, not the Set, in the loops over every cell (the first frame runs them
  // before the engine has optimised anything: ~10 ms at 20,000 cells with Set lookups)
  const isHidden = new Uint8Array(Math.max(1, nCategories));
  for (const k of hidden) if (k >= 0 && k < nCategories) isHidden[k] = 1;
  // three layers: missing, dimmed (not highlighted), the rest
  let nMissing = 0;
  let nTop = 0;
  let nVisible = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    if (c < 0 || c >= nCategories) {
      values[i] = -1;
      nMissing++;
      nVisible++;
    } else {
      values[i] = c;
      if (!isHidden[c]) {
        nVisible++;
        if (highlight === null || highlight === c) nTop++;
      }
    }
  }
  const order = new Uint32Array(nVisible);
  let a = 0;
  let b = nMissing;
  let t = nVisible - nTop;
  for (let i = 0; i < n; i++) {
    const c = values[i];
    if (c < 0) order[a++] = i;
    else if (!isHidden[c]) {
      if (highlight === null || highlight === c) order[t++] = i;
      else order[b++] = i;
    }
  }
  return { mode: "categorical", values, order, palette };
}

/**
 * Continuous values (NaN = missing) → {mode, values, order, vmin, vmax, cmap, lut}. With `zero`,
 * cells of exactly 0 are drawn light grey above the missing ones and below every other value.
 */
export function continuous(raw, vmin, vmax, { zero = false, cmap = "viridis" } = {}) {
  const n = raw.length;
  const values = new Float32Array(n);
  const bins = new Uint32Array(BINS + 3); // bin 0 = missing, 1 = zero, then BINS value bins
  const span = vmax - vmin;
  const binOf = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    const v = raw[i];
    let bin;
    if (!Number.isFinite(v)) {
      values[i] = MISSING_VALUE;
      bin = 0;
    } else if (zero && v === 0) {
      values[i] = ZERO_VALUE;
      bin = 1;
    } else {
      values[i] = v;
      const t = span > 0 ? (v - vmin) / span : 0;
      bin = 2 + Math.min(BINS - 1, Math.max(0, Math.floor(t * BINS)));
    }
    binOf[i] = bin;
    bins[bin + 1]++;
  }
  for (let k = 1; k < bins.length; k++) bins[k] += bins[k - 1];
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[bins[binOf[i]]++] = i;
  return { mode: "continuous", values, order, vmin, vmax, cmap, lut: colormapLut(cmap) };
}

/**
 * A byte per cell for the renderer: bit 0 selected, bit 1 outside the subset (not drawn). The
 * selected cells are drawn after the others (renderer.js, two passes), so the selection needs
 * no reordering; without a subset the selection's mask is the state as it is.
 */
export function cellState(selected, universe) {
  if (!universe) return selected ?? null;
  const n = universe.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (selected ? selected[i] : 0) | (universe[i] ? 0 : 2);
  return out;
}

export function identityOrder(n) {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/**
 * Upper end of a gene's colour scale: the 99th percentile of the cells with a value > 0 (a few
 * extreme cells would otherwise leave every other expressing cell dark). Returns the true max
 * when that is not larger, so small or flat genes keep their full range.
 */
export function robustMax(values, max) {
  const positive = [];
  const step = Math.max(1, Math.floor(values.length / 200000));
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (v > 0 && Number.isFinite(v)) positive.push(v);
  }
  if (positive.length < 500) return max; // small data: show the full range
  const sorted = Float64Array.from(positive).sort();
  const p = sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))];
  return p > 0 && p < max ? p : max;
}

/**
 * Colour range of a continuous obs column: [lo, hi] inside [min, max]. With 500+ finite values,
 * an end is moved to the 1st / 99th percentile when the 1% of cells beyond it would otherwise
 * take more than a fifth of the colour scale (a few outliers leaving every other cell one
 * colour). Otherwise, and for small, flat or all-missing columns, the full range.
 */
export function robustRange(values, min, max) {
  if (!(Number.isFinite(min) && Number.isFinite(max)) || !(max > min)) return [min, max];
  const finite = [];
  const step = Math.max(1, Math.floor(values.length / 200000));
  for (let i = 0; i < values.length; i += step) {
    const v = values[i];
    if (Number.isFinite(v)) finite.push(v);
  }
  if (finite.length < 500) return [min, max];
  const sorted = Float64Array.from(finite).sort();
  const k = sorted.length - 1;
  const p1 = sorted[Math.floor(0.01 * k)];
  const p99 = sorted[Math.ceil(0.99 * k)];
  const span = max - min;
  const lo = p1 > min && p1 - min > 0.2 * span ? p1 : min;
  const hi = p99 < max && max - p99 > 0.2 * span ? p99 : max;
  return hi > lo ? [lo, hi] : [min, max];
}

// Pure: two genes on one plot. Each gene's value is put on LEVELS steps of its own colour scale
// (from its smallest value above 0 to its 99th percentile, as a single gene's scale; 0 is step
// 0), and each cell gets the colour of its pair of steps from a two-dimensional map: light grey
// where neither is expressed, red for the first gene, blue for the second, dark purple for both
// (a bivariate map that reads on a white page). The pair is drawn as a category of LEVELS²
// (the renderer's categorical mode), cells expressing more drawn over those expressing less.

export const LEVELS = 8;
const A_RGB = [214, 39, 40];
const B_RGB = [31, 110, 212];
const BOTH_RGB = [72, 20, 96];

/** [r, g, b] of steps (ta, tb) in [0, 1] each: bilinear between the four corners. */
export function blendColor(ta, tb) {
  return [0, 1, 2].map((c) => Math.round(
    ZERO_RGB[c] * (1 - ta) * (1 - tb) + A_RGB[c] * ta * (1 - tb) + B_RGB[c] * (1 - ta) * tb + BOTH_RGB[c] * ta * tb));
}

/** A value's step on a gene's scale ({min, max} of the expressing cells; 0 → 0). */
export function level(v, { min, max }) {
  if (!(v > 0) && !(v < 0)) return 0;
  const span = max - min;
  const t = span > 0 ? (v - min) / span : 1;
  return 1 + Math.min(LEVELS - 2, Math.max(0, Math.floor(t * (LEVELS - 1))));
}

/**
 * The renderer's input for two genes: {mode: "categorical", values (code = la * LEVELS + lb, −1
 * when a value is missing), order (by la + lb), palette}.
 */
export function blendArrays(a, b, rangeA, rangeB) {
  const n = a.length;
  const values = new Float32Array(n);
  const bins = new Uint32Array(2 * LEVELS + 1);
  const sums = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) {
      values[i] = -1;
      bins[0]++;
      continue;
    }
    const la = level(a[i], rangeA);
    const lb = level(b[i], rangeB);
    values[i] = la * LEVELS + lb;
    sums[i] = la + lb + 1;
    bins[la + lb + 1]++;
  }
  for (let k = 1; k < bins.length; k++) bins[k] += bins[k - 1];
  const order = new Uint32Array(n);
  const at = new Uint32Array(bins.length);
  at.set(bins.subarray(0, bins.length - 1), 1);
  for (let i = 0; i < n; i++) order[at[sums[i]]++] = i;
  const palette = new Uint8Array(LEVELS * LEVELS * 4);
  for (let la = 0; la < LEVELS; la++) {
    for (let lb = 0; lb < LEVELS; lb++) palette.set([...blendColor(la / (LEVELS - 1), lb / (LEVELS - 1)), 255], (la * LEVELS + lb) * 4);
  }
  return { mode: "categorical", values, order, palette };
}
