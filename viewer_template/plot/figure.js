// What an exported figure shows besides the points: its title lines and its legend, derived from
// the store's colouring like the legend panel (legend.js says what a colour bar notes), and the
// colour of each drawn point, as the shaders compute it. Shared by the PNG and SVG exports.

import { categoryColors, colormap, cssColor, MISSING_RGB, NONE_RGB, ZERO_RGB } from "../colormaps.js";
import { count } from "../format.js";
import { BLEND_NOTE, blendGroups, blendMap, continuousLegend, geneLegend, scaledLegend } from "../panels/legend.js";
import { MISSING_VALUE, ZERO_VALUE } from "./coloring.js";
import { scale, ySign } from "./camera.js";
import { DIM_RGB } from "./renderer.js";
import { chosenImage } from "./tissue.js";
import { is3d } from "./rotation.js";
import { fogged } from "./rotation.js";

/**
 * Title, subtitle and legend of the current view. drawn: the mask of the cells drawn (the
 * subset's and the shown library's, plot/view.js), or null when every cell is.
 */
export function figureModel(state, dataset, drawn = null) {
  const { color, embedding } = state;
  const title = typeof dataset.meta.title === "string" && dataset.meta.title ? dataset.meta.title : "xgexport";
  const what = color.kind === "obs" ? color.column.name : color.kind === "none" ? "no colouring" : color.label;
  // of several libraries, the one drawn (its image and its cells) is named
  const library = dataset.images && dataset.images(embedding.id).length > 1 ? chosenImage(dataset, embedding.id, state.look?.lib) : null;
  const cells = `${count(drawn ? countOnes(drawn) : dataset.nCells)} cells${state.subset ? " (the subset)" : ""}`;
  // a 3-D embedding turned: the view's rotation, so the figure can be made again (the link's rot=)
  const r = embedding.rotation;
  const turn = r && (r.yaw || r.pitch) ? ` (yaw ${r.yaw}°, pitch ${r.pitch}°)` : "";
  const where = `${embedding.name || embedding.key}${turn}${library ? ` · ${library.library}` : ""} · ${cells}`;
  // what: the colouring; where: what every side-by-side view shares (the figure says it once)
  return { title, subtitle: `${what} · ${where}`, what, where, legend: legendModel(state, dataset) };
}

function countOnes(mask) {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] ? 1 : 0;
  return n;
}

function legendModel({ color, categories, look, embedding }, dataset) {
  if (color.kind === "obs" && color.column.kind !== "continuous") {
    const c = color.column;
    const rgb = c.categories.map((_, k) => (categories.highlight !== null && categories.highlight !== k ? MISSING_RGB : null));
    const palette = categoryColors(c.colors, c.categories.length);
    const items = c.categories.flatMap((label, k) => (categories.hidden.has(k) ? [] : [{
      label, color: cssColor(rgb[k] ?? palette[k]), count: count(c.counts[k] ?? 0),
    }]));
    return { kind: "categories", name: c.name, items };
  }
  if (color.kind === "none") return { kind: "none", name: "", items: [] };
  if (color.kind === "blend") {
    const items = blendGroups(color).map((g) => ({ label: g.label, color: cssColor(g.rgb), count: count(g.count) }));
    // the map as the legend panel shows it: every shade the plot uses, each gene's axis named
    const map = { rows: blendMap().map((row) => row.map(cssColor)), up: `${color.b.label} ↑`, across: `${color.a.label} →` };
    return { kind: "categories", name: color.label, items, map, note: BLEND_NOTE };
  }
  const source = dataset.meta.matrix?.source ?? "X";
  const depth = is3d(embedding);
  const m = scaledLegend(color.kind === "obs" ? continuousLegend(color, depth) : geneLegend(color, source, depth), color, look);
  return { kind: "bar", name: m.name, min: m.min, max: m.max, cmap: m.cmap, capped: !!m.capped, cappedLow: !!m.cappedLow, empty: !!m.empty,
    zero: m.zero ? { label: m.zero, color: cssColor(ZERO_RGB) } : null, note: m.note || "" };
}

/** [r, g, b] of a point as the shaders colour it; null when it is not drawn. */
export function pointColor(arrays, i) {
  const v = arrays.values ? arrays.values[i] : 0;
  if (arrays.mode === "categorical") {
    if (v < 0) return MISSING_RGB;
    const p = arrays.palette;
    return p[v * 4 + 3] === 0 ? null : [p[v * 4], p[v * 4 + 1], p[v * 4 + 2]];
  }
  if (arrays.mode === "continuous") {
    // the shader's thresholds: the markers are float32, not exactly MISSING_VALUE / ZERO_VALUE
    if (v < (MISSING_VALUE + ZERO_VALUE) / 2) return MISSING_RGB;
    if (v < ZERO_VALUE / 2) return ZERO_RGB;
    const span = arrays.vmax - arrays.vmin;
    return colormap(arrays.cmap)(span > 0 ? (v - arrays.vmin) / span : 0);
  }
  return NONE_RGB;
}

const FOG_STEPS = 8; // depth levels of the SVG's depth cue: cells of one colour still share a group

/** A 3-D embedding's far cells paler, as the renderer draws them, in FOG_STEPS levels. */
function depthCued(rgb, depth) {
  const level = Math.round((depth / 65535) * FOG_STEPS) / FOG_STEPS;
  return fogged(rgb, level * 65535).map(Math.round);
}

/**
 * Screen position (CSS px in the plot) of every drawn cell, in draw order, with its colour:
 * calls fn(x, y, rgb, dimmed) for those within `margin` px of the plot (dimmed: outside the
 * selection, drawn pale as the renderer does); returns how many it called.
 */
export function eachPoint({ state, arrays, selected, subset, size }, margin, fn) {
  const e = state.embedding;
  const { min, max } = e.bounds;
  const px = scale(state.camera, e.bounds, size.width, size.height);
  const sy = ySign(e.bounds);
  const rx = (max[0] - min[0]) / 65535;
  const ry = (max[1] - min[1]) / 65535;
  let n = 0;
  // as the renderer does: the unselected cells first, pale, then the selected ones over them
  const passes = selected ? [false, true] : [null];
  for (const pass of passes) {
    for (const i of arrays.order) {
      if (subset && !subset[i]) continue;
      if (pass !== null && !!selected[i] !== pass) continue;
      const qx = e.xy[2 * i];
      const qy = e.xy[2 * i + 1];
      if (e.hidden > 0 && qx === 65535 && qy === 65535) continue;
      const x = size.width / 2 + (min[0] + qx * rx - state.camera.cx) * px;
      const y = size.height / 2 - sy * (min[1] + qy * ry - state.camera.cy) * px;
      if (x < -margin || y < -margin || x > size.width + margin || y > size.height + margin) continue;
      const rgb = pointColor(arrays, i);
      if (!rgb) continue;
      const dimmed = pass === false;
      fn(x, y, dimmed ? DIM_RGB : e.depth ? depthCued(rgb, e.depth[i]) : rgb, dimmed);
      n++;
    }
  }
  return n;
}
