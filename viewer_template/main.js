// xgexport viewer: wiring only. Data (data.js) → store (store.js) ← controller (loads views) →
// plot (plot/) and panels (panels/) that subscribe to the store; the URL hash (urlstate.js) and
// the API for scripts and host pages (api.js). The API and the postMessage protocol are described
// in api.js and README.md.

import { openDataset } from "./data.js";
import { createStore, initialState } from "./store.js";
import { createGeneIndex } from "./genes.js";
import { createColorSource } from "./colorsource.js";
import { createController } from "./controller.js";
import { createMessages } from "./messages.js";
import { parseHash, syncHash, linkState, formatHash } from "./urlstate.js";
import { sameLook } from "./look.js";
import { installApi, createHostLink } from "./api.js";
import { createPlotView } from "./plot/view.js";
import { createPlotLabels } from "./plot/labels.js";
import { createPicker } from "./plot/picker.js";
import { createTooltip } from "./plot/tooltip.js";
import { setupPointer } from "./plot/pointer.js";
import { createLoading } from "./plot/loading.js";
import { createToolbar, ICONS, SELECT_TOOLS } from "./plot/toolbar.js";
import { createExportMenu } from "./plot/exportmenu.js";
import { setupLayout } from "./panels/layout.js";
import { createLegend } from "./panels/legend.js";
import { createColorBy } from "./panels/colorby.js";
import { createAppearance } from "./panels/appearance.js";
import { createTissuePanel } from "./panels/tissue.js";
import { createGeneSearch } from "./panels/genesearch.js";
import { renderInfo } from "./panels/info.js";
import { createColumns } from "./selection/columns.js";
import { createSelectMode } from "./selection/mode.js";
import { setupTurning } from "./plot/turn.js";
import { createSelectionBar } from "./panels/selectionbar.js";
import { count } from "./format.js";
import { iso } from "./dom.js";

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
let geneStatus = () => {};
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
  renderInfo($("about"), meta);
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

function setupPanels(ds, genes, colors, columns, view) {
  const showGene = (index) => colors.forGene(index).then((r) => controller.setColor(r.spec)).catch(() => {});
  const search = createGeneSearch({ input: $("gene-input"), list: $("gene-list"), status: $("gene-status"), store, genes, onPick: showGene });
  geneStatus = (text) => search.status(text);
  createColorBy({ embSelect: $("embedding-select"), embField: $("embedding-field"), colorSelect: $("color-select"),
    geneInput: $("gene-input"), store, dataset: ds, columns, controller });
  createLegend({ box: $("legend"), store, dataset: ds });
  createAppearance({ root: $("appearance-body"), store, view });
  createTissuePanel({ root: $("appearance-body"), store, dataset: ds });
  offerDefaultColors($("color-reset"), colors);
  $("markers").hidden = ds.deColumns.length === 0;
  return showGene;
}

/** A button back to the dataset's default colouring, shown when the plot is coloured otherwise. */
function offerDefaultColors(button, colors) {
  const spec = colors.defaultSpec().catch(() => "none");
  button.addEventListener("click", () => spec.then((d) => controller.setColor(d)).catch(() => {}));
  store.subscribe((s) => spec.then((d) => { button.hidden = s.color.spec === d; }), ["color"]);
}

/** Embedded: a link that opens this view in the full viewer, in a new tab. */
function linkFullViewer(a) {
  const update = () => {
    const url = new URL(location.href);
    url.searchParams.delete("embed");
    url.hash = formatHash(linkState(store.get()));
    a.href = url.href;
  };
  store.subscribe(update, ["embedding", "color", "camera", "selection", "subset", "look", "split"]);
  update();
  a.hidden = false;
}

function setupPlot(ds) {
  const canvas = $("canvas");
  const view = createPlotView({ canvas, store, dataset: ds });
  const picker = createPicker({ store, view });
  const tooltip = createTooltip({ box: $("tooltip"), store, dataset: ds, view, picker });
  view.resize();
  new ResizeObserver(() => { if (view.resize()) tooltip.hide(); }).observe(canvas);
  const pointer = setupPointer({ canvas, store, view, onHover: tooltip.hoverAt, onLeave: tooltip.hide, onTap: tooltip.tapAt });
  const labels = createPlotLabels({ area: $("plot-area"), store, view });
  // the selection's chip over the plot is part of the first frame; its buttons show only once
  // there is a selection or a subset, which later.js's selection makes (and acts on)
  const selectMode = createSelectMode();
  const act = (name) => () => later?.selecting.selection[name]();
  const bar = createSelectionBar({ root: $("selection-bar"), store, dataset: ds, selectMode,
    selection: { clear: act("clear"), subset: act("subset"), resetSubset: act("resetSubset") } });
  return { view, pointer, labels, selectMode, bar };
}

