// xgexport viewer: wiring only. Data (data.js) → store (store.js) ← controller (loads views) →
// plot (plot/) and panels (panels/) that subscribe to the store; the URL hash (urlstate.js) and
// the API for scripts and host pages (api.js). The API and the postMessage protocol are described
// in api.js and README.md.

import { openDataset } from "./data.js";
import { createStore, initialState } from "./store.js";
import { createColorSource } from "./colorsource.js";
import { createController } from "./controller.js";
import { createMessages } from "./messages.js";
import { parseHash, syncHash } from "./urlstate.js";
import { sameLook } from "./look.js";
import { installApi, createHostLink } from "./api.js";
import { createPlotView } from "./plot/view.js";
import { createLoading } from "./messages.js";
import { setupLayout } from "./panels/layout.js";
import { createColumns } from "./selection/columns.js";
import { count } from "./format.js";
import { iso } from "./dom.js";

// the first frame's panels and tools (ui.js): the page fetches their modules beside this graph,
// and this one reads the dataset and sets up WebGL while they arrive
const uiModule = import("./ui.js");
const $ = (id) => document.getElementById(id);
const html = document.documentElement;
const embedded = new URLSearchParams(location.search).get("embed") === "1";
if (embedded) html.classList.add("embed");
const layout = setupLayout({ app: $("app"), embedded });
// Escape closes one thing, the innermost first: the dot plot, the marker panel, a drawer
const closers = [];
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape" || ev.defaultPrevented) return;
  if ([...closers, layout.closeDrawer].some((close) => close())) ev.preventDefault();
});

const store = createStore(initialState());
const host = createHostLink();
const messages = createMessages({ status: $("status"), fatalBox: $("fatal"), onError: host.error });
const loading = createLoading($("loading"));
let controller = null;
let ui = null; // ui.js's parts once set up: {pointer, labels, selectMode, bar, toolbar, showGene, geneStatus, linkFullViewer}
let later = null; // later.js once set up: {selecting, workbench, comparer, comparePanel, split, figure}
let loadLater = () => Promise.reject(new Error("the dataset could not be loaded"));

function fail(err) {
  loading.done();
  messages.fatal(err);
  html.dataset.xgState = "error";
  store.set({ xgState: "error" });
}

function showHeader(meta) {
  const title = typeof meta.title === "string" && meta.title ? meta.title : $("title").textContent;
  $("title").textContent = title;
  document.title = title;
  $("counts").textContent = `${count(meta.n_cells)} cells · ${count(meta.n_genes)} genes`;
}

/**
 * What the page holds for the dataset's own first view (xgexport/site.py first_view_files), for
 * the data layer to take instead of asking the server again (zarr.js createStore's `early`: URL
 * → promise of a Response, each taken once): its metadata written into the page (<script
 * type="application/json" id="first-view">: {URL relative to the page: the file's text}), as
 * responses made here, and its chunks, which the page preloads (<link rel="preload" as="fetch">:
 * fetched beside the modules), asked for in the links' mode so that the preloaded responses serve.
 */
function firstViewResponses() {
  const early = new Map();
  let inline = {};
  try {
    inline = JSON.parse($("first-view")?.textContent || "{}");
  } catch {
    // a page edited by hand: the data layer asks the server for the files instead
  }
  for (const [name, text] of Object.entries(inline)) {
    const href = new URL(name, document.baseURI).href;
    early.set(href, Promise.resolve(new Response(text, { headers: { "content-type": "application/json" } })));
  }
  for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
    early.set(link.href, fetch(link.href, { credentials: "same-origin" }));
    early.get(link.href).catch(() => {}); // a failure is the reader's to report, when it asks
  }
  return early;
}

/** Does a view (link, history entry, host page) need later.js: side views, a selection, a subset, a comparison? */
const needsLater = (view) => !!(view.split?.length || view.selection?.length || view.subset?.length || view.comparison);

/** Apply a view from a link or a host page: embedding (with camera), then colour. */
async function applyView(view) {
  const s = store.get();
  if (view.embedding && view.embedding !== s.embedding?.key) await controller.setEmbedding(view.embedding, view.camera || null, view.rotation);
  else if (view.camera) controller.setCamera(view.camera);
  if (view.rotation) controller.setRotation(view.rotation); // a 3-D embedding's (plot/rotation.js)
  if (view.look && !sameLook(view.look, store.get().look)) store.set({ look: view.look });
  if (view.color && view.color !== store.get().color.spec) await controller.setColor(view.color);
  if (!later && needsLater(view)) await loadLater();
  if (view.split && JSON.stringify(view.split) !== JSON.stringify(store.get().split.map((c) => c.spec))) await later.split.restore(view.split);
  if (view.selection !== undefined || view.subset !== undefined) await later?.selecting.restore(view);
  const shown = store.get().comparison;
  if (view.comparison && JSON.stringify(view.comparison) !== JSON.stringify(shown)) later.comparePanel.open(view.comparison);
  else if (!view.comparison && shown) store.set({ comparison: null });
}

/**
 * The view of the link (or the dataset's defaults): embedding and colouring read together and
 * drawn in one frame, once the panels (`panels`: a promise) are there to show it. False if none
 * can be shown.
 */
