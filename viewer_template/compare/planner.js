// Which statistics rows and leaves to read for groups A and B: the line-for-line port of
// xgexport/comparison/planner.py (same choices, same tie-breaking, same term order, so the
// worker reads the files Python's engine reads and combines them in the same order).
//
// A tree is {count, firstChild, nChildren, row, leaf} per node (breadth-first: children are
// consecutive and follow their parent) with rowBytes per row and leafBytes per leaf. For each
// side and node the cheapest exact way to get the side's cells there: EMPTY, ROW (all of the
// node), CELLS (read the leaf), ADD (children combined) or SUB (the node's row without the
// other cells of its children).

export const EMPTY = 0;
export const ROW = 1;
export const CELLS = 2;
export const ADD = 3;
export const SUB = 4;

/** A planning tree from the spatial tree's nodes (Int32Array, 6 columns per node). */
export function spatialTree(nodes, rowBytes, leafBytes) {
  const n = nodes.length / 6;
  const col = (k) => Int32Array.from({ length: n }, (_, v) => nodes[6 * v + k]);
  return { count: col(1), firstChild: col(2), nChildren: col(3), row: col(4), leaf: col(5), rowBytes, leafBytes };
}

/** The cheaper of planning A first or B first (ties: A first), as planner.plan. */
export function plan(tree, countA, countB) {
  const must = new Set([...partialLeaves(tree, countA), ...partialLeaves(tree, countB)]);
  let best = null;
  for (const aFirst of [true, false]) {
    const freeRows = new Set();
    const freeLeaves = new Set(must);
    const one = sideTerms(tree, aFirst ? countA : countB, freeRows, freeLeaves, true);
    mark(tree, one, freeRows, freeLeaves);
    const two = sideTerms(tree, aFirst ? countB : countA, freeRows, freeLeaves, true);
    mark(tree, two, freeRows, freeLeaves);
    const cost = bytesOf(tree, freeRows, freeLeaves);
    if (best === null || cost < best.bytes) {
      best = { a: aFirst ? one : two, b: aFirst ? two : one, rows: sorted(freeRows), leaves: sorted(freeLeaves), bytes: cost };
    }
  }
  return best;
}

/** A side's terms without subtraction, reusing what `have` reads; rows/leaves/bytes are the
 * additional reads (planner.additive). */
export function additive(tree, count, have) {
  const freeRows = new Set(have.rows);
  const freeLeaves = new Set(have.leaves);
  const terms = sideTerms(tree, count, freeRows, freeLeaves, false);
  const moreRows = new Set();
  const moreLeaves = new Set();
  mark(tree, terms, moreRows, moreLeaves);
  for (const r of freeRows) moreRows.delete(r);
  for (const k of freeLeaves) moreLeaves.delete(k);
  return { a: terms, b: [], rows: sorted(moreRows), leaves: sorted(moreLeaves), bytes: bytesOf(tree, moreRows, moreLeaves) };
}

/** Terms {sign, kind, node, complement}: depth first, children in order. */
export function sideTerms(tree, count, freeRows, freeLeaves, allowSub) {
  const how = choices(tree, count, freeRows, freeLeaves, allowSub);
  const terms = [];
  const stack = [[0, 0, 1]];
  while (stack.length) {
    const [v, x0, sign0] = stack.pop();
    let x = x0;
    let sign = sign0;
    const choice = how[2 * v + x];
    if (choice === ROW) terms.push({ sign, kind: ROW, node: v, complement: false });
    else if (choice === CELLS) terms.push({ sign, kind: CELLS, node: v, complement: x === 1 });
    else if (choice === ADD || choice === SUB) {
      if (choice === SUB) {
        terms.push({ sign, kind: ROW, node: v, complement: false });
        x = 1 - x;
        sign = -sign;
      }
      const first = tree.firstChild[v];
      for (let k = first + tree.nChildren[v] - 1; k >= first; k--) stack.push([k, x, sign]);
    }
  }
  return terms;
}

/** Per node and for the side (x = 0) or its complement (x = 1): the cheapest choice; ties go to
 * ROW, CELLS, ADD, then SUB. */
function choices(tree, count, freeRows, freeLeaves, allowSub) {
  const n = tree.count.length;
  const cost = new Float64Array(2 * n);
  const how = new Int8Array(2 * n);
  for (let v = n - 1; v >= 0; v--) {
    const size = tree.count[v];
    const r = tree.row[v];
    const leaf = tree.leaf[v];
    const first = tree.firstChild[v];
    const kids = tree.nChildren[v];
    const rowCost = r < 0 || freeRows.has(r) ? 0 : tree.rowBytes[r];
    for (let x = 0; x < 2; x++) {
      const c = x === 0 ? count[v] : size - count[v];
      if (c === 0) continue;
      let best = null;
      let choice = null;
      if (r >= 0 && c === size) [best, choice] = [rowCost, ROW];
      if (leaf >= 0) {
        const leafCost = freeLeaves.has(leaf) ? 0 : tree.leafBytes[leaf];
        if (best === null || leafCost < best) [best, choice] = [leafCost, CELLS];
      }
      if (kids > 0) {
        let added = 0;
        for (let k = first; k < first + kids; k++) added += cost[2 * k + x];
        if (best === null || added < best) [best, choice] = [added, ADD];
        if (allowSub && r >= 0 && c < size) {
          let rest = rowCost;
          for (let k = first; k < first + kids; k++) rest += cost[2 * k + 1 - x];
          if (rest < best) [best, choice] = [rest, SUB];
        }
      }
      if (choice === null) throw new Error(`comparison tree: node ${v} has neither row, cells nor children for its ${c} cells`);
      cost[2 * v + x] = best;
      how[2 * v + x] = choice;
    }
  }
  return how;
}

function partialLeaves(tree, count) {
  const out = [];
  for (let v = 0; v < tree.count.length; v++) {
    if (tree.leaf[v] >= 0 && count[v] > 0 && count[v] < tree.count[v]) out.push(tree.leaf[v]);
  }
  return out;
}

function mark(tree, terms, rows, leaves) {
  for (const t of terms) {
    if (t.kind === ROW) rows.add(tree.row[t.node]);
    else leaves.add(tree.leaf[t.node]);
  }
}

function bytesOf(tree, rows, leaves) {
  let total = 0;
  for (const r of rows) total += tree.rowBytes[r];
  for (const k of leaves) total += tree.leafBytes[k];
  return total;
}

const sorted = (set) => [...set].sort((x, y) => x - y);