/** The toolbar, whole from the first frame; the tools of later.js act once it is loaded. */
function setupToolbar(pointer, view) {
  const toolbar = createToolbar($("toolbar"));
  const zoom = (factor) => {
    const { width, height } = view.size();
    pointer.zoomAt(width / 2, height / 2, factor);
  };
  const report = (topic) => (err) => messages.show(err.message, "error", topic);
  // lasso and rectangle selection join "pan" in the mode group; export gets its own group
  toolbar.add({ id: "tool-pan", label: "Pan (drag the plot)", icon: ICONS.pan, group: "mode", pressed: true });
  // selection/setup.js (later.js) handles them and turns them on: until then a drag would pan
  for (const { id, label, icon } of SELECT_TOOLS) toolbar.add({ id, label, icon, group: "mode" }).disabled = true;
  setupTurning({ store, toolbar, controller: { setRotation: (r) => controller.setRotation(r) } }); // 3-D embeddings only
  toolbar.add({ id: "zoom-in", label: "Zoom in", icon: ICONS.zoomIn, onClick: () => zoom(1.5) });
  toolbar.add({ id: "zoom-out", label: "Zoom out", icon: ICONS.zoomOut, onClick: () => zoom(1 / 1.5) });
  toolbar.add({ id: "reset-view", label: "Show all cells", icon: ICONS.reset, onClick: () => controller.resetView() });
  const splitButton = toolbar.add({ id: "split-add", label: "Side by side: keep this colouring in a view of its own (one camera for all)",
    icon: ICONS.split, group: "view", onClick: () => loadLater().then((l) => l.split.add(store.get().color.spec)).catch(report("split")) });
  store.subscribe((s) => { splitButton.disabled = s.split.length >= 3; }, ["split"]);
  const menu = createExportMenu({ toolbar, area: $("plot-area"), items: [
    { id: "export-png", text: "Plot as PNG (2×)", title: "Twice the plot's size, with title and legend",
      onClick: () => loadLater().then((l) => l.figure.png()).catch(report("export")) },
    { id: "export-svg", text: "Plot as SVG", title: "Points, title and legend as vector shapes",
      onClick: () => loadLater().then((l) => l.figure.svg()).catch(report("export")) },
    { id: "export-ids", text: "Selected cells' ids (CSV)", onClick: () => {} }, // panels/cellsets.js acts on it
  ] });
  menu.item("export-ids").disabled = true; // no cell is selected yet (panels/cellsets.js keeps it in step)
  closers.unshift(menu.close);
  return toolbar;
}

/** The view of the link (or the dataset's defaults): embedding, then colouring. False if none can be shown. */
async function showFirstView(ds, colors) {
  const fromHash = parseHash(location.hash);
  const byDefault = ds.embeddings.find((e) => e.id === ds.meta.defaults?.embedding) || ds.embeddings[0];
  const known = fromHash.embedding && controller.findEmbedding(fromHash.embedding);
  store.set({ look: fromHash.look });
  try {
    loading.step("Loading the cells' positions");
    await controller.setEmbedding(known ? fromHash.embedding : byDefault.key, fromHash.camera || null, fromHash.rotation);
  } catch (err) {
    fail(err);
    return false;
  }
  loading.step("Loading the colours");
  // a wrong link keeps its message until dismissed, and shows the dataset's own view instead
  if (fromHash.embedding && !known) messages.show(`There is no embedding "${iso(fromHash.embedding)}".`, "error", "link");
  const fallback = await colors.defaultSpec().catch(() => "none");
  try {
    await controller.setColor(fromHash.color || fallback);
  } catch (err) {
    if (!fromHash.color || fromHash.color === fallback) await controller.setColor("none").catch(() => {});
    else await controller.setColor(fallback).catch(() => controller.setColor("none")).catch(() => {});
    messages.show(`${err.message} Showing ${fallback === "none" ? "no colouring" : fallback.replace(/^obs:/, "")} instead.`, "error", "link");
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
    ds = await openDataset("data/", { progress: loading.progress });
  } catch (err) {
    return fail(err);
  }
  showHeader(ds.meta);
  if (!ds.embeddings.length) return fail(new Error("This bundle has no 2-D embedding to plot."));
  let plot;
  try {
    plot = setupPlot(ds);
  } catch (err) {
    return fail(err);
  }
  let index = null;
  // the index is built in a task of its own, not in the one that decoded the names (~20 ms each at 20,000 genes)
  const nextTask = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 0));
  const genes = () => (index ??= ds.genes().then(nextTask).then(createGeneIndex).catch((err) => { index = null; throw err; }));
  // every column cells can be coloured, selected and counted by: the bundle's and the label sets
  const columns = createColumns({ dataset: ds });
  // label sets and gene sets are read when a link names one, or after the first frame
  const colors = createColorSource(ds, genes, { columns, geneSets: () => store.get().geneSets,
    userReady: () => loadLater().then((l) => l.workbench.load()) });
  controller = createController({ store, dataset: ds, colors, view: plot.view, messages, onGeneStatus: (text) => geneStatus(text) });
  const toolbar = setupToolbar(plot.pointer, plot.view);
  const showGene = setupPanels(ds, genes, colors, columns, plot.view);
  let pending = null;
  loadLater = () => (pending ??= import("./later.js").then(({ setupLater }) => {
    later = setupLater({ store, ds, genes, colors, columns, controller, messages, closers, showGene, toolbar, ...plot });
    return later;
  }));

  // the first view, then the link's subset and selection: "ready" once all of it is drawn
  const shown = await controller.hold(async () => (await showFirstView(ds, colors)) && (await restoreLinked(parseHash(location.hash)), true));
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
  if (embedded) linkFullViewer($("open-full"));
  await loadLater(); // the panels and tools the first frame did not need
  if (!embedded) later.workbench.load();
  if (linked) later.comparePanel.open(linked);
}

const started = main();
installApi({ store, controller: () => controller, selection: () => later?.selecting.selection, workbench: () => later?.workbench, started });
// xgexport.compare is compare/client.js's, installed by later.js; a call made before waits for it
window.xgexport.compare = (...args) => started.then(loadLater).then(() => window.xgexport.compare(...args));
