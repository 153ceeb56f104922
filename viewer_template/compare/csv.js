// The CSV of a comparison: every gene with every statistic, ranked by t (up in A first), numbers
// in full float64 precision; names kept from running as spreadsheet formulas (markercsv.field).

import { field } from "../panels/markercsv.js";
import { lfcFlag } from "../panels/markertable.js";

const HEADER = ["direction", "rank", "gene", "gene_id", "logfoldchange", "pval_adj", "pval", "t",
  "mean_a", "mean_b", "frac_a", "frac_b", "lfc_flag"];

/** CSV text; `genes` is the gene index (genes.js), `about` lines go first as # comments. */
export function comparisonCsv(columns, genes, about) {
  const t = columns.t;
  const order = Array.from({ length: t.length }, (_, j) => j);
  order.sort((a, b) => (Number.isFinite(t[b]) - Number.isFinite(t[a])) || t[b] - t[a] || a - b);
  const num = (v) => (Number.isFinite(v) ? String(v) : "NA");
  const lines = about.map((line) => `# ${line.replace(/[\r\n]+/g, " ")}`);
  lines.push(HEADER.join(","));
  order.forEach((j, r) => {
    const direction = t[j] > 0 ? "up" : t[j] < 0 ? "down" : "";
    lines.push([direction, r + 1, genes.symbol(j) ?? genes.id(j), genes.id(j), num(columns.logfoldchange[j]),
      num(columns.pval_adj[j]), num(columns.pval[j]), num(t[j]), num(columns.mean_a[j]), num(columns.mean_b[j]),
      num(columns.frac_a[j]), num(columns.frac_b[j]), lfcFlag(columns.mean_a[j], columns.mean_b[j])].map(field).join(","));
  });
  return lines.join("\n") + "\n";
}
