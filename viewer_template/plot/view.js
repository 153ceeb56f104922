// The plot: turns the store's embedding, colouring, hidden/highlighted categories, selection,
// subset and camera into renderer input. It owns the derived draw arrays (values, order,
// palette); the renderer marks itself dirty on each change and draws once per animation frame.

import { createRenderer } from "./renderer.js";
import { categorical, continuous, identityOrder, cellState, ZERO_VALUE, blendArrays } from "./coloring.js";
import { colorScale } from "../look.js";
import { chosenImage, libraryMask, bothMasks } from "./tissue.js";
import { depthOrder } from "./rotation.js";

const DRAWN = ["embedding", "color", "categories", "camera", "selection", "subset", "look"];

/** What the renderer draws for a state's colouring: {mode, values, order, palette | lut, …}. */
export function drawArrays(s) {
  const { color, categories, look } = s;
  const n = s.embedding.xy.length / 2;
  if (color.kind === "obs" && color.column.kind !== "continuous") {
    const c = color.column;
    return categorical(c.codes, c.colors, c.categories.length, categories);
  }
  if (color.kind === "blend") return blendArrays(color.a.values, color.b.values, color.a, color.b);
  if (color.kind === "obs" || color.kind === "gene" || color.kind === "geneset") {
    const { cmap, vmin, vmax } = colorScale(color, look);
    const values = color.kind === "obs" ? color.column.values : color.values;
    return continuous(values, vmin, vmax, { zero: !!color.zero, cmap });
  }
  return { mode: "none", values: null, order: identityOrder(n) };
}

/** Another embedding, not the same one turned (a 3-D embedding's projections share its id). */
export const newEmbedding = (s, prev) => !prev?.embedding || prev.embedding.id !== s.embedding.id;

/** The draw order: a 3-D embedding's cells back to front (plot/rotation.js; a gene's cells
 * without expression, or without a value, first), else the colouring's. */
export function drawOrder(e, arrays) {
  if (!e.depth) return arrays.order;
  const v = arrays.mode === "continuous" ? arrays.values : null;
  return depthOrder(arrays.order, e.depth, v ? (i) => v[i] < ZERO_VALUE / 2 : null);
}

