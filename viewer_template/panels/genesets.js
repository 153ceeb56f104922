// The gene sets panel (genes side): make a set from a typed or pasted list, or from the marker
// panel's top genes; colour the cells by the set's mean expression; add and remove genes, rename,
// delete; import and export cellxgene's tidy CSV and GMT. Names the index does not know are
// reported, never guessed. Every name is text.

import { el } from "../dom.js";
import { count, plural } from "../format.js";
import { saveText, filePicker, fileName } from "../files.js";
import { splitGeneList, matchGenes, parseGeneSets, formatGeneSetCsv, formatGmt } from "../genesetfile.js";
import { newId, nameProblem } from "../labelsets.js";
import { button, iconButton, editName, deleteButton, feedback } from "./controls.js";

export const MAX_GENES = 2000; // colouring by a set reads one file per gene

/** "3 names are not genes of this dataset: A, B, C." (at most 8 named) */
function unknownText(unknown) {
  if (!unknown.length) return "";
  const shown = unknown.slice(0, 8).map((u) => `\u2068${u}\u2069`).join(", ");
  return ` ${count(unknown.length)} ${unknown.length === 1 ? "name is not a gene" : "names are not genes"} of this dataset: ${shown}${unknown.length > 8 ? ", …" : ""}.`;
}

