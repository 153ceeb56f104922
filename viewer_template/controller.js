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

  /** keepCategories: the same column, edited (a label set): hidden and highlighted labels stay. */
  async function setColor(spec, { keepCategories = false } = {}) {
    if (colorRequest) colorRequest.abort();
    const request = new AbortController();
    colorRequest = request;
    begin();
    let resolved = null;
    try {
      resolved = await colors.resolve(spec);
      if (resolved.kind === "gene") onGeneStatus(`Loading ${iso(resolved.label)}…`);
      const next = await colors.load(resolved, request.signal, onGeneStatus);
      if (request.signal.aborted) throw superseded();
      store.set(keepCategories ? { color: next } : { color: next, categories: NO_CATEGORIES });
      messages.clear("color");
      await view.drawn();
      if (colorRequest === request) {
        colorRequest = null;
        onGeneStatus("");
      }
    } catch (err) {
      if (err.name === "AbortError" || colorRequest !== request) throw err.name === "AbortError" ? err : superseded();
      colorRequest = null;
      onGeneStatus("");
      const what = resolved?.kind === "gene" ? `gene ${iso(resolved.label)}` : resolved?.kind === "obs" ? `column "${iso(obsName(resolved.id))}"`
        : resolved?.kind === "geneset" ? `gene set "${iso(resolved.label)}"` : resolved?.kind === "blend" ? `genes ${iso(resolved.label)}` : iso(spec);
      const message = resolved ? `Could not load ${what}: ${err.message}` : err.message;
      messages.show(message, "error", "color");
      throw new Error(message);
    } finally {
      end();
    }
  }

  /** rotation: of a 3-D embedding ({yaw, pitch}, the front when not given). */
  async function setEmbedding(key, camera = null, rotation = FRONT) {
    const info = findEmbedding(key);
    if (!info) throw new Error(`There is no embedding "${iso(key)}".`);
    begin();
    try {
      const e = asShown(await ds.embedding(info.id), rotation);
      const c = camera && cam.isCamera(camera) ? { ...camera, zoom: cam.clampZoom(camera.zoom) } : cam.home(e.bounds);
      store.set({ embedding: e, camera: c });
      messages.clear("embedding");
      await view.drawn();
    } catch (err) {
      messages.show(`Could not load embedding ${iso(info.name || info.key)}: ${err.message}`, "error", "embedding");
      throw err;
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

  return { setColor, setEmbedding, setCamera, setRotation, resetView, findEmbedding, hold };
}
