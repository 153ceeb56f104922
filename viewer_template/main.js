/*
 * xgexport viewer: wiring of the modules (data → state → renderer and panels).
 *
 * Automation API (window.xgexport), available once the page has loaded the bundle:
 *   xgexport.setColor(spec) → Promise   spec is "obs:<column name>", "gene:<symbol or name>" or
 *                                       "none"; resolves when the plot is drawn with that colouring,
 *                                       rejects with an Error for an unknown name or unreadable data.
 *   xgexport.setEmbedding(key) → Promise  key is an obsm key such as "X_umap" (the embedding's
 *                                       name or id also work); resets the camera; resolves when drawn.
 *   xgexport.setCamera({cx, cy, zoom})  data coordinates of the plot centre, zoom 1 = fit all cells.
 *   xgexport.resetView()
 *   xgexport.getState() → {embedding, color, camera: {cx, cy, zoom}, xgState}
 *   xgexport.onChange(callback) → unsubscribe function; callback(getState()) after every change.
 * document.documentElement.dataset.xgState is "loading" while a colouring or embedding loads,
 * "ready" once the first frame with the requested view is drawn, and "error" (with a message on
 * the page) when the bundle cannot be loaded.
 *
 * The view lives in the URL hash, e.g. #embedding=X_umap&color=gene%3ACD3E&view=1.5,-2,3
 * (color=obs:<name> | gene:<symbol or name> | none; view=cx,cy,zoom), updated with replaceState.
 *
 * Embedding in another page: add ?embed=1 to show only the plot, legend and gene search.
 * postMessage protocol (the viewer in an iframe):
 *   host → viewer: {type: "xgexport:set", color?: string, embedding?: string,
 *                   camera?: {cx: number, cy: number, zoom: number}}
 *     Only messages from window.parent are read; other types, unknown keys and values of the
 *     wrong type are ignored. Values are names as in setColor/setEmbedding, never markup.
 *   viewer → host: {type: "xgexport:view", embedding, color, camera} whenever the view changes
 *     (and once when the first view is drawn). It is posted with targetOrigin "*": it carries
 *     only the view state that is also in the URL hash, no data.
 */

import { openDataset } from "./data.js";
import { createRenderer } from "./plot/renderer.js";
import * as cam from "./plot/camera.js";
import { categorical, continuous, identityOrder, robustMax, robustRange } from "./plot/coloring.js";
import { finiteRange } from "./data.js";
import { createState } from "./state.js";
import { parseHash, formatHash } from "./urlstate.js";
import { renderCategorical, renderContinuous, renderEmpty, formatNumber } from "./panels/legend.js";
import { createGeneSearch } from "./panels/genesearch.js";
import { buildGrid } from "./plot/hover.js";
import { createMarkers } from "./panels/markers.js";
import { createDotplot } from "./panels/dotplot.js";
import { renderInfo } from "./panels/info.js";

const $ = (id) => document.getElementById(id);
const html = document.documentElement;
const embedded = new URLSearchParams(location.search).get("embed") === "1";
if (embedded) html.classList.add("embed");

const state = createState({ embedding: null, color: "none", camera: null, xgState: "loading" });
let ds = null;
let renderer = null;
let emb = null;            // current embedding {id, key, xy, bounds, hidden}
let grid = null;           // hover index for emb (built on first hover)
let current = { kind: "none", spec: "none" }; // current colouring
let legendView = { hidden: new Set(), highlight: null };
let contextColumn = null;  // a categorical column shown in the tooltip when colouring by something else
let markers = null;
let dotplot = null;

function setXgState(value) {
  html.dataset.xgState = value;
  state.set({ xgState: value });
}
setXgState("loading");

// ---------- messages ----------

let statusTimer = 0;
function showStatus(text, kind = "info") {
  const box = $("status");
  clearTimeout(statusTimer);
  box.replaceChildren();
  const msg = document.createElement("span");
  msg.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "status-close";
  close.setAttribute("aria-label", "Dismiss");
  close.textContent = "×";
  close.addEventListener("click", () => { box.hidden = true; });
  box.append(msg, close);
  box.className = `status status-${kind}`;
  box.hidden = false;
  if (kind === "info") statusTimer = setTimeout(() => { box.hidden = true; }, 4000);
}
function clearStatus(kind) {
  const box = $("status");
  if (!kind || box.classList.contains(`status-${kind}`)) box.hidden = true;
}

