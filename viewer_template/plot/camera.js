// Pure camera math. A camera is {cx, cy, zoom}: the data point at the centre of the plot and a
// zoom factor where 1 fits the whole embedding. Both axes share one scale (equal aspect).
// Screen coordinates are CSS pixels with y down; data y points up, except for embeddings whose
// bounds say yDown (spatial coordinates: image rows, as scanpy and squidpy draw them).

/** +1 when data y points up on screen, -1 when it points down */
export function ySign(bounds) {
  return bounds.yDown ? -1 : 1;
}

const MARGIN = 0.92;

/** bounds = {min: [x, y], max: [x, y]} */
export function home(bounds) {
  return {
    cx: (bounds.min[0] + bounds.max[0]) / 2,
    cy: (bounds.min[1] + bounds.max[1]) / 2,
    zoom: 1,
  };
}

/** CSS pixels per data unit */
export function scale(camera, bounds, width, height) {
  const bw = bounds.max[0] - bounds.min[0] || 1;
  const bh = bounds.max[1] - bounds.min[1] || 1;
  return Math.min(width / bw, height / bh) * MARGIN * camera.zoom;
}

export function worldToScreen(camera, bounds, width, height, x, y) {
  const s = scale(camera, bounds, width, height);
  return [width / 2 + (x - camera.cx) * s, height / 2 - ySign(bounds) * (y - camera.cy) * s];
}

export function screenToWorld(camera, bounds, width, height, sx, sy) {
  const s = scale(camera, bounds, width, height);
  return [camera.cx + (sx - width / 2) / s, camera.cy - ySign(bounds) * (sy - height / 2) / s];
}

/**
 * The camera that shows `box` ({min, max} in data coordinates) as large as the plot allows, like
 * home() shows the whole of `bounds`. A box of one cell is given a hundredth of the bounds.
 */
export function fit(bounds, box, width, height) {
  const bw = bounds.max[0] - bounds.min[0] || 1;
  const bh = bounds.max[1] - bounds.min[1] || 1;
  const sw = Math.max(box.max[0] - box.min[0], bw / 100);
  const sh = Math.max(box.max[1] - box.min[1], bh / 100);
  const zoom = Math.min(width / sw, height / sh) / Math.min(width / bw, height / bh);
  return { cx: (box.min[0] + box.max[0]) / 2, cy: (box.min[1] + box.max[1]) / 2, zoom: clampZoom(zoom) };
}

export const MIN_ZOOM = 0.2;
export const MAX_ZOOM = 2000;

export function clampZoom(z) {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, z));
}

/** Zoom by `factor` keeping the data point under (sx, sy) fixed. */
export function zoomAt(camera, bounds, width, height, sx, sy, factor) {
  const zoom = clampZoom(camera.zoom * factor);
  const [wx, wy] = screenToWorld(camera, bounds, width, height, sx, sy);
  const s = scale({ ...camera, zoom }, bounds, width, height);
  return { cx: wx - (sx - width / 2) / s, cy: wy + ySign(bounds) * (sy - height / 2) / s, zoom };
}

/** Move the view by (dx, dy) CSS pixels (a drag). */
export function pan(camera, bounds, width, height, dx, dy) {
  const s = scale(camera, bounds, width, height);
  return { cx: camera.cx - dx / s, cy: camera.cy + ySign(bounds) * dy / s, zoom: camera.zoom };
}

export function isCamera(c) {
  return !!c && typeof c === "object" && [c.cx, c.cy, c.zoom].every((v) => typeof v === "number" && Number.isFinite(v)) && c.zoom > 0;
}

export function sameCamera(a, b) {
  return !!a && !!b && a.cx === b.cx && a.cy === b.cy && a.zoom === b.zoom;
}
