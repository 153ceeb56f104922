// The automation API (window.xgexport) and the postMessage protocol of an embedded viewer.
//
//   xgexport.setColor(spec) → Promise   spec is "obs:<column name>", "gene:<symbol or id>" or
//                                       "none"; resolves with the state once the plot is drawn with
//                                       that colouring, rejects with an Error for an unknown name or
//                                       unreadable data.
//   xgexport.setEmbedding(key) → Promise  an obsm key such as "X_umap" (its name or id also work);
//                                       resets the camera; resolves when drawn.
//   xgexport.setCamera({cx, cy, zoom})  data coordinates of the plot centre, zoom 1 = fit all cells.
//   xgexport.resetView()
//   xgexport.getState() → {embedding, color, camera: {cx, cy, zoom}, xgState}
//   xgexport.onChange(callback) → unsubscribe function; callback(getState()) after every change.
//
// In an iframe: host → viewer {type: "xgexport:set", color?, embedding?, camera?: {cx, cy, zoom}},
// read only from window.parent; other types, unknown keys and wrongly typed values are ignored;
// values are names as in setColor/setEmbedding, never markup. Viewer → host
// {type: "xgexport:view", embedding, color, camera} once the first view is drawn and after each
// view change, posted with targetOrigin "*": it carries only what the URL hash also shows.

import * as cam from "./plot/camera.js";
import { linkState } from "./urlstate.js";

export function externalState(s) {
  const link = linkState(s);
  return { ...link, camera: link.camera ? { ...link.camera } : null, xgState: s.xgState };
}

/**
 * `started` resolves when the bundle is loaded (or failed to); API calls made earlier wait for it.
 * controller() returns the controller, which exists once the bundle is open.
 */
export function installApi({ store, controller, started }) {
  async function whenLoaded() {
    await started;
    if (!store.get().embedding) throw new Error("the dataset could not be loaded");
  }
  const getState = () => externalState(store.get());
  window.xgexport = {
    setColor: (spec) => whenLoaded().then(() => controller().setColor(spec)).then(getState),
    setEmbedding: (key) => whenLoaded().then(() => controller().setEmbedding(key)).then(getState),
    setCamera: (c) => controller()?.setCamera(c),
    resetView: () => controller()?.resetView(),
    getState,
    onChange(callback) {
      if (typeof callback !== "function") throw new TypeError("onChange needs a function");
      return store.subscribe(() => callback(getState()));
    },
  };
}

/** Talk to the parent page when the viewer is in a frame. apply(view) returns a promise. */
export function connectHost({ store, apply }) {
  if (window.parent === window) return;
  let timer = 0;
  let posted = false;
  function post() {
    const s = store.get();
    if (s.xgState !== "ready" && !posted) return;
    posted = true;
    const { embedding, color, camera } = linkState(s);
    window.parent.postMessage({ type: "xgexport:view", embedding, color, camera }, "*");
  }
  store.subscribe(() => {
    clearTimeout(timer);
    timer = setTimeout(post, 100);
  }, ["embedding", "color", "camera"]);
  window.addEventListener("message", (ev) => {
    if (ev.source !== window.parent) return;
    const d = ev.data;
    if (!d || typeof d !== "object" || Array.isArray(d) || d.type !== "xgexport:set") return;
    const view = {};
    if (typeof d.embedding === "string" && d.embedding.length < 500) view.embedding = d.embedding;
    if (typeof d.color === "string" && d.color.length < 1000) view.color = d.color;
    if (cam.isCamera(d.camera)) view.camera = { cx: d.camera.cx, cy: d.camera.cy, zoom: d.camera.zoom };
    apply(view).catch((err) => console.warn("xgexport: host request failed:", err.message));
  });
  post();
}
