// The planning trees a comparison can use, as engine.choose_route: when both groups are unions
// of categories of one DE column (or of a column pair stored as joint groups), a tree of
// statistics rows (all cells → categories → joint groups); otherwise the spatial tree. Every
// candidate is planned and the cheapest taken (the first on ties).
//
// A group here is {label, member (Uint8Array per cell), n, conditions ({obs_id: [codes]} or
// null), restOf (the group it is the rest of, or null)}.

import { nodeCounts } from "./order.js";
import { plan, spatialTree } from "./planner.js";

const TOTAL_ROW = 0;

/** {route: {name, tree, countA, countB}, plan}; `data` is the worker's CompareData. */
export async function chooseRoute(data, a, b) {
  let routes = await categoryRoutes(data, a, b);
  if (!routes.length) {
    if (!data.spatial) throw new Error("this bundle has no cell-level comparison data: only categories of its DE columns can be compared");
    const order = data.order();
    const tree = spatialTree(data.nodes, data.rowBytes, data.leafBytes);
    routes = [{ name: "spatial", tree, countA: nodeCounts(data.nodes, order, a.member), countB: nodeCounts(data.nodes, order, b.member) }];
  }
  let best = null;
  for (const route of routes) {
    const p = plan(route.tree, route.countA, route.countB);
    if (best === null || p.bytes < best.plan.bytes) best = { route, plan: p };
  }
  return best;
}

async function categoryRoutes(data, a, b) {
  const named = [a, b].filter((s) => !s.restOf);
  if (named.some((s) => !s.conditions)) return [];
  const used = new Set(named.flatMap((s) => Object.keys(s.conditions)));
  const columns = new Map((data.attrs.columns || []).map((c) => [c.obs_id, c]));
  const routes = [];
  if (used.size === 1 && columns.has([...used][0])) routes.push(categoryRoute(data, a, b, columns.get([...used][0]), null));
  for (const joint of data.attrs.joint || []) {
    const ids = joint.obs_ids;
    if (![...used].every((id) => ids.includes(id)) || !ids.every((id) => columns.has(id))) continue;
    const pairs = await data.jointPairs(joint.id);
    for (const middle of [0, 1]) routes.push(categoryRoute(data, a, b, columns.get(ids[middle]), { joint, pairs, middle }));
  }
  return routes;
}

/** All cells → the categories of one column (+ missing) → [joint groups within each],
 * breadth-first, as engine._category_route. */
function categoryRoute(data, a, b, column, joint) {
  const parts = Array.from({ length: column.n_categories }, (_, k) => k);
  if (column.missing_row !== null && column.missing_row !== undefined) parts.push(-1);
  const rows = [TOTAL_ROW, ...parts.map((k) => (k >= 0 ? column.first_row + k : column.missing_row))];
  const codesOf = [null, ...parts.map((k) => ({ [column.obs_id]: k }))];
  const children = parts.map(() => []);
  if (joint) {
    const position = new Map(parts.map((k, i) => [k, i]));
    for (let j = 0; j < joint.pairs.length / 2; j++) children[position.get(joint.pairs[2 * j + joint.middle])].push(j);
  }
  const nNodes = 1 + parts.length + children.reduce((s, c) => s + c.length, 0);
  const firstChild = new Int32Array(nNodes).fill(-1);
  const nChildren = new Int32Array(nNodes);
  firstChild[0] = 1;
  nChildren[0] = parts.length;
  let nextId = 1 + parts.length;
  children.forEach((kids, i) => {
    if (kids.length) {
      firstChild[1 + i] = nextId;
      nChildren[1 + i] = kids.length;
      nextId += kids.length;
    }
    const ids = joint?.joint.obs_ids;
    for (const j of kids) {
      rows.push(joint.joint.first_row + j);
      codesOf.push({ [ids[0]]: joint.pairs[2 * j], [ids[1]]: joint.pairs[2 * j + 1] });
    }
  });
  const row = Int32Array.from(rows);
  const count = Float64Array.from(rows, (r) => data.rowInfo[2 * r]);
  const tree = { count, firstChild, nChildren, row, leaf: new Int32Array(nNodes).fill(-1), rowBytes: data.rowBytes, leafBytes: data.leafBytes };
  const name = `categories of ${pyRepr(column.name)}${joint ? " (joint groups of a column pair)" : ""}`;
  return { name, tree, countA: partCounts(tree, codesOf, a), countB: partCounts(tree, codesOf, b) };
}

/** Cells of the group in each node: a part is wholly in or out; parents add up their children. */
function partCounts(tree, codesOf, group) {
  const named = group.restOf || group;
  const entries = Object.entries(named.conditions);
  const n = tree.count.length;
  const count = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    if (tree.nChildren[v]) continue;
    const codes = codesOf[v];
    const inside = codes !== null && entries.every(([id, allowed]) => allowed.includes(id in codes ? codes[id] : -2));
    const c = inside ? tree.count[v] : 0;
    count[v] = group.restOf ? tree.count[v] - c : c;
  }
  for (let v = n - 1; v >= 0; v--) {
    if (!tree.nChildren[v]) continue;
    let sum = 0;
    for (let k = tree.firstChild[v]; k < tree.firstChild[v] + tree.nChildren[v]; k++) sum += count[k];
    count[v] = sum;
  }
  return count;
}

/** A name quoted as Python's repr() quotes it, so route names read the same in both engines. */
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  return quote + text.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`) + quote;
}
