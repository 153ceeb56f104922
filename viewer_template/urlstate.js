// The view in the URL hash: #embedding=X_umap&color=gene%3ACD3E&view=cx,cy,zoom&sel=…
// Values are names (embedding key, obs column name, gene symbol or name), URL-encoded. The
// selection is one `sel` per step and a subset one `subset` per step (selection/link.js);
// compare=<A>;<B> is the comparison shown (below); size, opacity, cmap and labels the
// plot's look where it is not the default (look.js); split=<colour spec> one per side-by-side view;
// rot=yaw,pitch (degrees, 0.1° steps) the rotation of a 3-D embedding when it is not the front.

import { DEFAULT_LOOK, lookParams, parseLook } from "./look.js";
import { FRONT, formatRotation, parseRotation, sameRotation } from "./plot/rotation.js";

export function parseHash(hash) {
  // a hash without them means: none, the defaults (a 3-D embedding seen from the front)
  const out = { selection: [], subset: [], look: DEFAULT_LOOK, split: [], rotation: FRONT };
  const text = (hash || "").replace(/^#/, "");
  if (!text) return out;
  const params = new URLSearchParams(text);
  out.look = parseLook(params);
  out.split = params.getAll("split").filter(Boolean);
  const embedding = params.get("embedding");
  if (embedding) out.embedding = embedding;
  out.rotation = parseRotation(params.get("rot")) ?? FRONT;
  const color = params.get("color");
  if (color) out.color = color;
  const selection = params.getAll("sel");
  if (selection.length) out.selection = selection;
  const subset = params.getAll("subset");
  if (subset.length) out.subset = subset;
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

// a step's own separators stay readable (names inside it have their ":" and "," escaped)
const stepParam = (key, text) => `${key}=${encodeURIComponent(text).replace(/%3A/g, ":").replace(/%2C/g, ",")}`;

export function formatHash({ embedding, color, camera, selection = null, subset = null, comparison = null, look = null, split = [],
  rotation = null }) {
  const params = new URLSearchParams();
  if (embedding) params.set("embedding", embedding);
  if (color) params.set("color", color);
  if (camera) params.set("view", [num(camera.cx), num(camera.cy), num(camera.zoom)].join(","));
  if (rotation && !sameRotation(rotation, FRONT)) params.set("rot", formatRotation(rotation));
  const compare = formatComparison(comparison);
  if (compare) params.set("compare", compare);
  for (const [key, value] of lookParams(look)) params.set(key, value);
  for (const spec of split ?? []) params.append("split", spec);
  const parts = [params.toString().replace(/%2C/g, ",")];
  for (const text of subset ?? []) parts.push(stepParam("subset", text));
  for (const text of selection ?? []) parts.push(stepParam("sel", text));
  return "#" + parts.filter(Boolean).join("&");
}

// A selection's steps are written by selection/link.js, which is not in the first frame's
// modules: it comes with the selection code (later.js), the only code that puts a selection or
// subset in the store, and hands its writer here when it is evaluated (before any selection).
let formatStep = () => {
  throw new Error("a selection step to write before selection/link.js is loaded");
};
/** selection/link.js's step writer, for linkState (once, when that module is evaluated). */
export function setStepFormat(format) {
  formatStep = format;
}

/** The view state a link carries: embedding key (and a 3-D one's rotation), colour spec, camera,
 * subset and selection steps, comparison, look. */
export function linkState(s) {
  return {
    embedding: s.embedding?.key ?? null, color: s.color.spec, camera: s.camera,
    selection: s.selection ? s.selection.steps.map(formatStep) : null,
    subset: s.subset ? s.subset.groups.flat().map(formatStep) : null,
    comparison: s.comparison, look: s.look, split: s.split.map((c) => c.spec), rotation: s.embedding?.rotation ?? null,
  };
}

// Deliberate changes get a history entry of their own, so Back undoes them; camera moves only
// update the current entry (Back after panning leaves neither the viewer nor a trail of views);
// so do changes of look (a slider dragged would leave one entry per step).
// A 3-D embedding turned is the same embedding (a new projection in the slot): like the camera.
const PUSH = ["embedding", "color", "selection", "subset", "comparison", "split"];
const deliberate = (s, prev, changed) =>
  changed.some((k) => PUSH.includes(k) && !(k === "embedding" && s.embedding?.key === prev.embedding?.key));

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
  let settled = store.get().selection; // the last selection not being dragged
  store.subscribe((s, prev, changed) => {
    // a brush being dragged: the link follows when it is let go (one history entry)
    if (s.selection?.live && changed.every((k) => k === "selection")) return;
    const left = prev.selection?.live ? { ...prev, selection: settled } : prev;
    settled = s.selection;
    const hash = hashOf(s);
    if (hash === location.hash) return;
    if (!restoring && deliberate(s, prev, changed)) {
      if (timer) { // the camera move still waiting belongs to the entry being left
        clearTimeout(timer);
        timer = 0;
        history.replaceState(history.state, "", hashOf(left));
      }
      history.pushState(null, "", hash);
    } else {
      clearTimeout(timer);
      timer = setTimeout(replace, 200);
    }
  }, ["embedding", "color", "camera", "selection", "subset", "comparison", "look", "split"]);
  replace();
  window.addEventListener("hashchange", () => {
    if (location.hash === hashOf(store.get())) return; // our own entry
    restoring++;
    apply(parseHash(location.hash)).catch(onError).finally(() => { restoring--; });
  });
}

// A comparison in a link: the URL hash's `compare` value is "<A>;<B>", each group one of
// "selection", "rest" (B only), "set:<name>", "obs:<column>:<label>,<label>,…" or
// "labels:<label set>:<label>,…" with every name URL-encoded (so ":", "," and ";" inside names
// cannot split it). Cell indices are not put in links (a lasso is the selection, which carries
// its own link); cell sets and label sets live in the browser that made them.

const enc = encodeURIComponent;
const dec = (text) => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
};

function formatGroup(spec) {
  if (spec === "selection" || spec === "rest") return spec;
  if (spec && typeof spec.set === "string") return `set:${enc(spec.set)}`;
  for (const kind of ["obs", "labels"]) {
    if (spec && typeof spec[kind] === "string" && Array.isArray(spec.categories)) {
      return `${kind}:${enc(spec[kind])}:${spec.categories.map((c) => enc(String(c))).join(",")}`;
    }
  }
  return null;
}

function parseGroup(text) {
  if (text === "selection" || text === "rest") return text;
  const [kind, ...rest] = text.split(":");
  if (kind === "set" && rest.length === 1) {
    const name = dec(rest[0]);
    return name === null ? null : { set: name };
  }
  if ((kind === "obs" || kind === "labels") && rest.length === 2 && rest[1]) {
    const column = dec(rest[0]);
    const categories = rest[1].split(",").map(dec);
    if (column === null || categories.includes(null)) return null;
    return { [kind]: column, categories };
  }
  return null;
}

/** {a, b} → the hash value, or null when a group cannot be linked (cell indices). */
export function formatComparison(comparison) {
  if (!comparison) return null;
  const a = formatGroup(comparison.a);
  const b = formatGroup(comparison.b);
  return a && b && a !== "rest" ? `${a};${b}` : null;
}

/** The hash value → {a, b}, or null when it is not a comparison this viewer writes. */
export function parseComparison(text) {
  const parts = String(text || "").split(";");
  if (parts.length !== 2) return null;
  const a = parseGroup(parts[0]);
  const b = parseGroup(parts[1]);
  return a && b && a !== "rest" ? { a, b } : null;
}
