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
import { createSplitViews } from "./plot/split.js";
import { createPicker } from "./plot/picker.js";
import { createTooltip } from "./plot/tooltip.js";
import { setupPointer } from "./plot/pointer.js";
import { createLoading } from "./plot/loading.js";
import { createToolbar, ICONS } from "./plot/toolbar.js";
import { createPlotExport } from "./plot/export.js";
import { createExportMenu } from "./plot/exportmenu.js";
import { setupLayout } from "./panels/layout.js";
import { createLegend } from "./panels/legend.js";
import { createColorBy } from "./panels/colorby.js";
import { createAppearance } from "./panels/appearance.js";
import { createTissuePanel } from "./panels/tissue.js";
import { createGeneSearch } from "./panels/genesearch.js";
import { createMarkers } from "./panels/markers.js";
import { createDotplot } from "./panels/dotplot.js";
import { createViolin } from "./panels/violin.js";
import { createTwoGenes } from "./panels/twogenes.js";
import { renderInfo } from "./panels/info.js";
import { createWorkbench } from "./workbench.js";
import { createLabelSets } from "./panels/labelsets.js";
import { createGeneSets } from "./panels/genesets.js";
import { createCellSets } from "./panels/cellsets.js";
import { createComparer, installCompareApi } from "./compare/client.js";
import { createComparePanel } from "./compare/panel.js";
import { setupSelection } from "./selection/setup.js";
import { createColumns } from "./selection/columns.js";
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
let workbench = null;
let comparer = null;
let comparePanel = null;
let dataset = null;
let selecting = null; // selection/setup.js: the selection, its columns and the link's selection
let geneStatus = () => {};
let split = null; // plot/split.js: the side-by-side views
let colorSource = null;

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

/** Apply a view from a link or a host page: embedding (with camera), then colour. */
async function applyView(view) {
  const s = store.get();
  if (view.embedding && view.embedding !== s.embedding?.key) await controller.setEmbedding(view.embedding, view.camera || null);
  else if (view.camera) controller.setCamera(view.camera);
  if (view.look && !sameLook(view.look, store.get().look)) store.set({ look: view.look });
  if (view.color && view.color !== store.get().color.spec) await controller.setColor(view.color);
  if (view.split && JSON.stringify(view.split) !== JSON.stringify(store.get().split.map((c) => c.spec))) await split.restore(view.split);
  if (view.selection !== undefined || view.subset !== undefined) await selecting?.restore(view);
  const shown = store.get().comparison;
  if (view.comparison && JSON.stringify(view.comparison) !== JSON.stringify(shown)) comparePanel.open(view.comparison);
  else if (!view.comparison && shown) store.set({ comparison: null });
}

