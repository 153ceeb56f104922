// The dot plot panel of one DE grouping, drawn as a dot plot or as a heatmap (heatmapsvg.js, the
// same categories and genes; saved as PNG or SVG). By default the largest 30 tested categories and the top
// markers of each; the person chooses categories (a checklist) and genes (add by name, remove).
// Skipped categories (too few cells) are left out and counted in a note. Reads only the rows of
// the categories shown: top_up, frac_in and mean_in, one small file each.

import { el } from "../dom.js";
import { drawDotplot } from "./dotplotsvg.js";
import { drawHeatmap } from "./heatmapsvg.js";
import { downloadButtons } from "./svgfile.js";
import { contentWidth, redrawOnWidth } from "./figurefit.js";
import { fileName } from "../files.js";

const DEFAULT_CATEGORIES = 30;
const MAX_GENES = 60;

function button(text, title) {
  const b = el("button", "button", text);
  b.type = "button";
  if (title) b.title = title;
  return b;
}

export function createDotplot({ panel, dataset, genes, onGene }) {
  const ds = dataset;
  const body = panel.querySelector(".dotplot-body");
  const titleEl = panel.querySelector(".dotplot-title");
  const controls = el("div", "dp-controls");
  const note = el("p", "note dp-note");
  const figure = el("div", "dp-figure");
  body.replaceChildren(controls, note, figure);
  let token = 0;
  let opener = null; // where the focus was: it goes back there when the dot plot closes
  let deId = null;
  let info = null;
  let shownCats = [];  // category indices, in the grouping's order
  let shownGenes = []; // gene indices, in column order
  let perCategory = 3;
  let kind = "dot"; // "dot" | "heat"
  let heatmap = null; // the heatmap's <svg>, for its files
  let drawn = null; // the figure's data and <svg>, kept to lay it out again for another width

  const tested = () => info.categories.map((_, k) => k).filter((k) => !info.skipped.includes(info.categories[k]));
  const largest = (n) => tested().sort((a, b) => (info.n_in[b] ?? 0) - (info.n_in[a] ?? 0) || a - b).slice(0, n).sort((a, b) => a - b);

  /** The top `perCategory` up-regulated genes of each shown category, first come first kept. */
  async function topGenes() {
    const rows = await Promise.all(shownCats.map((k) => ds.deRow(deId, "top_up", k)));
    const out = [];
    for (const row of rows) {
      for (const g of Array.from(row).filter((g) => g >= 0).slice(0, perCategory)) if (!out.includes(g)) out.push(g);
    }
    return out.slice(0, MAX_GENES);
  }

  async function show(id) {
    const my = ++token;
    if (panel.hidden) opener = document.activeElement;
    panel.hidden = false;
    figure.replaceChildren(el("p", "note", "Loading…"));
    try {
      info = await ds.deInfo(id);
      if (my !== token) return;
      info = { ...info, categories: (info.categories || []).map(String), skipped: (info.skipped || []).map(String), n_in: info.n_in || [] };
      titleEl.replaceChildren("Top markers per ", el("bdi", null, info.name));
      if (id !== deId) {
        deId = id;
        perCategory = tested().length > 12 ? 2 : 3;
        shownCats = largest(DEFAULT_CATEGORIES);
        shownGenes = await topGenes();
      }
      if (my !== token) return;
      renderControls();
      await redraw(my);
    } catch (err) {
      if (my !== token) return;
      figure.replaceChildren(el("p", "note error", `Could not draw the dot plot: ${err.message}`));
    }
  }

  async function redraw(my = ++token) {
    const [fracRows, meanRows, index] = await Promise.all([
      Promise.all(shownCats.map((k) => ds.deRow(deId, "frac_in", k))),
      Promise.all(shownCats.map((k) => ds.deRow(deId, "mean_in", k))),
      genes(),
    ]);
    if (my !== token) return;
    renderNote();
    if (!shownGenes.length || !shownCats.length) {
      drawn = null;
      figure.replaceChildren(el("p", "note", shownCats.length ? "No genes chosen." : "No categories chosen."));
      return;
    }
    const cols = shownGenes; // this drawing's genes, whatever the choice becomes while it is shown
    drawn = {
      data: {
        cats: shownCats.map((k) => info.categories[k]),
        labels: cols.map((g) => index.label(g)),
        frac: (k, j) => fracRows[k][cols[j]],
        mean: (k, j) => meanRows[k][cols[j]],
        onGene: (j) => onGene(cols[j]),
      },
      kind,
      title: `Top markers per ${info.name}`,
    };
    paint();
  }

  /** The figure laid out for the panel's width as it is now. */
  function paint() {
    if (!drawn) return;
    const width = contentWidth(body);
    heatmap = drawn.kind === "heat" ? drawHeatmap({ ...drawn.data, width, title: drawn.title,
      subtitle: `${ds.meta.title || "xgexport"} · mean expression per category, from the stored differential expression` }) : null;
    drawn.svg = heatmap ?? drawDotplot({ ...drawn.data, width });
    figure.replaceChildren(drawn.svg);
  }

  function renderNote() {
    const parts = [];
    const total = tested().length;
    if (shownCats.length < total) parts.push(`Showing ${shownCats.length} of ${total} tested categories (the largest by default).`);
    if (info.skipped.length) parts.push(`${info.skipped.length} ${info.skipped.length === 1 ? "category was" : "categories were"} skipped (too few cells) and ${info.skipped.length === 1 ? "is" : "are"} not shown.`);
    note.textContent = parts.join(" ");
  }

  function renderControls() {
    controls.replaceChildren(viewChooser(), categoryChooser(), geneChooser(), perCategoryField());
  }

  /** Dot plot or heatmap (a pair of toggles), and the heatmap's PNG and SVG. */
  function viewChooser() {
    const wrap = el("div", "dp-view");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", "Draw as");
    for (const [value, text] of [["dot", "Dot plot"], ["heat", "Heatmap"]]) {
      const b = button(text);
      b.id = `dp-view-${value}`;
      b.setAttribute("aria-pressed", String(kind === value));
      b.addEventListener("click", () => {
        kind = value;
        renderControls();
        controls.querySelector(`#dp-view-${value}`)?.focus();
        redraw().catch(fail);
      });
      wrap.append(b);
    }
    if (kind === "heat") {
      const name = () => `${fileName(ds.meta.title, "plot")}_markers_${fileName(info?.name, "heatmap")}`;
      wrap.append(...downloadButtons({ current: () => heatmap, name, onError: fail, idPrefix: "heatmap" }));
    }
    return wrap;
  }

  function categoryChooser() {
    const box = el("details", "dp-choose");
    box.id = "dp-categories";
    const summary = el("summary", null, `Categories: ${shownCats.length} of ${tested().length}`);
    const list = el("ul", "dp-choose-list");
    for (const k of tested()) {
      const li = el("li");
      const label = el("label");
      const check = el("input");
      check.type = "checkbox";
      check.value = String(k);
      check.checked = shownCats.includes(k);
      check.addEventListener("change", () => {
        shownCats = check.checked ? [...shownCats, k].sort((a, b) => a - b) : shownCats.filter((c) => c !== k);
        summary.textContent = `Categories: ${shownCats.length} of ${tested().length}`;
        redraw().catch(fail);
      });
      label.append(check, el("bdi", null, info.categories[k]), el("span", "legend-count", ` ${info.n_in[k] ?? ""}`));
      li.append(label);
      list.append(li);
    }
    const presets = el("div", "dp-presets");
    for (const [text, pick] of [[`Largest ${DEFAULT_CATEGORIES}`, () => largest(DEFAULT_CATEGORIES)], ["All", () => tested()], ["None", () => []]]) {
      const b = button(text);
      b.addEventListener("click", () => {
        shownCats = pick();
        for (const c of list.querySelectorAll("input")) c.checked = shownCats.includes(Number(c.value));
        summary.textContent = `Categories: ${shownCats.length} of ${tested().length}`;
        redraw().catch(fail);
      });
      presets.append(b);
    }
    box.append(summary, presets, list);
    return box;
  }

  /** The box to add a gene, then the genes shown as removable chips: the box first, so that
   * many chips (the box scrolls past two rows) never hide it. */
  function geneChooser() {
    const wrap = el("div", "dp-genes");
    wrap.id = "dp-genes";
    genes().then((index) => {
      for (const g of shownGenes) {
        const chip = el("span", "chip");
        const remove = button("×", `Remove ${index.label(g)}`);
        remove.className = "chip-remove";
        remove.setAttribute("aria-label", `Remove ${index.label(g)}`);
        remove.addEventListener("click", () => {
          shownGenes = shownGenes.filter((x) => x !== g);
          chip.remove();
          redraw().catch(fail);
        });
        chip.append(el("bdi", null, index.label(g)), remove);
        wrap.append(chip);
      }
    }).catch(fail);
    const input = el("input");
    Object.assign(input, { type: "search", id: "dp-add-gene", placeholder: "Add a gene" });
    input.setAttribute("aria-label", "Add a gene to the dot plot");
    input.addEventListener("keydown", (ev) => {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      genes().then((index) => {
        const g = index.find(input.value.trim());
        if (g < 0) {
          note.textContent = `No gene named "${input.value.trim()}".`;
          return;
        }
        if (!shownGenes.includes(g)) shownGenes = [...shownGenes, g];
        renderControls();
        redraw().catch(fail);
        controls.querySelector("#dp-add-gene")?.focus();
      }).catch(fail);
    });
    wrap.prepend(input);
    return wrap;
  }

  function perCategoryField() {
    const label = el("label", "field field-inline");
    const select = el("select");
    select.id = "dp-per";
    for (let n = 1; n <= 5; n++) select.append(Object.assign(el("option", null, String(n)), { value: String(n) }));
    select.value = String(perCategory);
    select.addEventListener("change", async () => {
      perCategory = Number(select.value);
      shownGenes = await topGenes();
      renderControls();
      redraw().catch(fail);
    });
    label.append(el("span", null, "Markers per category"), select);
    return label;
  }

  function fail(err) {
    figure.replaceChildren(el("p", "note error", `Could not draw the dot plot: ${err.message}`));
  }

  /** Close the dot plot if it is open; true when it was. */
  function close() {
    if (panel.hidden) return false;
    panel.hidden = true;
    token++;
    if (opener && opener.isConnected) opener.focus();
    opener = null;
    return true;
  }
  panel.querySelector(".dotplot-close").addEventListener("click", close);
  redrawOnWidth(body, () => (drawn?.svg && !panel.hidden ? Number(drawn.svg.dataset.fit) : null), paint);

  return { show, close };
}
