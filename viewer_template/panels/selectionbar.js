// The selection's chip over the plot's top left corner: how many cells are selected (always
// visible), how the next step combines (add, subtract, intersect: toggles for touch screens,
// which have no Shift or Alt; shown while a selection tool is chosen or cells are selected),
// and Clear, Subset (show only the selected cells, camera fitted to them) and Reset (every cell
// again). Under a subset, counts are of the cells shown. An overlay, so the plot keeps its size.
// The mode itself (createSelectMode), which selection/setup.js's keys also set, is below.

import { el } from "../dom.js";
import { count } from "../format.js";
import { ICONS, icon } from "../plot/toolbar.js";

const TOGGLES = [
  ["add", "Add to the selection (or hold Shift)"],
  ["subtract", "Remove from the selection (or hold Alt)"],
  ["intersect", "Keep only cells also in the selection (or hold Shift and Alt)"],
];

export function createSelectionBar({ root, store, dataset, selection, selectMode }) {
  const text = el("span", "sel-count");
  text.setAttribute("role", "status");
  text.setAttribute("aria-live", "polite");
  const button = (label, title, onClick) => {
    const b = el("button", "button sel-button", label);
    Object.assign(b, { type: "button", title });
    b.addEventListener("click", onClick);
    return b;
  };
  const modes = el("span", "sel-modes");
  modes.setAttribute("role", "group");
  modes.setAttribute("aria-label", "How the next selection combines");
  const toggles = TOGGLES.map(([mode, title]) => {
    const b = el("button", "tool sel-mode");
    Object.assign(b, { type: "button", title, id: `select-${mode}` });
    b.setAttribute("aria-label", title);
    b.setAttribute("aria-pressed", "false");
    b.append(icon(ICONS[mode]));
    b.addEventListener("click", () => selectMode.toggle(mode));
    modes.append(b);
    return b;
  });
  const clear = button("Clear", "Clear the selection (Escape)", () => selection.clear());
  const subset = button("Subset", "Show only the selected cells", () => selection.subset());
  const reset = button("Reset", "Show every cell again", () => selection.resetSubset());
  clear.id = "selection-clear";
  subset.id = "selection-subset";
  reset.id = "selection-reset";
  root.append(text, modes, clear, subset, reset);
  let drawing = false; // a selection tool is chosen

  function render(s = store.get()) {
    const universe = s.subset ? s.subset.count : dataset.nCells;
    if (s.selection) {
      text.replaceChildren(el("strong", null, count(s.selection.count)), ` of ${count(universe)}${s.subset ? " shown" : ""} cells selected`);
    } else {
      text.replaceChildren(s.subset ? `Subset: ${count(universe)} of ${count(dataset.nCells)} cells shown` : "No cells selected");
    }
    text.classList.toggle("is-empty", !s.selection && !s.subset);
    modes.hidden = !(drawing || s.selection || selectMode.get() !== "replace");
    clear.hidden = !s.selection;
    subset.hidden = !s.selection;
    reset.hidden = !s.subset;
    root.dataset.count = String(s.selection?.count ?? 0);
  }

  selectMode.subscribe((mode) => {
    for (const b of toggles) b.setAttribute("aria-pressed", String(b.id === `select-${mode}`));
    render();
  });
  store.subscribe(render, ["selection", "subset"]);
  render();
  return { setDrawing(on) { drawing = on; render(); } };
}

// How a new selection step combines with the selection: replace, add, subtract or intersect.
// Modifier keys decide for a mouse (Shift adds, Alt subtracts, both intersect); the toolbar's
// toggles decide when no modifier is held, which is how touch screens (no keys) choose.

export function createSelectMode() {
  let mode = "replace";
  const listeners = new Set();
  return {
    get: () => mode,
    /** a toggle: choosing the mode already on goes back to replace */
    toggle(next) {
      mode = mode === next ? "replace" : next;
      for (const fn of [...listeners]) fn(mode);
    },
    /** the mode for an event: its modifier keys, else the toggles */
    of(ev) {
      if (ev?.shiftKey && ev?.altKey) return "intersect";
      if (ev?.shiftKey) return "add";
      if (ev?.altKey) return "subtract";
      return mode;
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