function fatal(err) {
  console.warn("xgexport:", err);
  const box = $("fatal");
  box.replaceChildren();
  const h = document.createElement("h2");
  h.textContent = "The dataset could not be loaded";
  const p = document.createElement("p");
  p.textContent = err && err.message ? err.message : String(err);
  box.append(h, p);
  box.hidden = false;
  setXgState("error");
}

// ---------- drawing ----------

let drawWaiters = [];
function nextDraw() {
  return new Promise((resolve) => drawWaiters.push(resolve));
}
function onDraw() {
  const waiters = drawWaiters;
  drawWaiters = [];
  for (const w of waiters) w();
}

function plotSize() {
  return renderer ? renderer.size() : { width: 1, height: 1 };
}

function applyColoring() {
  if (!renderer || !emb) return;
  const n = emb.xy.length / 2;
  if (current.kind === "obs" && current.column.kind !== "continuous") {
    const c = current.column;
    renderer.set(categorical(c.codes, c.colors, c.categories.length, legendView));
  } else if (current.kind === "obs" || current.kind === "gene") {
    const values = current.kind === "obs" ? current.column.values : current.values;
    renderer.set(continuous(values, current.min, current.max));
  } else {
    renderer.set({ mode: "none", values: null, order: identityOrder(n) });
  }
}

function renderLegend() {
  const box = $("legend");
  if (current.kind === "obs" && current.column.kind !== "continuous") {
    const c = current.column;
    renderCategorical(box, c, legendView, {
      onToggle(k) {
        const hidden = new Set(legendView.hidden);
        if (hidden.has(k)) hidden.delete(k);
        else hidden.add(k);
        legendView = { ...legendView, hidden };
        refreshCategorical();
        selectMarkerCategory(k);
      },
      onHighlight(k) {
        legendView = { ...legendView, highlight: legendView.highlight === k ? null : k };
        refreshCategorical();
        selectMarkerCategory(k);
      },
      onShowAll() {
        legendView = { hidden: new Set(), highlight: null };
        refreshCategorical();
      },
      onHideAll() {
        legendView = { hidden: new Set(c.categories.map((_, k) => k)), highlight: null };
        refreshCategorical();
      },
    });
  } else if (current.kind === "obs") {
    renderContinuous(box, continuousLegend());
  } else if (current.kind === "gene") {
    renderContinuous(box, {
      name: current.label,
      min: current.min,
      max: current.max,
      capped: current.max < current.trueMax,
      note: (current.max < current.trueMax
        ? `Colour scale capped at the 99th percentile of expressing cells (max ${formatNumber(current.trueMax)}). `
        : "") + `Expression (${ds.meta.matrix?.source ?? "X"}); higher values are drawn on top.`,
    });
  } else {
    renderEmpty(box, "Choose a column or a gene to colour the cells.");
  }
}

function countMissing(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) n++;
  return n;
}

/** Legend of a continuous obs column: the colour range (capped ends marked), missing cells. */
function continuousLegend() {
  const { column, min, max, trueMin, trueMax, nMissing } = current;
  const n = column.values.length;
  const notes = [];
  if (nMissing === n) {
    return { name: column.name, min: NaN, max: NaN, empty: true, note: `No values: all ${n.toLocaleString("en-US")} cells are missing (grey).` };
  }
  const cappedLow = min > trueMin;
  const cappedHigh = max < trueMax;
  if (cappedLow || cappedHigh) {
    notes.push(`Colour scale limited to the ${[cappedLow && "1st", cappedHigh && "99th"].filter(Boolean).join(" and ")} ` +
      `percentile of cells (values ${formatNumber(trueMin)} to ${formatNumber(trueMax)}).`);
  }
  if (min === max) notes.push(`Every cell with a value has ${formatNumber(min)}.`);
  if (nMissing) notes.push(`${nMissing.toLocaleString("en-US")} cells without a value are grey, drawn underneath.`);
  if (min !== max) notes.push("Higher values are drawn on top.");
  return { name: column.name, min, max, capped: cappedHigh, cappedLow, note: notes.join(" ") };
}

function refreshCategorical() {
  applyColoring();
  renderLegend();
}