function setupPanels(ds, genes, colors, columns, view) {
  const showGene = (index) => colors.forGene(index).then((r) => controller.setColor(r.spec)).catch(() => {});
  const search = createGeneSearch({ input: $("gene-input"), list: $("gene-list"), status: $("gene-status"), store, genes, onPick: showGene });
  geneStatus = (text) => search.status(text);
  createColorBy({ embSelect: $("embedding-select"), embField: $("embedding-field"), colorSelect: $("color-select"),
    geneInput: $("gene-input"), store, dataset: ds, columns, controller });
  const dotplot = createDotplot({ panel: $("dotplot"), dataset: ds, genes, onGene: showGene });
  const markers = createMarkers({ details: $("markers"), root: $("markers-body"), store, dataset: ds, genes, onGene: showGene,
    onShowDotplot: (id) => dotplot.show(id), onCategory: (id, k) => highlightCategory(ds, id, k) });
  createGeneSets({ root: $("genesets-body"), store, dataset: ds, genes, controller, markerChoice: () => markers.current() });
  createLegend({ box: $("legend"), store, dataset: ds });
  createAppearance({ root: $("appearance-body"), store, view });
  createTissuePanel({ root: $("appearance-body"), store, dataset: ds });
  createLabelSets({ root: $("labelsets-body"), store, dataset: ds, controller, workbench });
  createCellSets({ root: $("cellsets-body"), store, dataset: ds, select: (cells) => selecting.selection.setIndices(cells),
    idsButton: $("export-ids"), messages });
  comparePanel = createComparePanel({ details: $("compare"), root: $("compare-body"), store, dataset: ds, comparer, genes,
    onGene: showGene });
  const violin = createViolin({ panel: $("violin"), button: $("open-violin"), store, dataset: ds, columns });
  const twoGenes = createTwoGenes({ els: { box: $("two-genes"), input: $("blend-input"), status: $("blend-status"), open: $("open-scatter"),
    panel: $("scatter") }, store, dataset: ds, genes, colors, controller });
  closers.push(twoGenes.close, violin.close, dotplot.close, () => closeMarkers($("markers")), () => closeMarkers($("compare")));
  offerDefaultColors($("color-reset"), colors);
  $("markers").hidden = ds.deColumns.length === 0;
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

/** Highlight category k of DE column `deId` in the plot, colouring by its grouping first if needed. */
async function highlightCategory(ds, deId, k) {
  const obsId = ds.deColumns.find((d) => d.id === deId)?.obs_id;
  const column = ds.obsColumns.find((o) => o.id === obsId);
  if (!column) return;
  if (store.get().color.kind !== "obs" || store.get().color.id !== obsId) {
    await controller.setColor(`obs:${column.name}`).catch(() => {});
  }
  if (store.get().color.id === obsId) store.update((s) => ({ categories: { ...s.categories, highlight: k } }));
}

/** Close the marker panel when the focus is in it (or nowhere); true when it did. */
function closeMarkers(details) {
  const focus = document.activeElement;
  if (!details.open || !(details.contains(focus) || focus === document.body)) return false;
  details.open = false;
  details.querySelector("summary").focus();
  return true;
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
  return { view, pointer, labels };
}

function setupToolbar(pointer, view, ds, labels) {
  const toolbar = createToolbar($("toolbar"));
  const zoom = (factor) => {
    const { width, height } = view.size();
    pointer.zoomAt(width / 2, height / 2, factor);
  };
  // lasso and rectangle selection join "pan" in the mode group; export gets its own group
  toolbar.add({ id: "tool-pan", label: "Pan (drag the plot)", icon: ICONS.pan, group: "mode", pressed: true });
  toolbar.add({ id: "zoom-in", label: "Zoom in", icon: ICONS.zoomIn, onClick: () => zoom(1.5) });
  toolbar.add({ id: "zoom-out", label: "Zoom out", icon: ICONS.zoomOut, onClick: () => zoom(1 / 1.5) });
  toolbar.add({ id: "reset-view", label: "Show all cells", icon: ICONS.reset, onClick: () => controller.resetView() });
  split = createSplitViews({ container: $("plot-views"), store, colors: colorSource, messages, plot: view });
  const splitButton = toolbar.add({ id: "split-add", label: "Side by side: keep this colouring in a view of its own (one camera for all)",
    icon: ICONS.split, group: "view", onClick: () => split.add(store.get().color.spec).catch((err) => messages.show(err.message, "error", "split")) });
  store.subscribe((s) => { splitButton.disabled = s.split.length >= 3; }, ["split"]);
  const figure = createPlotExport({ view, store, dataset: ds, messages, labels });
  const menu = createExportMenu({ toolbar, area: $("plot-area"), items: [
    { id: "export-png", text: "Plot as PNG (2×)", title: "Twice the plot's size, with title and legend", onClick: figure.png },
    { id: "export-svg", text: "Plot as SVG", title: "Points, title and legend as vector shapes", onClick: figure.svg },
    { id: "export-ids", text: "Selected cells' ids (CSV)", onClick: () => {} }, // panels/cellsets.js acts on it
  ] });
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
    await controller.setEmbedding(known ? fromHash.embedding : byDefault.key, fromHash.camera || null);
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

async function main() {
  const linked = parseHash(location.hash).comparison; // before syncHash rewrites the hash
  let ds;
  try {
    ds = await openDataset("data/", { progress: loading.progress });
  } catch (err) {
    return fail(err);
  }
  showHeader(ds.meta);
  dataset = ds;
  comparer = createComparer({ ds, store });
  if (!ds.embeddings.length) return fail(new Error("This bundle has no 2-D embedding to plot."));
  let view;
  let pointer;
  let labels;
  try {
    ({ view, pointer, labels } = setupPlot(ds));
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
  const colors = colorSource = createColorSource(ds, genes, { columns, geneSets: () => store.get().geneSets, userReady: () => workbench.load() });
  controller = createController({ store, dataset: ds, colors, view, messages, onGeneStatus: (text) => geneStatus(text) });
  workbench = createWorkbench({ store, dataset: ds, controller, colors, columns });
  const toolbar = setupToolbar(pointer, view, ds, labels);
  selecting = setupSelection({ store, dataset: ds, columns, genes, view, pointer, toolbar, messages, area: $("plot-area"), canvas: $("canvas"),
    els: { bar: $("selection-bar"), categories: $("category-section"), histograms: $("histogram-section"), geneHistogram: $("gene-histogram") } });
  setupPanels(ds, genes, colors, columns, view);

  // the first view, then the link's subset and selection: "ready" once all of it is drawn
  const shown = await controller.hold(async () => (await showFirstView(ds, colors)) &&
    (await split.restore(parseHash(location.hash).split), await selecting.restore(parseHash(location.hash)), true));
  if (!shown) return;
  loading.done();
  // the gene names (search, links, labels) and the matrix's metadata are read while the reader
  // looks at the first frame, not in the path of the first gene (names were 68 of its 89 KB at
  // 20,000 genes): a gene is then one request, its own chunk
  (window.requestIdleCallback ?? setTimeout)(() => Promise.all([genes(), ds.array("X")]).catch(() => {}));
  if (!embedded) workbench.load();
  if (linked) store.set({ comparison: linked }); // kept in the hash while the panel computes it
  syncHash({ store, apply: applyView, onError: (err) => messages.show(err.message, "error", "link") });
  host.listen({ store, apply: applyView });
  if (embedded) linkFullViewer($("open-full"));
  if (linked) comparePanel.open(linked);
}

const started = main();
installApi({ store, controller: () => controller, selection: () => selecting?.selection, workbench: () => workbench, started });
installCompareApi({ comparer: () => comparer, dataset: () => dataset, started });
