// The "Appearance" section: point size, opacity, the colour map of continuous values and the
// category names on the plot. It only edits the store's `look` slot (look.js); the plot, the
// legend, the labels and the exports follow it, and so does the link.

import { el } from "../dom.js";
import { DEFAULT_LOOK, OPACITY_RANGE } from "../look.js";

function row(labelText, input, output) {
  const label = el("label", "look-row");
  label.append(el("span", "look-name", labelText), input);
  if (output) label.append(output);
  return label;
}

function range(id, min, max, step) {
  const input = el("input");
  Object.assign(input, { type: "range", id, min: String(min), max: String(max), step: String(step) });
  return input;
}

/** root: the section's body; view: plot/view.js (the automatic opacity shown beside the slider). */
export function createAppearance({ root, store, view }) {
  // size: a factor on the automatic size, on a log2 scale so ×½ and ×2 sit evenly either side of ×1
  const size = range("look-size", -2, 2, 0.25);
  const sizeOut = el("output", "look-value");
  const opacity = range("look-opacity", OPACITY_RANGE[0] * 100, 100, 5);
  const opacityOut = el("output", "look-value");
  const cmap = el("select");
  cmap.id = "look-cmap";
  for (const [value, text] of [["viridis", "Viridis"], ["grey", "Grey to red"]]) {
    cmap.append(Object.assign(el("option", null, text), { value }));
  }
  const labels = el("input");
  Object.assign(labels, { type: "checkbox", id: "look-labels" });
  const labelsRow = el("label", "look-check");
  labelsRow.append(labels, el("span", null, "Category names on the plot"));
  const reset = el("button", "link-button", "Automatic size and opacity");
  Object.assign(reset, { type: "button", id: "look-reset" });
  root.replaceChildren(row("Point size", size, sizeOut), row("Opacity", opacity, opacityOut),
    row("Colour map", cmap), el("p", "note look-note", "Values below 0 use a blue–white–red map centred on 0."), labelsRow, reset);

  const change = (patch) => store.update((s) => ({ look: { ...s.look, ...patch } }));
  // rounded as the link writes it, so a link gives back exactly this look
  size.addEventListener("input", () => change({ size: Number((2 ** Number(size.value)).toPrecision(3)) }));
  opacity.addEventListener("input", () => change({ opacity: Number(opacity.value) / 100 }));
  cmap.addEventListener("change", () => change({ cmap: cmap.value }));
  labels.addEventListener("change", () => change({ labels: labels.checked }));
  reset.addEventListener("click", () => change({ size: DEFAULT_LOOK.size, opacity: DEFAULT_LOOK.opacity }));

  function sync(s) {
    const look = s.look;
    size.value = String(Math.log2(look.size));
    sizeOut.textContent = `×${Number(look.size.toPrecision(3))}`;
    const shown = look.opacity ?? view.pointStyle().autoAlpha ?? 1;
    opacity.value = String(Math.round(shown * 100));
    opacityOut.textContent = `${Math.round(shown * 100)}%${look.opacity === null ? " (auto)" : ""}`;
    cmap.value = look.cmap;
    labels.checked = look.labels;
    reset.disabled = look.size === DEFAULT_LOOK.size && look.opacity === DEFAULT_LOOK.opacity;
  }
  // the automatic opacity depends on the cells and the zoom: shown as it is now
  store.subscribe(sync, ["look", "embedding", "camera"]);
  sync(store.get());
}
