// The legend panel: categories (swatch, label, count; click hides/shows, "only" or shift-click
// highlights one) or a colour bar for continuous values, for the store's colouring. Hidden and
// highlighted categories are store state. All dataset strings go in as text.

import { categoryColors, colormap, colormapGradient, cssColor, ZERO_RGB } from "../colormaps.js";
import { colorScale } from "../look.js";
import { LEVELS, blendColor } from "../plot/coloring.js";
import { is3d } from "../plot/rotation.js";
import { el } from "../dom.js";
import { count, formatNumber } from "../format.js";

const MAX_ITEMS = 1000;

/**
 * column: {name, categories, counts, colors}; view: {hidden: Set, highlight: code|null}
 * actions: {onToggle(code), onHighlight(code), onShowAll(), onHideAll()}
 */
function renderCategorical(container, column, view, actions) {
  // the list is drawn anew on each change: focus goes back to the same button of the same row
  const had = container.contains(document.activeElement) ? document.activeElement : null;
  const refocus = had && had.closest(".legend-item") ? [had.className.split(" ")[0], had.closest(".legend-item").dataset.code] : null;
  const keepScroll = container.querySelector(".legend-list")?.scrollTop ?? 0;
  container.replaceChildren();
  const head = el("div", "legend-head");
  head.append(el("span", "legend-name", column.name));
  const tools = el("span", "legend-tools");
  const all = el("button", "link-button", "show all");
  all.type = "button";
  all.addEventListener("click", () => actions.onShowAll());
  const none = el("button", "link-button", "hide all");
  none.type = "button";
  none.addEventListener("click", () => actions.onHideAll());
  tools.append(all, none);
  head.append(tools);
  container.append(head);

  const colors = categoryColors(column.colors, column.categories.length);
  const list = el("ul", "legend-list");
  const n = Math.min(column.categories.length, MAX_ITEMS);
  for (let k = 0; k < n; k++) {
    const hidden = view.hidden.has(k);
    const li = el("li", "legend-item");
    if (hidden) li.classList.add("is-hidden");
    if (view.highlight === k) li.classList.add("is-highlight");
    if (view.highlight !== null && view.highlight !== k) li.classList.add("is-dimmed");
    li.dataset.code = String(k);
    const main = el("button", "legend-toggle");
    main.type = "button";
    main.setAttribute("aria-pressed", hidden ? "false" : "true");
    main.title = "Click: hide/show. Shift-click: highlight only this one";
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(colors[k]);
    const label = el("span", "legend-label", column.categories[k]);
    label.title = column.categories[k]; // the full name when the label is cut with an ellipsis
    // count(), not toLocaleString: that makes a number formatter per call (~1 ms each: 20 ms for
    // 20 categories, in the first frame)
    const size = el("span", "legend-count", column.counts[k] == null ? "" : count(column.counts[k]));
    main.append(swatch, label, size);
    main.addEventListener("click", (ev) => {
      if (ev.shiftKey) actions.onHighlight(k);
      else actions.onToggle(k);
    });
    const only = el("button", "legend-only", view.highlight === k ? "all" : "only");
    only.type = "button";
    only.title = view.highlight === k ? "Stop highlighting" : "Highlight only this category";
    only.addEventListener("click", () => actions.onHighlight(k));
    li.append(main, only);
    list.append(li);
  }
  container.append(list);
  if (keepScroll) list.scrollTop = keepScroll; // (setting it lays the page out at once)
  if (refocus) list.querySelector(`.legend-item[data-code="${refocus[1]}"] .${refocus[0]}`)?.focus();
  if (column.categories.length > n) {
    container.append(el("p", "note", `Showing the first ${n} of ${column.categories.length} categories.`));
  }
}

