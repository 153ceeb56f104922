// The plot: turns the store's embedding, colouring, hidden/highlighted categories, selection,
// subset and camera into renderer input. It owns the derived draw arrays (values, order,
// palette); the renderer marks itself dirty on each change and draws once per animation frame.

import { createRenderer } from "./renderer.js";
import { categorical, continuous, identityOrder, layerSelection } from "./coloring.js";

const DRAWN = ["embedding", "color", "categories", "camera", "selection", "subset"];

export function createPlotView({ canvas, store }) {
  let waiters = []; // [revision, resolve]
  let drawnRevision = 0;
  const renderer = createRenderer(canvas, { onDraw });

  function onDraw(revision) {
    drawnRevision = revision;
    const due = waiters.filter(([r]) => r <= revision);
    waiters = waiters.filter(([r]) => r > revision);
    for (const [, resolve] of due) resolve();
  }

  /** Resolves once a frame shows everything given to the renderer so far (at once if one does). */
  function drawn() {
    const want = renderer.revision();
    if (drawnRevision >= want) return Promise.resolve();
    return new Promise((resolve) => waiters.push([want, resolve]));
  }

  function drawArrays(s) {
    const { color, categories } = s;
    const n = s.embedding.xy.length / 2;
    if (color.kind === "obs" && color.column.kind !== "continuous") {
      const c = color.column;
      return categorical(c.codes, c.colors, c.categories.length, categories);
    }
    if (color.kind === "obs") return continuous(color.column.values, color.min, color.max);
    if (color.kind === "gene") return continuous(color.values, color.min, color.max, { zero: color.zero });
    return { mode: "none", values: null, order: identityOrder(n) };
  }

  let colorOrder = null; // the colouring's draw order, before the selection is put on top
  store.subscribe((s, prev, changed) => {
    if (!s.embedding) return;
    const has = (...keys) => keys.some((k) => changed.includes(k));
    if (has("embedding")) {
      const e = s.embedding;
      renderer.set({ positions: { xy: e.xy, bounds: e.bounds, skipHidden: e.hidden > 0 } });
    }
    if (has("embedding", "color", "categories")) {
      const arrays = drawArrays(s);
      colorOrder = arrays.order;
      renderer.set({ ...arrays, order: layerSelection(colorOrder, s.selection?.mask, s.subset?.mask) });
    } else if (has("selection", "subset") && colorOrder) {
      renderer.set({ order: layerSelection(colorOrder, s.selection?.mask, s.subset?.mask) });
    }
    if (has("embedding", "selection")) renderer.set({ selected: s.selection?.mask ?? null });
    if (changed.includes("camera") && s.camera) renderer.set({ camera: s.camera });
  }, DRAWN);

  return {
    drawn,
    size: () => renderer.size(),
    pointStyle: () => renderer.pointStyle(),
    resize: () => renderer.resize(),
  };
}
