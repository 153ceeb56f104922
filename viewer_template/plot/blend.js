// Pure: two genes on one plot. Each gene's value is put on LEVELS steps of its own colour scale
// (from its smallest value above 0 to its 99th percentile, as a single gene's scale; 0 is step
// 0), and each cell gets the colour of its pair of steps from a two-dimensional map: light grey
// where neither is expressed, red for the first gene, blue for the second, dark purple for both
// (a bivariate map that reads on a white page). The pair is drawn as a category of LEVELS²
// (the renderer's categorical mode), cells expressing more drawn over those expressing less.

import { ZERO_RGB } from "../colormaps.js";

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
