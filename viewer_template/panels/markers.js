// The marker-gene panel: one category of one DE grouping versus the rest (data/de/<id>/), its
// top up/down genes in a table (one small file per category: Dataset.deMarkers), the full CSV
// (the full rows, read when asked for), the dot plot. Nothing is read while the panel is
// closed. The category follows the legend's highlight and, chosen here, is highlighted in the
// plot (onCategory). Everything from the dataset is inserted as text.

import { el } from "../dom.js";
import { createMarkerTable } from "./markertable.js";
import { markerCsv } from "./markercsv.js";
import { saveText } from "../files.js";

function field(label, id) {
  const wrap = el("label", "field");
  const select = el("select");
  select.id = id;
  wrap.append(el("span", null, label), select);
  return [wrap, select];
}

export function createMarkers({ details, root, store, dataset, genes, onGene, onCategory, onShowDotplot }) {
  const ds = dataset;
  let deId = null;
  let category = null;
  let info = null;
  let tab = "up";
  let top = { up: [], down: [] };
  let wanted = null; // {deId, category} asked for while the panel was closed
  let token = 0;

  const [colField, colSel] = field("Grouping", "de-column");
  const [catField, catSel] = field("Category", "de-category");
  const tabs = el("div", "tabs");
  tabs.setAttribute("role", "group");
  const tabButtons = ["up", "down"].map((t) => {
    const b = el("button", "tab", t === "up" ? "Up in category" : "Down");
    b.type = "button";
    b.dataset.tab = t;
    b.addEventListener("click", () => { tab = t; showTab(); });
    tabs.append(b);
    return b;
  });
  const tools = el("div", "marker-tools");
  const filterInput = el("input");
  Object.assign(filterInput, { type: "search", placeholder: "Filter genes", id: "de-filter" });
  filterInput.setAttribute("aria-label", "Filter marker genes by name");
  const csvBtn = el("button", "button", "CSV");
  Object.assign(csvBtn, { type: "button", id: "de-csv", title: "Download every gene's statistics for this category (CSV)" });
  const dotBtn = el("button", "button", "Dot plot");
  Object.assign(dotBtn, { type: "button", id: "de-dotplot", title: "Top markers of the categories" });
  tools.append(filterInput, csvBtn, dotBtn);
  const note = el("p", "note");
  const table = createMarkerTable({ onGene });
  root.replaceChildren(colField, catField, tabs, tools, note, ...table.nodes);

  colSel.replaceChildren(...ds.deColumns.map((d) => Object.assign(el("option", null, d.name), { value: d.id })));
  colField.hidden = ds.deColumns.length < 2;
  colSel.addEventListener("change", () => select(colSel.value, null));
  catSel.addEventListener("change", () => {
    const k = Number(catSel.value);
    select(deId, k);
    // the plot's highlight (a redraw, tens of ms at 20,000 cells) in the next task, once the
    // category's file is requested: in this one it would hold the request back
    setTimeout(() => onCategory(deId, k));
  });
  filterInput.addEventListener("input", () => table.filter(filterInput.value));
  csvBtn.addEventListener("click", saveCsv);
  dotBtn.addEventListener("click", () => { if (deId !== null) onShowDotplot(deId); });

  const isSkipped = (k) => (info?.skipped || []).map(String).includes(String(info.categories[k]));

  function showTab() {
    tabButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tab === tab)));
    table.show(top[tab]);
  }

  function fillCategories(id) {
    if (catSel.dataset.for === id) return;
    catSel.replaceChildren(...info.categories.map((c, k) => {
      const o = el("option", null, isSkipped(k) ? `${c} (too few cells: not tested)` : c);
      o.value = String(k);
      o.disabled = isSkipped(k);
      return o;
    }));
    catSel.dataset.for = id;
  }

  /** Show category `cat` of DE column `id` (null: its first tested category). */
  async function select(id, cat) {
    const my = ++token;
    deId = id;
    colSel.value = id;
    note.textContent = "Loading…";
    note.classList.remove("error");
    try {
      info = await ds.deInfo(id);
      if (my !== token) return;
      info.categories = (info.categories || []).map(String);
      fillCategories(id);
      if (cat === null || cat === undefined) cat = Math.max(0, info.categories.findIndex((_, k) => !isSkipped(k)));
      category = cat;
      catSel.value = String(cat);
      if (isSkipped(cat)) {
        top = { up: [], down: [] };
        note.replaceChildren("\u201c", el("bdi", null, info.categories[cat]), "\u201d was skipped: too few cells for a test.");
        showTab();
        return;
      }
      await load(my, id, cat);
    } catch (err) {
      if (my !== token) return;
      top = { up: [], down: [] };
      note.textContent = `Could not load the markers: ${err.message}`;
      note.classList.add("error");
      showTab();
    }
  }

  async function load(my, id, cat) {
    const [markers, g] = await Promise.all([ds.deMarkers(id, cat), genes()]);
    if (my !== token) return;
    const rows = (list) => list.map((m, r) => ({
      rank: r + 1, index: m.gene, label: g.label(m.gene), id: g.id(m.gene), lfc: m.logfoldchange, padj: m.pval_adj,
      fin: m.frac_in, fout: m.frac_out, meanIn: m.mean_in, meanOut: m.mean_out,
    }));
    top = { up: rows(markers.up), down: rows(markers.down) };
    note.replaceChildren();
    const nIn = info.n_in?.[cat];
    if (nIn !== undefined) note.append(el("bdi", null, info.categories[cat]), ` (${nIn} cells) vs the rest (${info.n_out?.[cat]} cells), Welch's t-test.`);
    showTab();
  }

  async function saveCsv() {
    if (deId === null || category === null || isSkipped(category)) return;
    const safe = (s) => String(s).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "x";
    csvBtn.disabled = true;
    try {
      const text = await markerCsv(ds, genes, deId, category);
      saveText(text, `markers_${safe(info.name)}_${safe(info.categories[category])}.csv`);
    } catch (err) {
      note.textContent = `Could not write the CSV: ${err.message}`;
      note.classList.add("error");
    } finally {
      csvBtn.disabled = false;
    }
  }

  /** The DE column of the plot's colouring, if it has one. */
  const deOfColor = (color) => (color.kind === "obs" ? ds.deColumns.find((d) => d.obs_id === color.id) || null : null);

  // the legend's highlighted category is the one shown here (read when the panel is open)
  const follow = (s) => {
    const de = deOfColor(s.color);
    const k = s.categories.highlight;
    if (!de || k === null) return;
    if (!details.open) wanted = { deId: de.id, category: k };
    else if (de.id !== deId || k !== category) select(de.id, k);
  };
  store.subscribe(follow, ["categories"]);
  follow(store.get()); // highlighted before this module was loaded (main.js loads it after the first frame)

  details.addEventListener("toggle", () => {
    if (!details.open) return;
    if (wanted) select(wanted.deId, wanted.category);
    else if (deId === null) select((deOfColor(store.get().color) || ds.deColumns[0]).id, null);
    wanted = null;
  });
  showTab();

  return { select, current: () => ({ deId, category }) };
}
