// The selection's one owner. A selection is a list of steps ({mode, clause}: a lasso, a
// rectangle, categories, a value range, explicit cells; combined by replace, add, subtract or
// intersect) and the mask they give, kept in the store's `selection` slot:
//
//   {mask: Uint8Array (1 = selected), count, steps, base (the mask before the last step, null:
//    none), live (a brush still being dragged), revision}
//
// or null when no cell is selected (an empty result clears the selection). The `subset` slot,
// {mask, count, groups, revision} or null, is what "Subset" keeps: the cells shown, as groups of
// steps whose masks intersect. Links carry steps by name (link.js); masks are recomputed.

import { clauseMask, combine, maskBox, maskIndices } from "./clauses.js";
import { Q } from "./geometry.js";
import { createResolver } from "./resolve.js";
import * as cam from "../plot/camera.js";
import { MODES } from "./link.js";

let revisions = 0;

export function createSelection({ store, dataset, columns, genes, view }) {
  const n = dataset.nCells;
  const { resolve, indexFor, findEmbedding } = createResolver({ dataset, columns, genes });
  let queue = Promise.resolve();

  /** One step onto `prev` (null: nothing selected, where add and intersect start afresh). */
  function step(prev, mask, mode, universe) {
    return combine(prev, mask, prev ? mode : "replace", universe);
  }

  /** The categories hidden in the legend, as a clause's `not` (hidden cells are not selectable). */
  function hiddenCategories() {
    const { color, categories } = store.get();
    if (color.kind !== "obs" || color.column.kind === "continuous" || !categories.hidden.size) return null;
    const codes = [...categories.hidden].sort((a, b) => a - b);
    return { column: color.column.name, categories: codes.map((k) => color.column.categories[k]) };
  }

  /** A lasso or rectangle drawn over one library's tissue image, as a clause's `only`: the
   * other libraries' spots are hidden there, and may lie at the same coordinates. */
  function shownLibrary(clause) {
    const shown = (clause.type === "lasso" || clause.type === "rect") && view?.shownLibrary?.();
    const column = shown && columns.list().find((c) => c.id === shown.obsId);
    return column ? { column: column.name, categories: [shown.library] } : null;
  }

  /** Steps → {mask, count, base}, within `universe`. */
  async function evaluate(steps, universe) {
    let base = null;
    let out = { mask: null, count: 0 };
    for (const s of steps) {
      const mask = clauseMask(s.clause, await resolve(s.clause));
      base = s.mode === "replace" ? null : out.mask;
      out = step(base, mask, s.mode, universe);
    }
    return { ...out, base };
  }

  /** Consecutive category steps on one column merge into one clause: links stay short. */
  function append(steps, next) {
    const last = steps[steps.length - 1];
    const a = last?.clause;
    const b = next.clause;
    const sameNot = JSON.stringify(a?.not ?? null) === JSON.stringify(b.not ?? null);
    const merges = last && a.type === "cat" && b.type === "cat" && a.column === b.column && sameNot &&
      ((next.mode === "add" && ["replace", "add"].includes(last.mode)) || (next.mode === "subtract" && last.mode === "subtract"));
    if (!merges) return [...steps, next];
    const categories = [...a.categories, ...b.categories.filter((k) => !a.categories.includes(k))];
    return [...steps.slice(0, -1), { mode: last.mode, clause: { ...a, categories } }];
  }

  function put(result, steps, live) {
    if (!result.count && !live) return store.set({ selection: null });
    store.set({ selection: { mask: result.mask, count: result.count, steps, base: result.base, live, revision: ++revisions } });
  }

  /** Run operations one after another: each sees the selection the previous one left. */
  function serial(fn) {
    const run = queue.then(fn);
    queue = run.catch(() => {});
    return run;
  }

  /**
   * Select by one clause. mode: replace | add | subtract | intersect. live: part of a drag (no
   * history entry until the last, live: false). replaceLast: the caller adjusts the step it
   * made last (a brush being dragged). Resolves with the number of cells selected.
   */
  function apply(clause, mode = "replace", { live = false, replaceLast = false, visibleOnly = false } = {}) {
    if (!MODES.includes(mode)) return Promise.reject(new Error(`mode must be one of ${MODES.join(", ")}`));
    const not = visibleOnly && !clause.not ? hiddenCategories() : null;
    const only = visibleOnly && !clause.only ? shownLibrary(clause) : null;
    const c = { ...clause, ...(not && { not }), ...(only && { only }) };
    return serial(async () => {
      const mask = clauseMask(c, await resolve(c));
      const s = store.get();
      const universe = s.subset?.mask ?? null;
      let steps = s.selection?.steps ?? [];
      let prev = s.selection?.mask ?? null;
      if (replaceLast && s.selection) {
        steps = steps.slice(0, -1);
        prev = s.selection.base;
      }
      if (mode === "replace" || !prev) {
        steps = [];
        prev = null;
      }
      if (!prev && mode === "subtract") { // "every cell but these": all, then subtract
        steps = [{ mode: "replace", clause: { type: "all" } }];
        prev = combine(null, clauseMask({ type: "all" }, { n }), "replace", universe).mask;
      }
      const result = step(prev, mask, mode, universe);
      put({ ...result, base: prev }, append(steps, { mode: steps.length ? mode : "replace", clause: c }), live);
      await view.drawn();
      return result.count;
    });
  }

  /** Select exactly these cells (indices into the input's rows). */
  function setIndices(indices) {
    if (!(Array.isArray(indices) || ArrayBuffer.isView(indices))) return Promise.reject(new Error("indices must be an array of cell indices"));
    const list = Array.from(indices, Number);
    for (const i of list) if (!(Number.isInteger(i) && i >= 0 && i < n)) return Promise.reject(new Error(`cell index ${i} is not between 0 and ${n - 1}`));
    const sorted = Uint32Array.from(new Set(list)).sort();
    if (!sorted.length) return clear().then(() => 0);
    return apply({ type: "cells", indices: sorted }, "replace");
  }

  function clear() {
    return serial(async () => {
      const had = !!store.get().selection;
      store.set({ selection: null });
      await view.drawn();
      return had;
    });
  }

  /** Sorted indices of the selected cells (empty when none). */
  function indices() {
    const sel = store.get().selection;
    return sel ? maskIndices(sel.mask, sel.count) : new Uint32Array(0);
  }

  /** The camera that shows a mask's cells on the current embedding, or null. */
  function cameraFor(mask) {
    const { embedding: e } = store.get();
    if (!e) return null;
    const box = maskBox(mask, e.xy, e.hidden > 0);
    if (!box) return null;
    const at = (q, d) => e.bounds.min[d] + (q / Q) * (e.bounds.max[d] - e.bounds.min[d]);
    const { width, height } = view.size();
    return cam.fit(e.bounds, { min: [at(box.x0, 0), at(box.y0, 1)], max: [at(box.x1, 0), at(box.y1, 1)] }, width, height);
  }

  /** Show only the selected cells (within the current subset) and fit the camera to them. */
  function subset() {
    return serial(async () => {
      const s = store.get();
      if (!s.selection) return 0;
      const groups = [...(s.subset?.groups ?? []), s.selection.steps];
      const camera = cameraFor(s.selection.mask) ?? s.camera;
      store.set({ subset: { mask: s.selection.mask, count: s.selection.count, groups, revision: ++revisions }, selection: null, camera });
      await view.drawn();
      return s.selection.count;
    });
  }

  /** Every cell again, and the whole embedding in view. */
  function resetSubset() {
    return serial(async () => {
      const s = store.get();
      if (!s.subset) return;
      store.set({ subset: null, camera: s.embedding ? cam.home(s.embedding.bounds) : s.camera });
      await view.drawn();
    });
  }

  /** A link's subset (groups of steps) and selection (steps): recomputed, then set at once. */
  function restore({ groups = [], steps = [] } = {}) {
    return serial(async () => {
      let universe = null;
      let count = 0;
      for (const g of groups) {
        const r = await evaluate(g, universe);
        universe = r.mask;
        count = r.count;
      }
      const sel = steps.length ? await evaluate(steps, universe) : null;
      const patch = {
        subset: universe && count ? { mask: universe, count, groups, revision: ++revisions } : null,
        selection: sel?.count ? { mask: sel.mask, count: sel.count, steps, base: sel.base, live: false, revision: ++revisions } : null,
      };
      store.set(patch);
      await view.drawn();
      return patch.selection?.count ?? 0;
    });
  }

  // the shown embedding's index is built at once, so the first lasso need not wait for it; a 3-D
  // embedding being turned gets one once it stops (not one per frame)
  let indexing = 0;
  store.subscribe((s, prev) => {
    clearTimeout(indexing);
    if (!s.embedding) return;
    if (prev.embedding?.id !== s.embedding.id) indexFor(s.embedding);
    else indexing = setTimeout(() => { if (store.get().embedding) indexFor(store.get().embedding); }, 300);
  }, ["embedding"]);

  // a new embedding under a subset: show the subset's cells, unless a link asked for a camera
  // (not a 3-D one turned: the camera stays while it turns)
  store.subscribe((s, prev) => {
    if (!s.subset || !s.embedding || !s.camera || prev.embedding?.id === s.embedding.id) return;
    if (cam.sameCamera(s.camera, cam.home(s.embedding.bounds))) {
      const camera = cameraFor(s.subset.mask);
      if (camera) store.set({ camera });
    }
  }, ["embedding"]);

  return { apply, setIndices, clear, indices, subset, resetSubset, restore, findEmbedding };
}
