// The data layer: opens the bundle, caches what was read, bounds the gene cache, and lets callers
// cancel stale gene requests with an AbortSignal. Nothing here touches the page.

import { createStore, openArray, ZarrError } from "./zarr.js";

export const FORMAT_VERSIONS = [1, 2]; // 2 adds data/compare/ (docs/FORMAT.md)
const OBS_NAMES_CHUNK = 65536;
// de/<id>/markers' fields (docs/FORMAT.md), for bundles written before that table: read from the full rows
const MARKER_FIELDS = ["gene", "logfoldchange", "pval_adj", "pval", "t", "mean_in", "mean_out", "frac_in", "frac_out"];

export class DatasetError extends Error {
  constructor(message) {
    super(message);
    this.name = "DatasetError";
  }
}

/** Open data/zarr.json and check the format version. progress, early: see zarr.js createStore. */
export async function openDataset(base = "data/", { progress = null, early = null } = {}) {
  const store = createStore(base, { progress, early });
  let group;
  try {
    group = await store.json("zarr.json");
  } catch (err) {
    throw new DatasetError(`Could not load the dataset: ${err.message}. ` +
      "Serve the whole exported folder over HTTP (for example: python -m http.server) and open its index.html.");
  }
  const meta = group && group.attributes && group.attributes.xgexport;
  if (group.zarr_format !== 3 || group.node_type !== "group" || !meta || typeof meta !== "object") {
    throw new DatasetError(`${base}zarr.json is not an xgexport bundle (no "xgexport" attributes on a zarr v3 group).`);
  }
  if (!FORMAT_VERSIONS.includes(meta.format_version)) {
    throw new DatasetError(`This bundle uses format version ${JSON.stringify(meta.format_version)}, but this viewer reads ` +
      `version ${FORMAT_VERSIONS.join(", ")}. Export the dataset again with a matching xgexport.`);
  }
  return new Dataset(store, meta);
}

