// A comparison's result, shown like the marker panel: what was compared (the rest in words),
// the volcano plot, genes up and down in A (the marker table: sortable; the filter searches all
// genes), a CSV of every gene and statistic, and a link to the comparison.

import { el } from "../dom.js";
import { count } from "../format.js";
import { createMarkerTable } from "../panels/markertable.js";
import { saveText } from "../files.js";
import { comparisonCsv } from "./csv.js";
import { createVolcano } from "./volcano.js";

const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
const SHOWN = 100; // rows in the table at a time: the filter reaches every gene
const P_SIGNIFICANT = 0.05;

const TABLE_TEXT = {
  labels: { fin: "% A", fout: "% B" },
  titles: {
    lfc: "log2 fold change, A over B",
    padj: "Benjamini–Hochberg adjusted p-value (Welch's t-test, all genes)",
    fin: "% of cells in A expressing the gene",
    fout: "% of cells in B expressing the gene",
  },
  flags: {
    rest_zero: "Not expressed in group B: the fold change only reflects the 1e-9 pseudo-count.",
    in_zero: "Not expressed in group A: the fold change only reflects the 1e-9 pseudo-count.",
  },
};

export function createResults({ genes, onGene }) {
  const box = el("div", "cmp-results");
  box.hidden = true;
  const summary = el("p", "note cmp-summary");
  const volcano = createVolcano({ onGene, labelOf: (j) => index?.label(j) ?? String(j) });
  const tabs = el("div", "tabs");
  tabs.setAttribute("role", "group");
  let tab = "up";
  const tabButtons = [["up", "Up in A"], ["down", "Down in A"]].map(([key, text]) => {
    const b = el("button", "tab", text);
    b.type = "button";
    b.dataset.tab = key;
    b.addEventListener("click", () => { tab = key; render(); });
    tabs.append(b);
    return b;
  });
  const tools = el("div", "marker-tools");
  const filter = el("input");
  Object.assign(filter, { type: "search", placeholder: "Filter genes", id: "cmp-filter" });
  filter.setAttribute("aria-label", "Filter the compared genes by name");
  const csv = Object.assign(el("button", "button", "CSV"), { type: "button", id: "cmp-csv", title: "Download every gene's statistics (CSV)" });
  const link = Object.assign(el("a", "button cmp-link", "Link"), { id: "cmp-link", title: "A link to this view with this comparison" });
  tools.append(filter, csv, link);
  const shown = el("p", "note cmp-shown");
  const table = createMarkerTable({ onGene, id: "cmp-table", ...TABLE_TEXT });
  // the parts join the page with the first result: until then the marker panel's table, note
  // and tabs are the page's only ones
  const parts = [summary, volcano.node, tabs, tools, shown, ...table.nodes];

  let index = null;
  let result = null; // {columns, info}
  let ranked = { up: [], down: [] };

  filter.addEventListener("input", render);
  csv.addEventListener("click", () => {
    if (!result) return;
    saveText(comparisonCsv(result.columns, index, about()), "comparison.csv");
  });

  function about() {
    const { info } = result;
    return [`A: ${info.a} (${info.n_a} cells)`, `B: ${info.rest ? `the rest, ${info.rest}` : info.b} (${info.n_b} cells)`,
      "Welch's t-test (two-sided, Welch-Satterthwaite df), Benjamini-Hochberg over all genes; log fold change as scanpy"];
  }

  /** Genes ranked by t: up (t > 0, descending) and down (t < 0, ascending). */
  function rank(t) {
    const up = [];
    const down = [];
    for (let j = 0; j < t.length; j++) (t[j] > 0 ? up : t[j] < 0 ? down : []).push(j);
    up.sort((p, q) => t[q] - t[p] || p - q);
    down.sort((p, q) => t[p] - t[q] || p - q);
    return { up, down };
  }

  function row(j, r) {
    const c = result.columns;
    return { rank: r + 1, index: j, label: index.label(j), id: index.id(j), lfc: c.logfoldchange[j], padj: c.pval_adj[j],
      fin: c.frac_a[j], fout: c.frac_b[j], meanIn: c.mean_a[j], meanOut: c.mean_b[j] };
  }

  function render() {
    tabButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tab === tab)));
    if (!result) return;
    const text = filter.value.trim().toLowerCase();
    const list = ranked[tab];
    const rows = [];
    let matches = 0;
    list.forEach((j, r) => {
      if (text && !index.label(j).toLowerCase().includes(text) && !index.id(j).toLowerCase().includes(text)) return;
      matches++;
      if (rows.length < SHOWN) rows.push(row(j, r));
    });
    table.show(rows);
    const side = tab === "up" ? "higher in A" : "higher in B";
    shown.textContent = matches > SHOWN
      ? `The first ${SHOWN} of ${count(matches)} genes ${side}${text ? " that match" : ""}, by t; the CSV has every gene.`
      : `${count(matches)} genes ${side}${text ? " that match" : ""}, by t.`;
  }

  function describe(info, columns) {
    let up = 0;
    let down = 0;
    columns.pval_adj.forEach((p, j) => {
      if (p < P_SIGNIFICANT) (columns.t[j] > 0 ? up++ : down++);
    });
    const mb = (b) => `${(b / 1e6).toFixed(b < 1e5 ? 2 : 1)} MB`;
    summary.replaceChildren(
      "A: ", el("bdi", null, info.a), ` (${count(info.n_a)} cells) against B: `,
      info.rest ? `the rest, ${info.rest}` : el("bdi", null, info.b), info.rest ? "" : ` (${count(info.n_b)} cells)`,
      `. Welch's t-test on ${count(columns.t.length)} genes: ${count(up)} higher in A and ${count(down)} higher in B ` +
      `at adjusted p < ${P_SIGNIFICANT}. Read ${mb(info.bytes_read)} in ${count(info.files_read)} files.`,
    );
  }

  /** The link to the view with this comparison (null when its groups cannot be linked). */
  function setLink(href) {
    link.hidden = !href;
    if (href) link.href = href;
  }

  /** Show a result. The steps run as separate tasks, so the page keeps answering (each stays
   * under 50 ms at 20,000 genes). */
  async function show(next) {
    index = await genes();
    await nextTask();
    result = next;
    ranked = rank(next.columns.t);
    describe(next.info, next.columns);
    if (!box.childElementCount) box.append(...parts);
    box.hidden = false;
    await nextTask();
    await volcano.show(next.columns);
    await nextTask();
    render();
  }

  return { node: box, show, setLink, setHighlight: volcano.setHighlight };
}
