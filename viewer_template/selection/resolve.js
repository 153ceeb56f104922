// What a selection clause names, loaded: an embedding's display coordinates with their row
// index (built once per embedding, in a worker), a column's codes or values (selection/
// columns.js, by name), a gene's expression, the codes of the categories a clause leaves out.
// Errors say which name is unknown.

import { rowIndex } from "./geometry.js";
import { iso } from "../dom.js";
import { asShown } from "../plot/rotation.js";

/** xy → promise of its row index, from a module worker (or here, where workers fail). */
function createIndexBuilder() {
  let worker = null;
  const waiting = new Map();
  let ids = 0;
  try {
    worker = new Worker(new URL("./index-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }) => {
      waiting.get(data.id)?.resolve(data);
      waiting.delete(data.id);
    };
    worker.onerror = (ev) => {
      console.warn("xgexport: the index worker failed", ev.message);
      for (const w of waiting.values()) w.resolve(rowIndex(w.xy));
      waiting.clear();
      worker = null;
    };
  } catch {
    worker = null;
  }
  return (xy) => {
    if (!worker) return Promise.resolve(rowIndex(xy));
    const id = ++ids;
    return new Promise((resolve) => {
      waiting.set(id, { resolve, xy });
      worker.postMessage({ id, xy });
    });
  };
}

/** dataset, columns (columns.js), genes(): promise of the gene index (genes.js). */
export function createResolver({ dataset, columns, genes }) {
  const ds = dataset;
  const n = ds.nCells;
  const indexes = new WeakMap(); // embedding → promise of its row index (geometry.rowIndex)
  const builder = createIndexBuilder();

  /** The row index of an embedding, built once (in a worker) and kept while it is. */
  function indexFor(e) {
    if (!indexes.has(e)) indexes.set(e, builder(e.xy));
    return indexes.get(e);
  }

  function findEmbedding(key) {
    const list = ds.embeddings;
    return list.find((e) => e.key === key) || list.find((e) => e.name === key) || list.find((e) => e.id === key) || null;
  }

  /** rotation: a 3-D embedding's as the clause was drawn (the front when it says none). */
  async function embedding(key, rotation) {
    const info = findEmbedding(key);
    if (!info) throw new Error(`There is no embedding "${iso(key)}".`);
    const e = asShown(await ds.embedding(info.id), rotation); // the shown object when it is shown
    return { ...e, index: await indexFor(e) };
  }

  async function column(name, kinds) {
    const info = columns.byName(name);
    if (!info) throw new Error(`There is no column named "${iso(name)}".`);
    if (!kinds.includes(info.kind === "continuous" ? "continuous" : "categorical")) {
      throw new Error(`Column "${iso(name)}" is ${info.kind}, not ${kinds.join(" or ")}.`);
    }
    return columns.load(info.id);
  }

  async function codeSet(name, categories) {
    const col = await column(name, ["categorical"]);
    const set = new Set();
    for (const label of categories) {
      const k = col.categories.indexOf(label);
      if (k < 0) throw new Error(`Column "${iso(name)}" has no category "${iso(label)}".`);
      set.add(k);
    }
    return { codes: col.codes, codeSet: set };
  }

  /** Load what a clause needs (embedding, column, gene) for clauseMask(). */
  async function resolve(c) {
    const data = { n };
    if (c.type === "lasso" || c.type === "rect") data.embedding = await embedding(c.embedding, c.rot);
    else if (c.type === "cat") Object.assign(data, await codeSet(c.column, c.categories));
    else if (c.type === "range") data.values = (await column(c.column, ["continuous"])).values;
    else if (c.type === "gene") {
      const index = (await genes()).find(c.gene);
      if (index < 0) throw new Error(`There is no gene named "${iso(c.gene)}".`);
      data.values = await ds.gene(index);
    }
    if (c.not) {
      const { codes, codeSet: set } = await codeSet(c.not.column, c.not.categories);
      Object.assign(data, { notCodes: codes, notSet: set });
    }
    if (c.only) {
      const { codes, codeSet: set } = await codeSet(c.only.column, c.only.categories);
      Object.assign(data, { onlyCodes: codes, onlySet: set });
    }
    return data;
  }

  return { resolve, indexFor, findEmbedding };
}
