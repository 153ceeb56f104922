// Two genes at once: the field that blends a second gene into the plot's colouring (colour spec
// "genes:<a>,<b>", plot/coloring.js) and the panel that draws one gene against the other
// (scattersvg.js) while two genes colour the plot, following the colouring and the subset.

import { el, iso } from "../dom.js";
import { fileName } from "../files.js";
import { count } from "../format.js";
import { contentWidth, redrawOnWidth } from "./figurefit.js";
import { blendGroups } from "./legend.js";
import { drawScatter } from "./scattersvg.js";
import { downloadButtons } from "./svgfile.js";

/** els: {box, input, status, open (button), panel}; genes(): the gene index; colors: colorsource.js. */
export function createTwoGenes({ els, store, dataset, genes, colors, controller }) {
  const { box, input, status, open: openButton, panel } = els;
  const body = panel.querySelector(".scatter-body");
  let root = null;
  let opener = null;

  const firstGene = (c) => (c.kind === "gene" ? c.index : c.kind === "blend" ? c.a.index : -1);

  input.addEventListener("keydown", (ev) => {
    if (ev.key !== "Enter") return;
    ev.preventDefault();
    const text = input.value.trim();
    const first = firstGene(store.get().color);
    if (!text || first < 0) return;
    genes().then(async (g) => {
      const second = g.find(text);
      if (second < 0) {
        status.textContent = `There is no gene named "${iso(text)}".`;
        return;
      }
      status.textContent = "";
      await controller.setColor(await colors.blendSpec(first, second));
    }).catch((err) => { status.textContent = err.message; });
  });

  function draw() {
    const s = store.get();
    if (s.color.kind !== "blend") {
      root = null;
      body.replaceChildren(el("p", "note", "Blend a second gene into the colouring to plot one gene against the other."));
      return;
    }
    const { a, b } = s.color;
    const keep = s.subset?.mask ?? null;
    root = drawScatter({ a, b, keep, groups: blendGroups(s.color, keep), title: `${b.label} against ${a.label}`,
      subtitle: `${dataset.meta.title || "xgexport"} · ${count(keep ? s.subset.count : a.values.length)} cells${keep ? " (the subset)" : ""}`,
      fit: contentWidth(body) });
    body.replaceChildren(root);
  }

  function open() {
    if (panel.hidden) opener = document.activeElement;
    panel.hidden = false;
    draw();
    panel.querySelector(".scatter-close").focus();
  }

  function close() {
    if (panel.hidden) return false;
    panel.hidden = true;
    if (opener?.isConnected) opener.focus();
    opener = null;
    return true;
  }

  const name = () => {
    const c = store.get().color;
    return `${fileName(dataset.meta.title, "plot")}_${fileName(c.b?.label, "gene")}_against_${fileName(c.a?.label, "gene")}`;
  };
  panel.querySelector(".scatter-actions").prepend(...downloadButtons({ current: () => root, name, idPrefix: "scatter",
    onError: (err) => body.prepend(el("p", "note error", `Could not save the figure: ${err.message}`)) }));
  panel.querySelector(".scatter-close").addEventListener("click", close);
  redrawOnWidth(body, () => (root && !panel.hidden ? Number(root.dataset.fit) : null), draw);
  openButton.addEventListener("click", open);
  function sync(s) {
    box.hidden = firstGene(s.color) < 0;
    openButton.hidden = s.color.kind !== "blend";
  }
  store.subscribe((s, prev) => {
    sync(s);
    if (!panel.hidden && (s.color !== prev.color || s.subset !== prev.subset)) draw();
  }, ["color", "subset"]);
  sync(store.get());
  return { open, close };
}
