// Marker genes from the exported differential expression (data/de/<id>/): one category versus
// the rest. A table of top up/down genes (sortable, filterable, CSV download); clicking a gene
// colours the plot by it. Everything from the dataset is inserted as text.

import { el } from "../dom.js";
import { formatNumber, formatP, pct } from "../format.js";

const STATS = ["logfoldchange", "pval_adj", "frac_in", "frac_out", "mean_in"];
const COLUMNS = [
  { key: "rank", label: "#", title: "Rank by t statistic", num: true },
  { key: "label", label: "Gene", title: "Gene (click to colour the plot)" },
  { key: "lfc", label: "log2FC", title: "log2 fold change, category vs rest", num: true },
  { key: "padj", label: "p adj", title: "Benjamini–Hochberg adjusted p-value (Welch's t-test)", num: true },
  { key: "fin", label: "% in", title: "% of cells in the category expressing the gene", num: true },
  { key: "fout", label: "% out", title: "% of other cells expressing the gene", num: true },
];

function csvField(v) {
  let s = typeof v === "number" ? (Number.isFinite(v) ? String(v) : "NA") : String(v ?? "");
  if (typeof v !== "number" && /^[=+\-@\t\r]/.test(s)) s = `'${s}`; // keep spreadsheets from running formulas
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function createMarkers({ root, dataset, genes, onGene, onShowDotplot }) {
  const ds = dataset;
  let deId = null;
  let category = 0;
  let info = null;
  let rows = { up: [], down: [] };
  let tab = "up";
  let sort = { key: "rank", dir: 1 };
  let filter = "";
  let token = 0;

  // --- static structure ---
  const colField = el("label", "field");
  colField.append(el("span", null, "Grouping"));
  const colSel = el("select");
  colSel.id = "de-column";
  colField.append(colSel);
  const catField = el("label", "field");
  catField.append(el("span", null, "Category"));
  const catSel = el("select");
  catSel.id = "de-category";
  catField.append(catSel);

  const tabs = el("div", "tabs");
  tabs.setAttribute("role", "group");
  const upBtn = el("button", "tab", "Up in category");
  const downBtn = el("button", "tab", "Down");
  for (const [b, t] of [[upBtn, "up"], [downBtn, "down"]]) {
    b.type = "button";
    b.dataset.tab = t;
    b.addEventListener("click", () => { tab = t; render(); });
    tabs.append(b);
  }
  const tools = el("div", "marker-tools");
  const filterInput = el("input");
  filterInput.type = "search";
  filterInput.placeholder = "Filter genes";
  filterInput.id = "de-filter";
  filterInput.setAttribute("aria-label", "Filter marker genes by name");
  filterInput.addEventListener("input", () => { filter = filterInput.value.trim().toLowerCase(); render(); });
  const csvBtn = el("button", "button", "CSV");
  csvBtn.type = "button";
  csvBtn.id = "de-csv";
  csvBtn.title = "Download this category's marker table as CSV";
  csvBtn.addEventListener("click", downloadCsv);
  const dotBtn = el("button", "button", "Dot plot");
  dotBtn.type = "button";
  dotBtn.id = "de-dotplot";
  dotBtn.title = "Top markers of every category";
  dotBtn.addEventListener("click", () => { if (deId !== null) onShowDotplot(deId); });
  tools.append(filterInput, csvBtn, dotBtn);

  const note = el("p", "note");
  const tableWrap = el("div", "table-wrap");
  const table = el("table", "marker-table");
  table.id = "de-table";
  const thead = el("thead");
  const headRow = el("tr");
  for (const c of COLUMNS) {
    const th = el("th", c.num ? "num" : "");
    const b = el("button", "sort", c.label);
    b.type = "button";
    b.title = c.title;
    b.dataset.key = c.key;
    b.addEventListener("click", () => {
      sort = sort.key === c.key ? { key: c.key, dir: -sort.dir } : { key: c.key, dir: c.key === "rank" || c.key === "label" || c.key === "padj" ? 1 : -1 };
      render();
    });
    th.append(b);
    headRow.append(th);
  }
  thead.append(headRow);
  const tbody = el("tbody");
  table.append(thead, tbody);
  tableWrap.append(table);
  root.replaceChildren(colField, catField, tabs, tools, note, tableWrap);

  colSel.replaceChildren(...ds.deColumns.map((d) => {
    const o = el("option", null, d.name);
    o.value = d.id;
    return o;
  }));
  colField.hidden = ds.deColumns.length < 2;
  colSel.addEventListener("change", () => select(colSel.value, 0));
  catSel.addEventListener("change", () => select(deId, Number(catSel.value)));

  async function select(id, cat) {
    const my = ++token;
    deId = id;
    category = cat;
    colSel.value = id;
    note.textContent = "Loading…";
    tbody.replaceChildren();
    try {
      info = await ds.deInfo(id);
      if (my !== token) return;
      const cats = info.categories || [];
      if (catSel.dataset.for !== id) {
        catSel.replaceChildren(...cats.map((c, k) => {
          const o = el("option", null, c);
          o.value = String(k);
          return o;
        }));
        catSel.dataset.for = id;
      }
      catSel.value = String(cat);
      const skipped = (info.skipped || []).map(String);
      if (skipped.includes(String(cats[cat])) || skipped.includes(String(cat))) {
        rows = { up: [], down: [] };
        note.replaceChildren("\u201c", el("bdi", null, cats[cat]), "\u201d was skipped: too few cells for a test.");
        render();
        return;
      }
      const [up, down, ...stats] = await Promise.all([
        ds.deRow(id, "top_up", cat), ds.deRow(id, "top_down", cat), ...STATS.map((s) => ds.deRow(id, s, cat)),
      ]);
      const g = await genes();
      if (my !== token) return;
      const [lfc, padj, fin, fout, mean] = stats;
      const make = (list) => {
        const out = [];
        list.forEach((j, r) => {
          if (j < 0) return;
          out.push({ rank: r + 1, index: j, label: g.label(j), id: g.id(j), lfc: lfc[j], padj: padj[j], fin: fin[j], fout: fout[j], mean: mean[j] });
        });
        return out;
      };
      rows = { up: make(Array.from(up)), down: make(Array.from(down)) };
      const nIn = info.n_in?.[cat];
      const nOut = info.n_out?.[cat];
      note.replaceChildren();
      if (nIn !== undefined) note.append(el("bdi", null, cats[cat]), ` (${nIn} cells) vs the rest (${nOut} cells), Welch's t-test.`);
      render();
    } catch (err) {
      if (my !== token) return;
      rows = { up: [], down: [] };
      note.textContent = `Could not load the markers: ${err.message}`;
      note.classList.add("error");
      render();
      return;
    }
    note.classList.remove("error");
  }

  function visibleRows() {
    let list = rows[tab];
    if (filter) list = list.filter((r) => r.label.toLowerCase().includes(filter) || r.id.toLowerCase().includes(filter));
    const { key, dir } = sort;
    return [...list].sort((a, b) => {
      const x = a[key];
      const y = b[key];
      if (typeof x === "string") return dir * x.localeCompare(y);
      const fx = Number.isFinite(x);
      const fy = Number.isFinite(y);
      if (!fx || !fy) return fx === fy ? 0 : fx ? -1 : 1; // NaN last
      return dir * (x - y);
    });
  }

  function render() {
    upBtn.setAttribute("aria-pressed", String(tab === "up"));
    downBtn.setAttribute("aria-pressed", String(tab === "down"));
    for (const b of headRow.querySelectorAll("button.sort")) {
      const on = b.dataset.key === sort.key;
      b.parentElement.setAttribute("aria-sort", on ? (sort.dir > 0 ? "ascending" : "descending") : "none");
      b.classList.toggle("sorted", on);
      b.classList.toggle("desc", on && sort.dir < 0);
    }
    const frag = document.createDocumentFragment();
    for (const r of visibleRows()) {
      const tr = el("tr");
      tr.append(el("td", "num muted", String(r.rank)));
      const td = el("td", "gene");
      const b = el("button", "gene-link", r.label);
      b.type = "button";
      b.title = r.label !== r.id ? `${r.id}: colour the plot by this gene` : "Colour the plot by this gene";
      b.addEventListener("click", () => onGene(r.index));
      td.append(b);
      tr.append(td, el("td", "num", formatNumber(r.lfc)), el("td", "num", formatP(r.padj)), el("td", "num", pct(r.fin)), el("td", "num", pct(r.fout)));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    if (!tbody.children.length && rows[tab].length) {
      const tr = el("tr");
      const td = el("td", "muted", "No gene matches the filter.");
      td.colSpan = COLUMNS.length;
      tr.append(td);
      tbody.append(tr);
    }
  }

  function downloadCsv() {
    if (!info) return;
    const header = ["direction", "rank", "gene", "gene_id", "logfoldchange", "pval_adj", "frac_in", "frac_out", "mean_in"];
    const lines = [header.join(",")];
    for (const dir of ["up", "down"]) {
      for (const r of rows[dir]) lines.push([dir, r.rank, r.label, r.id, r.lfc, r.padj, r.fin, r.fout, r.mean].map(csvField).join(","));
    }
    const blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    const safe = (s) => String(s).replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60) || "x";
    a.href = url;
    a.download = `markers_${safe(info.name)}_${safe(info.categories?.[category])}.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  return {
    select,
    ensure() {
      if (deId === null && ds.deColumns.length) return select(ds.deColumns[0].id, 0);
      return Promise.resolve();
    },
    current: () => ({ deId, category }),
  };
}
