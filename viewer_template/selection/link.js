// The selection as text, for the URL hash: one `sel` parameter per step, in order, so a link
// carries how the selection was made (by names), never a list of cells unless it was given one.
//
//   [mode:]type:fields[:not:column:categories][:only:column:categories]
//
//   lasso:X_umap:x,y,x,y,…        a polygon in the embedding's data coordinates
//   lasso:X_umap_3d:x,y,…:rot:30,-20  on a 3-D embedding: drawn turned by yaw 30°, pitch −20°
//                                 (plot/rotation.js; so is a rect; none: seen from the front)
//   rect:X_umap:x0,y0,x1,y1       a rectangle in data coordinates
//   cat:louvain:B cells,NK cells  categories of a categorical column, by name
//   range:n_genes:200,2500        lo ≤ value < hi of a continuous column; an empty end is open
//                                 (range:n_genes:200, is every value from 200 up)
//   gene:CD3E:0.5,3               lo ≤ expression < hi of a gene (symbol, or id when shared)
//   cells:<base64url>             explicit cells (setSelection), run lengths as varints
//   all                           every cell (the start of "everything but …": all, then subtract)
//
// mode is add, subtract or intersect (none: replace). `not:column:categories` leaves out the
// cells of categories hidden in the legend when the step was made; `only:column:categories`
// keeps only those categories' cells (a lasso drawn on one library's tissue image selects none
// of the other libraries, whose spots are hidden there). Names are escaped: % : ,
// become %25 %3A %2C (before URLSearchParams encodes the whole value).

import { formatRotation, parseRotation } from "../plot/rotation.js";
import { setStepFormat } from "../urlstate.js";

export const MODES = ["replace", "add", "subtract", "intersect"];
const TYPES = ["lasso", "rect", "cat", "range", "gene", "cells", "all"];
const FIELDS = { lasso: 2, rect: 2, cat: 2, range: 2, gene: 2, cells: 1, all: 0 };
const QUALIFIERS = ["not", "only"]; // clause keys written after the fields, in this order

