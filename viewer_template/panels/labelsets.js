// The label sets panel (cells side): make a label set, add labels, give the selected cells a
// label; rename, recolour, delete; import and export CSV. One set is "current" (the one being
// edited: the plot's colouring when it shows a label set). Label sets are categorical columns
// for the rest of the viewer (colour by, legend, filters). Every name is text.

import { el } from "../dom.js";
import { count, plural } from "../format.js";
import { saveText, filePicker, fileName } from "../files.js";
import * as ls from "../labelsets.js";
import { selectedCells } from "../workbench.js";
import { button, iconButton, editName, deleteButton, feedback, nameForm } from "./controls.js";

export function createLabelSets({ root, store, dataset, controller, workbench }) {
  const ds = dataset;
  let currentId = null;
  const list = el("ul", "us-list");
  const current = el("div", "ls-current");
  const news = nameForm({ placeholder: "New label set, e.g. cell type (mine)", buttonText: "Create", label: "Name of a new label set", onSubmit: createSet, className: "ls-new" });
  const report = feedback("ls-report");
  const status = el("p", "note us-status");
  const picker = filePicker(root, { accept: ".csv,text/csv,text/plain", onText: importText, onError: (err) => report.show(err.message, true) });
  const files = el("div", "us-files");
  files.append(button("Import CSV…", "button", () => picker.open(), "Label sets from a CSV: this viewer's export or cellxgene's annotation file", "Import CSV… of label sets"),
    button("Export CSV", "button", exportCsv, "One row per cell: its id and its label in each set", "Export CSV of the label sets"));
  root.append(list, current, news.form, news.note, files, report.node, status);

  const sets = () => store.get().annotations;
  const find = (id) => sets().find((s) => s.id === id) || null;
  const takenNames = (except = null) => [...(ds.meta.obs || []).map((o) => o.name), ...sets().filter((s) => s.id !== except).map((s) => s.name)];
  const replace = (id, fn) => store.update((s) => ({ annotations: s.annotations.map((a) => (a.id === id ? fn(a) : a)) }));
  const showSet = (set, keepCategories = false) => controller.setColor(`obs:${set.name}`, { keepCategories }).catch(() => {});

  function createSet(name) {
    const problem = ls.nameProblem(name, takenNames(), "label set name");
    if (problem) return problem;
    const set = ls.createLabelSet(name, ds.nCells);
    currentId = set.id;
    store.update((s) => ({ annotations: [...s.annotations, set] }));
    showSet(set);
    return null;
  }

  function renderList() {
    list.replaceChildren(...sets().map((set) => {
      const li = el("li", set.id === currentId ? "us-item is-current" : "us-item");
      const labelled = set.codes.length - ls.asColumn(set).n_missing;
      const pick = button(set.name, "us-name", () => {
        currentId = set.id;
        showSet(set);
        render();
      }, "Edit this label set and colour the plot by it");
      pick.dataset.key = `set:${set.id}`;
      pick.setAttribute("aria-pressed", String(set.id === currentId));
      li.append(pick, el("span", "us-count", `${plural(set.labels.length, "label")} · ${plural(labelled, "cell")}`));
      return li;
    }));
    if (!sets().length) list.append(el("li", "note", "No label sets yet. Create one, select cells in the plot, and give them a label."));
  }

  function setTools(set) {
    const tools = el("div", "us-tools");
    const name = el("strong", "us-current-name", set.name);
    const rename = button("Rename", "link-button", () => editName(name, {
      value: set.name, label: "New name of the label set", back: rename,
      onCommit: (text) => ls.nameProblem(text, takenNames(set.id), "label set name") || (replace(set.id, (a) => ({ ...a, name: text })), null),
    }));
    rename.dataset.key = `rename-set:${set.id}`;
    tools.append(name, rename, deleteButton(`the label set ${set.name}`, () => {
      store.update((s) => ({ annotations: s.annotations.filter((a) => a.id !== set.id) }));
      currentId = null;
      report.show(`Deleted the label set "\u2068${set.name}\u2069".`);
    }));
    return tools;
  }

  function labelRow(set, k, counts, cells) {
    const label = set.labels[k];
    const li = el("li", "ls-label");
    const colour = el("input", "ls-color");
    colour.type = "color";
    colour.value = label.color;
    colour.setAttribute("aria-label", `Colour of ${label.name}`);
    colour.dataset.key = `color:${k}`;
    colour.addEventListener("change", () => replace(set.id, (a) => ls.recolorLabel(a, k, colour.value)));
    const name = el("span", "ls-label-name", label.name);
    name.title = label.name;
    const assign = button(cells ? `Assign ${count(cells.length)}` : "Assign", "button ls-assign", () => {
      const chosen = selectedCells(store.get().selection);
      if (!chosen?.length) return;
      replace(set.id, (a) => ls.assignCells(a, chosen, k));
      report.show(`${plural(chosen.length, "cell")} ${chosen.length === 1 ? "is" : "are"} now "\u2068${label.name}\u2069".`);
      if (store.get().color.id !== set.id) showSet(find(set.id));
    }, cells ? `Give the ${count(cells.length)} selected cells this label` : "Select cells in the plot first");
    assign.disabled = !cells?.length;
    assign.dataset.key = `assign:${k}`;
    const rename = iconButton("rename", `Rename the label ${label.name}`, () => editName(name, {
      value: label.name, label: `New name of the label ${label.name}`, back: rename,
      onCommit: (text) => ls.nameProblem(text, set.labels.filter((_, j) => j !== k).map((l) => l.name), "label") || (replace(set.id, (a) => ls.renameLabel(a, k, text)), null),
    }));
    rename.dataset.key = `rename-label:${k}`;
    li.append(colour, name, el("span", "us-count", count(counts[k])), assign, rename,
      deleteButton(`the label ${label.name}`, () => replace(set.id, (a) => ls.deleteLabel(a, k)), { compact: true }));
    return li;
  }

  function renderCurrent() {
    const set = find(currentId);
    current.replaceChildren();
    current.hidden = !set;
    if (!set) return;
    const counts = ls.asColumn(set).counts; // counted once per version of the set
    const cells = selectedCells(store.get().selection);
    const labels = el("ul", "ls-labels");
    labels.append(...set.labels.map((_, k) => labelRow(set, k, counts, cells)));
    const add = nameForm({ placeholder: "New label, e.g. T cells", buttonText: "Add label", label: `New label in ${set.name}`,
      onSubmit: (text) => ls.nameProblem(text, set.labels.map((l) => l.name), "label") || addLabel(set, text) });
    const clear = button("Remove the selected cells' labels", "link-button", () => {
      replace(set.id, (a) => ls.assignCells(a, cells, -1));
      report.show(`${plural(cells.length, "cell")} ${cells.length === 1 ? "has" : "have"} no label in "\u2068${set.name}\u2069" now.`);
    });
    clear.hidden = !cells?.length || !set.labels.length;
    current.append(setTools(set), labels, add.form, add.note, clear);
  }

  function addLabel(set, text) {
    try {
      replace(set.id, (a) => ls.addLabel(a, text));
    } catch (err) {
      return err.message;
    }
    return null;
  }

  async function exportCsv() {
    try {
      const text = await workbench.exportAnnotations();
      saveText(text, `labels_${fileName(ds.meta.title, "dataset")}.csv`);
      report.show(`Exported ${plural(sets().length, "label set")} for ${plural(ds.nCells, "cell")}.`);
    } catch (err) {
      report.show(`Could not export: ${err.message}`, true);
    }
  }

  async function importText(text) {
    const r = await workbench.importAnnotations(text);
    const first = sets().find((s) => s.name === (r.added[0] ?? r.replaced[0]));
    if (first) {
      currentId = first.id;
      showSet(first);
    }
    render();
    report.show(r.message, r.nUnknown > 0 || r.ambiguous.length > 0);
  }

  function render() {
    // panels are drawn anew on each change: focus goes back to the same control
    const key = root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const s = store.get();
    if (s.color.kind === "obs" && s.color.column?.labelSet) currentId = s.color.id;
    if (currentId && !find(currentId)) currentId = null;
    renderList();
    renderCurrent();
    if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  store.subscribe(render, ["annotations", "selection", "color"]);
  workbench.onStatus((st) => {
    status.textContent = st.text;
    status.dataset.state = st.state;
    status.classList.toggle("error", st.state === "error");
  });
  render();
  return { importText, exportCsv };
}
