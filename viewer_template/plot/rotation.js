// 3-D embeddings (docs/FORMAT.md: layout_dims 3). A rotation {yaw, pitch} in degrees turns the
// cells' three display coordinates into an ordinary 2-D embedding object (xy as uint16 pairs,
// bounds), so the renderer, picker, labels, exports, lasso and selection geometry work unchanged
// on what the person sees. Orthographic: x' = c + R·(p − c), R = Rx(pitch)·Ry(yaw); yaw turns
// about the screen's vertical axis, pitch tilts about its horizontal one (a turntable).
// The projected bounds are those of a sphere about the box's centre holding every cell, the same
// for every rotation, so the camera never re-fits while the cloud turns. At {0, 0} the data coordinates are x and y
// exactly: a lasso drawn on the front view is the lasso of a 2-D reader.

const Q = 65535;
// the depth cue (plot/shaders.js, the SVG export): the farthest cells this much paler, this much smaller
export const FOG_FADE = 0.4;
export const FOG_SHRINK = 0.35;

/** A colour [r, g, b] at depth (display units, 0 = back) faded towards white as the renderer does. */
export const fogged = (rgb, depth) => rgb.map((v) => v + (255 - v) * FOG_FADE * (1 - depth / Q)); // display coordinates: 0..65534 for cells, 65535 for hidden ones
export const FRONT = Object.freeze({ yaw: 0, pitch: 0 });
const CACHE = 4; // projections kept per embedding: the shown one and a lasso's, shared with the index

/** Rounded to 0.1° (the link's precision, so a link gives back the same projection): yaw in
 * (−180, 180], pitch in [−90, 90]. */
export function normalRotation(r) {
  let yaw = Math.round((Number(r?.yaw) || 0) * 10) / 10;
  yaw = ((((yaw + 180) % 360) + 360) % 360) - 180;
  if (yaw === -180) yaw = 180;
  const pitch = Math.min(90, Math.max(-90, Math.round((Number(r?.pitch) || 0) * 10) / 10));
  return { yaw: Math.round(yaw * 10) / 10 || 0, pitch: pitch || 0 };
}

export const sameRotation = (a, b) => !!a && !!b && a.yaw === b.yaw && a.pitch === b.pitch;

/** "yaw,pitch" (the link's `rot=` and a lasso step's `rot:`) → rotation, or null. */
export function parseRotation(text) {
  const parts = String(text ?? "").split(",");
  if (parts.length !== 2 || parts.some((p) => p === "")) return null;
  const [yaw, pitch] = parts.map(Number);
  return Number.isFinite(yaw) && Number.isFinite(pitch) ? normalRotation({ yaw, pitch }) : null;
}

export const formatRotation = (r) => `${r.yaw},${r.pitch}`;

/** The rotation matrix's rows (screen x, screen y, depth towards the viewer). */
function matrix({ yaw, pitch }) {
  const [cy, sy] = [Math.cos((yaw * Math.PI) / 180), Math.sin((yaw * Math.PI) / 180)];
  const [cp, sp] = [Math.cos((pitch * Math.PI) / 180), Math.sin((pitch * Math.PI) / 180)];
  return [[cy, 0, sy], [sp * sy, cp, -sp * cy], [-cp * sy, sp, cp * cy]];
}

const spheres = new WeakMap(); // base → its sphere, computed once

/**
 * The smallest sphere about the box's centre that holds every cell: centre [x, y, z] and radius
 * in data units. Every rotation fits in it, and it is tighter than the box's corners would be.
 */
function sphere(base) {
  if (spheres.has(base)) return spheres.get(base);
  const min = [base.bounds.min[0], base.bounds.min[1], base.zBounds.min];
  const max = [base.bounds.max[0], base.bounds.max[1], base.zBounds.max];
  const c = min.map((v, j) => (v + max[j]) / 2);
  const k = min.map((v, j) => (max[j] - v) / Q);
  const { xy, z } = base;
  let far = 0;
  for (let i = 0; i < z.length; i++) {
    if (xy[2 * i] === Q && xy[2 * i + 1] === Q) continue; // hidden
    const dx = min[0] + xy[2 * i] * k[0] - c[0];
    const dy = min[1] + xy[2 * i + 1] * k[1] - c[1];
    const dz = min[2] + z[i] * k[2] - c[2];
    far = Math.max(far, dx * dx + dy * dy + dz * dz);
  }
  const out = { min, max, c, r: Math.sqrt(far) * 1.001 || 1 }; // a hair more: no cell on the edge
  spheres.set(base, out);
  return out;
}

