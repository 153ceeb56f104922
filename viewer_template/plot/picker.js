// Which cell is under a point of the plot: the hover grid of the shown embedding (built on first
// use) searched within a radius in screen pixels, skipping cells of hidden categories, cells
// outside the subset and cells of another library than the tissue image's (view.libraryCells).
// The grid (buildGrid) is below, then the tooltip of the cell found (createTooltip).

import * as cam from "./camera.js";
import { el } from "../dom.js";
import { formatNumber } from "../format.js";

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

// A uniform grid over the uint16 display coordinates, built once per embedding, so that finding
// the cell under the cursor looks at a few grid cells instead of every point.

const HIDDEN = 65535;

export function buildGrid(xy, { skipHidden = false } = {}) {
  const n = xy.length / 2;
  const g = Math.max(1, Math.min(2048, Math.ceil(Math.sqrt(n / 8))));
  const shift = 65536 / g;
  const cellOf = new Uint32Array(n);
  const start = new Uint32Array(g * g + 1);
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (skipHidden && x === HIDDEN && y === HIDDEN) {
      cellOf[i] = 0xffffffff;
      continue;
    }
    const c = Math.floor(y / shift) * g + Math.floor(x / shift);
    cellOf[i] = c;
    start[c + 1]++;
  }
  for (let c = 0; c < g * g; c++) start[c + 1] += start[c];
  const items = new Uint32Array(start[g * g]);
  const fill = start.slice(0, g * g);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i];
    if (c !== 0xffffffff) items[fill[c]++] = i;
  }

  /**
   * Nearest point to (qx, qy) in display units within an ellipse of radii (rx, ry), measured in
   * screen pixels via (sx, sy) = pixels per display unit. accept(i) filters (hidden categories).
   */
  function nearest(qx, qy, rx, ry, sx, sy, accept) {
    const x0 = Math.max(0, Math.floor((qx - rx) / shift));
    const x1 = Math.min(g - 1, Math.floor((qx + rx) / shift));
    const y0 = Math.max(0, Math.floor((qy - ry) / shift));
    const y1 = Math.min(g - 1, Math.floor((qy + ry) / shift));
    let best = -1;
    let bestD = Infinity;
    const maxD = (rx * sx) ** 2;
    for (let cy = y0; cy <= y1; cy++) {
      for (let cx = x0; cx <= x1; cx++) {
        const c = cy * g + cx;
        for (let k = start[c]; k < start[c + 1]; k++) {
          const i = items[k];
          const dx = (xy[2 * i] - qx) * sx;
          const dy = (xy[2 * i + 1] - qy) * sy;
          const d = dx * dx + dy * dy;
          if (d <= maxD && d < bestD && (!accept || accept(i))) {
            best = i;
            bestD = d;
          }
        }
      }
    }
    return best;
  }
  return { nearest };
}

// The tooltip of one cell: its id, the value it is coloured by, and the last categorical column
// shown (context while colouring by a gene). Every dataset string goes in as text.

export function createTooltip({ box, store, dataset, view, picker }) {
  let cell = -1;
  let frame = 0;
  let at = null; // the latest hover position, handled once per animation frame
  let context = null; // the last categorical column the plot was coloured by

  store.subscribe((s) => {
    const c = s.color;
    if (c.kind === "obs" && c.column.kind !== "continuous") context = c.column;
  }, ["color"]);

  function lines(i) {
    const { color } = store.get();
    const out = [];
    if (color.kind === "obs" && color.column.kind !== "continuous") {
      const c = color.column.codes[i];
      out.push([color.column.name, c >= 0 ? color.column.categories[c] : "NA (missing)"]);
    } else if (color.kind === "obs") {
      out.push([color.column.name, formatNumber(color.column.values[i])]);
    } else if (color.kind === "gene") {
      out.push([color.label, formatNumber(color.values[i])]);
    } else if (color.kind === "blend") {
      out.push([color.a.label, formatNumber(color.a.values[i])], [color.b.label, formatNumber(color.b.values[i])]);
    } else if (color.kind === "geneset") {
      out.push([`${color.label} (mean)`, formatNumber(color.values[i])]);
    }
    if (context && !(color.kind === "obs" && color.column === context)) {
      const c = context.codes[i];
      out.push([context.name, c >= 0 ? context.categories[c] : "NA (missing)"]);
    }
    return out;
  }

  function show(i, sx, sy) {
    cell = i;
    const head = el("div", "tip-cell", `cell ${i + 1}`);
    box.replaceChildren(head);
    for (const [k, v] of lines(i)) {
      const row = el("div");
      // names and values from the dataset are isolated: an unclosed U+202E cannot reverse "1.25"
      row.append(el("bdi", "tip-key", k), el("span", "tip-key", ": "), el("bdi", null, v));
      box.append(row);
    }
    dataset.obsName(i).then((name) => {
      if (cell === i && name !== undefined) head.textContent = name;
    }).catch(() => {});
    box.hidden = false;
    const { width, height } = view.size();
    const w = box.offsetWidth;
    const h = box.offsetHeight;
    box.style.left = `${Math.min(sx + 14, width - w - 4)}px`;
    box.style.top = `${sy + 14 + h > height ? sy - h - 10 : sy + 14}px`;
  }

  function hide() {
    box.hidden = true;
    cell = -1;
  }

  /** Show the cell under (sx, sy), if any; at most once per frame however fast the mouse moves. */
  function hoverAt(sx, sy) {
    at = [sx, sy];
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const i = picker.pick(at[0], at[1], picker.radius());
      if (i < 0) hide();
      else show(i, at[0], at[1]);
    });
  }

  /** A tap (touch): the cell under the finger, searched a little wider than under a mouse. */
  function tapAt(sx, sy) {
    const i = picker.pick(sx, sy, Math.max(16, picker.radius()));
    if (i < 0) hide();
    else show(i, sx, sy);
  }

  return { show, hide, hoverAt, tapAt, current: () => cell };
}