function selectMarkerCategory(k) {
  if (!markers || current.kind !== "obs") return;
  const de = ds.deColumns.find((d) => d.obs_id === current.id);
  if (de) markers.select(de.id, k);
}

// ---------- colour resolution ----------

function obsByName(name) {
  return ds.obsColumns.find((o) => o.name === name) || null;
}

async function geneIndexOf(label) {
  const { names, symbols } = await ds.genes();
  let i = symbols ? symbols.indexOf(label) : -1;
  if (i < 0) i = names.indexOf(label);
  if (i < 0) {
    const lower = label.toLowerCase();
    if (symbols) i = symbols.findIndex((s) => s.toLowerCase() === lower);
    if (i < 0) i = names.findIndex((s) => s.toLowerCase() === lower);
  }
  return i;
}

async function geneLabel(i) {
  const { names, symbols } = await ds.genes();
  return (symbols && symbols[i]) || names[i];
}

/** "obs:<name>" | "gene:<label>" | "none" → {kind, id | index, spec} */
async function resolveColor(spec) {
  if (typeof spec !== "string") throw new Error("colour must be a string such as \"obs:louvain\" or \"gene:CD3E\"");
  if (spec === "none" || spec === "") return { kind: "none", spec: "none" };
  const colon = spec.indexOf(":");
  const kind = spec.slice(0, colon);
  const name = spec.slice(colon + 1);
  if (colon > 0 && kind === "obs") {
    const col = obsByName(name);
    if (!col) throw new Error(`There is no obs column named "${name}".`);
    return { kind: "obs", id: col.id, spec: `obs:${col.name}` };
  }
  if (colon > 0 && kind === "gene") {
    const i = await geneIndexOf(name);
    if (i < 0) throw new Error(`There is no gene named "${name}".`);
    const label = await geneLabel(i);
    return { kind: "gene", index: i, label, spec: `gene:${label}` };
  }
  throw new Error(`Unknown colour "${spec}": use obs:<column>, gene:<name> or none.`);
}

/** defaults.color uses ids: obs:<id> | gene:<index> | none */
async function defaultColorSpec() {
  const d = ds.meta.defaults?.color;
  if (typeof d !== "string" || d === "none") return "none";
  const [kind, id] = [d.slice(0, d.indexOf(":")), d.slice(d.indexOf(":") + 1)];
  if (kind === "obs") {
    const col = ds.obsColumns.find((o) => o.id === id);
    return col ? `obs:${col.name}` : "none";
  }
  if (kind === "gene" && /^\d+$/.test(id)) return `gene:${await geneLabel(Number(id))}`;
  return "none";
}

let colorRequest = null; // AbortController of the colouring being loaded

async function setColor(spec) {
  if (colorRequest) colorRequest.abort();
  const request = new AbortController();
  colorRequest = request;
  const { signal } = request;
  setXgState("loading");
  let resolved = null;
  try {
    resolved = await resolveColor(spec);
    let next;
    if (resolved.kind === "obs") {
      const column = await ds.obs(resolved.id);
      next = { ...resolved, column };
      if (column.kind === "continuous") {
        const [min, max] = robustRange(column.values, column.min, column.max);
        Object.assign(next, { min, max, trueMin: column.min, trueMax: column.max, nMissing: countMissing(column.values) });
      }
    } else if (resolved.kind === "gene") {
      $("gene-status").textContent = `Loading ${resolved.label}…`;
      const values = await ds.gene(resolved.index, { signal });
      const [min, trueMax] = finiteRange(values);
      const max = robustMax(values, trueMax);
      next = { ...resolved, values, min, max, trueMax };
    } else {
      next = resolved;
    }
    if (signal.aborted) throw new DOMException("superseded by a newer colouring", "AbortError");
    current = next;
    legendView = { hidden: new Set(), highlight: null };
    if (next.kind === "obs" && next.column.kind !== "continuous") contextColumn = next.column;
    applyColoring();
    renderLegend();
    syncControls();
    clearStatus("error");
    state.set({ color: next.spec });
    await nextDraw();
    if (colorRequest === request) {
      colorRequest = null;
      $("gene-status").textContent = "";
      setXgState("ready");
    }
  } catch (err) {
    if (err.name === "AbortError" || colorRequest !== request) {
      throw err.name === "AbortError" ? err : new DOMException("superseded by a newer colouring", "AbortError");
    }
    colorRequest = null;
    $("gene-status").textContent = "";
    const what = resolved?.kind === "gene" ? `gene ${resolved.label}` : resolved?.kind === "obs" ? `column "${obsName(resolved.id)}"` : spec;
    const message = resolved ? `Could not load ${what}: ${err.message}` : err.message;
    showStatus(message, "error");
    syncControls();
    setXgState("ready");
    throw new Error(message);
  }
}

