// Pure: a gene's (or any per-cell value's) distribution in each category of a column, for the
// violin plot. One pass groups the values by category (a counting sort), then each group is
// sorted once: quantiles as numpy computes them (linear interpolation, so the median is
// numpy's median), the fraction of cells above 0 ("expressing"), a density for the violin's
// outline (a histogram over the common range smoothed with a Gaussian kernel), and for small
// groups the values themselves, drawn as points.

export const SMALL_GROUP = 100; // groups this small also show each cell as a point
const BINS = 96;

/** numpy.quantile with the default linear interpolation, of n sorted values read by at(i). */
export function quantile(at, n, p) {
  const pos = (n - 1) * p;
  const i = Math.floor(pos);
  const a = at(i);
  return i + 1 < n ? a + (at(i + 1) - a) * (pos - i) : a;
}

/** Gaussian smoothing of a histogram, bandwidth `sigma` bins, scaled so the peak is 1. */
function smooth(hist, sigma) {
  const out = new Float64Array(hist.length);
  const reach = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * reach + 1 }, (_, k) => Math.exp(-0.5 * ((k - reach) / sigma) ** 2));
  let peak = 0;
  for (let i = 0; i < hist.length; i++) {
    if (!hist[i]) continue;
    for (let k = -reach; k <= reach; k++) if (i + k >= 0 && i + k < hist.length) out[i + k] += hist[i] * kernel[k + reach];
  }
  for (const v of out) peak = Math.max(peak, v);
  if (peak > 0) for (let i = 0; i < out.length; i++) out[i] /= peak;
  return out;
}

/**
 * One group's summary. Its values are `nz` (the values other than 0, sorted) and `zeros` cells
 * of 0: in single-cell data most cells of most genes are 0, and only the rest needs sorting.
 */
function summary(nz, zeros, range) {
  const n = nz.length + zeros;
  let neg = 0;
  while (neg < nz.length && nz[neg] < 0) neg++;
  const at = (i) => (i < neg ? nz[i] : i < neg + zeros ? 0 : nz[i - zeros]);
  const q1 = quantile(at, n, 0.25);
  const q3 = quantile(at, n, 0.75);
  const reach = 1.5 * (q3 - q1);
  let wlo = 0;
  while (at(wlo) < q1 - reach) wlo++;
  let whi = n - 1;
  while (at(whi) > q3 + reach) whi--;
  const expressing = nz.length - neg;
  const hist = new Float64Array(BINS);
  const span = range[1] - range[0];
  const bin = (v) => (span > 0 ? Math.min(BINS - 1, Math.floor(((v - range[0]) / span) * BINS)) : 0);
  for (let i = 0; i < nz.length; i++) hist[bin(nz[i])]++;
  if (zeros) hist[bin(0)] += zeros;
  // Scott's rule in bins, at least one bin: wide enough to be smooth, narrow enough for a spike at 0
  const sd = Math.max((q3 - q1) / 1.349, 1e-12);
  const sigma = span > 0 ? Math.min(6, Math.max(1, (1.06 * sd * n ** -0.2 * BINS) / span)) : 1;
  return {
    n, median: quantile(at, n, 0.5), q1, q3, min: at(0), max: at(n - 1), whiskers: [at(wlo), at(whi)],
    expressing, frac: expressing / n, density: smooth(hist, sigma),
    points: n <= SMALL_GROUP ? Array.from({ length: n }, (_, i) => at(i)) : null,
  };
}

/**
 * values: Float32Array per cell (NaN: missing, left out); codes: category per cell (-1: none);
 * keep: Uint8Array of the cells to count (a subset) or null. Returns {range: [min, max], groups:
 * [{code, n, median, q1, q3, min, max, whiskers, expressing, frac, density, points} | null]}.
 */
export function violinStats(values, codes, nCategories, keep = null) {
  const starts = new Uint32Array(nCategories + 1); // values other than 0, per category
  const zeros = new Uint32Array(nCategories);
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    const v = values[i];
    if (c < 0 || c >= nCategories || v !== v || (keep && !keep[i])) continue; // v !== v: NaN
    if (v === 0) zeros[c]++;
    else starts[c + 1]++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (let k = 0; k < nCategories; k++) starts[k + 1] += starts[k];
  const fill = starts.slice(0, nCategories);
  const grouped = new Float32Array(starts[nCategories]);
  for (let i = 0; i < n; i++) {
    const c = codes[i];
    const v = values[i];
    if (c < 0 || c >= nCategories || v !== v || v === 0 || (keep && !keep[i])) continue;
    grouped[fill[c]++] = v;
  }
  const range = min <= max ? [min, max] : [0, 0];
  const groups = [];
  for (let k = 0; k < nCategories; k++) {
    const nz = grouped.subarray(starts[k], starts[k + 1]);
    if (!nz.length && !zeros[k]) {
      groups.push(null);
      continue;
    }
    nz.sort(); // typed arrays sort numerically
    groups.push({ code: k, ...summary(nz, zeros[k], range) });
  }
  return { range, groups };
}
