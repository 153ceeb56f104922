// The view in the URL hash: #embedding=X_umap&color=gene%3ACD3E&view=cx,cy,zoom
// Values are names (embedding key, obs column name, gene symbol or name), URL-encoded.
// compare=<A>;<B>: the comparison shown (compare/spec.js).

import { formatComparison, parseComparison } from "./compare/spec.js";

export function parseHash(hash) {
  const out = {};
  const text = (hash || "").replace(/^#/, "");
  if (!text) return out;
  const params = new URLSearchParams(text);
  const embedding = params.get("embedding");
  if (embedding) out.embedding = embedding;
  const color = params.get("color");
  if (color) out.color = color;
  const view = params.get("view");
  if (view) {
    const parts = view.split(",").map(Number);
    if (parts.length === 3 && parts.every(Number.isFinite) && parts[2] > 0) {
      out.camera = { cx: parts[0], cy: parts[1], zoom: parts[2] };
    }
  }
  const comparison = parseComparison(params.get("compare"));
  if (comparison) out.comparison = comparison;
  return out;
}

function num(v) {
  return Number(v.toPrecision(6)).toString();
}

export function formatHash({ embedding, color, camera, comparison }) {
  const params = new URLSearchParams();
  if (embedding) params.set("embedding", embedding);
  if (color) params.set("color", color);
  if (camera) params.set("view", [num(camera.cx), num(camera.cy), num(camera.zoom)].join(","));
  const compare = formatComparison(comparison);
  if (compare) params.set("compare", compare);
  return "#" + params.toString().replace(/%2C/g, ",");
}

/** The view state a link carries: embedding key, colour spec, camera, comparison. */
export function linkState(s) {
  return { embedding: s.embedding?.key ?? null, color: s.color.spec, camera: s.camera, comparison: s.comparison };
}

// Deliberate changes get a history entry of their own, so Back undoes them; camera moves only
// update the current entry (Back after panning leaves neither the viewer nor a trail of views).
const PUSH = ["embedding", "color", "selection", "comparison"];

/**
 * Keep the URL hash in step with the store and apply a hash that the person edits or goes Back
 * or Forward to. apply(view) returns a promise.
 */
export function syncHash({ store, apply, onError }) {
  let timer = 0;
  let restoring = 0; // applying a hash from history: that entry is updated, no new one added
  const hashOf = (s) => formatHash(linkState(s));
  function replace() {
    clearTimeout(timer);
    timer = 0;
    const hash = hashOf(store.get());
    if (hash !== location.hash) history.replaceState(history.state, "", hash);
  }
  store.subscribe((s, prev, changed) => {
    const hash = hashOf(s);
    if (hash === location.hash) return;
    if (!restoring && changed.some((k) => PUSH.includes(k))) {
      if (timer) { // the camera move still waiting belongs to the entry being left
        clearTimeout(timer);
        timer = 0;
        history.replaceState(history.state, "", hashOf(prev));
      }
      history.pushState(null, "", hash);
    } else {
      clearTimeout(timer);
      timer = setTimeout(replace, 200);
    }
  }, ["embedding", "color", "camera", "selection", "comparison"]);
  replace();
  window.addEventListener("hashchange", () => {
    if (location.hash === hashOf(store.get())) return; // our own entry
    restoring++;
    apply(parseHash(location.hash)).catch(onError).finally(() => { restoring--; });
  });
}
