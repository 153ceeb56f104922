// Number formats shared by the panels (what a person reads; CSV files keep full precision).

/** Four significant digits; exponent form for very large or small magnitudes; NA when missing. */
export function formatNumber(v) {
  if (!Number.isFinite(v)) return "NA";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** p-values: two decimals down to 0.01, then one significant digit in exponent form. */
export function formatP(p) {
  if (!Number.isFinite(p)) return "NA";
  if (p === 0) return "< 1e-300";
  if (p >= 0.01) return p.toFixed(2);
  return p.toExponential(1);
}

/** About `about` round numbers (steps of 1, 2, 2.5 or 5 × a power of ten) across [lo, hi]: an axis's ticks. */
export function roundTicks(lo, hi, about) {
  if (!(hi > lo)) return [lo];
  const step0 = (hi - lo) / about;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0);
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** A fraction as a whole percentage. */
export function pct(f) {
  return Number.isFinite(f) ? `${Math.round(f * 100)}` : "NA";
}

// one formatter for every call: toLocaleString builds one each time, which the crossfilter's
// counts (hundreds of rows as a selection changes) would feel; made on first use of a number
// that is not a safe integer (the first Intl formatter of a page costs ~9 ms, in the first frame)
let thousands = null;

/** Thousands separators, whatever the browser's locale (as Intl's "en-US"). */
export function count(n) {
  const v = Number(n);
  if (Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v).replace(/\B(?=(\d{3})+$)/g, ",");
  return (thousands ??= new Intl.NumberFormat("en-US")).format(v);
}

/** "1 cell", "2 cells", "1,000 genes" (English plurals with an s). */
export function plural(n, word) {
  return `${count(n)} ${word}${n === 1 ? "" : "s"}`;
}
