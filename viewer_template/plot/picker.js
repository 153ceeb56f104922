// Which cell is under a point of the plot: the hover grid of the shown embedding (built on first
// use) searched within a radius in screen pixels, skipping cells of hidden categories, cells
// outside the subset and cells of another library than the tissue image's (view.libraryCells).

import { buildGrid } from "./hover.js";
import * as cam from "./camera.js";

export function createPicker({ store, view }) {
  let grid = null;
  let gridFor = null;

  function isShown(s, i, library) {
    const { color, categories } = s;
    if (s.subset && !s.subset.mask[i]) return false; // not drawn: outside the subset
    if (library && !library[i]) return false; // not drawn: another library's cell
    if (color.kind === "obs" && color.column.kind !== "continuous") {
      const c = color.column.codes[i];
      return !(c >= 0 && categories.hidden.has(c));
    }
    return true;
  }

  /** The cell nearest to (sx, sy) (CSS pixels in the canvas) within `radius` pixels, or -1. */
  function pick(sx, sy, radius) {
    const s = store.get();
    const emb = s.embedding;
    if (!emb || !s.camera) return -1;
    if (gridFor !== emb) {
      grid = buildGrid(emb.xy, { skipHidden: emb.hidden > 0 });
      gridFor = emb;
    }
    const { width, height } = view.size();
    const b = emb.bounds;
    const [wx, wy] = cam.screenToWorld(s.camera, b, width, height, sx, sy);
    const rangeX = b.max[0] - b.min[0] || 1;
    const rangeY = b.max[1] - b.min[1] || 1;
    const pxPerUnit = cam.scale(s.camera, b, width, height);
    const pxX = (pxPerUnit * rangeX) / 65535; // screen pixels per display unit
    const pxY = (pxPerUnit * rangeY) / 65535;
    const qx = ((wx - b.min[0]) / rangeX) * 65535;
    const qy = ((wy - b.min[1]) / rangeY) * 65535;
    const library = view.libraryCells?.() ?? null;
    return grid.nearest(qx, qy, radius / pxX, radius / pxY, pxX, pxY, (i) => isShown(s, i, library));
  }

  /** The hover radius for the current point size. */
  const radius = () => Math.max(4, view.pointStyle().size / 2 + 2);

  return { pick, radius };
}
