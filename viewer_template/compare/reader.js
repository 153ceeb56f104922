// The worker's view of a bundle's comparison data (data/compare/, docs/COMPARE.md): the small
// arrays read once (row sizes, the tree's nodes, leaf sizes), then statistics rows and leaves on
// demand, as whole chunk files fetched in parallel, each decoded once and kept in a bounded
// cache. Bytes are counted from the sizes the writer recorded, as Python's reader counts them.

import { createStore, openArray, ZarrError } from "../zarr.js";
import { treeOrder, orderChecksum } from "./order.js";

const GROUP = "compare";
const VERSION = 2; // 2: one file per leaf (values, then index planes)
const PARALLEL = 12; // requests in flight (a browser opens 6 connections per host over HTTP/1.1)
export const CACHE_LIMIT = 256 * 1024 * 1024; // decoded rows and leaves kept between comparisons

export class NoCompareData extends Error {}

export class CompareData {
  /** Open `base` (the bundle's data/ URL). Rejects with NoCompareData when there is none. */
  static async open(base, onBytes) {
    const store = createStore(base, { progress: (received) => onBytes(received) });
    let group;
    try {
      group = await store.json(`${GROUP}/zarr.json`);
    } catch (err) {
      if (err instanceof ZarrError && err.status === 404) throw new NoCompareData("no comparison data");
      throw err;
    }
    const attrs = group.attributes || {};
    if (attrs.version !== VERSION) throw new Error(`comparison data of version ${JSON.stringify(attrs.version)} is not readable by this viewer`);
    const data = new CompareData(store, attrs);
    await data._load();
    return data;
  }

  constructor(store, attrs) {
    this.store = store;
    this.attrs = attrs;
    this.nCells = attrs.n_cells;
    this.nGenes = attrs.n_genes;
    this.cache = new Map(); // key → {value, size}, in LRU order
    this.cacheBytes = 0;
    this.inflight = new Map();
    this.bytesRead = 0;
    this.filesRead = 0;
    this._order = null;
    this._display = null;
  }

  /** The arrays read once, all requests at the same time (one after the other they cost a
   * round trip each). */
  async _load() {
    const whole = (name) => this._array(name).then((a) => a.read());
    const [info, rows, spatial] = await Promise.all([whole("row_info"), this._array("rows"), this._loadTree(whole)]);
    this.rowInfo = info;
    this.rowBytes = Float64Array.from({ length: info.length / 2 }, (_, r) => info[2 * r + 1]);
    this.rows = rows;
    this.joint = new Map();
    Object.assign(this, spatial);
  }

  /** The spatial tree and the leaves: absent when the build left cell-level data out. */
  async _loadTree(whole) {
    try {
      const [nodes, leafBytes, leaves] = await Promise.all([whole("nodes"), whole("leaf_bytes"), this._array("leaves")]);
      return { nodes, leafBytes: Float64Array.from(leafBytes), leaves, spatial: true };
    } catch (err) {
      if (!(err instanceof ZarrError && err.status === 404)) throw err;
      return { nodes: new Int32Array(0), leafBytes: new Float64Array(0), spatial: false };
    }
  }

  _array(name) {
    return openArray(this.store, `${GROUP}/${name}`);
  }

  /** The display coordinates of the tree's embedding (uint16 pairs), given by the page. */
  setDisplay(xy) {
    if (xy.length !== 2 * this.nCells) throw new Error(`display coordinates of ${xy.length / 2} cells for ${this.nCells}`);
    this._display = xy;
  }

  /** The tree order, from the display coordinates, checked against the writer's checksum. */
  order() {
    if (!this._order) {
      if (!this._display) throw new Error("the embedding of the comparison tree is not loaded");
      const order = treeOrder(this._display);
      if (orderChecksum(order) !== this.attrs.order_checksum) {
        throw new Error("the comparison tree does not match the embedding's display coordinates");
      }
      this._order = order;
    }
    return this._order;
  }

  jointPairs(id) {
    if (!this.joint.has(id)) this.joint.set(id, openArray(this.store, `${GROUP}/joint/${id}/pairs`).then((a) => a.read()));
    return this.joint.get(id);
  }

