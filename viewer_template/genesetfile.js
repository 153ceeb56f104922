// Gene set files: cellxgene's tidy CSV (header gene_set_name, gene_set_description, gene_symbol,
// gene_description; one gene per row; "#" comments before the header) and GMT (one set per line:
// name, description, genes…, tab-separated), and lists people type or paste. Genes are matched
// with the gene index (symbol, id, "SYMBOL (id)", any case); names it does not know are
// reported, never guessed. Pure: no page code.

import { parseCsv, csvLine, CsvError } from "./csv.js";
import { iso } from "./dom.js";

export const CSV_HEADER = ["gene_set_name", "gene_set_description", "gene_symbol", "gene_description"];
const SET_NAMES = ["gene_set_name", "gene_set", "set", "geneset", "set_name"];
const GENE_NAMES = ["gene_symbol", "gene", "symbol", "gene_id", "gene_name"];
const DESC_NAMES = ["gene_set_description", "description"];

/** Split a typed or pasted list: commas, semicolons, tabs, spaces and line ends separate names. */
export function splitGeneList(text) {
  return String(text).split(/[\s,;]+/).map((t) => t.trim()).filter(Boolean);
}

/**
 * Match names to genes: {genes: [index] (in order, each once), unknown: [name], repeated: n}.
 * genes: the gene index (genes.js).
 */
export function matchGenes(names, genes) {
  const out = [];
  const seen = new Set();
  const unknown = [];
  let repeated = 0;
  for (const name of names) {
    const i = genes.find(name);
    if (i < 0) unknown.push(name);
    else if (seen.has(i)) repeated++;
    else {
      seen.add(i);
      out.push(i);
    }
  }
  return { genes: out, unknown, repeated };
}

/** sets: [{name, description, genes: [index]}] → cellxgene's tidy CSV. Genes by link token (symbol, or id when shared). */
export function formatGeneSetCsv(sets, genes, comment = "") {
  const lines = comment ? [`# ${comment.replace(/[\r\n]+/g, " ")}`] : [];
  lines.push(csvLine(CSV_HEADER));
  for (const s of sets) {
    if (!s.genes.length) lines.push(csvLine([s.name, s.description || "", "", ""]));
    for (const g of s.genes) lines.push(csvLine([s.name, s.description || "", genes.token(g), ""]));
  }
  return lines.join("\n") + "\n";
}

/** sets → GMT: name, description, genes, tab-separated (tabs and line ends in names become spaces). */
export function formatGmt(sets, genes) {
  const clean = (t) => String(t ?? "").replace(/[\t\r\n]+/g, " ");
  return sets.map((s) => [s.name, s.description || "na", ...s.genes.map((g) => genes.token(g))].map(clean).join("\t")).join("\n") + "\n";
}

/** Is this text GMT rather than CSV? GMT has tabs and no recognised CSV header. */
function looksLikeGmt(text) {
  const first = String(text).replace(/^\uFEFF/, "").split(/\r\n|\n|\r/).find((l) => l.trim() && !l.startsWith("#")) || "";
  const lower = first.toLowerCase();
  return first.includes("\t") && !SET_NAMES.some((h) => lower.startsWith(h + ","));
}

function readGmt(text) {
  const out = [];
  for (const line of String(text).replace(/^\uFEFF/, "").split(/\r\n|\n|\r/)) {
    if (!line.trim() || line.startsWith("#")) continue;
    const [name, description, ...names] = line.split("\t");
    if (!name.trim()) throw new CsvError("A GMT line has no gene set name.");
    out.push({ name: name.trim(), description: (description || "").trim(), names: names.map((n) => n.trim()).filter(Boolean) });
  }
  return out;
}

function readCsv(text) {
  const { rows } = parseCsv(text);
  if (!rows.length) throw new CsvError("The file is empty: no header line.");
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const col = (names) => header.findIndex((h) => names.includes(h));
  const [s, g, d] = [col(SET_NAMES), col(GENE_NAMES), col(DESC_NAMES)];
  if (s < 0 || g < 0) {
    throw new CsvError(`Not a gene set file: a CSV needs the columns ${CSV_HEADER[0]} and ${CSV_HEADER[2]} (cellxgene's format), and GMT is tab-separated.`);
  }
  const bySet = new Map();
  for (const row of rows.slice(1)) {
    const name = (row[s] ?? "").trim();
    if (!name) continue;
    if (!bySet.has(name)) bySet.set(name, { name, description: "", names: [] });
    const set = bySet.get(name);
    if (!set.description && d >= 0 && row[d]) set.description = row[d].trim();
    if ((row[g] ?? "").trim()) set.names.push(row[g].trim());
  }
  return [...bySet.values()];
}

/**
 * Read a gene set file (CSV or GMT) against the gene index. Returns
 * {format, sets: [{name, description, genes}], report: [{name, n, unknown, repeated}]}.
 */
export function parseGeneSets(text, genes) {
  const gmt = looksLikeGmt(text);
  const raw = gmt ? readGmt(text) : readCsv(text);
  if (!raw.length) throw new CsvError("The file holds no gene set.");
  const seen = new Set();
  const sets = [];
  const report = [];
  for (const r of raw) {
    if (seen.has(r.name)) throw new CsvError(`The gene set "${iso(r.name)}" is in the file twice.`);
    seen.add(r.name);
    const m = matchGenes(r.names, genes);
    sets.push({ name: r.name, description: r.description, genes: m.genes });
    report.push({ name: r.name, n: m.genes.length, unknown: m.unknown, repeated: m.repeated });
  }
  return { format: gmt ? "gmt" : "csv", sets, report };
}
