// The result columns of a comparison from the two groups' statistics, as Python's
// engine.result_frame: Welch's t and two-sided p (Welch–Satterthwaite degrees of freedom,
// ddof 1; both variances zero gives t = 0, p = 1; NaN propagates), Benjamini–Hochberg over all
// genes with a finite p, scanpy's log fold change, fractions of cells with a value > 0.

import { tTwoSided } from "./tdist.js";

const LFC_EPS = 1e-9;

/** {mean_a, mean_b, frac_a, frac_b, logfoldchange, t, pval, pval_adj}: Float64Arrays per gene. */
export function resultColumns(a, b) {
  const g = a.mean.length;
  const cols = {};
  for (const key of ["mean_a", "mean_b", "frac_a", "frac_b", "logfoldchange", "t", "pval"]) cols[key] = new Float64Array(g);
  const na = a.n;
  const nb = b.n;
  for (let j = 0; j < g; j++) {
    const [t, p] = welch(a.mean[j], a.m2[j] / (na - 1), na, b.mean[j], b.m2[j] / (nb - 1), nb);
    cols.t[j] = t;
    cols.pval[j] = p;
    cols.mean_a[j] = a.mean[j];
    cols.mean_b[j] = b.mean[j];
    cols.frac_a[j] = a.npos[j] / na;
    cols.frac_b[j] = b.npos[j] / nb;
    cols.logfoldchange[j] = Math.log2((Math.expm1(a.mean[j]) + LFC_EPS) / (Math.expm1(b.mean[j]) + LFC_EPS));
  }
  cols.pval_adj = bhAdjust(cols.pval);
  return cols;
}

/** Welch's t and two-sided p for one gene (stats.welch). */
export function welch(mean1, var1, n1, mean2, var2, n2) {
  if (var1 === 0 && var2 === 0) return [0, 1];
  const se1 = var1 / n1;
  const se2 = var2 / n2;
  const sum = se1 + se2;
  const t = (mean1 - mean2) / Math.sqrt(sum);
  const df = (sum * sum) / ((se1 * se1) / (n1 - 1) + (se2 * se2) / (n2 - 1));
  return [t, Math.min(tTwoSided(df, -Math.abs(t)), 1)];
}

/** Benjamini–Hochberg over the finite p-values (stats.bh_adjust); NaN stays NaN. */
export function bhAdjust(p) {
  const out = new Float64Array(p.length).fill(NaN);
  const finite = [];
  for (let j = 0; j < p.length; j++) if (Number.isFinite(p[j])) finite.push(j);
  const m = finite.length;
  if (!m) return out;
  finite.sort((x, y) => p[x] - p[y] || x - y); // stable, as numpy's argsort(kind="stable")
  let running = Infinity;
  for (let r = m - 1; r >= 0; r--) {
    const j = finite[r];
    running = Math.min(running, (p[j] * m) / (r + 1));
    out[j] = Math.min(1, running);
  }
  return out;
}