/** A promise that rejects with an AbortError when `signal` aborts. */
function abortable(promise, signal) {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new DOMException("Aborted", "AbortError"));
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DOMException("Aborted", "AbortError"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export class Dataset {
  constructor(store, meta) {
    this.store = store;
    this.meta = meta;
    this.nCells = meta.n_cells;
    this.nGenes = meta.n_genes;
    this._memo = new Map();           // key → promise (small, whole-array reads)
    this._genes = new Map();          // gene index → Float32Array (LRU order)
    this._geneBytes = 0;
    this.geneCacheLimit = 64 * 1024 * 1024;
    this._inflight = new Map();       // gene index → {promise, controller, waiters}
    this._obsNames = new Map();       // chunk index → promise of string[]
  }

  _once(key, make) {
    if (!this._memo.has(key)) {
      const p = make();
      this._memo.set(key, p);
      p.catch(() => this._memo.delete(key)); // allow a retry after an error
    }
    return this._memo.get(key);
  }

  array(path) {
    return this._once(`array:${path}`, () => openArray(this.store, path));
  }

  get embeddings() { return this.meta.embeddings || []; }
  get obsColumns() { return this.meta.obs || []; }
  get deColumns() { return this.meta.de || []; }

  /** {id, key, name, xy: Uint16Array (n*2), bounds: {min, max}, hidden} */
  embedding(id) {
    return this._once(`emb:${id}`, async () => {
      const info = this.embeddings.find((e) => e.id === id);
      if (!info) throw new DatasetError(`no embedding with id ${id}`);
      const arr = await this.array(`embeddings/${id}/display`);
      if (arr.dtype !== "uint16" || arr.shape.length !== 2 || arr.shape[1] !== 2) {
        throw new DatasetError(`embeddings/${id}/display: expected uint16 (n_cells, 2)`);
      }
      const xy = await arr.read();
      const { min, max } = arr.attrs;
      if (!Array.isArray(min) || !Array.isArray(max)) throw new DatasetError(`embeddings/${id}/display: missing min/max attributes`);
      // spatial coordinates are image positions: drawn with y down, as scanpy and squidpy do
      const yDown = isSpatial(info.key);
      const out = { ...info, xy, bounds: { min: min.map(Number), max: max.map(Number), yDown }, hidden: Number(arr.attrs.hidden) || 0 };
      return info.layout_dims === 3 ? { ...out, ...(await this._depth(id, arr.shape[0])) } : out;
    });
  }

  /** A 3-D embedding's third display coordinate: {z: Uint16Array, zBounds: {min, max}}. */
  async _depth(id, n) {
    const arr = await this.array(`embeddings/${id}/display_z`);
    if (arr.dtype !== "uint16" || arr.shape.length !== 1 || arr.shape[0] !== n) {
      throw new DatasetError(`embeddings/${id}/display_z: expected uint16 (n_cells,)`);
    }
    const { min, max } = arr.attrs;
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw new DatasetError(`embeddings/${id}/display_z: missing min/max attributes`);
    return { z: await arr.read(), zBounds: { min, max } };
  }

  /**
   * Tissue images lying under embedding `id` (docs/FORMAT.md, "Tissue images"), only those whose
   * file is a path the format allows (a bundle's own images/<n>.png or .webp, never another host's).
   */
  images(id) {
    const all = Array.isArray(this.meta.images) ? this.meta.images : [];
    return all.filter((m) => m && typeof m === "object" && m.embedding === id && typeof m.library === "string" &&
      /^images\/[0-9]+\.(png|webp)$/.test(m.file) && Array.isArray(m.extent) && m.extent.length === 4 && m.extent.every(Number.isFinite));
  }

  /** A tissue image as an ImageBitmap (premultiplied, colours as stored), read once. */
  imageBitmap(info) {
    return this._once(`image:${info.file}`, async () => {
      const url = new URL(`../${info.file}`, new URL(this.store.base, document.baseURI));
      let response;
      try {
        response = await fetch(url, { credentials: "same-origin" });
      } catch (err) {
        throw new DatasetError(`${info.file}: network error (${err.message})`);
      }
      if (!response.ok) throw new DatasetError(`${info.file}: HTTP ${response.status}`);
      return createImageBitmap(await response.blob(), { premultiplyAlpha: "premultiply", colorSpaceConversion: "none" });
    });
  }

  /** {id, name, kind, codes | values, categories, colors, counts, min, max} */
  obs(id) {
    return this._once(`obs:${id}`, async () => {
      const info = this.obsColumns.find((o) => o.id === id);
      if (!info) throw new DatasetError(`no obs column with id ${id}`);
      if (info.kind === "continuous") {
        const arr = await this.array(`obs/${id}/values`);
        const values = await arr.read();
        let min = Number(arr.attrs.min);
        let max = Number(arr.attrs.max);
        if (!Number.isFinite(min) || !Number.isFinite(max)) [min, max] = finiteRange(values);
        return { ...info, values, min, max };
      }
      const arr = await this.array(`obs/${id}/codes`);
      const codes = await arr.read();
      const categories = (arr.attrs.categories || []).map(String);
      return {
        ...info,
        codes,
        categories,
        colors: arr.attrs.colors || [],
        counts: arr.attrs.counts || countCodes(codes, categories.length),
        ordered: !!arr.attrs.ordered,
      };
    });
  }

  /** {names: string[], symbols: string[] | null} */
  genes() {
    return this._once("genes", async () => {
      const names = await (await this.array("var/names")).read();
      let symbols = null;
      // gene_symbols names the var column of var/symbols, or is "var index" when there is none
      const sym = this.meta.gene_symbols;
      if (typeof sym === "string" && sym && sym !== "var index") {
        try {
          symbols = await (await this.array("var/symbols")).read();
        } catch (err) {
          if (!(err instanceof ZarrError && err.status === 404)) throw err;
        }
      }
      return { names, symbols };
    });
  }

  cachedGene(index) {
    const hit = this._genes.get(index);
    if (hit) { // refresh LRU position
      this._genes.delete(index);
      this._genes.set(index, hit);
    }
    return hit || null;
  }

  /** Expression of one gene for all cells (Float32Array). Abort with `signal`. */
  gene(index, { signal } = {}) {
    const hit = this.cachedGene(index);
    if (hit) return Promise.resolve(hit);
    let entry = this._inflight.get(index);
    if (!entry) {
      const controller = new AbortController();
      const promise = (async () => {
        const arr = await this.array("X");
        if (!(index >= 0 && index < arr.shape[0])) throw new DatasetError(`gene index ${index} out of range`);
        const values = await arr.chunk([index, 0], { signal: controller.signal });
        const out = values.length === this.nCells ? values : values.slice(0, this.nCells);
        this._remember(index, out);
        return out;
      })();
      entry = { promise, controller, waiters: 0 };
      this._inflight.set(index, entry);
      promise.catch(() => {}).finally(() => this._inflight.delete(index));
    }
    entry.waiters++;
    const mine = abortable(entry.promise, signal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      entry.waiters--;
      if (entry.waiters === 0 && this._inflight.get(index) === entry) {
        // nobody waits for this gene any more: stop the download
        entry.controller.abort();
        this._inflight.delete(index);
      }
    };
    if (signal) signal.addEventListener("abort", release, { once: true });
    mine.then(() => { released = true; }, () => { if (!signal?.aborted) released = true; });
    return mine;
  }

  _remember(index, values) {
    this._genes.set(index, values);
    this._geneBytes += values.byteLength;
    while (this._geneBytes > this.geneCacheLimit && this._genes.size > 1) {
      const [oldest, v] = this._genes.entries().next().value;
      this._genes.delete(oldest);
      this._geneBytes -= v.byteLength;
    }
  }

  /** Cell id of cell i (loads its chunk of 65536 names on first use). */
  async obsName(i) {
    const k = Math.floor(i / OBS_NAMES_CHUNK);
    const names = await this._obsNameChunk(k);
    return names[i - k * OBS_NAMES_CHUNK];
  }

  /** Every cell's id, in obs order (for files that name cells: label sets, cell ids). */
  async obsNames() {
    const chunks = await Promise.all(Array.from({ length: Math.ceil(this.nCells / OBS_NAMES_CHUNK) }, (_, k) => this._obsNameChunk(k)));
    return chunks.flat().slice(0, this.nCells);
  }

  _obsNameChunk(k) {
    if (!this._obsNames.has(k)) {
      const p = (async () => {
        const arr = await this.array("obs_names");
        return arr.chunk([k]);
      })();
      this._obsNames.set(k, p);
      p.catch(() => this._obsNames.delete(k));
    }
    return this._obsNames.get(k);
  }

  /** Synchronous peek: the cell id if its chunk is loaded, else undefined. */
  obsNameNow(i, loaded) {
    return loaded?.[Math.floor(i / OBS_NAMES_CHUNK)]?.[i % OBS_NAMES_CHUNK];
  }

  /** DE group attributes */
  deInfo(id) {
    return this._once(`de:${id}`, async () => {
      const group = await this.store.json(`de/${id}/zarr.json`);
      return { ...(this.deColumns.find((d) => d.id === id) || {}), ...(group.attributes || {}) };
    });
  }

  /** One category's row of one DE statistic (typed array of n_genes or top_n). */
  deRow(id, stat, category) {
    return this._once(`de:${id}:${stat}:${category}`, async () => {
      const arr = await this.array(`de/${id}/${stat}`);
      const row = await arr.chunk([category, 0]);
      return row.length === arr.shape[1] ? row : row.slice(0, arr.shape[1]);
    });
  }

  /**
   * The top markers of one category of DE column `id`: {up, down}, each a list in rank order of
   * {gene (index), logfoldchange, pval_adj, pval, t, mean_in, mean_out, frac_in, frac_out}.
   * One small file, de/<id>/markers (after the group's and the array's metadata, once per
   * column); bundles written before that table give the same from top_up/top_down and the
   * full rows (ten files of up to n_genes values).
   */
  deMarkers(id, category) {
    return this._once(`de:${id}:markers:${category}`, async () => {
      const fields = (await this.deInfo(id)).marker_fields;
      if (!Array.isArray(fields)) return this._markersFromRows(id, category);
      const arr = await this.array(`de/${id}/markers`);
      const [, nDir, nFields, topN] = arr.shape;
      if (arr.shape.length !== 4 || nDir !== 2 || nFields !== fields.length || fields[0] !== "gene") {
        throw new DatasetError(`de/${id}/markers: expected shape (n_categories, 2, ${fields.length}, top_n), gene first`);
      }
      const block = await arr.chunk([category, 0, 0, 0]);
      const list = (d) => {
        const out = [];
        for (let r = 0, at = d * nFields * topN; r < topN; r++, at++) {
          if (block[at] >= 0) out.push(Object.fromEntries(fields.map((f, k) => [f, block[at + k * topN]])));
        }
        return out;
      };
      return { up: list(0), down: list(1) };
    });
  }

  async _markersFromRows(id, category) {
    const stats = MARKER_FIELDS.slice(1);
    const [up, down, ...rows] = await Promise.all(["top_up", "top_down", ...stats].map((s) => this.deRow(id, s, category)));
    const list = (top) => Array.from(top).filter((j) => j >= 0)
      .map((j) => Object.fromEntries([["gene", j], ...stats.map((f, k) => [f, rows[k][j]])]));
    return { up: list(up), down: list(down) };
  }
}

/** obsm keys of spatial coordinates: spatial, X_spatial, spatial_3d, … */
export function isSpatial(key) {
  return /(^|_)spatial($|_)/i.test(String(key));
}

export function finiteRange(values) {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === Infinity) return [0, 0];
  return [min, max];
}

function countCodes(codes, k) {
  const counts = new Array(k).fill(0);
  for (let i = 0; i < codes.length; i++) if (codes[i] >= 0 && codes[i] < k) counts[codes[i]]++;
  return counts;
}
