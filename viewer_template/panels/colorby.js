// The embedding and "Colour by" selects: options from the dataset and the person's label sets and
// gene sets, values from the store.

import { el } from "../dom.js";

function option(value, text) {
  const o = el("option", null, text);
  o.value = value;
  return o;
}

/** columns: selection/columns.js (the bundle's columns, then the label sets). */
export function createColorBy({ embSelect, embField, colorSelect, geneInput, store, dataset, columns, controller }) {
  const ds = dataset;
  embSelect.replaceChildren(...ds.embeddings.map((e) => option(e.key, e.name && e.name !== e.key ? `${e.name} (${e.key})` : e.key)));
  embField.hidden = ds.embeddings.length < 2;

  function group(label, specs) {
    const g = el("optgroup");
    g.label = label;
    for (const [spec, name] of specs) g.append(option(spec, name));
    return specs.length ? [g] : [];
  }

  let filled = "";
  function fill() {
    const cols = columns.list();
    const key = JSON.stringify([cols.map((o) => o.name), store.get().geneSets.map((g) => g.name)]);
    if (key === filled) return; // only names matter here: assigning cells leaves the list alone
    filled = key;
    const obs = (test) => cols.filter(test).map((o) => [`obs:${o.name}`, o.name]);
    colorSelect.replaceChildren(option("none", "None"),
      ...group("Categories", obs((o) => o.kind !== "continuous" && o.source === "obs")),
      ...group("Your label sets", obs((o) => o.source === "runtime")),
      ...group("Values", obs((o) => o.kind === "continuous")),
      ...group("Your gene sets (mean)", store.get().geneSets.map((g) => [`geneset:${g.name}`, g.name])),
      option("gene", "Gene (search below)"));
  }

  function sync() {
    const s = store.get();
    colorSelect.value = s.color.kind === "gene" || s.color.kind === "blend" ? "gene" : s.color.spec;
    if (s.embedding) embSelect.value = s.embedding.key;
  }

  embSelect.addEventListener("change", () => controller.setEmbedding(embSelect.value).catch(sync));
  colorSelect.addEventListener("change", () => {
    if (colorSelect.value === "gene") {
      geneInput.focus();
      return;
    }
    controller.setColor(colorSelect.value).catch(sync);
  });
  store.subscribe(sync, ["color", "embedding"]);
  const refill = () => { fill(); sync(); };
  columns.subscribe(refill);
  store.subscribe(refill, ["geneSets"]);
  fill();
  sync();
}
