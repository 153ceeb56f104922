// Pure: a selection clause (link.js lists them) and the data it names → a mask over cells
// (Uint8Array, 1 = in), and the steps' combination. The data is resolved (loaded) by
// selection.js; nothing here reads the bundle.

import { Q, fillPolygon, fillRect, toDisplay } from "./geometry.js";
import { decodeCells } from "./link.js";

/**
 * data: {n, embedding: {xy, bounds, hidden, index}, codes, codeSet (Set of codes), values,
 * notCodes, notSet, onlyCodes, onlySet}: what the clause needs, from selection.js's resolve().
 */
export function clauseMask(clause, data) {
  const { n } = data;
  const mask = new Uint8Array(n);
  const c = clause;
  if (c.type === "lasso" || c.type === "rect") {
    const e = data.embedding;
    const opts = { skipHidden: e.hidden > 0 };
    if (c.type === "lasso") {
      fillPolygon(mask, e.index, toDisplay(c.points, e.bounds), opts);
    } else {
      const [[x0, y0], [x1, y1]] = toDisplay([[c.x0, c.y0], [c.x1, c.y1]], e.bounds);
      fillRect(mask, e.index, x0, y0, x1, y1, opts);
    }
  } else if (c.type === "cat") {
    const { codes, codeSet } = data;
    const table = lookup(codeSet);
    for (let i = 0; i < n; i++) if (table[codes[i] + 1]) mask[i] = 1;
  } else if (c.type === "range" || c.type === "gene") {
    // lo ≤ v < hi, an end null is open; NaN (missing) is never in a range
    const { values } = data;
    const lo = c.lo ?? -Infinity;
    const hi = c.hi ?? Infinity;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v >= lo && v < hi) mask[i] = 1;
    }
  } else if (c.type === "all") {
    mask.fill(1);
  } else if (c.type === "cells") {
    const indices = c.indices ?? decodeCells(c.encoded, n);
    for (const i of indices) {
      if (!(i >= 0 && i < n && Number.isInteger(i))) throw new Error(`cell index ${i} is not between 0 and ${n - 1}`);
      mask[i] = 1;
    }
  }
  if (c.not && data.notCodes) {
    const table = lookup(data.notSet);
    const codes = data.notCodes;
    for (let i = 0; i < n; i++) if (table[codes[i] + 1]) mask[i] = 0;
  }
  if (c.only && data.onlyCodes) {
    const table = lookup(data.onlySet);
    const codes = data.onlyCodes;
    for (let i = 0; i < n; i++) if (!table[codes[i] + 1]) mask[i] = 0;
  }
  return mask;
}

/** A Set of category codes as a table indexed by code + 1 (index 0: missing, code −1). */
function lookup(codeSet) {
  let max = 0;
  for (const k of codeSet) max = Math.max(max, k);
  const table = new Uint8Array(max + 2);
  for (const k of codeSet) if (k >= 0) table[k + 1] = 1;
  return table;
}

/**
 * The selection after one more step: `prev` (mask or null: nothing selected) combined with the
 * clause's mask by mode; `universe` (the subset shown, or null: every cell) bounds it.
 * Returns {mask, count}.
 */
export function combine(prev, clause, mode, universe) {
  const n = clause.length;
  const out = new Uint8Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const p = prev ? prev[i] : 0;
    const c = clause[i];
    let v;
    if (mode === "add") v = p | c;
    else if (mode === "subtract") v = p & (c ^ 1);
    else if (mode === "intersect") v = p & c;
    else v = c;
    if (universe && !universe[i]) v = 0;
    out[i] = v;
    count += v;
  }
  return { mask: out, count };
}

/** Sorted indices of the cells set in a mask. */
export function maskIndices(mask, count = null) {
  let k = count;
  if (k === null) {
    k = 0;
    for (let i = 0; i < mask.length; i++) k += mask[i];
  }
  const out = new Uint32Array(k);
  let w = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[w++] = i;
  return out;
}

/** Bounding box of a mask's cells in display units, or null when no cell has coordinates. */
export function maskBox(mask, xy, skipHidden) {
  let x0 = Q;
  let y0 = Q;
  let x1 = 0;
  let y1 = 0;
  let any = false;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (skipHidden && x === Q && y === Q) continue;
    any = true;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return any ? { x0, y0, x1, y1 } : null;
}
