// The legend: categories (swatch, label, count; click hides/shows, "only" or shift-click
// highlights one) or a colour bar for continuous values. All dataset strings go in as text.

import { categoryColors, cssColor, viridis, viridisGradient } from "../colormaps.js";
import { el } from "../dom.js";

const MAX_ITEMS = 1000;

export function formatNumber(v) {
  if (!Number.isFinite(v)) return "NA";
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/**
 * column: {name, categories, counts, colors}; view: {hidden: Set, highlight: code|null}
 * actions: {onToggle(code), onHighlight(code), onShowAll(), onHideAll()}
 */
export function renderCategorical(container, column, view, actions) {
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
    const count = el("span", "legend-count", (column.counts[k] ?? "").toLocaleString("en-US"));
    main.append(swatch, label, count);
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
  if (column.categories.length > n) {
    container.append(el("p", "note", `Showing the first ${n} of ${column.categories.length} categories.`));
  }
}

/** A horizontal viridis colour bar with min and max. */
export function renderContinuous(container, { name, min, max, note, capped = false, cappedLow = false, empty = false }) {
  container.replaceChildren();
  const head = el("div", "legend-head");
  head.append(el("span", "legend-name", name));
  container.append(head);
  if (!empty && min === max) {
    // one value: a single swatch, not a bar from 3 to 3
    const row = el("div", "legend-single");
    const swatch = el("span", "swatch");
    swatch.style.backgroundColor = cssColor(viridis(0));
    row.append(swatch, el("span", "cb-min", formatNumber(min)));
    container.append(row);
  } else if (!empty) {
    const bar = el("div", "colorbar");
    bar.style.backgroundImage = viridisGradient();
    const labels = el("div", "colorbar-labels");
    labels.append(el("span", "cb-min", (cappedLow ? "≤" : "") + formatNumber(min)),
      el("span", "cb-max", formatNumber(max) + (capped ? "+" : "")));
    container.append(bar, labels);
  }
  if (note) container.append(el("p", "note", note));
}

export function renderEmpty(container, text) {
  container.replaceChildren(el("p", "note", text));
}
