// The marker table: top up/down genes of one category, sortable and filterable. Numbers at one
// precision per column; gene names on one line (cut with an ellipsis, full name in the title);
// fold changes that only a zero mean makes large are flagged.

import { el } from "../dom.js";
import { formatP, pct } from "../format.js";

const COLUMNS = [
  { key: "rank", label: "#", title: "Rank by t statistic", num: true },
  { key: "label", label: "Gene", title: "Gene (click to colour the plot)" },
  { key: "lfc", label: "log2FC", title: "log2 fold change, category vs rest", num: true },
  { key: "padj", label: "p adj", title: "Benjamini–Hochberg adjusted p-value (Welch's t-test)", num: true },
  { key: "fin", label: "% in", title: "% of cells in the category expressing the gene", num: true },
  { key: "fout", label: "% out", title: "% of other cells expressing the gene", num: true },
];

/**
 * "rest_zero" when the rest of the cells do not express the gene at all (the fold change is then
 * set by the 1e-9 pseudo-count, ~30 for any expression), "in_zero" for the reverse, else "".
 */
export function lfcFlag(meanIn, meanOut) {
  if (meanOut === 0 && meanIn > 0) return "rest_zero";
  if (meanIn === 0 && meanOut > 0) return "in_zero";
  return "";
}

const FLAG_TEXT = {
  rest_zero: "Not expressed in the other cells: the fold change only reflects the 1e-9 pseudo-count.",
  in_zero: "Not expressed in this category: the fold change only reflects the 1e-9 pseudo-count.",
};

function lfcCell(r, flagText) {
  const flag = lfcFlag(r.meanIn, r.meanOut);
  const td = el("td", "num", Number.isFinite(r.lfc) ? r.lfc.toFixed(2) : "NA");
  if (flag) {
    td.classList.add("lfc-flag");
    td.dataset.flag = flag;
    td.title = flagText[flag];
    td.append(el("span", "flag-mark", " †"));
  }
  return td;
}

/** labels, titles: column key → header text, tooltip; flags: flag → its explanation (for tables
 * of other comparisons, compare/). */
export function createMarkerTable({ onGene, id = "de-table", labels = {}, titles = {}, flags = FLAG_TEXT }) {
  let rows = [];
  let sort = { key: "rank", dir: 1 };
  let filter = "";
  const wrap = el("div", "table-wrap");
  const table = el("table", "marker-table");
  table.id = id;
  const headRow = el("tr");
  for (const c of COLUMNS) {
    const th = el("th", c.num ? "num" : "");
    const b = el("button", "sort", labels[c.key] ?? c.label);
    b.type = "button";
    b.title = titles[c.key] ?? c.title;
    b.dataset.key = c.key;
    b.addEventListener("click", () => {
      const first = c.key === "rank" || c.key === "label" || c.key === "padj" ? 1 : -1;
      sort = sort.key === c.key ? { key: c.key, dir: -sort.dir } : { key: c.key, dir: first };
      render();
    });
    th.append(b);
    headRow.append(th);
  }
  const thead = el("thead");
  thead.append(headRow);
  const tbody = el("tbody");
  table.append(thead, tbody);
  wrap.append(table);
  const footnote = el("p", "note table-note", "† not expressed on one side: the fold change is not meaningful.");
  footnote.hidden = true;

  function visible() {
    let list = rows;
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
    for (const b of headRow.querySelectorAll("button.sort")) {
      const on = b.dataset.key === sort.key;
      b.parentElement.setAttribute("aria-sort", on ? (sort.dir > 0 ? "ascending" : "descending") : "none");
      b.classList.toggle("sorted", on);
      b.classList.toggle("desc", on && sort.dir < 0);
    }
    const frag = document.createDocumentFragment();
    for (const r of visible()) {
      const tr = el("tr");
      const td = el("td", "gene");
      const b = el("button", "gene-link", r.label);
      b.type = "button";
      b.title = r.label !== r.id && !r.label.includes(r.id) ? `${r.label} (${r.id}): colour the plot by this gene` : `${r.label}: colour the plot by this gene`;
      b.addEventListener("click", () => onGene(r.index));
      td.append(b);
      tr.append(el("td", "num muted", String(r.rank)), td, lfcCell(r, flags), el("td", "num", formatP(r.padj)),
        el("td", "num", pct(r.fin)), el("td", "num", pct(r.fout)));
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    if (!tbody.children.length && rows.length) {
      const tr = el("tr");
      const td = el("td", "muted", "No gene matches the filter.");
      td.colSpan = COLUMNS.length;
      tr.append(td);
      tbody.append(tr);
    }
    footnote.hidden = !rows.some((r) => lfcFlag(r.meanIn, r.meanOut));
  }

  return {
    nodes: [wrap, footnote],
    /** rows: [{rank, index, label, id, lfc, padj, fin, fout, meanIn, meanOut}] */
    show(list) { rows = list; render(); },
    filter(text) { filter = text.trim().toLowerCase(); render(); },
  };
}
