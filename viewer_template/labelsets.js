// Label sets (annotations) as values. A label set is {id, name, labels: [{name, color}], codes}:
// codes[i] is the label index of cell i, or -1 for no label. Every change returns a new set (the
// store's rule), and asColumn() presents a set as a categorical column like the bundle's own, so
// that colour-by, the legend, the tooltip and the category browser treat both alike.

import { FALLBACK, parseHex } from "./colormaps.js";

export const MAX_LABELS = 1000;
export const MAX_NAME = 200;

/** A short random id, stable across reloads once saved (column ids of the bundle are digits). */
export function newId(prefix) {
  return `${prefix}${Math.random().toString(36).slice(2, 10)}`;
}

/** Why `name` cannot name a new item among `taken` names (null when it can). */
export function nameProblem(name, taken, what = "name") {
  const n = String(name ?? "");
  if (!n.trim()) return `Type a ${what}.`;
  if (n.length > MAX_NAME) return `A ${what} has at most ${MAX_NAME} characters.`;
  if (taken.includes(n)) return `"\u2068${n}\u2069" is taken: choose another ${what}.`;
  return null;
}

export function createLabelSet(name, nCells) {
  return { id: newId("L"), name, labels: [], codes: new Int16Array(nCells).fill(-1) };
}

/** The first palette colour no label of the set uses yet. */
function nextColor(labels) {
  const used = new Set(labels.map((l) => l.color.toLowerCase()));
  return FALLBACK.find((c) => !used.has(c)) ?? FALLBACK[labels.length % FALLBACK.length];
}

/** Labels without a valid "#rrggbb" colour get the palette's next free one. */
export function withColors(labels) {
  const out = [];
  for (const l of labels) out.push({ name: l.name, color: parseHex(l.color) ? l.color.toLowerCase() : nextColor(out) });
  return out;
}

export function addLabel(set, name) {
  if (set.labels.length >= MAX_LABELS) throw new Error(`A label set has at most ${MAX_LABELS} labels.`);
  return { ...set, labels: [...set.labels, { name, color: nextColor(set.labels) }] };
}

export function renameLabel(set, k, name) {
  return { ...set, labels: set.labels.map((l, j) => (j === k ? { ...l, name } : l)) };
}

export function recolorLabel(set, k, color) {
  if (!parseHex(color)) throw new Error(`"${color}" is not a colour (#rrggbb).`);
  return { ...set, labels: set.labels.map((l, j) => (j === k ? { ...l, color: color.toLowerCase() } : l)) };
}

/** Remove label k: its cells have no label, later labels move down one code. */
export function deleteLabel(set, k) {
  const codes = new Int16Array(set.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = set.codes[i];
    codes[i] = c === k ? -1 : c > k ? c - 1 : c;
  }
  return { ...set, labels: set.labels.filter((_, j) => j !== k), codes };
}

/** Give `cells` (cell indices) label k, or no label with k = -1. */
export function assignCells(set, cells, k) {
  const codes = set.codes.slice();
  for (const i of cells) codes[i] = k;
  return { ...set, codes };
}

export function countLabels(set) {
  const counts = new Array(set.labels.length).fill(0);
  for (const c of set.codes) if (c >= 0) counts[c]++;
  return counts;
}

/** The cells with label k, ascending. */
export function cellsWithLabel(set, k) {
  const out = [];
  for (let i = 0; i < set.codes.length; i++) if (set.codes[i] === k) out.push(i);
  return Uint32Array.from(out);
}

const columns = new WeakMap();

/** The set as a categorical column (Dataset.obs() shape); the same object while the set is unchanged. */
export function asColumn(set) {
  let column = columns.get(set);
  if (!column) {
    const counts = countLabels(set);
    column = {
      id: set.id, name: set.name, kind: "categorical", n_categories: set.labels.length, labelSet: true,
      codes: set.codes, categories: set.labels.map((l) => l.name), colors: set.labels.map((l) => l.color),
      counts, n_missing: set.codes.length - counts.reduce((a, b) => a + b, 0), ordered: false,
    };
    columns.set(set, column);
  }
  return column;
}
