// The chooser of one group of a comparison: the selection, categories of an obs column or labels
// of one of the person's label sets (a checklist), a saved cell set, or (group B) the rest.
// value() gives the spec (compare/groups.js); set(spec) shows one. Names are text, never markup.

import { el } from "../dom.js";
import { count } from "../format.js";
import { selectedCells } from "./groups.js";

const KIND_LABELS = { selection: "The selection", obs: "Categories or labels", set: "A saved cell set", rest: "The rest (every other cell)" };

export function createGroupPicker({ role, store, dataset, onChange }) {
  const ds = dataset;
  const box = el("fieldset", "cmp-group");
  box.dataset.role = role;
  box.append(el("legend", null, `Group ${role}`));
  const kind = el("select", "cmp-kind");
  kind.setAttribute("aria-label", `Group ${role}: what it is`);
  const column = el("select", "cmp-column");
  column.setAttribute("aria-label", `Group ${role}: column`);
  const filter = el("input", "cmp-filter");
  Object.assign(filter, { type: "search", placeholder: "Filter categories" });
  filter.setAttribute("aria-label", `Group ${role}: filter the categories`);
  const list = el("div", "cmp-checklist");
  list.setAttribute("role", "group");
  list.setAttribute("aria-label", `Group ${role}: categories`);
  const set = el("select", "cmp-set");
  set.setAttribute("aria-label", `Group ${role}: cell set`);
  const categories = el("div", "cmp-categories");
  categories.append(column, filter, list);
  box.append(kind, categories, set);

  const columns = ds.obsColumns.filter((o) => o.kind === "categorical" || o.kind === "boolean");
  const kinds = role === "B" ? ["rest", "selection", "obs", "set"] : ["selection", "obs", "set"];
  kind.replaceChildren(...kinds.map((k) => Object.assign(el("option", null, KIND_LABELS[k]), { value: k })));
  let checked = new Set();
  let shownFor = null;
  let order = []; // the shown column's categories in their own order (a link lists them so)

  /** Obs columns, then the person's label sets; option values "obs:<name>" and "labels:<name>". */
  function fillColumns(labelSets) {
    const keep = column.value;
    const option = (text, value) => Object.assign(el("option", null, text), { value });
    const groups = [columns.map((o) => option(o.name, `obs:${o.name}`))];
    if (labelSets.length) {
      const mine = el("optgroup");
      mine.label = "Your label sets";
      mine.append(...labelSets.map((a) => option(a.name, `labels:${a.name}`)));
      groups.push([mine]);
    }
    column.replaceChildren(...groups.flat());
    if ([...column.options].some((o) => o.value === keep)) column.value = keep;
  }

  function refreshOptions(s) {
    const selection = kind.querySelector('option[value="selection"]');
    // the count alone: this runs on every selection change (a brush step at 1M cells)
    const n = s.selection ? (s.selection.mask ? s.selection.count : selectedCells(s.selection, ds.nCells)?.count) || 0 : 0;
    selection.textContent = n ? `The selection (${count(n)} cells)` : "The selection (none yet)";
    selection.disabled = !n;
    const sets = s.cellSets || [];
    kind.querySelector('option[value="set"]').disabled = !sets.length;
    kind.querySelector('option[value="obs"]').disabled = !columns.length && !(s.annotations || []).length;
    const keep = set.value;
    set.replaceChildren(...sets.map((x) => Object.assign(el("option", null, `${x.name} (${count(x.cells.length)} cells)`), { value: x.name })));
    if (sets.some((x) => x.name === keep)) set.value = keep;
    fillColumns(s.annotations || []);
  }

  /** Categories and their cell counts of the chosen obs column or label set. */
  async function choices(value) {
    const [source, ...rest] = value.split(":");
    const name = rest.join(":");
    if (source === "labels") {
      const labelSet = (store.get().annotations || []).find((a) => a.name === name);
      if (!labelSet) return null;
      const counts = new Array(labelSet.labels.length).fill(0);
      for (const k of labelSet.codes) if (k >= 0) counts[k]++;
      return { categories: labelSet.labels.map((l) => l.name), counts };
    }
    const info = columns.find((o) => o.name === name);
    return info ? ds.obs(info.id) : null;
  }

  async function showCategories() {
    const wanted = column.value;
    const obs = await choices(wanted);
    // a column chosen while this one loaded has drawn (or will draw) its own list
    if (!obs || column.value !== wanted) return;
    if (shownFor !== column.value) checked = new Set();
    shownFor = column.value;
    order = obs.categories;
    const text = filter.value.trim().toLowerCase();
    const rows = [];
    obs.categories.forEach((label, k) => {
      if (text && !label.toLowerCase().includes(text) && !checked.has(label)) return;
      const row = el("label", "cmp-check");
      const box = Object.assign(el("input"), { type: "checkbox", checked: checked.has(label), value: label });
      box.addEventListener("change", () => {
        if (box.checked) checked.add(label);
        else checked.delete(label);
        onChange();
      });
      row.append(box, el("bdi", null, label), el("span", "cmp-count", count(obs.counts[k] ?? 0)));
      rows.push(row);
    });
    list.replaceChildren(...rows);
  }

  function showKind() {
    categories.hidden = kind.value !== "obs";
    set.hidden = kind.value !== "set";
    if (kind.value === "obs") showCategories();
  }

  kind.addEventListener("change", () => { showKind(); onChange(); });
  column.addEventListener("change", () => { filter.value = ""; showCategories(); onChange(); });
  filter.addEventListener("input", showCategories);
  set.addEventListener("change", onChange);
  store.subscribe((s) => { refreshOptions(s); onChange(); }, ["selection", "cellSets", "annotations"]);
  refreshOptions(store.get());

  /** The group's spec, or null when it names nothing yet. */
  function value() {
    if (kind.value === "rest") return kind.value;
    if (kind.value === "selection") return selectedCells(store.get().selection, ds.nCells) ? "selection" : null;
    if (kind.value === "set") return set.value ? { set: set.value } : null;
    if (!checked.size) return null;
    const [source, ...rest] = column.value.split(":");
    // the column's order, not the order of the clicks: one comparison, one link
    const categories = [...order.filter((label) => checked.has(label)), ...[...checked].filter((label) => !order.includes(label))];
    return source === "labels" ? { labels: rest.join(":"), categories } : { obs: rest.join(":"), categories };
  }

  /** Show a spec (from a link or a default); false when this chooser cannot show it. */
  async function setSpec(spec) {
    if (spec === "rest" || spec === "selection") {
      if (!kinds.includes(spec)) return false;
      kind.value = spec;
    } else if (spec?.set !== undefined) {
      kind.value = "set";
      set.value = spec.set;
    } else if (spec?.obs !== undefined || spec?.labels !== undefined) {
      const value = spec.obs !== undefined ? `obs:${spec.obs}` : `labels:${spec.labels}`;
      if (![...column.options].some((o) => o.value === value)) return false;
      kind.value = "obs";
      column.value = value;
      filter.value = "";
      shownFor = value;
      checked = new Set(spec.categories.map(String));
    } else {
      return false;
    }
    showKind();
    return true;
  }

  showKind();
  return { node: box, value, set: setSpec };
}
