// The automation API (window.xgexport) and the postMessage protocol of an embedded viewer.
//
//   xgexport.setColor(spec) → Promise   spec is "obs:<column name>", "gene:<symbol or id>",
//                                       "genes:<first>,<second>" (two genes blended) or "none"; resolves with the state once the plot is drawn with
//                                       that colouring, rejects with an Error for an unknown name or
//                                       unreadable data.
//   xgexport.setEmbedding(key) → Promise  an obsm key such as "X_umap" (its name or id also work);
//                                       resets the camera; resolves when drawn.
//   xgexport.setCamera({cx, cy, zoom})  data coordinates of the plot centre, zoom 1 = fit all cells.
//   xgexport.resetView()                (a 3-D embedding: also back to the front)
//   xgexport.setRotation({yaw, pitch})  turn a 3-D embedding (degrees, rounded to 0.1°); nothing for a 2-D one
//   xgexport.getState() → {embedding, color, camera: {cx, cy, zoom}, xgState, selected, selection,
//                          subset, comparison, rotation}: rotation is a 3-D embedding's {yaw, pitch}
//                          (null for a 2-D one); selected is the number of selected cells; selection
//                          and subset the link's steps (selection/link.js), or null; comparison the
//                          groups {a, b} of the comparison shown (compare/groups.js), or null.
//   xgexport.onChange(callback) → unsubscribe function; callback(getState()) after every change.
//   xgexport.selectPolygon(points, {embedding, mode, rotation}) → Promise of the number of cells
//                          selected. points: [x, y] pairs in the embedding's data coordinates
//                          (default embedding: the one shown), rounded to six significant digits
//                          as a link carries them; mode "replace" (default), "add", "subtract" or
//                          "intersect". Cells of categories hidden in the legend, and outside a
//                          subset, are not selected (as with the lasso). On a 3-D embedding the
//                          points are where the cells are drawn, as a lasso's: in the view as
//                          turned now (getState().rotation; the front for a 3-D embedding not
//                          shown), or under `rotation` {yaw, pitch} when given; the step keeps it
//                          (`:rot:` in the link). Turned coordinates of a cell p (x, y, z):
//                          c + R·(p − c), c the centre of the cells' box (plot/rotation.js).
//   xgexport.getSelection() → sorted array of the selected cells' indices (rows of the input).
//   xgexport.setSelection(indices) → Promise of the number selected (an empty list clears).
//   xgexport.clearSelection() → Promise
//   xgexport.exportAnnotations() → Promise of the label sets as CSV text (one row per cell).
//   xgexport.importAnnotations(csvText) → Promise of a report ({added, replaced, renamed, rows,
//                                       matched, nUnknown, unknown, …, message}); rejects for a
//                                       file that cannot be used (nothing changes then).
//   xgexport.getCellSets() → [{name, cells}]: the saved cell sets, cells as ascending indices.
//   xgexport.compare(a, b = "rest") → Promise of one row per gene with Welch's test of group A
//                                       against group B (installed by compare/client.js; README.md).
//
// In an iframe: host → viewer {type: "xgexport:set", color?, embedding?, camera?: {cx, cy, zoom},
// rotation?: {yaw, pitch}}, read only from window.parent; other types, unknown keys and wrongly
// typed values are ignored; values are names as in setColor/setEmbedding, never markup; a
// rotation turns a 3-D embedding as setRotation does (with an embedding: that one's). Viewer → host
// {type: "xgexport:view", embedding, color, camera, rotation} (rotation: a 3-D embedding's
// {yaw, pitch} in degrees, null for a 2-D one) once the first view is drawn and after each view
// change (a turn included), and {type: "xgexport:error", message} for each error the page shows,
// posted with targetOrigin "*": they carry only what the page and its URL hash show.

import * as cam from "./plot/camera.js";
import { linkState } from "./urlstate.js";
import { FRONT, normalRotation } from "./plot/rotation.js";

export function externalState(s) {
  const link = linkState(s);
  return { ...link, camera: link.camera ? { ...link.camera } : null, xgState: s.xgState, selected: s.selection?.count ?? 0 };
}

const MAX_POINTS = 10000;

/** {yaw, pitch} of finite numbers (degrees), as getState() gives a 3-D embedding's rotation. */
const isRotation = (r) => !!r && typeof r === "object" && Number.isFinite(r.yaw) && Number.isFinite(r.pitch);

/** [[x, y], …] of finite numbers, at least 3 and at most MAX_POINTS, rounded as a link would. */
function polygon(points) {
  if (!Array.isArray(points) || points.length < 3 || points.length > MAX_POINTS) {
    throw new Error(`points must be an array of 3 to ${MAX_POINTS} [x, y] pairs`);
  }
  return points.map((p) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new Error("each point must be [x, y] with finite numbers");
    }
    return p.map((v) => Number(v.toPrecision(6)));
  });
}