/** A horizontal colour bar with min and max; `zero`: a light grey swatch for 0 first. */
function renderContinuous(container, { name, min, max, cmap, note, capped = false, cappedLow = false, empty = false, zero = null }) {
  container.replaceChildren();
  const head = el("div", "legend-head");
  head.append(el("span", "legend-name", name));
  container.append(head);
  if (!empty && min === max) {
    // one value: a single swatch, not a bar from 3 to 3
    const row = el("div", "legend-single");
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(colormap(cmap)(0));
    row.append(swatch, el("span", "cb-min", formatNumber(min)));
    container.append(row);
  } else if (!empty) {
    const bar = el("div", "colorbar");
    bar.dataset.cmap = cmap;
    bar.style.backgroundImage = colormapGradient(cmap);
    const labels = el("div", "colorbar-labels");
    labels.append(el("span", "cb-min", (cappedLow ? "≤" : "") + formatNumber(min)),
      el("span", "cb-max", formatNumber(max) + (capped ? "+" : "")));
    container.append(bar, labels);
  }
  if (zero) {
    const row = el("div", "legend-single legend-zero");
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(ZERO_RGB);
    row.append(swatch, el("span", null, zero));
    container.append(row);
  }
  if (note) container.append(el("p", "note", note));
}

export const BLEND_NOTE = "Each gene on its own scale (0 to its 99th percentile of expressing cells); cells expressing more are drawn on top.";

/** The two genes' map as drawn: LEVELS × LEVELS [r, g, b], rows from the second gene's highest step down. */
export function blendMap() {
  const rows = [];
  for (let lb = LEVELS - 1; lb >= 0; lb--) rows.push(Array.from({ length: LEVELS }, (_, la) => blendColor(la / (LEVELS - 1), lb / (LEVELS - 1))));
  return rows;
}

/** Cells expressing neither gene, the first only, the second only, both: [{label, rgb, count}]. */
export function blendGroups(color, keep = null) {
  const { a, b } = color;
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < a.values.length; i++) {
    if (keep && !keep[i]) continue;
    const va = a.values[i];
    const vb = b.values[i];
    if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
    counts[(va !== 0 ? 1 : 0) + (vb !== 0 ? 2 : 0)]++;
  }
  return [
    { label: "neither", rgb: blendColor(0, 0), count: counts[0] },
    { label: `${a.label} only`, rgb: blendColor(1, 0), count: counts[1] },
    { label: `${b.label} only`, rgb: blendColor(0, 1), count: counts[2] },
    { label: "both", rgb: blendColor(1, 1), count: counts[3] },
  ];
}

/** Two genes: the map's grid (first gene across, second up) and the cells in each corner. */
function renderBlend(container, color) {
  container.replaceChildren();
  const head = el("div", "legend-head");
  head.append(el("span", "legend-name", color.label));
  const grid = el("div", "blend-grid");
  grid.setAttribute("aria-hidden", "true");
  for (const rgb of blendMap().flat()) {
    const cell = el("span", "blend-cell");
    cell.style.backgroundColor = cssColor(rgb);
    grid.append(cell);
  }
  const axes = el("div", "blend-axes");
  axes.append(el("bdi", null, `${color.b.label} ↑`), el("bdi", null, `${color.a.label} →`));
  const list = el("ul", "legend-list blend-list");
  for (const g of blendGroups(color)) {
    const li = el("li", "legend-item blend-item");
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(g.rgb);
    li.append(swatch, el("bdi", "legend-label", g.label), el("span", "legend-count", count(g.count)));
    list.append(li);
  }
  container.append(head, grid, axes, list, el("p", "note", BLEND_NOTE));
}

function renderEmpty(container, text) {
  container.replaceChildren(el("p", "note", text));
}

// a 3-D embedding is drawn back to front (plot/rotation.js), not highest value last
const ORDER_3D = "nearer cells are drawn on top (3-D)";

/**
 * Legend of a continuous obs column: the colour range (capped ends marked), missing cells.
 * depth: drawn in 3-D (nearer cells on top, whatever their value).
 */
export function continuousLegend(color, depth = false) {
  const { column, min, max, trueMin, trueMax, nMissing } = color;
  const n = column.values.length;
  const notes = [];
  if (nMissing === n) {
    return { name: column.name, min: NaN, max: NaN, empty: true, note: `No values: all ${count(n)} cells are missing (grey).` };
  }
  const cappedLow = min > trueMin;
  const cappedHigh = max < trueMax;
  if (cappedLow || cappedHigh) {
    notes.push(`Colour scale limited to the ${[cappedLow && "1st", cappedHigh && "99th"].filter(Boolean).join(" and ")} ` +
      `percentile of cells (values ${formatNumber(trueMin)} to ${formatNumber(trueMax)}).`);
  }
  if (min === max) notes.push(`Every cell with a value has ${formatNumber(min)}.`);
  if (nMissing) notes.push(`${count(nMissing)} cells without a value are grey, drawn underneath.`);
  if (min !== max) notes.push(depth ? `Values: ${ORDER_3D}.` : "Higher values are drawn on top.");
  return { name: column.name, min, max, capped: cappedHigh, cappedLow, note: notes.join(" ") };
}

