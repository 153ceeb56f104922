// One comparison in the worker, as xgexport/comparison/engine.py: choose the route and plan,
// read what the plan names (in parallel, what is cached is not read again), then each side as
// (+ terms) ⊖ (− terms), genes where the subtraction kept too few digits recomputed from a plan
// without subtraction, and the result columns.

import { CELLS, ROW, additive } from "./planner.js";
import { cellMoments, combineAll, subtract } from "./moments.js";
import { chooseRoute } from "./routes.js";
import { resultColumns } from "./welch.js";

/** The plan of a comparison: {route, plan, bytes (all files), toRead (not cached)}. */
export async function planComparison(data, a, b) {
  const started = performance.now();
  const { route, plan } = await chooseRoute(data, a, b);
  return { route, plan, bytes: plan.bytes, toRead: data.uncachedBytes(plan.rows, plan.leaves),
    files: plan.rows.length + plan.leaves.length, ms: performance.now() - started };
}

/** Read and compute a planned comparison: {columns, info}. */
export async function runComparison(data, a, b, planned, signal) {
  const { route, plan } = planned;
  const readBefore = data.bytesRead;
  const filesBefore = data.filesRead;
  const started = performance.now();
  await data.fetchAll(plan.rows, plan.leaves, signal);
  const read = performance.now();
  const [momentsA, redoneA] = await side(data, route, plan, plan.a, a, route.countA, signal);
  const [momentsB, redoneB] = await side(data, route, plan, plan.b, b, route.countB, signal);
  const columns = resultColumns(momentsA, momentsB);
  const done = performance.now();
  const info = {
    a: a.label, b: b.label, n_a: a.n, n_b: b.n, route: route.name, planned_bytes: plan.bytes,
    bytes_read: data.bytesRead - readBefore, files_read: data.filesRead - filesBefore,
    terms: termSummary(plan), genes_recomputed: { a: redoneA, b: redoneB },
    // milliseconds in the worker: planning, reading the plan's files, the rest (fallback reads included)
    ms: { plan: Math.round(planned.ms), read: Math.round(read - started), compute: Math.round(done - read) },
  };
  return { columns, info };
}

/** One group's statistics from its terms, and how many genes were recomputed without subtraction. */
async function side(data, route, plan, terms, group, count, signal) {
  const [plus, minus] = await evaluate(data, route, terms, group.member, signal);
  if (minus.n === 0) return [plus, 0];
  const { piece, trusted } = subtract(plus, minus, !!data.attrs.nonnegative);
  if (trusted.every((x) => x === 1)) return [piece, 0];
  const extra = additive(route.tree, count, plan);
  await data.fetchAll(extra.rows, extra.leaves, signal);
  const [exact] = await evaluate(data, route, extra.a, group.member, signal);
  let redone = 0;
  for (let j = 0; j < trusted.length; j++) {
    if (!trusted[j]) {
      piece.mean[j] = exact.mean[j];
      piece.m2[j] = exact.m2[j];
      redone++;
    }
  }
  piece.npos = exact.npos;
  return [piece, redone];
}

/** The combined + terms and the combined − terms: rows as stored, then the cells of all leaf
 * terms of one sign as one exact piece (engine.evaluate). */
async function evaluate(data, route, terms, member, signal) {
  const order = route.name === "spatial" ? data.order() : null;
  const out = [];
  for (const sign of [1, -1]) {
    const pieces = [];
    const cells = [];
    for (const term of terms) {
      if (term.sign !== sign) continue;
      if (term.kind === ROW) {
        pieces.push(await data.row(route.tree.row[term.node], signal));
      } else if (term.kind === CELLS) {
        const leaf = await data.leaf(route.tree.leaf[term.node], signal);
        const start = data.nodes[6 * term.node];
        const size = data.nodes[6 * term.node + 1];
        for (let c = 0; c < size; c++) {
          if ((member[order[start + c]] === 1) === term.complement) continue;
          cells.push({ genes: leaf.genes.subarray(leaf.indptr[c], leaf.indptr[c + 1]), values: leaf.values.subarray(leaf.indptr[c], leaf.indptr[c + 1]) });
        }
      }
    }
    if (cells.length) pieces.push(cellMoments(cells, data.nGenes));
    out.push(combineAll(pieces, data.nGenes));
  }
  return out;
}

function termSummary(plan) {
  const terms = [...plan.a, ...plan.b];
  const count = (kind, sign) => terms.filter((t) => t.kind === kind && t.sign === sign).length;
  return { "rows+": count(ROW, 1), "rows-": count(ROW, -1), "leaves+": count(CELLS, 1), "leaves-": count(CELLS, -1) };
}
