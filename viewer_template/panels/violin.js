// The violin panel: the gene the plot is coloured by (or a gene set's mean), per category of any
// categorical column (the bundle's or a label set), computed here from the values already loaded
// for the colouring (the gene's one chunk): violinstats.js, drawn by violinsvg.js, saved as PNG
// or SVG. It follows the colouring while open; cells outside a subset are left out.

import { el } from "../dom.js";
import { fileName } from "../files.js";
import { count } from "../format.js";
import { violinStats } from "./violinstats.js";
import { drawViolins } from "./violinsvg.js";
import { downloadButtons } from "./svgfile.js";
import { contentWidth, redrawOnWidth } from "./figurefit.js";

const isGene = (c) => c.kind === "gene" || c.kind === "geneset";

/** panel: the overlay section; button: what opens it (shown while a gene colours the plot). */
export function createViolin({ panel, button, store, dataset, columns }) {
  const body = panel.querySelector(".violin-body");
  const select = panel.querySelector("#violin-column");
  const note = el("p", "note violin-note");
  const figure = el("div", "violin-figure");
  body.replaceChildren(note, figure);
  let columnId = null;
  let lastCategorical = null; // the last categorical colouring: the natural grouping
  let opener = null;
  let token = 0;
  let svgRoot = null;
  let drawing = null; // what the figure shows, kept to lay it out again for another width
  const source = dataset.meta.matrix?.source ?? "X";

  const categorical = () => columns.list().filter((c) => c.kind !== "continuous");

  function fillColumns() {
    const list = categorical();
    select.replaceChildren(...list.map((c) => Object.assign(el("option", null, c.name), { value: c.id })));
    const byDefault = dataset.meta.defaults?.color?.replace(/^obs:/, "");
    columnId = [columnId, lastCategorical, byDefault, list[0]?.id].find((id) => id && list.some((c) => c.id === id)) ?? null;
    if (columnId) select.value = columnId;
  }

  async function draw() {
    const my = ++token;
    const s = store.get();
    if (!isGene(s.color)) {
      svgRoot = null;
      drawing = null;
      figure.replaceChildren();
      note.textContent = "Colour the cells by a gene (or a gene set) to see its values per category.";
      return;
    }
    if (!columnId) {
      note.textContent = "This dataset has no categorical column to group the cells by.";
      return;
    }
    const column = await columns.load(columnId);
    if (my !== token || panel.hidden) return;
    const t0 = performance.now();
    const stats = violinStats(s.color.values, column.codes, column.categories.length, s.subset?.mask ?? null);
    panel.dataset.ms = String(Math.round(performance.now() - t0)); // benchmarks/bench_violin.py reads it
    const label = s.color.kind === "geneset" ? `${s.color.label} (gene set mean)` : s.color.label;
    const cells = stats.groups.reduce((n, g) => n + (g ? g.n : 0), 0);
    drawing = { stats, column, title: `${label} by ${column.name}`, valueName: label, source,
      subtitle: `${dataset.meta.title || "xgexport"} · ${count(cells)} cells${s.subset ? " (the subset)" : ""}` };
    note.textContent = "";
    paint();
  }

  /** The figure laid out for the panel's width as it is now. */
  function paint() {
    if (!drawing) return;
    svgRoot = drawViolins({ ...drawing, width: contentWidth(body) });
    figure.replaceChildren(svgRoot);
  }

  function fail(err) {
    note.textContent = `Could not draw the violin plot: ${err.message}`;
  }

  function open() {
    if (panel.hidden) opener = document.activeElement;
    panel.hidden = false;
    fillColumns();
    draw().catch(fail);
    select.focus();
  }

  function close() {
    if (panel.hidden) return false;
    panel.hidden = true;
    token++;
    if (opener?.isConnected) opener.focus();
    opener = null;
    return true;
  }

  const name = () => {
    const s = store.get();
    const column = columns.list().find((c) => c.id === columnId);
    return `${fileName(dataset.meta.title, "plot")}_${fileName(s.color.label, "gene")}_by_${fileName(column?.name, "column")}`;
  };
  panel.querySelector(".violin-actions").prepend(...downloadButtons({ current: () => svgRoot, name, onError: fail, idPrefix: "violin" }));
  panel.querySelector(".violin-close").addEventListener("click", close);
  select.addEventListener("change", () => {
    columnId = select.value;
    draw().catch(fail);
  });
  button.addEventListener("click", open);
  store.subscribe((s, prev) => {
    button.hidden = !isGene(s.color);
    if (s.color.kind === "obs" && s.color.column.kind !== "continuous") lastCategorical = s.color.id;
    if (!panel.hidden && (s.color !== prev.color || s.subset !== prev.subset)) draw().catch(fail);
  }, ["color", "subset"]);
  columns.subscribe(() => { if (!panel.hidden) fillColumns(); });
  redrawOnWidth(body, () => (svgRoot && !panel.hidden ? Number(svgRoot.dataset.fit) : null), paint);
  button.hidden = !isGene(store.get().color);
  return { open, close };
}
