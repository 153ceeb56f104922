// Changes of view that need loading: colouring and embedding. Loads first, then puts the result
// in the store in one set() (so every panel sees a consistent view), waits for the frame that
// shows it, and keeps <html data-xg-state> ("loading" | "ready" | "error") in step: "ready" only
// when nothing is loading any more and a frame shows the requested view.

import * as cam from "./plot/camera.js";
import { NO_CATEGORIES } from "./store.js";
import { FRONT, asShown, baseOf, is3d, turned } from "./plot/rotation.js";
import { iso } from "./dom.js";

const superseded = () => new DOMException("superseded by a newer colouring", "AbortError");

export function createController({ store, dataset, colors, view, messages, onGeneStatus = () => {} }) {
  const ds = dataset;
  const html = document.documentElement;
  let colorRequest = null; // AbortController of the colouring being loaded
  let pending = 0;         // view changes under way (loads, and the start-up as a whole)

  function setXgState(value) {
    html.dataset.xgState = value;
    store.set({ xgState: value });
  }

  function begin() {
    pending++;
    setXgState("loading");
  }

  /** One change is done (drawn, or failed): ready when it was the last and something is shown. */
  function end() {
    pending--;
    if (pending === 0) setXgState(store.get().embedding ? "ready" : "error");
  }

  /** Run fn with the viewer "loading" throughout (the start-up: embedding, then colour). */
  async function hold(fn) {
    begin();
    try {
      return await fn();
    } finally {
      end();
    }
  }

  function findEmbedding(key) {
    const list = ds.embeddings;
    return list.find((e) => e.key === key) || list.find((e) => e.name === key) || list.find((e) => e.id === key) || null;
  }

  function obsName(id) {
    return ds.obsColumns.find((o) => o.id === id)?.name ?? id;
  }

  /** A colouring loaded (not shown): the store's next `color`; a readable error if it cannot be. */
  async function loadColor(spec, request) {
    let resolved = null;
    try {
      resolved = await colors.resolve(spec);
      if (resolved.kind === "gene") onGeneStatus(`Loading ${iso(resolved.label)}…`);
      const next = await colors.load(resolved, request.signal, onGeneStatus);
      if (request.signal.aborted) throw superseded();
      return next;
    } catch (err) {
      if (err.name === "AbortError" || colorRequest !== request) throw err.name === "AbortError" ? err : superseded();
      colorRequest = null;
      onGeneStatus("");
      const what = resolved?.kind === "gene" ? `gene ${iso(resolved.label)}` : resolved?.kind === "obs" ? `column "${iso(obsName(resolved.id))}"`
        : resolved?.kind === "geneset" ? `gene set "${iso(resolved.label)}"` : resolved?.kind === "blend" ? `genes ${iso(resolved.label)}` : iso(spec);
      const message = resolved ? `Could not load ${what}: ${err.message}` : err.message;
      messages.show(message, "error", "color");
      throw new Error(message);
    }
  }

  function newColorRequest() {
    if (colorRequest) colorRequest.abort();
    colorRequest = new AbortController();
    return colorRequest;
  }

  /** The colouring is shown (drawn): the request is done. */
  function colorShown(request) {
    if (colorRequest !== request) return;
    colorRequest = null;
    onGeneStatus("");
  }

  /** keepCategories: the same column, edited (a label set): hidden and highlighted labels stay. */
  async function setColor(spec, { keepCategories = false } = {}) {
    const request = newColorRequest();
    begin();
    try {
      const next = await loadColor(spec, request);
      store.set(keepCategories ? { color: next } : { color: next, categories: NO_CATEGORIES });
      messages.clear("color");
      await view.drawn();
      colorShown(request);
    } finally {
      end();
    }
  }

  /**
   * The embedding (key) and its camera ({cx, cy, zoom} or null: every cell in view); rotation:
   * of a 3-D embedding ({yaw, pitch}, the front when not given).
   */
  async function loadEmbedding(key, camera, rotation = FRONT) {
    const info = findEmbedding(key);
    if (!info) throw new Error(`There is no embedding "${iso(key)}".`);
    try {
      const e = asShown(await ds.embedding(info.id), rotation);
      const c = camera && cam.isCamera(camera) ? { ...camera, zoom: cam.clampZoom(camera.zoom) } : cam.home(e.bounds);
      return { embedding: e, camera: c };
    } catch (err) {
      messages.show(`Could not load embedding ${iso(info.name || info.key)}: ${err.message}`, "error", "embedding");
      throw err;
    }
  }

  async function setEmbedding(key, camera = null, rotation = FRONT) {
    begin();
    try {
      store.set(await loadEmbedding(key, camera, rotation));
      messages.clear("embedding");
      await view.drawn();
    } finally {
      end();
    }
  }

  /**
   * The first view: the embedding and a colouring read at the same time and shown in one frame,
   * never the cells in grey first. Resolves to null, or to the colouring's error (the embedding
   * is then shown uncoloured, and the caller picks another colouring); rejects if the embedding
   * cannot be shown. spec: a colour spec, or a promise of one; before: a promise the view waits
   * for before it is shown (the panels that show it).
   */
  async function setView(key, camera, spec, before = null, rotation = FRONT) {
    const request = newColorRequest();
    begin();
    try {
      const color = Promise.resolve(spec).then((s) => loadColor(s, request)).then((next) => ({ next }), (error) => ({ error }));
      const shown = await loadEmbedding(key, camera, rotation);
      const { next, error } = await color;
      await before;
      if (error?.name === "AbortError") throw error;
      store.set(error ? shown : { ...shown, color: next, categories: NO_CATEGORIES });
      messages.clear("embedding");
      if (!error) messages.clear("color");
      await view.drawn();
      if (!error) colorShown(request);
      return error ?? null;
    } finally {
      end();
    }
  }

  function setCamera(c) {
    if (!cam.isCamera(c)) throw new Error("camera must be {cx, cy, zoom} with finite numbers and zoom > 0");
    store.set({ camera: { cx: c.cx, cy: c.cy, zoom: cam.clampZoom(c.zoom) } });
  }

  /** Turn a 3-D embedding (plot/rotation.js); nothing for a 2-D one. */
  function setRotation(rotation) {
    const e = store.get().embedding;
    if (is3d(e)) store.set({ embedding: turned(baseOf(e), rotation) });
  }

  /** Every cell in view, a 3-D embedding seen from the front. */
  function resetView() {
    const e = store.get().embedding;
    if (!e) return;
    const front = is3d(e) ? turned(baseOf(e), FRONT) : e;
    store.set({ embedding: front, camera: cam.home(front.bounds) });
  }

  return { setColor, setEmbedding, setView, setCamera, setRotation, resetView, findEmbedding, hold };
}
