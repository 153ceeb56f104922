// The cell sets panel (cells side): save the selection as a named set (keep several), select a
// set again, download its cell ids, rename, delete. Sets are the store's `cellSets`
// ([{id, name, cells: ascending Uint32Array}]), which the comparison panel offers as groups.

import { el } from "../dom.js";
import { plural } from "../format.js";
import { saveText, fileName } from "../files.js";
import { exportCellIds } from "../labelio.js";
import { newId, nameProblem } from "../labelsets.js";
import { selectedCells } from "../workbench.js";
import { button, iconButton, editName, deleteButton, feedback, nameForm } from "./controls.js";

/**
 * select(cells): make these cells the selection (the selection module's setter once it exists).
 * idsButton: a toolbar button that downloads the selected cells' ids (enabled while cells are selected).
 */
export function createCellSets({ root, store, dataset, select, idsButton, messages }) {
  const ds = dataset;
  const list = el("ul", "us-list cs-list");
  const report = feedback("cs-report");
  const save = nameForm({ placeholder: "Name for the selected cells", buttonText: "Save selection", label: "Name of a new cell set from the selection",
    onSubmit: saveSelection, className: "cs-new" });
  root.append(list, save.form, save.note, report.node);

  const sets = () => store.get().cellSets;
  const replace = (id, fn) => store.update((s) => ({ cellSets: s.cellSets.map((c) => (c.id === id ? fn(c) : c)) }));

  function saveSelection(name) {
    const cells = selectedCells(store.get().selection);
    if (!cells) return "Select cells in the plot first.";
    const problem = nameProblem(name, sets().map((c) => c.name), "cell set name");
    if (problem) return problem;
    store.update((s) => ({ cellSets: [...s.cellSets, { id: newId("C"), name, cells: Uint32Array.from(cells).sort() }] }));
    report.show(`Saved ${plural(cells.length, "cell")} as "\u2068${name}\u2069".`);
    return null;
  }

  async function downloadIds(set) {
    try {
      const text = await exportCellIds({ ds, cells: set.cells, what: `Cell set ${JSON.stringify(set.name)}` });
      saveText(text, `cells_${fileName(set.name, "set")}.csv`);
    } catch (err) {
      report.show(`Could not export the ids: ${err.message}`, true);
    }
  }

  idsButton?.addEventListener("click", async () => {
    const cells = selectedCells(store.get().selection);
    if (!cells) return;
    try {
      saveText(await exportCellIds({ ds, cells, what: "Selected cells" }), `selected_cells_${fileName(ds.meta.title, "dataset")}.csv`);
    } catch (err) {
      messages.show(`Could not export the ids: ${err.message}`, "error", "export");
    }
  });

  function row(set) {
    const li = el("li", "us-item cs-item");
    const name = el("span", "cs-name", set.name);
    name.title = set.name;
    const pick = button("Select", "button", () => {
      select(set.cells);
      report.show(`Selected the ${plural(set.cells.length, "cell")} of "\u2068${set.name}\u2069".`);
    }, "Make these cells the selection", `Select the cells of ${set.name}`);
    pick.dataset.key = `select:${set.id}`;
    const ids = button("IDs", "link-button", () => downloadIds(set), "Download the cell ids (CSV)", `Download the cell ids of ${set.name}`);
    const rename = iconButton("rename", `Rename the cell set ${set.name}`, () => editName(name, {
      value: set.name, label: "New name of the cell set", back: rename,
      onCommit: (text) => nameProblem(text, sets().filter((c) => c.id !== set.id).map((c) => c.name), "cell set name") || (replace(set.id, (c) => ({ ...c, name: text })), null),
    }));
    rename.dataset.key = `rename:${set.id}`;
    li.append(name, el("span", "us-count", plural(set.cells.length, "cell")), pick, ids, rename,
      deleteButton(`the cell set ${set.name}`, () => store.update((s) => ({ cellSets: s.cellSets.filter((c) => c.id !== set.id) })), { compact: true }));
    return li;
  }

  function render() {
    const key = root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    list.replaceChildren(...sets().map(row));
    if (!sets().length) list.append(el("li", "note", "No cell sets yet. Select cells in the plot, then save them here under a name."));
    const n = selectedCells(store.get().selection)?.length ?? 0;
    save.submit.disabled = !n;
    save.submit.textContent = n ? `Save ${plural(n, "cell")}` : "Save selection";
    save.submit.title = n ? "" : "Select cells in the plot first";
    if (idsButton) idsButton.disabled = !n;
    if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  store.subscribe(render, ["cellSets", "selection"]);
  render();
}
