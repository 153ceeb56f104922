// The chooser of one group of a comparison: the selection, categories of a column (a checklist),
// a saved cell set, or (group B) the rest. value() gives the spec (compare/groups.js); set(spec)
// shows one. Category and set names are text, never markup.

import { el } from "../dom.js";
import { count } from "../format.js";

const KIND_LABELS = { selection: "The selection", obs: "Categories of a column", set: "A saved cell set", rest: "The rest (every other cell)" };

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
  column.replaceChildren(...columns.map((o) => Object.assign(el("option", null, o.name), { value: o.name })));
  const kinds = role === "B" ? ["rest", "selection", "obs", "set"] : ["selection", "obs", "set"];
  kind.replaceChildren(...kinds.map((k) => Object.assign(el("option", null, KIND_LABELS[k]), { value: k })));
  let checked = new Set();
  let shownFor = null;

  function refreshOptions(s) {
    const selection = kind.querySelector('option[value="selection"]');
    const n = s.selection?.length || 0;
    selection.textContent = n ? `The selection (${count(n)} cells)` : "The selection (none yet)";
    selection.disabled = !n;
    const sets = s.cellSets || [];
    kind.querySelector('option[value="set"]').disabled = !sets.length;
    kind.querySelector('option[value="obs"]').disabled = !columns.length;
    const keep = set.value;
    set.replaceChildren(...sets.map((x) => Object.assign(el("option", null, `${x.name} (${count(x.cells.length)} cells)`), { value: x.name })));
    if (sets.some((x) => x.name === keep)) set.value = keep;
  }

  async function showCategories() {
    const info = columns.find((o) => o.name === column.value);
    if (!info) return;
    const obs = await ds.obs(info.id);
    if (shownFor !== info.name) checked = new Set();
    shownFor = info.name;
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
      row.append(box, el("bdi", null, label), el("span", "legend-count", count(obs.counts[k] ?? 0)));
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
  store.subscribe((s) => { refreshOptions(s); onChange(); }, ["selection", "cellSets"]);
  refreshOptions(store.get());

  /** The group's spec, or null when it names nothing yet. */
  function value() {
    if (kind.value === "rest" || kind.value === "selection") return kind.value;
    if (kind.value === "set") return set.value ? { set: set.value } : null;
    return checked.size ? { obs: column.value, categories: [...checked] } : null;
  }

  /** Show a spec (from a link or a default); false when this chooser cannot show it. */
  async function setSpec(spec) {
    if (spec === "rest" || spec === "selection") {
      if (!kinds.includes(spec)) return false;
      kind.value = spec;
    } else if (spec?.set !== undefined) {
      kind.value = "set";
      set.value = spec.set;
    } else if (spec?.obs !== undefined) {
      if (!columns.some((o) => o.name === spec.obs)) return false;
      kind.value = "obs";
      column.value = spec.obs;
      filter.value = "";
      shownFor = spec.obs;
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