async function showFirstView(ds, colors, panels) {
  const fromHash = parseHash(location.hash);
  const byDefault = ds.embeddings.find((e) => e.id === ds.meta.defaults?.embedding) || ds.embeddings[0];
  const known = fromHash.embedding && controller.findEmbedding(fromHash.embedding);
  loading.step("Loading the cells' positions and colours");
  // a gene as the default colouring needs the gene names: read while the embedding is
  const defaultSpec = colors.defaultSpec().catch(() => "none");
  let colorError;
  try {
    const spec = fromHash.color || defaultSpec;
    const before = panels.then(() => store.set({ look: fromHash.look }));
    colorError = await controller.setView(known ? fromHash.embedding : byDefault.key, fromHash.camera || null, spec, before,
      fromHash.rotation);
  } catch (err) {
    fail(err);
    return false;
  }
  // a wrong link keeps its message until dismissed, and shows the dataset's own view instead
  if (fromHash.embedding && !known) messages.show(`There is no embedding "${iso(fromHash.embedding)}".`, "error", "link");
  if (colorError) {
    const fallback = await defaultSpec;
    if (!fromHash.color || fromHash.color === fallback) await controller.setColor("none").catch(() => {});
    else await controller.setColor(fallback).catch(() => controller.setColor("none")).catch(() => {});
    messages.show(`${colorError.message} Showing ${fallback === "none" ? "no colouring" : fallback.replace(/^obs:/, "")} instead.`, "error", "link");
  }
  return true;
}

/** The link's side views, subset and selection (later.js, loaded for them first). */
async function restoreLinked(hash) {
  if (!needsLater(hash)) return;
  await loadLater();
  if (hash.split?.length) await later.split.restore(hash.split);
  await later.selecting.restore(hash);
}

async function main() {
  const linked = parseHash(location.hash).comparison; // before syncHash rewrites the hash
  let ds;
  try {
    ds = await openDataset("data/", { progress: loading.progress, early: firstViewResponses() });
  } catch (err) {
    return fail(err);
  }
  showHeader(ds.meta);
  if (!ds.embeddings.length) return fail(new Error("This bundle has no 2-D embedding to plot."));
  let view;
  try {
    view = createPlotView({ canvas: $("canvas"), store, dataset: ds });
  } catch (err) {
    return fail(err);
  }
  let index = null;
  // the index is built in a task of its own, not in the one that decoded the names (~20 ms each at 20,000 genes)
  const nextTask = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 0));
  // genes.js is imported then too, not before the first frame (its collator alone takes ~14 ms to make)
  const genes = () => (index ??= Promise.all([ds.genes().then(nextTask), import("./genes.js")])
    .then(([names, { createGeneIndex }]) => createGeneIndex(names)).catch((err) => { index = null; throw err; }));
  // every column cells can be coloured, selected and counted by: the bundle's and the label sets
  const columns = createColumns({ dataset: ds });
  // label sets and gene sets are read when a link names one, or after the first frame
  const colors = createColorSource(ds, genes, { columns, geneSets: () => store.get().geneSets,
    userReady: () => loadLater().then((l) => l.workbench.load()) });
  controller = createController({ store, dataset: ds, colors, view, messages, onGeneStatus: (text) => ui?.geneStatus(text) });
  const panels = uiModule.then(({ setupUi }) => {
    ui = setupUi({ store, ds, genes, colors, columns, controller, view, messages, closers, later: () => later, loadLater: () => loadLater() });
    // the canvas was sized when the plot was made (plot/renderer.js); with the panels in the
    // page, before the first draw, it is sized again only if they changed its layout: a canvas
    // resized after a draw is cleared and drawn again, and each new drawing buffer waits on the GPU process
    view.resize();
  });
  let pending = null;
  loadLater = () => (pending ??= panels.then(() => import("./later.js")).then(({ setupLater }) => {
    const { pointer, labels, selectMode, bar, toolbar, showGene } = ui;
    later = setupLater({ store, ds, genes, colors, columns, controller, messages, closers, showGene, toolbar, view, pointer, labels, selectMode, bar });
    return later;
  }));

  // the first view, then the link's subset and selection: "ready" once all of it is drawn
  const shown = await controller.hold(async () => (await showFirstView(ds, colors, panels)) && (await restoreLinked(parseHash(location.hash)), true));
  if (!shown) return;
  loading.done();
  // the gene names (search, links, labels) and the matrix's metadata are read while the reader
  // looks at the first frame, not in the path of the first gene (names were 68 of its 89 KB at
  // 20,000 genes): a gene is then one request, its own chunk
  (window.requestIdleCallback ?? setTimeout)(() => Promise.all([genes(), ds.array("X")]).catch(() => {}));
  if (linked) store.set({ comparison: linked }); // kept in the hash while the panel computes it
  // links and host pages are followed from the first frame on (applyView loads later.js if they need it)
  syncHash({ store, apply: applyView, onError: (err) => messages.show(err.message, "error", "link") });
  host.listen({ store, apply: applyView });
  if (embedded) ui.linkFullViewer();
  await loadLater(); // the panels and tools the first frame did not need
  if (!embedded) later.workbench.load();
  if (linked) later.comparePanel.open(linked);
}

const started = main();
installApi({ store, controller: () => controller, selection: () => later?.selecting.selection, workbench: () => later?.workbench, started });
// xgexport.compare is compare/client.js's, installed by later.js; a call made before waits for it
window.xgexport.compare = (...args) => started.then(loadLater).then(() => window.xgexport.compare(...args));
