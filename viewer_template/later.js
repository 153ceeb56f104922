// The panels and tools the first frame does not need: main.js loads this module with import()
// right after the first frame (or before it, when a link names something of theirs: a
// selection, a subset, side-by-side views, a gene set or label set colouring), so the first
// frame waits only for the plot's modules (88 modules before the first frame cost ~0.5 s on
// HTTP/1.1's six connections). Their DOM is in index.html from the start; they fill it in.

import { createSplitViews } from "./plot/split.js";
import { createPlotExport } from "./plot/export.js";
import { createMarkers } from "./panels/markers.js";
import { createDotplot } from "./panels/dotplot.js";
import { createViolin } from "./panels/violin.js";
import { createTwoGenes } from "./panels/twogenes.js";
import { createWorkbench } from "./workbench.js";
import { createLabelSets } from "./panels/labelsets.js";
import { createGeneSets } from "./panels/genesets.js";
import { createCellSets } from "./panels/cellsets.js";
import { createComparer, installCompareApi } from "./compare/client.js";
import { createComparePanel } from "./compare/panel.js";
import { setupSelection } from "./selection/setup.js";

const $ = (id) => document.getElementById(id);

/**
 * ctx: {store, ds, genes, colors, columns, controller, view, pointer, toolbar, labels, selectMode, bar,
 * messages, closers (Escape's list), showGene}. Returns {selecting, workbench, comparer, comparePanel,
 * split, figure}.
 */
export function setupLater(ctx) {
  const { store, ds, genes, colors, columns, controller, messages } = ctx;
  const workbench = createWorkbench({ store, dataset: ds, controller, colors, columns });
  const comparer = createComparer({ ds, store });
  const split = createSplitViews({ container: $("plot-views"), store, colors, messages, plot: ctx.view });
  const figure = createPlotExport({ view: ctx.view, store, dataset: ds, messages, labels: ctx.labels, split });
  const selecting = setupSelection({ store, dataset: ds, columns, genes, view: ctx.view, pointer: ctx.pointer, toolbar: ctx.toolbar,
    messages, area: $("plot-area"), canvas: $("canvas"), selectMode: ctx.selectMode, bar: ctx.bar,
    els: { bar: $("selection-bar"), categories: $("category-section"), histograms: $("histogram-section"), geneHistogram: $("gene-histogram") } });
  const comparePanel = setupPanels({ ...ctx, workbench, comparer, selecting });
  installCompareApi({ comparer: () => comparer, dataset: () => ds, started: Promise.resolve() });
  return { selecting, workbench, comparer, comparePanel, split, figure };
}

function setupPanels({ store, ds, genes, colors, columns, controller, messages, closers, showGene, workbench, comparer, selecting }) {
  const dotplot = createDotplot({ panel: $("dotplot"), dataset: ds, genes, onGene: showGene });
  const markers = createMarkers({ details: $("markers"), root: $("markers-body"), store, dataset: ds, genes, onGene: showGene,
    onShowDotplot: (id) => dotplot.show(id), onCategory: (id, k) => highlightCategory(store, controller, ds, id, k) });
  createGeneSets({ root: $("genesets-body"), store, dataset: ds, genes, controller, markerChoice: () => markers.current() });
  createLabelSets({ root: $("labelsets-body"), store, dataset: ds, controller, workbench });
  createCellSets({ root: $("cellsets-body"), store, dataset: ds, select: (cells) => selecting.selection.setIndices(cells),
    idsButton: $("export-ids"), messages });
  const comparePanel = createComparePanel({ details: $("compare"), root: $("compare-body"), store, dataset: ds, comparer, genes,
    onGene: showGene });
  const violin = createViolin({ panel: $("violin"), button: $("open-violin"), store, dataset: ds, columns });
  const twoGenes = createTwoGenes({ els: { box: $("two-genes"), input: $("blend-input"), status: $("blend-status"), open: $("open-scatter"),
    panel: $("scatter") }, store, dataset: ds, genes, colors, controller });
  closers.push(twoGenes.close, violin.close, dotplot.close, () => closeMarkers($("markers")), () => closeMarkers($("compare")));
  // a panel opened before its module was here: what its toggle listener would have done
  for (const details of [$("markers"), $("compare")]) if (details.open) details.dispatchEvent(new Event("toggle"));
  return comparePanel;
}

/** Highlight category k of DE column `deId` in the plot, colouring by its grouping first if needed. */
async function highlightCategory(store, controller, ds, deId, k) {
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
