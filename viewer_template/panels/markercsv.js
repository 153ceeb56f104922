// The marker CSV of one category: every gene with every statistic of data/de/<id>/, read only
// when asked for (8 rows of n_genes values), ranked by t. Numbers are written as stored:
// float32 statistics with the fewest digits that read back to the same float32, float64 ones
// in full; spreadsheets are kept from running formulas in names.

import { lfcFlag } from "./markertable.js";

const FLOAT32 = ["mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange"];
const FLOAT64 = ["t", "pval", "pval_adj"];
const HEADER = ["direction", "rank", "gene", "gene_id", "logfoldchange", "pval_adj", "pval", "t",
  "mean_in", "mean_out", "frac_in", "frac_out", "lfc_flag"];

/** The shortest decimal that reads back to this float32 ("0.1", not "0.10000000149011612"). */
export function float32Text(v) {
  if (!Number.isFinite(v)) return "NA";
  for (let p = 1; p <= 9; p++) {
    const n = Number(v.toPrecision(p));
    if (Math.fround(n) === v) return String(n);
  }
  return String(v);
}

export function field(v) {
  let s = String(v ?? "");
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d/.test(s)) s = `'${s}`; // a name, not a number: no formula
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of every gene of category `cat` of DE column `deId`. */
export async function markerCsv(ds, genes, deId, cat) {
  const names = [...FLOAT32, ...FLOAT64];
  const [index, ...rows] = await Promise.all([genes(), ...names.map((s) => ds.deRow(deId, s, cat))]);
  const stat = Object.fromEntries(names.map((s, k) => [s, rows[k]]));
  const t = stat.t;
  const order = Array.from({ length: t.length }, (_, j) => j);
  order.sort((a, b) => (Number.isFinite(t[b]) - Number.isFinite(t[a])) || t[b] - t[a] || a - b);
  const lines = [HEADER.join(",")];
  order.forEach((j, r) => {
    const direction = t[j] > 0 ? "up" : t[j] < 0 ? "down" : "";
    const f32 = (s) => float32Text(stat[s][j]);
    const f64 = (s) => (Number.isFinite(stat[s][j]) ? String(stat[s][j]) : "NA");
    lines.push([direction, r + 1, index.symbol(j) ?? index.id(j), index.id(j), f32("logfoldchange"), f64("pval_adj"),
      f64("pval"), f64("t"), f32("mean_in"), f32("mean_out"), f32("frac_in"), f32("frac_out"),
      lfcFlag(stat.mean_in[j], stat.mean_out[j])].map(field).join(","));
  });
  return lines.join("\n") + "\n";
}
