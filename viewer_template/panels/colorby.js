// The embedding and "Colour by" selects: options from the dataset, values from the store.

import { el } from "../dom.js";

function option(value, text) {
  const o = el("option", null, text);
  o.value = value;
  return o;
}

export function createColorBy({ embSelect, embField, colorSelect, geneInput, store, dataset, controller }) {
  const ds = dataset;
  embSelect.replaceChildren(...ds.embeddings.map((e) => option(e.key, e.name && e.name !== e.key ? `${e.name} (${e.key})` : e.key)));
  embField.hidden = ds.embeddings.length < 2;

  colorSelect.replaceChildren(option("none", "None"));
  const groups = [["Categories", (o) => o.kind !== "continuous"], ["Values", (o) => o.kind === "continuous"]];
  for (const [label, test] of groups) {
    const cols = ds.obsColumns.filter(test);
    if (!cols.length) continue;
    const g = el("optgroup");
    g.label = label;
    for (const o of cols) g.append(option(`obs:${o.name}`, o.name));
    colorSelect.append(g);
  }
  colorSelect.append(option("gene", "Gene (search below)"));

  function sync() {
    const s = store.get();
    colorSelect.value = s.color.kind === "gene" ? "gene" : s.color.spec;
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
  sync();
}