  /** Bytes the files of these rows and leaves would download now (what is not cached). */
  uncachedBytes(rows, leaves) {
    let total = 0;
    for (const r of rows) if (!this.cache.has(`r${r}`)) total += this.rowBytes[r];
    for (const k of leaves) if (!this.cache.has(`l${k}`)) total += this.leafBytes[k];
    return total;
  }

  /** Fetch (in parallel) every row and leaf not cached yet. */
  async fetchAll(rows, leaves, signal) {
    const jobs = [...rows.map((r) => () => this.row(r, signal)), ...leaves.map((k) => () => this.leaf(k, signal))];
    let next = 0;
    const lane = async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        await job();
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, jobs.length) }, lane));
  }

  /** Statistics row r: {n, mean, m2, npos}. */
  row(r, signal) {
    return this._cached(`r${r}`, signal, async () => {
      const stats = await this.rows.chunk([r, 0, 0], { signal });
      const g = this.nGenes;
      this._count(this.rowBytes[r], 1);
      const value = { n: this.rowInfo[2 * r], mean: stats.subarray(0, g), m2: stats.subarray(g, 2 * g), npos: stats.subarray(2 * g, 3 * g) };
      return { value, size: stats.byteLength };
    });
  }

  /** Leaf k: {indptr, genes, values}, its cells in tree order (CSR). */
  leaf(k, signal) {
    return this._cached(`l${k}`, signal, async () => {
      const record = await this.leaves.chunk([k, 0], { signal });
      this._count(this.leafBytes[k], 1);
      const { value_dtype: dtype, leaf_capacity: capacity, index_planes: planes, leaf_cells: cells } = this.attrs;
      const Values = dtype === "float64" ? Float64Array : Float32Array;
      const values = new Values(record.buffer, 0, capacity); // first in the record, so aligned
      const value = decodeLeaf(record.subarray(capacity * Values.BYTES_PER_ELEMENT), values, planes, cells, this.nGenes);
      return { value, size: value.indptr.byteLength + value.genes.byteLength + value.values.byteLength };
    });
  }

  _count(bytes, files) {
    this.bytesRead += bytes;
    this.filesRead += files;
  }

  async _cached(key, signal, load) {
    const hit = this.cache.get(key);
    if (hit) {
      this.cache.delete(key); // most recently used last
      this.cache.set(key, hit);
      return hit.value;
    }
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = load().finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    let loaded;
    try {
      loaded = await pending;
    } catch (err) { // another comparison that shared this file was cancelled: read it again
      if (err.name !== "AbortError" || signal?.aborted) throw err;
      return this._cached(key, signal, load);
    }
    if (signal?.aborted) throw new DOMException("Aborted", "AbortError");
    const { value, size } = loaded;
    if (!this.cache.has(key)) {
      this.cache.set(key, { value, size });
      this.cacheBytes += size;
    }
    return value;
  }

  /** Drop the least recently used entries beyond the limit (after a comparison, not during one). */
  trim(limit = CACHE_LIMIT) {
    for (const [key, entry] of this.cache) {
      if (this.cacheBytes <= limit) break;
      this.cache.delete(key);
      this.cacheBytes -= entry.size;
    }
  }
}

/** Counts per cell, then gene gaps (each cell's first absolute), as byte planes; the values.
 * Slots past the leaf's cells count 0 values; the node's COUNT says how many cells it has. */
export function decodeLeaf(planes, values, nPlanes, leafCells, nGenes) {
  const width = planes.length / nPlanes;
  const index = new Float64Array(width);
  for (let p = nPlanes - 1; p >= 0; p--) {
    const base = p * width;
    for (let i = 0; i < width; i++) index[i] = index[i] * 256 + planes[base + i];
  }
  const indptr = new Int32Array(leafCells + 1);
  for (let c = 0; c < leafCells; c++) indptr[c + 1] = indptr[c] + index[c];
  const nnz = indptr[leafCells];
  const genes = nGenes <= 65535 ? new Uint16Array(nnz) : new Int32Array(nnz);
  for (let c = 0; c < leafCells; c++) {
    let gene = 0;
    for (let k = indptr[c]; k < indptr[c + 1]; k++) {
      gene = k === indptr[c] ? index[leafCells + k] : gene + index[leafCells + k];
      genes[k] = gene;
    }
  }
  return { indptr, genes, values: values.slice(0, nnz) };
}
