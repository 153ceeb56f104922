// Wiring of selecting cells (main.js calls this once the plot and panels exist): the columns,
// the selection, the crossfilter, the lasso and rectangle tools and their toolbar buttons, the
// category browser, the histograms, the selection bar, Escape, and the link's selection.

import { createColumns } from "./columns.js";
import { createSelection } from "./selection.js";
import { createCrossfilter } from "./crossfilter.js";
import { createSelectMode } from "../panels/selectionbar.js";
import { formatStep, parseStep, splitGroups } from "./link.js";
import { createLassoTool } from "../plot/lasso.js";
import { SELECT_TOOLS } from "../plot/toolbar.js";
import { createSelectionBar } from "../panels/selectionbar.js";
import { createCategoryBrowser } from "../panels/categories.js";
import { createHistograms } from "../panels/histograms.js";

const TYPING = new Set(["INPUT", "SELECT", "TEXTAREA"]);

function addTools({ toolbar, lasso, bar }) {
  const choose = (tool) => () => {
    lasso.setTool(tool);
    bar.setDrawing(tool !== "pan");
  };
  // main.js adds the buttons before the first frame (no toolbar shift when this module arrives)
  for (const { tool, ...desc } of SELECT_TOOLS) {
    const button = document.getElementById(desc.id) ?? toolbar.add({ ...desc, group: "mode" });
    button.addEventListener("click", choose(tool));
    button.disabled = false;
  }
  document.getElementById("tool-pan")?.addEventListener("click", choose("pan"));
  document.getElementById("tool-rotate")?.addEventListener("click", choose("pan")); // a drag turns (plot/pointer.js setupTurning)
}

/** A link's `sel` and `subset` texts → {groups, steps}; an unreadable step stops with an Error. */
export function readLink(view) {
  const steps = (view.selection ?? []).map(parseStep);
  const subset = (view.subset ?? []).map(parseStep);
  return { groups: splitGroups(subset), steps };
}

/** columns: selection/columns.js, shared with the colourings and the label sets (made here when not given). */
/**
 * selectMode and bar: main.js makes them before the first frame (the chip over the plot is
 * there from the start; its buttons act on this selection); made here when not given.
 */
export function setupSelection({ store, dataset, columns = createColumns({ dataset }), genes, view, pointer, toolbar, messages, area, canvas, els,
  selectMode = createSelectMode(), bar = null }) {
  const selection = createSelection({ store, dataset, columns, genes, view });
  const crossfilter = createCrossfilter({ store });
  const report = (err) => messages.show(err.message, "error", "selection");
  const lasso = createLassoTool({
    area, canvas, store, view, selectMode,
    onSelect: (clause, mode) => selection.apply(clause, mode, { visibleOnly: true }).catch(report),
  });
  pointer.setTool(lasso);
  bar ??= createSelectionBar({ root: els.bar, store, dataset, selection, selectMode });
  addTools({ toolbar, lasso, bar });
  const browser = createCategoryBrowser({ box: els.categories, store, columns, crossfilter, selection, selectMode, messages });
  createHistograms({ box: els.histograms, geneBox: els.geneHistogram, store, columns, crossfilter, selection, selectMode });

  // Escape: a shape being drawn, else the selection (after the dot plot, panels and drawers)
  document.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || ev.defaultPrevented || TYPING.has(ev.target?.tagName)) return;
    if (lasso.cancel()) ev.preventDefault();
    else if (store.get().selection) {
      ev.preventDefault();
      selection.clear();
    }
  });

  /** The selection and subset of a link (or of a history entry): recomputed and shown. */
  async function restore(viewState) {
    const s = store.get();
    const same = (texts, now) => JSON.stringify(texts ?? []) === JSON.stringify(now.map(formatStep));
    if (same(viewState.selection, s.selection?.steps ?? []) && same(viewState.subset, s.subset?.groups.flat() ?? [])) return;
    let wanted;
    try {
      wanted = readLink(viewState);
    } catch (err) {
      messages.show(`The link's selection could not be read: ${err.message}`, "error", "link");
      return;
    }
    try {
      await selection.restore(wanted);
      messages.clear("selection");
    } catch (err) {
      messages.show(`The link's selection could not be restored: ${err.message}`, "error", "link");
    }
  }

  return { selection, columns, crossfilter, restore, revealColumn: browser.reveal };
}
