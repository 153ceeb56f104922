// The "Appearance" section: point size, opacity, the colour map of continuous values and the
// category names on the plot, and the "Tissue image" controls while the embedding shown has a
// tissue image (spatial data, docs/FORMAT.md): the image's opacity, the library (when there are
// several: its image and its cells are shown), spots at their true size. It only edits the
// store's `look` slot (look.js: img=, lib=, spots= for the image); the plot, the legend, the
// labels and the exports follow it, and so does the link.

import { el } from "../dom.js";
import { DEFAULT_LOOK, OPACITY_RANGE } from "../look.js";
import { chosenImage } from "../plot/tissue.js";

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

/** root: the Appearance section's body (the controls are appended to it). */
export function createTissuePanel({ root, store, dataset }) {
  const box = el("fieldset", "tissue");
  box.id = "tissue";
  const opacity = el("input");
  Object.assign(opacity, { type: "range", id: "tissue-opacity", min: "0", max: "100", step: "5" });
  const opacityOut = el("output", "look-value");
  const opacityRow = el("label", "look-row");
  opacityRow.append(el("span", "look-name", "Image opacity"), opacity, opacityOut);
  const library = el("select");
  library.id = "tissue-library";
  const libraryRow = el("label", "look-row");
  libraryRow.append(el("span", "look-name", "Library"), library);
  const spots = el("input");
  Object.assign(spots, { type: "checkbox", id: "tissue-spots" });
  const spotsRow = el("label", "look-check");
  spotsRow.append(spots, el("span", null, "Spots at their true size"));
  box.append(el("legend", null, "Tissue image"), opacityRow, libraryRow, spotsRow);
  root.append(box);

  const change = (patch) => store.update((s) => ({ look: { ...s.look, ...patch } }));
  opacity.addEventListener("input", () => change({ image: Number(opacity.value) / 100 }));
  library.addEventListener("change", () => change({ lib: library.value }));
  spots.addEventListener("change", () => change({ spots: spots.checked }));

  function sync(s) {
    const images = s.embedding ? dataset.images(s.embedding.id) : [];
    box.hidden = images.length === 0;
    if (!images.length) return;
    const shown = chosenImage(dataset, s.embedding.id, s.look.lib);
    const value = Math.round((s.look.image ?? 1) * 100);
    opacity.value = String(value);
    opacityOut.textContent = `${value}%`;
    libraryRow.hidden = images.length < 2;
    if (library.options.length !== images.length || [...library.options].some((o, i) => o.value !== images[i].library)) {
      library.replaceChildren(...images.map((i) => Object.assign(el("option", null, i.library), { value: i.library })));
    }
    library.value = shown.library;
    spotsRow.hidden = !(shown.spot_diameter > 0);
    spots.checked = !!s.look.spots;
  }
  store.subscribe(sync, ["look", "embedding"]);
  sync(store.get());
}
