// The plot's appearance (the store's `look` slot): point size (a factor on the automatic size),
// opacity (null: automatic, from the density of cells), the colour map of continuous values and
// whether category names are drawn on the plot; for spatial data with a tissue image, the image's
// opacity, the library shown (null: the first) and whether spots are drawn at their true size. Pure: defaults, the colour scale a colouring is
// drawn with, and the link's form of it (urlstate.js).

import { COLORMAPS } from "./colormaps.js";

// spots at their true size by default, as squidpy draws Visium: only spatial data with a spot diameter has them
export const DEFAULT_LOOK = Object.freeze({ size: 1, opacity: null, cmap: "viridis", labels: true, image: 1, lib: null, spots: true });
export const SIZE_RANGE = [0.25, 4];
export const OPACITY_RANGE = [0.05, 1];

// the font of the names on the plot and in exported figures (plot/labels.js, plot/figurelayout.js):
// here, not in figurelayout.js, so the first frame's labels do not load the figures' layout
export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

const clamp = (v, [lo, hi]) => Math.min(hi, Math.max(lo, v));

/**
 * The colour map and range a continuous colouring ({min, max}) is drawn with. Values below 0
 * (scaled data, scores, log fold changes) get the diverging map centred on 0, so 0 is white
 * whatever the person chose; otherwise the chosen map over [min, max].
 */
export function colorScale(color, look = DEFAULT_LOOK) {
  const { min, max } = color;
  if (Number.isFinite(min) && Number.isFinite(max) && min < 0) {
    const m = Math.max(-min, Math.abs(max));
    return { cmap: "diverging", vmin: -m, vmax: m, centred: true };
  }
  const cmap = look.cmap === "diverging" || !COLORMAPS.includes(look.cmap) ? "viridis" : look.cmap;
  return { cmap, vmin: min, vmax: max, centred: false };
}

/** A look from link parameters (URLSearchParams); values out of range or unknown are left default. */
export function parseLook(params) {
  const look = { ...DEFAULT_LOOK };
  const size = Number(params.get("size"));
  if (params.has("size") && Number.isFinite(size) && size > 0) look.size = clamp(size, SIZE_RANGE);
  const opacity = Number(params.get("opacity"));
  if (params.has("opacity") && Number.isFinite(opacity) && opacity > 0) look.opacity = clamp(opacity, OPACITY_RANGE);
  const cmap = params.get("cmap");
  if (cmap === "viridis" || cmap === "grey") look.cmap = cmap;
  if (params.get("labels") === "0") look.labels = false;
  const image = Number(params.get("img"));
  if (params.has("img") && params.get("img") !== "" && Number.isFinite(image)) look.image = clamp(image, [0, 1]);
  if (params.get("lib")) look.lib = params.get("lib");
  if (params.get("spots") === "0") look.spots = false; // "1", the default, came from older links
  return look;
}

/** [key, value] pairs of the link for what differs from the defaults. */
export function lookParams(look) {
  if (!look) return [];
  const out = [];
  if (look.size !== DEFAULT_LOOK.size) out.push(["size", String(Number(look.size.toPrecision(3)))]);
  if (look.opacity !== null) out.push(["opacity", String(Number(look.opacity.toPrecision(3)))]);
  if (look.cmap !== DEFAULT_LOOK.cmap) out.push(["cmap", look.cmap]);
  if (!look.labels) out.push(["labels", "0"]);
  if (look.image !== undefined && look.image !== DEFAULT_LOOK.image) out.push(["img", String(Number(look.image.toPrecision(3)))]);
  if (look.lib) out.push(["lib", look.lib]);
  if (look.spots === false) out.push(["spots", "0"]);
  return out;
}

export function sameLook(a, b) {
  return !!a && !!b && a.size === b.size && a.opacity === b.opacity && a.cmap === b.cmap && a.labels === b.labels &&
    a.image === b.image && a.lib === b.lib && a.spots === b.spots;
}
