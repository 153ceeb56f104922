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
//   xgexport.compare(a, b = "rest") → Promise of one row per gene with Welch's test of group A
//                                       against group B (installed by compare/client.js; README.md).
//
// In an iframe: host → viewer {type: "xgexport:set", color?, embedding?, camera?: {cx, cy, zoom}},
// read only from window.parent; other types, unknown keys and wrongly typed values are ignored;
// values are names as in setColor/setEmbedding, never markup. Viewer → host
// {type: "xgexport:view", embedding, color, camera} once the first view is drawn and after each
// view change, and {type: "xgexport:error", message} for each error the page shows, posted with
// targetOrigin "*": they carry only what the page and its URL hash show.

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
      const { embedding, color, camera } = linkState(store.get());
      const key = JSON.stringify([embedding, color, camera]);
      if (key === last) return; // the first view is posted once, not again by its own change
      last = key;
      post({ type: "xgexport:view", embedding, color, camera });
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
