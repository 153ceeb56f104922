// Every column cells can be selected and counted by: the bundle's obs columns (loaded on first
// use) and columns that appear while the page runs (annotations: label sets made in the
// browser). The category browser, the histograms, the crossfilter and the selection's clauses
// all look columns up here, by name, so a label set behaves like any categorical column.
//
// A runtime column: {id, name, kind: "categorical", codes (Int32Array, −1 = none),
// categories: string[], colors?: string[]}. add() replaces a column of the same id; names must
// not repeat an obs column's (the obs column wins a lookup by name).

export function createColumns({ dataset }) {
  const runtime = new Map(); // id → loaded column
  const listeners = new Set();

  const obsInfo = () => dataset.obsColumns.map((o) => ({ id: o.id, name: o.name, kind: o.kind, source: "obs" }));

  /** [{id, name, kind, source}] in obs order, then runtime columns in the order they came. */
  function list() {
    const rt = [...runtime.values()].map((c) => ({ id: c.id, name: c.name, kind: c.kind, source: "runtime" }));
    return [...obsInfo(), ...rt];
  }

  function byName(name) {
    return list().find((c) => c.name === name) || null;
  }

  /** The loaded column: {id, name, kind, codes, categories, colors, counts} or {…, values, min, max}. */
  async function load(id) {
    if (runtime.has(id)) return runtime.get(id);
    return dataset.obs(id);
  }

  function notify() {
    for (const fn of [...listeners]) fn(list());
  }

  function add(column) {
    const { id, name, codes, categories } = column;
    if (typeof id !== "string" || !id || typeof name !== "string" || !name) throw new Error("a column needs an id and a name");
    if (!codes || codes.length !== dataset.nCells) throw new Error(`a column needs one code per cell (${dataset.nCells})`);
    const counts = new Array(categories.length).fill(0);
    for (let i = 0; i < codes.length; i++) if (codes[i] >= 0 && codes[i] < counts.length) counts[codes[i]]++;
    runtime.set(id, { colors: [], ...column, kind: "categorical", categories: categories.map(String), counts });
    notify();
  }

  function remove(id) {
    if (runtime.delete(id)) notify();
  }

  /** fn(list) whenever a runtime column is added, replaced or removed. Returns unsubscribe. */
  function subscribe(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }

  return { list, byName, load, add, remove, subscribe };
}