/**
 * Project base (a 3-D embedding from data.js: xy and z display coordinates) under `rotation`:
 * {xy, depth (uint16, 0 = back), bounds} and the rest of base. One linear map of the stored
 * integers per output axis (three multiply-adds a cell), ~1 ms at 100k cells.
 */
function project(base, rotation) {
  const { min, max, c, r } = sphere(base);
  const k = min.map((v, j) => (max[j] - v) / Q); // data units per display step
  const s = Q / (2 * r);
  const R = matrix(rotation);
  const coef = R.map((row) => {
    const a = s * (r + row.reduce((sum, rj, j) => sum + rj * (min[j] - c[j]), 0));
    return [a, ...row.map((rj, j) => s * rj * k[j])];
  });
  const { xy: q2, z: qz } = base;
  const n = qz.length;
  const xy = new Uint16Array(2 * n);
  const depth = new Uint16Array(n);
  const [[ax, bx0, bx1, bx2], [ay, by0, by1, by2], [ad, bd0, bd1, bd2]] = coef;
  const top = Q - 1;
  for (let i = 0; i < n; i++) {
    const x = q2[2 * i];
    const y = q2[2 * i + 1];
    const z = qz[i];
    if (x === Q && y === Q) { // hidden: no position
      xy[2 * i] = Q;
      xy[2 * i + 1] = Q;
      continue;
    }
    // floor(v + 0.5) by truncation (v ≥ −0.5 but for rounding noise, clamped), then clamped
    const px = (ax + bx0 * x + bx1 * y + bx2 * z + 0.5) | 0;
    const py = (ay + by0 * x + by1 * y + by2 * z + 0.5) | 0;
    const pd = (ad + bd0 * x + bd1 * y + bd2 * z + 0.5) | 0;
    xy[2 * i] = px < 0 ? 0 : px > top ? top : px;
    xy[2 * i + 1] = py < 0 ? 0 : py > top ? top : py;
    depth[i] = pd < 0 ? 0 : pd > top ? top : pd;
  }
  const bounds = { min: [c[0] - r, c[1] - r], max: [c[0] + r, c[1] + r], yDown: base.bounds.yDown };
  return { ...base, xy, depth, bounds, rotation, base };
}

const projections = new WeakMap(); // base → Map("yaw,pitch" → projected), the latest last

/** The embedding as drawn under `rotation` (normalised): the same object for the same rotation. */
export function turned(base, rotation = FRONT) {
  const rot = normalRotation(rotation);
  if (!projections.has(base)) projections.set(base, new Map());
  const cache = projections.get(base);
  const key = formatRotation(rot);
  let out = cache.get(key);
  if (out) cache.delete(key);
  else out = project(base, rot);
  cache.set(key, out);
  while (cache.size > CACHE) cache.delete(cache.keys().next().value);
  return out;
}

/** Points {x, y, z} in a 3-D embedding's data coordinates → {x, y} as `e` (turned) draws them. */
export function turnPoint(e, p) {
  const { c } = sphere(e.base);
  const [rx, ry] = matrix(e.rotation);
  const d = [p.x - c[0], p.y - c[1], p.z - c[2]];
  return { x: c[0] + rx[0] * d[0] + rx[1] * d[1] + rx[2] * d[2], y: c[1] + ry[0] * d[0] + ry[1] * d[1] + ry[2] * d[2] };
}

/** An embedding from data.js as drawn: a 3-D one turned by `rotation` (the front when none). */
export const asShown = (loaded, rotation) => (loaded.z ? turned(loaded, rotation ?? FRONT) : loaded);

/** A drawn embedding as its 3-D base (itself when it is 2-D). */
export const baseOf = (e) => e?.base ?? e;
export const is3d = (e) => !!e?.base;

const BUCKETS = 1024;

/**
 * The colouring's draw order re-ordered back to front (a stable counting sort on depth, so cells
 * at one depth keep the colouring's order): near cells hide far ones, as in the space itself.
 * under(i): cells drawn before all others whatever their depth (a gene's cells without
 * expression stay underneath, as the legend says), or null.
 */
export function depthOrder(order, depth, under = null) {
  const counts = new Uint32Array(2 * BUCKETS + 1);
  const shift = 16 - Math.log2(BUCKETS);
  const key = (i) => (under && under(i) ? 0 : BUCKETS) + (depth[i] >> shift);
  for (let k = 0; k < order.length; k++) counts[key(order[k]) + 1]++;
  for (let b = 0; b < 2 * BUCKETS; b++) counts[b + 1] += counts[b];
  const out = new Uint32Array(order.length);
  for (let k = 0; k < order.length; k++) out[counts[key(order[k])]++] = order[k];
  return out;
}
