// The "Tissue image" controls, under Appearance while the embedding shown has a tissue image
// (spatial data, docs/FORMAT.md): the image's opacity, the library (when there are several:
// its image and its cells are shown), spots at their true size. It only edits the store's
// `look` slot (look.js: img=, lib=, spots= in the link); plot/view.js draws what it says.

import { el } from "../dom.js";
import { chosenImage } from "../plot/tissue.js";

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