function obsName(id) {
  return ds.obsColumns.find((o) => o.id === id)?.name ?? id;
}

// ---------- embeddings and camera ----------

function findEmbedding(key) {
  const list = ds.embeddings;
  return list.find((e) => e.key === key) || list.find((e) => e.name === key) || list.find((e) => e.id === key) || null;
}

async function setEmbedding(key, camera = null) {
  const info = findEmbedding(key);
  if (!info) throw new Error(`There is no embedding "${key}".`);
  setXgState("loading");
  try {
    const e = await ds.embedding(info.id);
    emb = e;
    grid = null;
    renderer.set({ positions: { xy: e.xy, bounds: e.bounds, skipHidden: e.hidden > 0 } });
    const c = camera && cam.isCamera(camera) ? { ...camera, zoom: cam.clampZoom(camera.zoom) } : cam.home(e.bounds);
    state.set({ embedding: e.key, camera: c });
    syncControls();
    await nextDraw();
    if (!colorRequest) setXgState("ready");
  } catch (err) {
    showStatus(`Could not load embedding ${info.name || info.key}: ${err.message}`, "error");
    setXgState(emb ? "ready" : "error");
    throw err;
  }
}

function setCamera(c) {
  if (!cam.isCamera(c)) throw new Error("camera must be {cx, cy, zoom} with finite numbers and zoom > 0");
  state.set({ camera: { cx: c.cx, cy: c.cy, zoom: cam.clampZoom(c.zoom) } });
}

function resetView() {
  if (emb) state.set({ camera: cam.home(emb.bounds) });
}

state.subscribe((s, prev, changed) => {
  if (changed.includes("camera") && renderer) renderer.set({ camera: s.camera });
});

// ---------- controls ----------

function option(value, text) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  return o;
}

function buildControls() {
  const embSel = $("embedding-select");
  embSel.replaceChildren(...ds.embeddings.map((e) => option(e.key, e.name && e.name !== e.key ? `${e.name} (${e.key})` : e.key)));
  embSel.addEventListener("change", () => setEmbedding(embSel.value).catch(() => {}));
  $("embedding-field").hidden = ds.embeddings.length < 2;

  const colSel = $("color-select");
  colSel.replaceChildren(option("none", "None"));
  const groups = [["Categories", (o) => o.kind !== "continuous"], ["Values", (o) => o.kind === "continuous"]];
  for (const [label, test] of groups) {
    const cols = ds.obsColumns.filter(test);
    if (!cols.length) continue;
    const g = document.createElement("optgroup");
    g.label = label;
    for (const o of cols) g.append(option(`obs:${o.name}`, o.name));
    colSel.append(g);
  }
  colSel.append(option("gene", "Gene (search below)"));
  colSel.addEventListener("change", () => {
    if (colSel.value === "gene") {
      $("gene-input").focus();
      return;
    }
    setColor(colSel.value).catch(() => {});
  });

  createGeneSearch({
    input: $("gene-input"),
    list: $("gene-list"),
    loadGenes: () => ds.genes(),
    onPick: (i) => {
      geneLabel(i).then((label) => setColor(`gene:${label}`)).catch(() => {});
    },
  });

  $("reset-view").addEventListener("click", resetView);
}

function syncControls() {
  const colSel = $("color-select");
  if (current.kind === "gene") {
    colSel.value = "gene";
    $("gene-input").value = current.label;
  } else {
    colSel.value = current.spec;
    if (document.activeElement !== $("gene-input")) $("gene-input").value = "";
  }
  if (emb) $("embedding-select").value = emb.key;
}

// ---------- pointer: pan, zoom, hover ----------