export function esc(s) {
  return String(s).replace(/[%:,]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`);
}

export function unesc(s) {
  return s.replace(/%(25|3A|2C)/gi, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

const num = (v) => Number(v.toPrecision(6)).toString();

function numbers(text, count = null) {
  const parts = text.split(",");
  const out = parts.map(Number);
  if (!parts.length || out.some((v) => !Number.isFinite(v)) || (count !== null && out.length !== count)) {
    throw new Error(`"${text.slice(0, 40)}" is not a list of${count ? ` ${count}` : ""} numbers`);
  }
  return out;
}

const bounds = ({ lo, hi }) => `${lo === null ? "" : num(lo)},${hi === null ? "" : num(hi)}`;

/** "lo,hi" with either end empty (open) → [lo | null, hi | null]. */
function parseBounds(text) {
  const parts = text.split(",");
  if (parts.length !== 2) throw new Error(`"${text.slice(0, 40)}" is not a range "lo,hi"`);
  const [lo, hi] = parts.map((p) => (p === "" ? null : Number(p)));
  if ([lo, hi].some((v) => v !== null && !Number.isFinite(v))) throw new Error(`"${text.slice(0, 40)}" is not a range "lo,hi"`);
  return [lo, hi];
}

/** One step → text. */
export function formatStep({ mode, clause: c }) {
  const f = [];
  if (mode && mode !== "replace") f.push(mode);
  f.push(c.type);
  if (c.type === "lasso") f.push(esc(c.embedding), c.points.map(([x, y]) => `${num(x)},${num(y)}`).join(","));
  else if (c.type === "rect") f.push(esc(c.embedding), [c.x0, c.y0, c.x1, c.y1].map(num).join(","));
  else if (c.type === "cat") f.push(esc(c.column), c.categories.map(esc).join(","));
  else if (c.type === "range") f.push(esc(c.column), bounds(c));
  else if (c.type === "gene") f.push(esc(c.gene), bounds(c));
  else if (c.type === "cells") f.push(c.encoded ?? encodeCells(c.indices));
  if (c.rot && (c.type === "lasso" || c.type === "rect")) f.push("rot", formatRotation(c.rot));
  for (const q of QUALIFIERS) if (c[q]) f.push(q, esc(c[q].column), c[q].categories.map(esc).join(","));
  return f.join(":");
}
// the URL hash's writer (urlstate.js) does not import this module: it would be in the first frame's
setStepFormat(formatStep);

/** Steps → groups, each starting at a replace step (a subset is the intersection of its groups). */
export function splitGroups(steps) {
  const groups = [];
  for (const st of steps) {
    if (st.mode === "replace" || !groups.length) groups.push([]);
    groups[groups.length - 1].push(st);
  }
  return groups;
}

/** Text → one step; throws an Error saying what is wrong. */
export function parseStep(text) {
  const f = String(text).split(":");
  let mode = "replace";
  if (MODES.includes(f[0])) mode = f.shift();
  const type = f.shift();
  if (!TYPES.includes(type)) throw new Error(`unknown selection "${String(type).slice(0, 20)}"`);
  const need = FIELDS[type];
  let qualifiers = f.splice(need);
  let rot = null;
  if ((type === "lasso" || type === "rect") && qualifiers[0] === "rot") {
    rot = parseRotation(qualifiers[1]);
    if (!rot) throw new Error(`"${String(qualifiers[1]).slice(0, 40)}" is not a rotation "yaw,pitch"`);
    qualifiers = qualifiers.slice(2);
  }
  if (f.length !== need || !qualifiersValid(qualifiers)) throw new Error(`a ${type} selection needs ${need} fields`);
  let clause;
  if (type === "lasso") {
    const v = numbers(f[1]);
    if (v.length < 6 || v.length % 2) throw new Error("a lasso needs at least 3 points");
    const points = [];
    for (let k = 0; k < v.length; k += 2) points.push([v[k], v[k + 1]]);
    clause = { type, embedding: unesc(f[0]), points };
  } else if (type === "rect") {
    const [x0, y0, x1, y1] = numbers(f[1], 4);
    clause = { type, embedding: unesc(f[0]), x0, y0, x1, y1 };
  } else if (type === "cat") {
    clause = { type, column: unesc(f[0]), categories: f[1].split(",").map(unesc) };
  } else if (type === "range" || type === "gene") {
    const [lo, hi] = parseBounds(f[1]);
    clause = type === "range" ? { type, column: unesc(f[0]), lo, hi } : { type, gene: unesc(f[0]), lo, hi };
  } else if (type === "all") {
    clause = { type };
  } else {
    // decoded when evaluated, against the number of cells (a link cannot ask for more)
    if (!/^[A-Za-z0-9_-]*$/.test(f[0])) throw new Error("the cells of a selection are not valid base64url");
    clause = { type, encoded: f[0] };
  }
  if (rot) clause.rot = rot;
  for (let k = 0; k < qualifiers.length; k += 3) {
    clause[qualifiers[k]] = { column: unesc(qualifiers[k + 1]), categories: qualifiers[k + 2].split(",").map(unesc) };
  }
  return { mode, clause };
}

/** Trailing `not:…` and `only:…` triples, each at most once, in that order. */
function qualifiersValid(fields) {
  if (fields.length % 3) return false;
  const names = fields.filter((_, k) => k % 3 === 0);
  return names.every((q, k) => QUALIFIERS.includes(q) && QUALIFIERS.indexOf(q) > QUALIFIERS.indexOf(names[k - 1] ?? ""));
}

// cells: sorted indices as alternating run lengths (skipped, taken, skipped, …), each an
// unsigned LEB128 varint, in base64url. Contiguous selections stay a few bytes long.

export function encodeCells(indices) {
  const bytes = [];
  const put = (v) => {
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v > 0) b |= 0x80;
      bytes.push(b);
    } while (v > 0);
  };
  let at = 0;
  let k = 0;
  while (k < indices.length) {
    const first = indices[k];
    let last = first;
    while (k + 1 < indices.length && indices[k + 1] === last + 1) last = indices[++k];
    k++;
    put(first - at);
    put(last - first + 1);
    at = last + 1;
  }
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.slice(i, i + 0x8000));
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Sorted indices from encodeCells' text; throws for anything that is not, or reaches past n cells. */
export function decodeCells(text, n) {
  let bin;
  try {
    bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    throw new Error("the cells of a selection are not valid base64url");
  }
  const runs = [];
  let v = 0;
  let scale = 1;
  for (let i = 0; i < bin.length; i++) {
    const b = bin.charCodeAt(i);
    v += (b & 0x7f) * scale;
    if (b & 0x80) {
      scale *= 128;
    } else {
      runs.push(v);
      v = 0;
      scale = 1;
    }
  }
  if (scale !== 1 || runs.length % 2) throw new Error("the cells of a selection are cut short");
  let total = 0;
  let at = 0;
  for (let k = 0; k < runs.length; k += 2) {
    at += runs[k] + runs[k + 1];
    total += runs[k + 1];
    if (at > n) throw new Error("the selection names cells this dataset does not have");
  }
  const out = new Uint32Array(total);
  let w = 0;
  at = 0;
  for (let k = 0; k < runs.length; k += 2) {
    at += runs[k];
    for (let j = 0; j < runs[k + 1]; j++) out[w++] = at + j;
    at += runs[k + 1];
  }
  return out;
}
