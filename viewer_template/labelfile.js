// The label sets' CSV file: one row per cell, its id (obs_names) first, then one column per label
// set; an empty field is "no label". Written with a header comment naming the bundle (title and
// identity) and a JSON comment with each set's labels in order with their colours (labels without
// cells included), so that an import, or `xgexport build --annotations`, gets them back as made.
// Reads this file and cellxgene's annotation CSV ("# Annotations generated … using cellxgene",
// then "index,<label set>…"; its default label "unassigned" means no label). Pure: no page code.

import { csvRecords, csvLine, CsvError } from "./csv.js";
import { iso } from "./dom.js";

export const ID_COLUMN = "cell_id";
/** names of a first column that holds cell ids (pandas writes an unnamed index as "") */
export const ID_NAMES = ["cell_id", "index", "obs_names", "barcode", "barcodes", "cell", "cell_barcode", ""];
export const MAX_LABELS = 1000;
const LABELS_COMMENT = " xgexport-labels ";
const CELLXGENE_UNASSIGNED = "unassigned";
const SLICE = 50000; // rows between pauses: a million-row file never holds the page for long

/** Let the page breathe between slices of a long file. */
const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

/** A one-line JSON text for a comment (JSON leaves U+2028/9, which some readers split lines on). */
function oneLine(value) {
  return JSON.stringify(value).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/**
 * The CSV text of label sets. names: every cell's id in obs order; sets: [{name, labels:
 * [{name, color}], codes}] with codes[i] = label index of cell i or -1.
 */
export async function formatLabelCsv({ title, identity, names, sets }) {
  const lines = [
    `# xgexport label sets of ${oneLine(String(title ?? ""))}`,
    `# bundle identity: ${identity} (sha256 of its manifest.json); ${names.length} cells; an empty field is no label`,
    `#${LABELS_COMMENT}${oneLine(sets.map((s) => ({ name: s.name, labels: s.labels.map((l) => [l.name, l.color]) })))}`,
    csvLine([ID_COLUMN, ...sets.map((s) => s.name)]),
  ];
  const labelText = sets.map((s) => s.labels.map((l) => csvLine([l.name])));
  for (let i = 0; i < names.length; i++) {
    if (i % SLICE === SLICE - 1) await pause();
    let line = csvLine([names[i]]);
    for (let k = 0; k < sets.length; k++) {
      const c = sets[k].codes[i];
      line += "," + (c >= 0 ? labelText[k][c] : "");
    }
    lines.push(line);
  }
  return lines.join("\n") + "\n";
}

/** A CSV of cell ids: a header comment, "cell_id", then one id per row (cells: indices into names). */
export function formatCellIds({ title, what, names, cells }) {
  const lines = [`# ${what} of ${oneLine(String(title ?? ""))}: ${cells.length} cells`, ID_COLUMN];
  for (const i of cells) lines.push(csvLine([names[i]]));
  return lines.join("\n") + "\n";
}

/** The xgexport-labels comment as {set name → [[label, colour]]}, or null. */
function labelsComment(comments) {
  const text = comments.find((c) => c.startsWith(LABELS_COMMENT));
  if (!text) return null;
  try {
    const list = JSON.parse(text.slice(LABELS_COMMENT.length));
    const out = new Map();
    for (const s of Array.isArray(list) ? list : []) {
      if (s && typeof s.name === "string" && Array.isArray(s.labels)) {
        out.set(s.name, s.labels.filter((l) => Array.isArray(l) && typeof l[0] === "string").map((l) => [l[0], String(l[1] ?? "")]));
      }
    }
    return out;
  } catch {
    return null; // an edited comment: labels come from the rows alone
  }
}

/** Which column holds the cell ids: by name, or the first one in cellxgene's own files. */
function idColumn(header, fromCellxgene) {
  const k = header.findIndex((h) => ID_NAMES.includes(h.trim().toLowerCase()));
  if (k >= 0) return k;
  if (fromCellxgene) return 0;
  const one = header.length === 1 && /[;\t]/.test(header[0]) ? " It has one column: is it separated by semicolons or tabs? Save it as comma-separated." : "";
  throw new CsvError(`No cell id column: the first column must be named ${ID_COLUMN} (or index, as pandas and cellxgene write it).${one}`);
}

/** obs name → cell index (-2 when several cells share the name). */
export async function nameIndex(names) {
  const map = new Map();
  for (let i = 0; i < names.length; i++) {
    if (i % SLICE === SLICE - 1) await pause();
    map.set(names[i], map.has(names[i]) ? -2 : i);
  }
  return map;
}

/**
 * Read a label CSV against a dataset's cell ids. Returns {sets: [{name, labels, codes}], report}.
 * Throws CsvError for a file that cannot be read as one (no id column, repeated ids or set names,
 * no label set, too many labels). Ids the dataset does not have are reported, never guessed.
 */
export async function parseLabelCsv(text, { names, index = null }) {
  const comments = [];
  const records = csvRecords(text, comments);
  const first = records.next();
  if (first.done) throw new CsvError("The file is empty: no header line.");
  const fromCellxgene = comments.some((c) => /cellxgene/i.test(c)) && !comments.some((c) => c.startsWith(LABELS_COMMENT));
  const header = first.value;
  const idAt = idColumn(header, fromCellxgene);
  const setCols = header.map((h, k) => k).filter((k) => k !== idAt);
  if (!setCols.length) throw new CsvError("The file has a cell id column but no label set column.");
  const setNames = setCols.map((k) => header[k]);
  const repeated = setNames.find((h, k) => setNames.indexOf(h) !== k);
  if (repeated !== undefined) throw new CsvError(`The label set "${iso(repeated)}" is a column twice.`);
  if (setNames.some((h) => !h.trim())) throw new CsvError("A label set column has no name in the header line.");
  const known = labelsComment(comments);
  const sets = setNames.map((name) => startSet(name, known?.get(name), names.length));
  const report = { format: known ? "xgexport" : fromCellxgene ? "cellxgene" : "csv", rows: 0, matched: 0,
    unknown: [], nUnknown: 0, ambiguous: [], unassigned: 0, sets: setNames };
  const cellOf = index ?? (await nameIndex(names));
  const seen = new Set();
  for (const row of records) {
    if (++report.rows % SLICE === 0) await pause();
    const id = row[idAt] ?? "";
    if (seen.has(id)) throw new CsvError(`The cell id "${iso(id)}" is on more than one row.`);
    seen.add(id);
    const cell = cellOf.get(id);
    if (cell === undefined || cell === -2) {
      const list = cell === undefined ? report.unknown : report.ambiguous;
      if (cell === undefined) report.nUnknown++;
      if (list.length < 5) list.push(id);
      continue;
    }
    report.matched++;
    setCols.forEach((k, s) => {
      const label = row[k] ?? "";
      if (!label.trim()) return;
      if (fromCellxgene && label === CELLXGENE_UNASSIGNED) {
        report.unassigned++;
        return;
      }
      sets[s].codes[cell] = labelCode(sets[s], label);
    });
  }
  return { sets: sets.map((s) => ({ name: s.name, labels: s.labels, codes: s.codes })), report };
}

function startSet(name, known, nCells) {
  const codes = new Int16Array(nCells).fill(-1);
  const set = { name, labels: [], codes, lookup: new Map() };
  for (const [label, color] of known || []) {
    if (!set.lookup.has(label)) {
      set.lookup.set(label, set.labels.length);
      set.labels.push({ name: label, color });
    }
  }
  return set;
}

function labelCode(set, label) {
  let code = set.lookup.get(label);
  if (code === undefined) {
    if (set.labels.length >= MAX_LABELS) throw new CsvError(`The label set "${iso(set.name)}" has more than ${MAX_LABELS} labels: is it a column of ids?`);
    code = set.labels.length;
    set.lookup.set(label, code);
    set.labels.push({ name: label, color: "" });
  }
  return code;
}