function setupPointer(canvas) {
  // Active pointers (mouse, pen or fingers) by id: one pans, two pinch-zoom around their middle.
  const pointers = new Map();
  let pinch = null; // {dist, mx, my} of the last two-finger frame
  const local = (ev) => {
    const rect = canvas.getBoundingClientRect();
    return [ev.clientX - rect.left, ev.clientY - rect.top];
  };
  function pinchFrame() {
    const [a, b] = [...pointers.values()];
    return { dist: Math.hypot(a.x - b.x, a.y - b.y), mx: (a.x + b.x) / 2, my: (a.y + b.y) / 2 };
  }
  canvas.addEventListener("pointerdown", (ev) => {
    if (ev.pointerType === "mouse" && ev.button !== 0) return;
    if (pointers.size >= 2) return; // a third finger is ignored
    try { canvas.setPointerCapture(ev.pointerId); } catch { /* synthetic or already released */ }
    const [x, y] = local(ev);
    pointers.set(ev.pointerId, { x, y });
    pinch = pointers.size === 2 ? pinchFrame() : null;
    hideTooltip();
  });
  canvas.addEventListener("pointermove", (ev) => {
    const p = pointers.get(ev.pointerId);
    if (!p) {
      if (!pointers.size && ev.pointerType !== "touch") queueHover(ev);
      return;
    }
    const [x, y] = local(ev);
    const dx = x - p.x;
    const dy = y - p.y;
    if (!dx && !dy) return;
    p.x = x;
    p.y = y;
    if (!emb) return;
    const { width, height } = plotSize();
    let camera = state.get().camera;
    if (pointers.size === 2 && pinch) {
      const now = pinchFrame();
      if (pinch.dist > 0 && now.dist > 0) {
        camera = cam.zoomAt(camera, emb.bounds, width, height, pinch.mx, pinch.my, now.dist / pinch.dist);
      }
      camera = cam.pan(camera, emb.bounds, width, height, now.mx - pinch.mx, now.my - pinch.my);
      pinch = now;
    } else {
      camera = cam.pan(camera, emb.bounds, width, height, dx, dy);
    }
    canvas.classList.add("is-dragging");
    state.set({ camera });
  });
  const end = (ev) => {
    if (!pointers.delete(ev.pointerId)) return;
    pinch = pointers.size === 2 ? pinchFrame() : null;
    if (!pointers.size) canvas.classList.remove("is-dragging");
    try {
      if (canvas.hasPointerCapture(ev.pointerId)) canvas.releasePointerCapture(ev.pointerId);
    } catch { /* already released */ }
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  canvas.addEventListener("pointerleave", () => { if (!pointers.size) hideTooltip(); });
  canvas.addEventListener("wheel", (ev) => {
    if (!emb) return;
    ev.preventDefault();
    const unit = ev.deltaMode === 1 ? 40 : ev.deltaMode === 2 ? 800 : 1;
    const factor = Math.exp(-ev.deltaY * unit * 0.0015);
    const rect = canvas.getBoundingClientRect();
    const { width, height } = plotSize();
    state.set({ camera: cam.zoomAt(state.get().camera, emb.bounds, width, height, ev.clientX - rect.left, ev.clientY - rect.top, factor) });
    hideTooltip();
  }, { passive: false });
  canvas.addEventListener("dblclick", (ev) => {
    if (!emb) return;
    const rect = canvas.getBoundingClientRect();
    const { width, height } = plotSize();
    state.set({ camera: cam.zoomAt(state.get().camera, emb.bounds, width, height, ev.clientX - rect.left, ev.clientY - rect.top, ev.shiftKey ? 0.5 : 2) });
  });
}

let hoverFrame = 0;
let hoverEvent = null;
let hoverCell = -1;
function queueHover(ev) {
  hoverEvent = ev;
  if (hoverFrame) return;
  hoverFrame = requestAnimationFrame(() => {
    hoverFrame = 0;
    hover(hoverEvent);
  });
}

function isShown(i) {
  if (current.kind === "obs" && current.column.kind !== "continuous") {
    const c = current.column.codes[i];
    return !(c >= 0 && legendView.hidden.has(c));
  }
  return true;
}

function hover(ev) {
  if (!emb) return;
  const canvas = $("canvas");
  const rect = canvas.getBoundingClientRect();
  const sx = ev.clientX - rect.left;
  const sy = ev.clientY - rect.top;
  const { width, height } = plotSize();
  const camera = state.get().camera;
  if (!grid) grid = buildGrid(emb.xy, { skipHidden: emb.hidden > 0 });
  const [wx, wy] = cam.screenToWorld(camera, emb.bounds, width, height, sx, sy);
  const rangeX = emb.bounds.max[0] - emb.bounds.min[0] || 1;
  const rangeY = emb.bounds.max[1] - emb.bounds.min[1] || 1;
  const pxPerUnit = cam.scale(camera, emb.bounds, width, height);
  const pxX = (pxPerUnit * rangeX) / 65535; // screen pixels per display unit
  const pxY = (pxPerUnit * rangeY) / 65535;
  const qx = ((wx - emb.bounds.min[0]) / rangeX) * 65535;
  const qy = ((wy - emb.bounds.min[1]) / rangeY) * 65535;
  const radius = Math.max(4, renderer.pointStyle().size / 2 + 2);
  const i = grid.nearest(qx, qy, radius / pxX, radius / pxY, pxX, pxY, isShown);
  if (i < 0) {
    hideTooltip();
    return;
  }
  showTooltip(i, sx, sy);
}

function hideTooltip() {
  $("tooltip").hidden = true;
  hoverCell = -1;
}

function tooltipLines(i) {
  const lines = [];
  if (current.kind === "obs" && current.column.kind !== "continuous") {
    const c = current.column.codes[i];
    lines.push([current.column.name, c >= 0 ? current.column.categories[c] : "NA (missing)"]);
  } else if (current.kind === "obs") {
    lines.push([current.column.name, formatNumber(current.column.values[i])]);
  } else if (current.kind === "gene") {
    lines.push([current.label, formatNumber(current.values[i])]);
  }
  if (contextColumn && !(current.kind === "obs" && current.column === contextColumn)) {
    const c = contextColumn.codes[i];
    lines.push([contextColumn.name, c >= 0 ? contextColumn.categories[c] : "NA (missing)"]);
  }
  return lines;
}

function showTooltip(i, sx, sy) {
  const tip = $("tooltip");
  hoverCell = i;
  tip.replaceChildren();
  const head = document.createElement("div");
  head.className = "tip-cell";
  head.textContent = `cell ${i + 1}`;
  tip.append(head);
  for (const [k, v] of tooltipLines(i)) {
    const row = document.createElement("div");
    const key = document.createElement("span");
    key.className = "tip-key";
    key.textContent = `${k}: `;
    const val = document.createElement("span");
    val.textContent = v;
    row.append(key, val);
    tip.append(row);
  }
  ds.obsName(i).then((name) => {
    if (hoverCell === i && name !== undefined) head.textContent = name;
  }).catch(() => {});
  tip.hidden = false;
  const { width, height } = plotSize();
  const w = tip.offsetWidth;
  const h = tip.offsetHeight;
  tip.style.left = `${Math.min(sx + 14, width - w - 4)}px`;
  tip.style.top = `${sy + 14 + h > height ? sy - h - 10 : sy + 14}px`;
}

// ---------- URL hash, host page ----------

function externalState() {
  const s = state.get();
  return { embedding: s.embedding, color: s.color, camera: s.camera ? { ...s.camera } : null, xgState: s.xgState };
}

let hashTimer = 0;
let viewTimer = 0;
let firstViewPosted = false;
function viewChanged() {
  clearTimeout(hashTimer);
  hashTimer = setTimeout(() => {
    const s = state.get();
    const hash = formatHash({ embedding: s.embedding, color: s.color, camera: s.camera });
    if (hash !== location.hash) history.replaceState(history.state, "", hash);
  }, 200);
  if (window.parent !== window) {
    clearTimeout(viewTimer);
    viewTimer = setTimeout(postView, 100);
  }
}

function postView() {
  const s = state.get();
  if (s.xgState !== "ready" && !firstViewPosted) return;
  firstViewPosted = true;
  // targetOrigin "*": the message carries only the view state (also in the URL hash), no data.
  window.parent.postMessage({ type: "xgexport:view", embedding: s.embedding, color: s.color, camera: s.camera }, "*");
}

async function applyView(view) {
  if (view.embedding && view.embedding !== state.get().embedding) {
    await setEmbedding(view.embedding, view.camera || null);
  } else if (view.camera) {
    setCamera(view.camera);
  }
  if (view.color && view.color !== state.get().color) await setColor(view.color);
}

function onMessage(ev) {
  if (window.parent === window || ev.source !== window.parent) return;
  const d = ev.data;
  if (!d || typeof d !== "object" || Array.isArray(d) || d.type !== "xgexport:set") return;
  const view = {};
  if (typeof d.embedding === "string" && d.embedding.length < 500) view.embedding = d.embedding;
  if (typeof d.color === "string" && d.color.length < 1000) view.color = d.color;
  if (cam.isCamera(d.camera)) view.camera = { cx: d.camera.cx, cy: d.camera.cy, zoom: d.camera.zoom };
  applyView(view).catch((err) => console.warn("xgexport: host request failed:", err.message));
}

// ---------- start ----------

async function main() {
  try {
    ds = await openDataset("data/");
  } catch (err) {
    fatal(err);
    return;
  }
  const meta = ds.meta;
  const title = typeof meta.title === "string" && meta.title ? meta.title : $("title").textContent;
  $("title").textContent = title;
  document.title = title;
  $("counts").textContent = `${Number(meta.n_cells).toLocaleString("en-US")} cells · ${Number(meta.n_genes).toLocaleString("en-US")} genes`;
  renderInfo($("about"), meta);
  if (!ds.embeddings.length) {
    fatal(new Error("This bundle has no 2-D embedding to plot."));
    return;
  }
  try {
    renderer = createRenderer($("canvas"), { onDraw });
  } catch (err) {
    fatal(err);
    return;
  }
  renderer.resize();
  new ResizeObserver(() => { if (renderer.resize()) hideTooltip(); }).observe($("canvas"));
  buildControls();
  setupPointer($("canvas"));
  markers = createMarkers({
    root: $("markers-body"),
    dataset: ds,
    geneLabel,
    onGene: (label) => setColor(`gene:${label}`).catch(() => {}),
    onShowDotplot: (deId) => dotplot.show(deId),
  });
  dotplot = createDotplot({ panel: $("dotplot"), dataset: ds, geneLabel, onGene: (label) => setColor(`gene:${label}`).catch(() => {}) });
  $("markers").hidden = ds.deColumns.length === 0;
  $("markers").addEventListener("toggle", () => {
    if (!$("markers").open || markers.current().deId !== null) return;
    // start with the grouping the plot is coloured by, if it has DE
    const de = current.kind === "obs" ? ds.deColumns.find((d) => d.obs_id === current.id) : null;
    if (de) markers.select(de.id, 0);
    else markers.ensure();
  });

  const fromHash = parseHash(location.hash);
  const byDefault = ds.embeddings.find((e) => e.id === meta.defaults?.embedding) || ds.embeddings[0];
  const wanted = fromHash.embedding && findEmbedding(fromHash.embedding) ? fromHash.embedding : byDefault.key;
  try {
    await setEmbedding(wanted, fromHash.camera || null);
  } catch (err) {
    fatal(err);
    return;
  }
  if (fromHash.embedding && !findEmbedding(fromHash.embedding)) showStatus(`There is no embedding "${fromHash.embedding}".`, "error");
  let color = fromHash.color;
  if (!color) color = await defaultColorSpec().catch(() => "none");
  try {
    await setColor(color);
  } catch (err) {
    if (color !== "none") await setColor("none").catch(() => {});
    showStatus(err.message, "error");
  }
  state.subscribe((s, prev, changed) => {
    if (changed.some((k) => k === "embedding" || k === "color" || k === "camera")) viewChanged();
  });
  viewChanged();
  if (window.parent !== window) {
    window.addEventListener("message", onMessage);
    postView();
  }
  window.addEventListener("hashchange", () => {
    applyView(parseHash(location.hash)).catch((err) => showStatus(err.message, "error"));
  });
}

const started = main();

/** API calls made before the bundle is loaded wait for it; they reject if it cannot be loaded. */
async function whenLoaded() {
  await started;
  if (!ds || !emb) throw new Error("the dataset could not be loaded");
}

window.xgexport = {
  setColor: (spec) => whenLoaded().then(() => setColor(spec)).then(() => externalState()),
  setEmbedding: (key) => whenLoaded().then(() => setEmbedding(key)).then(() => externalState()),
  setCamera: (c) => setCamera(c),
  resetView: () => resetView(),
  getState: () => externalState(),
  onChange(callback) {
    if (typeof callback !== "function") throw new TypeError("onChange needs a function");
    return state.subscribe(() => callback(externalState()));
  },
};