/** Legend of a gene, or of a gene set (the mean of its genes per cell); depth: as continuousLegend's. */
export function geneLegend(color, source, depth = false) {
  const { nZero, nMissing, values } = color;
  const set = color.kind === "geneset";
  const capped = color.max < color.trueMax;
  const notes = [];
  const none = set ? "no gene of the set expressed" : "not expressed";
  if (color.zero) notes.push(`${count(nZero)} cells with 0 (${none}) are light grey, drawn underneath.`);
  if (capped) notes.push(`Colour scale capped at the 99th percentile of expressing cells (max ${formatNumber(color.trueMax)}).`);
  if (nMissing) notes.push(`${count(nMissing)} cells without a value are grey, drawn underneath.`);
  const order = depth ? ORDER_3D : "higher values are drawn on top";
  notes.push(set ? `Mean expression of the set's ${count(color.genes.length)} genes (${source}); ${order}.`
    : `Expression (${source}); ${order}.`);
  const nothing = nMissing + (color.zero ? nZero : 0) === values.length; // no cell to put on the bar
  return {
    name: set ? `${color.label} (gene set)` : color.label, min: color.min, max: color.max, capped, empty: nothing, note: notes.join(" "),
    zero: color.zero ? `0: ${none} (${count(nZero)} cells)` : null,
  };
}

/**
 * A continuous legend (continuousLegend, geneLegend) on the colour scale it is drawn with
 * (look.js): the map, and for values below 0 the range made symmetric about 0.
 */
export function scaledLegend(m, color, look) {
  const { cmap, vmin, vmax, centred } = colorScale(color, look);
  if (!centred) return { ...m, cmap };
  const high = color.trueMax ?? color.max;
  const low = color.trueMin ?? color.min;
  return { ...m, cmap, min: vmin, max: vmax, capped: vmax < high, cappedLow: vmin > low,
    note: `${m.note} Values below 0: blue, 0: white, above 0: red.` };
}

/** The legend panel. */
export function createLegend({ box, store, dataset }) {
  const source = dataset.meta.matrix?.source ?? "X";
  const setCategories = (patch) => store.update((s) => ({ categories: { ...s.categories, ...patch } }));
  const actions = {
    onToggle(k) {
      const hidden = new Set(store.get().categories.hidden);
      if (hidden.has(k)) hidden.delete(k);
      else hidden.add(k);
      setCategories({ hidden });
    },
    onHighlight(k) {
      setCategories({ highlight: store.get().categories.highlight === k ? null : k });
    },
    onShowAll: () => store.set({ categories: { hidden: new Set(), highlight: null } }),
    onHideAll: () => store.update((s) => ({
      categories: { hidden: new Set(s.color.column.categories.map((_, k) => k)), highlight: null },
    })),
  };

  function render(s) {
    const { color } = s;
    const depth = is3d(s.embedding);
    if (color.kind === "obs" && color.column.kind !== "continuous") renderCategorical(box, color.column, s.categories, actions);
    else if (color.kind === "obs") renderContinuous(box, scaledLegend(continuousLegend(color, depth), color, s.look));
    else if (color.kind === "gene" || color.kind === "geneset") renderContinuous(box, scaledLegend(geneLegend(color, source, depth), color, s.look));
    else if (color.kind === "blend") renderBlend(box, color);
    else renderEmpty(box, "Choose a column or a gene to colour the cells.");
  }

  store.subscribe((s, prev) => { if (s.color !== prev.color || s.categories !== prev.categories || s.look.cmap !== prev.look.cmap ||
    is3d(s.embedding) !== is3d(prev.embedding)) render(s); },
    ["color", "categories", "look"]);
  render(store.get());
}