export function createGeneSets({ root, store, dataset, genes, controller, markerChoice }) {
  const ds = dataset;
  let currentId = null;
  let index = null; // the gene index, once loaded
  const list = el("ul", "us-list");
  const current = el("div", "gs-current");
  const form = el("form", "gs-new");
  const nameInput = Object.assign(el("input"), { type: "text", placeholder: "New gene set, e.g. T cell markers" });
  nameInput.setAttribute("aria-label", "Name of a new gene set");
  const listInput = Object.assign(el("textarea"), { rows: 2, placeholder: "Gene names or ids: CD3E, CD3D, CD8A…" });
  listInput.setAttribute("aria-label", "Genes of the new gene set");
  const create = Object.assign(el("button", "button", "Create gene set"), { type: "submit" });
  form.append(nameInput, listInput, create);
  const fromMarkers = button("From the marker panel: top 20", "link-button gs-from-markers", saveMarkers,
    "A gene set of the 20 genes most up in the marker panel's category");
  const report = feedback("gs-report");
  const picker = filePicker(root, { accept: ".csv,.gmt,.txt,text/csv,text/plain", onText: importText, onError: (err) => report.show(err.message, true) });
  const files = el("div", "us-files");
  files.append(button("Import…", "button", () => picker.open(), "Gene sets from cellxgene's CSV or a GMT file", "Import… gene sets (CSV or GMT)"),
    button("Export CSV", "button", () => exportAs("csv"), "cellxgene's gene set CSV: one gene per row", "Export CSV of the gene sets"),
    button("Export GMT", "button", () => exportAs("gmt"), "One gene set per line, tab-separated", "Export GMT of the gene sets"));
  root.append(list, current, form, fromMarkers, files, report.node);

  const sets = () => store.get().geneSets;
  const find = (id) => sets().find((s) => s.id === id) || null;
  const replace = (id, fn) => store.update((s) => ({ geneSets: s.geneSets.map((g) => (g.id === id ? fn(g) : g)) }));
  const colourBy = (set) => controller.setColor(`geneset:${set.name}`).catch(() => {});
  const loadIndex = async () => (index ??= await genes());

  /** Add a set; returns an error text or null. Reports unknown names either way. */
  function addSet(name, description, matched, unknown) {
    const problem = nameProblem(name, sets().map((s) => s.name), "gene set name");
    if (problem) return problem;
    if (!matched.length) return `No gene of this dataset in the list.${unknownText(unknown)}`;
    if (matched.length > MAX_GENES) return `A gene set has at most ${count(MAX_GENES)} genes (colouring reads one file per gene).`;
    const set = { id: newId("G"), name, description, genes: matched };
    currentId = set.id;
    store.update((s) => ({ geneSets: [...s.geneSets, set] }));
    colourBy(set);
    report.show(`Gene set "\u2068${name}\u2069": ${plural(matched.length, "gene")}.${unknownText(unknown)}`, unknown.length > 0);
    return null;
  }

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const g = await loadIndex();
    const m = matchGenes(splitGeneList(listInput.value), g);
    const problem = addSet(nameInput.value, "", m.genes, m.unknown);
    if (problem) report.show(problem, true);
    else {
      nameInput.value = "";
      listInput.value = "";
    }
  });

  async function saveMarkers() {
    const choice = markerChoice();
    if (!choice || choice.deId === null || choice.category === null) {
      report.show("Open the marker panel and choose a category first.", true);
      return;
    }
    const [info, top] = await Promise.all([ds.deInfo(choice.deId), ds.deRow(choice.deId, "top_up", choice.category), loadIndex()]);
    const picked = Array.from(top).filter((j) => j >= 0).slice(0, 20);
    const base = `${info.categories?.[choice.category] ?? choice.category} (${info.name}) top ${picked.length}`;
    let name = base;
    for (let k = 2; sets().some((s) => s.name === name); k++) name = `${base} (${k})`;
    const problem = addSet(name, `Top genes up in ${info.categories?.[choice.category]} vs the rest (${info.name})`, picked, []);
    if (problem) report.show(problem, true);
  }

  function renderList() {
    list.replaceChildren(...sets().map((set) => {
      const li = el("li", set.id === currentId ? "us-item is-current" : "us-item");
      const pick = button(set.name, "us-name", () => {
        currentId = set.id;
        colourBy(set);
        render();
      }, "Colour the cells by this set's mean expression");
      pick.dataset.key = `set:${set.id}`;
      pick.setAttribute("aria-pressed", String(set.id === currentId));
      li.append(pick, el("span", "us-count", plural(set.genes.length, "gene")));
      return li;
    }));
    if (!sets().length) list.append(el("li", "note", "No gene sets yet. Paste a list of genes below, or take a category's top markers."));
  }

  function chips(set) {
    const box = el("div", "gs-genes");
    for (const j of set.genes) {
      const label = index ? index.label(j) : String(j);
      const chip = el("span", "chip", label);
      const remove = iconButton("delete", `Remove ${label} from the set`, () => {
        if (set.genes.length === 1) report.show("A gene set keeps at least one gene: delete the set instead.", true);
        else replace(set.id, (s) => ({ ...s, genes: s.genes.filter((g) => g !== j) }));
      });
      remove.dataset.key = `remove:${j}`;
      chip.append(remove);
      box.append(chip);
    }
    return box;
  }

  function renderCurrent() {
    const set = find(currentId);
    current.replaceChildren();
    current.hidden = !set;
    if (!set) return;
    const tools = el("div", "us-tools");
    const name = el("strong", "us-current-name", set.name);
    const rename = button("Rename", "link-button", () => editName(name, {
      value: set.name, label: "New name of the gene set", back: rename,
      onCommit: (text) => nameProblem(text, sets().filter((s) => s.id !== set.id).map((s) => s.name), "gene set name") || (replace(set.id, (s) => ({ ...s, name: text })), null),
    }));
    rename.dataset.key = `rename-set:${set.id}`;
    tools.append(name, rename, deleteButton(`the gene set ${set.name}`, () => {
      store.update((s) => ({ geneSets: s.geneSets.filter((g) => g.id !== set.id) }));
      currentId = null;
    }));
    const more = Object.assign(el("input"), { type: "text", placeholder: "Add genes: names or ids" });
    more.setAttribute("aria-label", `Add genes to ${set.name}`);
    more.dataset.key = "add-genes";
    more.addEventListener("keydown", async (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      const m = matchGenes(splitGeneList(more.value), await loadIndex());
      const added = m.genes.filter((j) => !set.genes.includes(j));
      if (set.genes.length + added.length > MAX_GENES) return report.show(`A gene set has at most ${count(MAX_GENES)} genes.`, true);
      if (added.length) replace(set.id, (s) => ({ ...s, genes: [...s.genes, ...added] }));
      report.show(`Added ${plural(added.length, "gene")}.${unknownText(m.unknown)}`, m.unknown.length > 0);
    });
    current.append(tools, chips(set), more);
  }

  async function exportAs(kind) {
    const g = await loadIndex();
    if (!sets().length) return report.show("There is no gene set to export.", true);
    const stem = `gene_sets_${fileName(ds.meta.title, "dataset")}`;
    if (kind === "gmt") saveText(formatGmt(sets(), g), `${stem}.gmt`, "text/plain");
    else saveText(formatGeneSetCsv(sets(), g, `Gene sets of ${JSON.stringify(String(ds.meta.title ?? ""))} from xgexport`), `${stem}.csv`);
    report.show(`Exported ${plural(sets().length, "gene set")}.`);
  }

  async function importText(text) {
    const parsed = parseGeneSets(text, await loadIndex());
    const taken = new Set(sets().map((s) => s.name));
    const added = [];
    const notes = [];
    for (const [k, set] of parsed.sets.entries()) {
      const r = parsed.report[k];
      if (!set.genes.length || set.genes.length > MAX_GENES) {
        notes.push(`"\u2068${set.name}\u2069" was left out: ${set.genes.length ? `more than ${count(MAX_GENES)} genes` : "no gene of this dataset"}.`);
        continue;
      }
      let name = set.name;
      for (let n = 2; taken.has(name); n++) name = `${set.name} (${n})`;
      taken.add(name);
      added.push({ id: newId("G"), name, description: set.description, genes: set.genes });
      if (r.unknown.length) notes.push(`"\u2068${name}\u2069":${unknownText(r.unknown)}`);
    }
    if (added.length) store.update((s) => ({ geneSets: [...s.geneSets, ...added] }));
    report.show(`Imported ${plural(added.length, "gene set")} (${parsed.format === "gmt" ? "GMT" : "CSV"}). ${notes.join(" ")}`.trim(), notes.length > 0);
    render();
  }

  function render() {
    const key = root.contains(document.activeElement) ? document.activeElement.dataset.key : null;
    const s = store.get();
    if (s.color.kind === "geneset") currentId = s.color.id;
    if (currentId && !find(currentId)) currentId = null;
    renderList();
    renderCurrent();
    fromMarkers.hidden = ds.deColumns.length === 0;
    if (key) root.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  store.subscribe((s) => {
    if (s.geneSets.length && !index) loadIndex().then(render).catch(() => {});
    if (s.geneSets.length) root.closest("details")?.setAttribute("open", ""); // the person's sets are in view
    render();
  }, ["geneSets", "color"]);
  render();
  return { importText };
}
