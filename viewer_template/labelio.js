// Label sets to and from CSV (labelfile.js) against the store: the export names the bundle, the
// import matches cell ids, replaces label sets of the same name, never takes the name of one of
// the bundle's columns, and reports what it did (used by the panel and by the API).

import { formatLabelCsv, parseLabelCsv, nameIndex, formatCellIds } from "./labelfile.js";
import { CsvError } from "./csv.js";
import { iso } from "./dom.js";
import { newId, withColors } from "./labelsets.js";

const names = new WeakMap(); // dataset → promise of every cell id
const indexes = new WeakMap(); // dataset → promise of id → cell (for imports only)

function cellIds(ds) {
  if (!names.has(ds)) {
    const p = ds.obsNames();
    names.set(ds, p);
    p.catch(() => names.delete(ds));
  }
  return names.get(ds);
}

function cellIndex(ds) {
  if (!indexes.has(ds)) {
    const p = cellIds(ds).then(nameIndex);
    indexes.set(ds, p);
    p.catch(() => indexes.delete(ds));
  }
  return indexes.get(ds);
}

/** CSV text of every label set of the store. identity: the bundle's ("sha256:…"), or null. */
export async function exportLabels({ ds, store, identity }) {
  return formatLabelCsv({ title: ds.meta.title ?? "", identity: identity ?? "unknown", names: await cellIds(ds), sets: store.get().annotations });
}

/** CSV text of the ids of `cells` (indices), e.g. the selection or a cell set: `what` names them. */
export async function exportCellIds({ ds, cells, what }) {
  return formatCellIds({ title: ds.meta.title ?? "", what, names: await cellIds(ds), cells });
}

/** A free name: `name`, else "name (imported)", "name (imported 2)", … */
function freeName(name, taken) {
  if (!taken.has(name)) return name;
  for (let k = 1; ; k++) {
    const next = k === 1 ? `${name} (imported)` : `${name} (imported ${k})`;
    if (!taken.has(next)) return next;
  }
}

/**
 * Import label sets from CSV text into the store. Returns the report: {format, rows, matched,
 * nUnknown, unknown (first 5), ambiguous, unassigned, added, replaced, renamed: [[from, to]]}.
 * Throws CsvError when the file cannot be used (and changes nothing then).
 */
export async function importLabels(text, { ds, store }) {
  const [ids, index] = await Promise.all([cellIds(ds), cellIndex(ds)]);
  const { sets, report } = await parseLabelCsv(text, { names: ids, index });
  if (report.matched === 0) {
    const first = report.unknown[0] ?? report.ambiguous[0];
    throw new CsvError(`None of the file's ${report.rows} cell ids is a cell of this dataset${first !== undefined ? ` (the first is "${iso(first)}")` : ""}: is the file from another dataset?`);
  }
  const bundleNames = new Set((ds.meta.obs || []).map((o) => o.name));
  const out = { ...report, added: [], replaced: [], renamed: [] };
  store.update((s) => {
    const list = [...s.annotations];
    for (const set of sets) {
      const labels = withColors(set.labels);
      const existing = list.findIndex((a) => a.name === set.name);
      if (existing >= 0) {
        list[existing] = { ...list[existing], labels, codes: set.codes };
        out.replaced.push(set.name);
        continue;
      }
      const taken = new Set([...bundleNames, ...list.map((a) => a.name)]);
      const name = freeName(set.name, taken);
      if (name !== set.name) out.renamed.push([set.name, name]);
      list.push({ id: newId("L"), name, labels, codes: set.codes });
      out.added.push(name);
    }
    return { annotations: list };
  });
  return out;
}

/** What an import did, in one or two sentences. */
export function describeImport(r) {
  const count = (n) => Number(n).toLocaleString("en-US");
  const sets = [...r.added, ...r.replaced];
  const parts = [`Imported ${sets.length === 1 ? `the label set "${iso(sets[0])}"` : `${sets.length} label sets`}` +
    `${r.format === "cellxgene" ? " (cellxgene's format)" : ""}: ${count(r.matched)} of ${count(r.rows)} rows matched a cell.`];
  if (r.replaced.length) parts.push(`Replaced: ${r.replaced.map((n) => `"${iso(n)}"`).join(", ")}.`);
  for (const [from, to] of r.renamed) parts.push(`"${iso(from)}" is a column of the dataset: imported as "${iso(to)}".`);
  if (r.nUnknown) parts.push(`${count(r.nUnknown)} ${r.nUnknown === 1 ? "cell id is not in this dataset and was" : "cell ids are not in this dataset and were"} left out (${r.unknown.map((u) => `"${iso(u)}"`).join(", ")}${r.nUnknown > r.unknown.length ? ", …" : ""}).`);
  if (r.ambiguous.length) parts.push(`Some ids name several cells of this dataset and were left out (${r.ambiguous.map((u) => `"${iso(u)}"`).join(", ")}).`);
  if (r.unassigned) parts.push(`${count(r.unassigned)} ${r.unassigned === 1 ? "cell" : "cells"} labelled "unassigned" (cellxgene's default) ${r.unassigned === 1 ? "has" : "have"} no label.`);
  return parts.join(" ");
}
