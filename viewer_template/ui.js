// The panels and tools shown with the first frame: legend, colour by, gene search, appearance,
// the plot's pointer, tooltip, labels and toolbar, the selection chip. main.js imports this
// module with import() as it starts: the page fetches it beside main.js's own graph
// (modulepreload), and main.js reads the dataset and sets up WebGL while the rest arrives. The
// panels are created before the first view reaches the store (they show changes, not the
// state they find), so the first frame waits for them, not for the other way round.

import { createPlotLabels } from "./plot/labels.js";
import { createPicker, createTooltip } from "./plot/picker.js";
import { setupPointer, setupTurning } from "./plot/pointer.js";
import { createToolbar, ICONS, SELECT_TOOLS } from "./plot/toolbar.js";
import { createExportMenu } from "./plot/toolbar.js";
import { createLegend } from "./panels/legend.js";
import { createColorBy } from "./panels/colorby.js";
import { createAppearance, createTissuePanel } from "./panels/appearance.js";
import { createGeneSearch } from "./panels/genesearch.js";
import { renderInfo } from "./panels/info.js";
import { createSelectMode, createSelectionBar } from "./panels/selectionbar.js";
import { formatHash, linkState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);

/**
 * ctx: {store, ds, genes, colors, columns, controller, view, messages, closers (Escape's list),
 * later() (later.js's parts once set up, or null), loadLater()}. Returns {pointer, labels,
 * selectMode, bar, toolbar, showGene, geneStatus(text), linkFullViewer() (embedded)}.
 */
export function setupUi(ctx) {
  const { store, ds, view } = ctx;
  renderInfo($("about"), ds.meta);
  const canvas = $("canvas");
  const picker = createPicker({ store, view });
  const tooltip = createTooltip({ box: $("tooltip"), store, dataset: ds, view, picker });
  new ResizeObserver(() => { if (view.resize()) tooltip.hide(); }).observe(canvas);
  const pointer = setupPointer({ canvas, store, view, onHover: tooltip.hoverAt, onLeave: tooltip.hide, onTap: tooltip.tapAt });
  const labels = createPlotLabels({ area: $("plot-area"), store, view });
  // the selection's chip over the plot is part of the first frame; its buttons show only once
  // there is a selection or a subset, which later.js's selection makes (and acts on)
  const selectMode = createSelectMode();
  const act = (name) => () => ctx.later()?.selecting.selection[name]();
  const bar = createSelectionBar({ root: $("selection-bar"), store, dataset: ds, selectMode,
    selection: { clear: act("clear"), subset: act("subset"), resetSubset: act("resetSubset") } });
  const toolbar = setupToolbar(ctx, pointer);
  const panels = setupPanels(ctx);
  return { pointer, labels, selectMode, bar, toolbar, ...panels, linkFullViewer: () => linkFullViewer(store, $("open-full")) };
}

function setupPanels({ store, ds, genes, colors, columns, controller, view }) {
  const showGene = (index) => colors.forGene(index).then((r) => controller.setColor(r.spec)).catch(() => {});
  const search = createGeneSearch({ input: $("gene-input"), list: $("gene-list"), status: $("gene-status"), store, genes, onPick: showGene });
  createColorBy({ embSelect: $("embedding-select"), embField: $("embedding-field"), colorSelect: $("color-select"),
    geneInput: $("gene-input"), store, dataset: ds, columns, controller });
  createLegend({ box: $("legend"), store, dataset: ds });
  createAppearance({ root: $("appearance-body"), store, view });
  createTissuePanel({ root: $("appearance-body"), store, dataset: ds });
  offerDefaultColors($("color-reset"), store, colors, controller);
  $("markers").hidden = ds.deColumns.length === 0;
  return { showGene, geneStatus: (text) => search.status(text) };
}

/** A button back to the dataset's default colouring, shown when the plot is coloured otherwise. */
function offerDefaultColors(button, store, colors, controller) {
  const spec = colors.defaultSpec().catch(() => "none");
  button.addEventListener("click", () => spec.then((d) => controller.setColor(d)).catch(() => {}));
  store.subscribe((s) => spec.then((d) => { button.hidden = s.color.spec === d; }), ["color"]);
}

/** Embedded: a link that opens this view in the full viewer, in a new tab. */
function linkFullViewer(store, a) {
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

/** The toolbar, whole from the first frame; the tools of later.js act once it is loaded. */
function setupToolbar({ store, view, controller, messages, closers, loadLater }, pointer) {
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