/** dataset: data.js (for tissue images under spatial spots; none without it). */
export function createPlotView({ canvas, store, dataset = null }) {
  let waiters = []; // [revision, resolve]
  let drawnRevision = 0;
  let colouring = null; // drawArrays() of the state: the colouring's own order
  let arrays = null; // what the renderer draws now (for exports): a 3-D embedding's order back to front
  const renderer = createRenderer(canvas, { onDraw });
  // the tissue image shown: {info, bitmap} once loaded; its library's cells (null: every cell)
  let tissue = { key: null, info: null, bitmap: null, cells: null };
  const shown = (s) => bothMasks(s.subset?.mask ?? null, tissue.cells);
  const tissueListeners = new Set(); // side-by-side views draw the same image
  const tissueChanged = () => tissueListeners.forEach((fn) => fn());
  const html = document.documentElement;

  /** Show the image of the embedding and the look's library (loaded once), with its opacity. */
  function updateTissue(s) {
    const info = chosenImage(dataset, s.embedding.id, s.look.lib);
    const key = info ? `${s.embedding.id}:${info.id}` : null;
    const look = { opacity: s.look.image ?? 1, spot: info?.spot_diameter ?? null };
    if (key === tissue.key) {
      if (info) renderer.set({ image: look });
      return;
    }
    const hadCells = !!tissue.cells;
    tissue = { key, info, bitmap: null, cells: null };
    renderer.set({ image: null });
    if (hadCells) renderer.set({ cellState: cellState(s.selection?.mask, shown(s)), selecting: !!s.selection });
    delete html.dataset.xgImage;
    tissueChanged();
    if (!info) return;
    Promise.all([dataset.imageBitmap(info), libraryMask(dataset, info)]).then(([bitmap, cells]) => {
      if (tissue.key !== key) return; // another image was asked for meanwhile
      Object.assign(tissue, { bitmap, cells });
      const now = store.get();
      renderer.set({ image: { ...look, opacity: now.look.image ?? 1, bitmap, extent: info.extent } });
      if (cells) renderer.set({ cellState: cellState(now.selection?.mask, shown(now)), selecting: !!now.selection });
      tissueChanged();
      drawn().then(() => { if (tissue.key === key) html.dataset.xgImage = info.id; }); // for tests and automation
    }).catch((err) => {
      html.dataset.xgImage = "error";
      console.warn(`The tissue image ${info.file} could not be shown: ${err.message}`);
    });
  }

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

  store.subscribe((s, prev, changed) => {
    if (!s.embedding) return;
    const has = (...keys) => keys.some((k) => changed.includes(k));
    if (has("embedding")) {
      const e = s.embedding;
      renderer.set({ positions: { xy: e.xy, bounds: e.bounds, skipHidden: e.hidden > 0, depth: e.depth ?? null } });
    }
    const cmapChanged = has("look") && s.look.cmap !== prev.look?.cmap;
    // a 3-D embedding turned: new positions and depth order, the colouring's arrays as they were
    const another = has("embedding") && newEmbedding(s, prev);
    if (another || has("color", "categories") || cmapChanged) {
      colouring = drawArrays(s);
      arrays = { ...colouring, order: drawOrder(s.embedding, colouring) };
      renderer.set(arrays);
    } else if (has("embedding") && s.embedding.depth) {
      arrays = { ...colouring, order: drawOrder(s.embedding, colouring) };
      renderer.set({ order: arrays.order });
    }
    if (another || has("look")) renderer.set({ look: { size: s.look.size, opacity: s.look.opacity, spots: s.look.spots } });
    if (another || has("look")) updateTissue(s);
    if (another || has("selection", "subset")) {
      renderer.set({ cellState: cellState(s.selection?.mask, shown(s)), selecting: !!s.selection });
    }
    if (changed.includes("camera") && s.camera) renderer.set({ camera: s.camera });
  }, DRAWN);

  return {
    drawn,
    size: () => renderer.size(),
    pointStyle: () => renderer.pointStyle(),
    resize: () => renderer.resize(),
    /**
     * For exports: the draw arrays ({mode, values, order, palette, vmin, vmax}), the selection
     * mask (others dimmed), the subset mask (others not drawn), the plot's CSS size
     */
    drawing: () => {
      const s = store.get();
      return drawingOf(s, arrays, renderer, shown(s), tissue.bitmap ? { bitmap: tissue.bitmap, extent: tissue.info.extent } : null);
    },
    snapshot: (scale) => renderer.snapshot(scale),
    /** The cells of the tissue image's library (1 = drawn), or null: every cell's library is shown. */
    libraryCells: () => tissue.cells,
    /** The library drawn when cells of others are hidden: {obsId, library}, or null. */
    shownLibrary: () => (tissue.cells ? { obsId: String(tissue.info.obs_id), library: tissue.info.library } : null),
    /** The tissue image drawn now ({bitmap, extent, spot}) or null; onTissue(fn) is told of changes. */
    tissue: () => (tissue.bitmap ? { bitmap: tissue.bitmap, extent: tissue.info.extent, spot: tissue.info.spot_diameter ?? null } : null),
    onTissue: (fn) => tissueListeners.add(fn),
  };
}

/**
 * What an export draws of one plot (plot/export.js): its draw arrays, the selection mask (others
 * dimmed), the cells shown (others not drawn), the renderer's CSS size and point style, and the
 * tissue image ({bitmap, extent}, or null) with the look's opacity. The main view and each side
 * view (plot/split.js) give theirs alike.
 */
export function drawingOf(s, arrays, renderer, shownCells, tissue) {
  return {
    arrays,
    selected: s.selection?.mask ?? null,
    subset: shownCells,
    size: renderer.size(),
    style: renderer.pointStyle(),
    tissue: tissue ? { bitmap: tissue.bitmap, extent: tissue.extent, opacity: s.look.image ?? 1 } : null,
  };
}