/**
 * `started` resolves when the bundle is loaded (or failed to); API calls made earlier wait for it.
 * controller() returns the controller, which exists once the bundle is open.
 */
export function installApi({ store, controller, selection, workbench, started }) {
  async function whenLoaded() {
    await started;
    if (!store.get().embedding) throw new Error("the dataset could not be loaded");
  }
  const getState = () => externalState(store.get());
  async function selectPolygon(points, { embedding = null, mode = "replace", rotation = null } = {}) {
    await whenLoaded();
    const shown = store.get().embedding;
    const key = embedding ?? shown.key;
    if (typeof key !== "string") throw new Error("embedding must be an obsm key such as \"X_umap\"");
    const found = selection().findEmbedding(key);
    if (!found) throw new Error(`There is no embedding "${key}".`);
    if (rotation !== null && !isRotation(rotation)) throw new Error("rotation must be {yaw, pitch} in degrees");
    const clause = { type: "lasso", embedding: found.key, points: polygon(points) };
    // a 3-D embedding's points are where the cells are drawn, as a lasso's: in the view as turned
    // (another 3-D embedding: its front), and the step keeps that rotation (the link's `:rot:`)
    if (found.layout_dims === 3) {
      clause.rot = normalRotation(rotation ?? (found.key === shown.key ? shown.rotation : null) ?? FRONT);
    }
    return selection().apply(clause, mode, { visibleOnly: true });
  }
  window.xgexport = {
    setColor: (spec) => whenLoaded().then(() => controller().setColor(spec)).then(getState),
    setEmbedding: (key) => whenLoaded().then(() => controller().setEmbedding(key)).then(getState),
    setCamera: (c) => controller()?.setCamera(c),
    resetView: () => controller()?.resetView(),
    setRotation: (r) => whenLoaded().then(() => controller().setRotation(r)).then(getState),
    getState,
    selectPolygon,
    getSelection: () => Array.from(selection()?.indices() ?? []),
    setSelection: (indices) => whenLoaded().then(() => selection().setIndices(indices)),
    clearSelection: () => whenLoaded().then(() => selection().clear()),
    exportAnnotations: () => whenLoaded().then(() => workbench().exportAnnotations()),
    importAnnotations: (text) => whenLoaded().then(() => workbench().importAnnotations(text)),
    getCellSets: () => store.get().cellSets.map((s) => ({ name: s.name, cells: Array.from(s.cells) })),
    onChange(callback) {
      if (typeof callback !== "function") throw new TypeError("onChange needs a function");
      return store.subscribe(() => callback(getState()));
    },
  };
}

/**
 * The parent page of a framed viewer (a no-op when not framed). error(text) posts
 * {type: "xgexport:error", message} at once, also before the bundle loads; listen() starts the
 * view messages (one when the first view is drawn, then one per change) and reads the host's.
 */
export function createHostLink() {
  const framed = window.parent !== window;
  // targetOrigin "*": only what the page shows anyway (the view of the URL hash, error text)
  const post = (message) => { if (framed) window.parent.postMessage(message, "*"); };

  function listen({ store, apply }) {
    if (!framed) return;
    let timer = 0;
    let last = "";
    function view() {
      const { embedding, color, camera, rotation } = linkState(store.get());
      const key = JSON.stringify([embedding, color, camera, rotation]);
      if (key === last) return; // the first view is posted once, not again by its own change
      last = key;
      post({ type: "xgexport:view", embedding, color, camera, rotation: rotation ? { ...rotation } : null });
    }
    store.subscribe(() => {
      clearTimeout(timer);
      timer = setTimeout(view, 100);
    }, ["embedding", "color", "camera"]);
    window.addEventListener("message", (ev) => {
      if (ev.source !== window.parent) return;
      const d = ev.data;
      if (!d || typeof d !== "object" || Array.isArray(d) || d.type !== "xgexport:set") return;
      const wanted = {};
      if (typeof d.embedding === "string" && d.embedding.length < 500) wanted.embedding = d.embedding;
      if (typeof d.color === "string" && d.color.length < 1000) wanted.color = d.color;
      if (cam.isCamera(d.camera)) wanted.camera = { cx: d.camera.cx, cy: d.camera.cy, zoom: d.camera.zoom };
      if (isRotation(d.rotation)) wanted.rotation = normalRotation(d.rotation);
      apply(wanted).catch((err) => console.warn("xgexport: host request failed:", err.message));
    });
    view();
  }

  return {
    framed,
    listen,
    error: (text) => post({ type: "xgexport:error", message: String(text) }),
  };
}
