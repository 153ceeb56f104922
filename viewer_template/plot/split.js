// Side-by-side views: up to three more plots beside the main one, each with its own colouring
// (the one shown when it was added, or the link's), all of one camera: a pan or zoom in any view
// moves every view, and the selection, subset and look are the main plot's. The store's
// `split` slot holds the side views' loaded colourings; each view here owns a renderer.

import { el } from "../dom.js";
import { createRenderer } from "./renderer.js";
import { setupPointer } from "./pointer.js";
import { drawArrays, drawingOf, drawOrder } from "./view.js";
import { cellState } from "./coloring.js";
import { bothMasks } from "./tissue.js";
import { NO_CATEGORIES } from "../store.js";

export const MAX_SPLIT = 3;

function colourName(color) {
  if (color.kind === "obs") return color.column.name;
  return color.kind === "none" ? "no colouring" : color.label;
}

/**
 * container: the element holding the main plot area; colors: colorsource.js; plot: the main
 * plot (plot/view.js), whose tissue image and library the side views draw too.
 */
export function createSplitViews({ container, store, colors, messages, plot = null }) {
  const views = []; // {root, canvas, renderer, color, bitmap}
  const shown = (s) => bothMasks(s.subset?.mask ?? null, plot?.libraryCells() ?? null);

  /** The main plot's tissue image, with the look's opacity (the texture uploaded once per image). */
  function paintTissue(view, s) {
    const tissue = plot?.tissue() ?? null;
    if (!tissue) {
      if (view.bitmap) view.renderer.set({ image: null });
      view.bitmap = null;
      return;
    }
    const image = { extent: tissue.extent, spot: tissue.spot, opacity: s.look.image ?? 1 };
    view.renderer.set({ image: view.bitmap === tissue.bitmap ? image : { ...image, bitmap: tissue.bitmap } });
    view.bitmap = tissue.bitmap;
  }
  plot?.onTissue(() => {
    const s = store.get();
    for (const v of views) {
      paintTissue(v, s);
      v.renderer.set({ cellState: cellState(s.selection?.mask, shown(s)), selecting: !!s.selection });
    }
  });

  function build(color, index) {
    const root = el("div", "split-view");
    const head = el("div", "split-head");
    const name = el("bdi", "split-name", colourName(color));
    const close = el("button", "split-close", "×");
    Object.assign(close, { type: "button", title: "Close this view" });
    close.setAttribute("aria-label", `Close the view coloured by ${colourName(color)}`);
    close.addEventListener("click", () => remove(views.indexOf(view)));
    head.append(name, close);
    const canvas = el("canvas", "split-canvas");
    canvas.setAttribute("aria-label", `Cells coloured by ${colourName(color)}`);
    root.append(canvas, head);
    container.append(root);
    const renderer = createRenderer(canvas);
    const view = { root, canvas, renderer, color, index, bitmap: null };
    setupPointer({ canvas, store, view: { size: () => renderer.size() }, onHover: () => {}, onLeave: () => {} });
    new ResizeObserver(() => renderer.resize()).observe(canvas);
    renderer.resize();
    return view;
  }

  function paint(view, s, changed) {
    const has = (...keys) => !changed || keys.some((k) => changed.includes(k));
    if (!s.embedding) return;
    const r = view.renderer;
    const e = s.embedding;
    if (has("embedding")) r.set({ positions: { xy: e.xy, bounds: e.bounds, skipHidden: e.hidden > 0, depth: e.depth ?? null } });
    // a 3-D embedding turned (the same id): new positions and depth order only; one rotation for all views
    const another = !changed || (has("embedding") && view.embeddingId !== e.id);
    view.embeddingId = e.id;
    if (another || has("look")) view.colouring = drawArrays({ ...s, color: view.color, categories: NO_CATEGORIES });
    if (another || has("look")) r.set({ ...view.colouring, order: drawOrder(e, view.colouring) });
    else if (has("embedding") && e.depth) r.set({ order: drawOrder(e, view.colouring) });
    if (another || has("look")) r.set({ look: { size: s.look.size, opacity: s.look.opacity, spots: s.look.spots } });
    if (another || has("look")) paintTissue(view, s);
    if (another || has("selection", "subset")) r.set({ cellState: cellState(s.selection?.mask, shown(s)), selecting: !!s.selection });
    if (has("camera", "embedding") && s.camera) r.set({ camera: s.camera });
  }

  /** Show the store's split colourings: views built or removed to match, each drawn. */
  function sync(s) {
    const want = s.split;
    while (views.length > want.length) {
      const v = views.pop();
      v.renderer.destroy();
      v.root.remove();
    }
    want.forEach((color, i) => {
      if (views[i] && views[i].color === color) return;
      if (views[i]) {
        views[i].color = color;
        views[i].root.querySelector(".split-name").textContent = colourName(color);
      } else {
        views.push(build(color, i));
      }
      paint(views[i], s, null);
    });
    container.dataset.views = String(1 + views.length);
  }

  store.subscribe((s, prev, changed) => {
    if (changed.includes("split")) sync(s);
    for (const v of views) paint(v, s, changed.filter((k) => k !== "split"));
  }, ["split", "embedding", "camera", "selection", "subset", "look"]);

  /** Add a view coloured by `spec` (loaded first); at most MAX_SPLIT. */
  async function add(spec) {
    if (store.get().split.length >= MAX_SPLIT) throw new Error(`At most ${MAX_SPLIT + 1} views side by side.`);
    const color = await colors.load(await colors.resolve(spec), undefined);
    store.update((s) => ({ split: [...s.split, color].slice(0, MAX_SPLIT) }));
  }

  function remove(i) {
    if (i < 0) return;
    store.update((s) => ({ split: s.split.filter((_, k) => k !== i) }));
  }

  /** The link's side views (specs); a spec that cannot be shown is left out and said. */
  async function restore(specs) {
    const loaded = [];
    for (const spec of specs.slice(0, MAX_SPLIT)) {
      try {
        loaded.push(await colors.load(await colors.resolve(spec), undefined));
      } catch (err) {
        messages.show(`A side view could not be shown: ${err.message}`, "error", "link");
      }
    }
    store.set({ split: loaded });
  }

  /**
   * For exports (plot/export.js): each side view as drawn, {color, drawing, snapshot(scale)};
   * drawing as the main plot's view.drawing() gives it.
   */
  function drawings() {
    const s = store.get();
    const tissue = plot?.tissue() ?? null;
    return views.filter((v) => v.colouring).map((v) => ({
      color: v.color,
      drawing: drawingOf(s, { ...v.colouring, order: drawOrder(s.embedding, v.colouring) }, v.renderer, shown(s), tissue),
      snapshot: (scale) => v.renderer.snapshot(scale),
    }));
  }

  return { add, remove, restore, drawings };
}
