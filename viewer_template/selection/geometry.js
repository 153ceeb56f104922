// Pure geometry of selections on an embedding's uint16 display coordinates (docs/FORMAT.md:
// x = min + q / 65535 · (max − min)). A polygon is tested against the coordinates the cells are
// drawn at, so what a lasso encloses on screen is what it selects.

export const Q = 65535;
const HIDDEN = 65535; // both coordinates 65535: a cell without finite coordinates, never drawn

/**
 * Cells sorted by display y (counting sort, O(n)), with the start of each of the 65536 rows:
 * the per-dimension sorted index of cellxgene's crossfilter, for the one dimension a scanline
 * needs. Built once per embedding.
 */
export function rowIndex(xy) {
  const n = xy.length / 2;
  const start = new Uint32Array(Q + 2);
  for (let i = 0; i < n; i++) start[xy[2 * i + 1] + 1]++;
  for (let y = 0; y <= Q; y++) start[y + 1] += start[y];
  const fill = start.slice(0, Q + 1);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[fill[xy[2 * i + 1]]++] = i;
  return { order, start };
}

/** Data coordinates → display units (floats, not rounded: the polygon keeps its precision). */
export function toDisplay(points, bounds) {
  const rx = bounds.max[0] - bounds.min[0] || 1;
  const ry = bounds.max[1] - bounds.min[1] || 1;
  return points.map(([x, y]) => [((x - bounds.min[0]) / rx) * Q, ((y - bounds.min[1]) / ry) * Q]);
}

/**
 * Set mask[i] = 1 for every cell inside the polygon (display units, even-odd rule: the ray
 * test `(yi > y) != (yj > y) && x < (xj − xi)(y − yi)/(yj − yi) + xi`). A scanline over the
 * rows the polygon spans, with an active edge list, so the cost is the cells in those rows
 * plus rows × active edges, not cells × edges.
 */
export function fillPolygon(mask, xy, index, poly, { skipHidden = false } = {}) {
  const m = poly.length;
  if (m < 3) return;
  let y0 = Infinity;
  let y1 = -Infinity;
  const edges = [];
  for (let k = 0; k < m; k++) {
    const [xi, yi] = poly[k];
    const [xj, yj] = poly[(k + 1) % m];
    if (yi === yj) continue; // a horizontal edge never crosses a row by the strict test
    // rows y with min ≤ y < max (integers) are crossed
    const from = Math.max(0, Math.ceil(Math.min(yi, yj)));
    const to = Math.min(Q, Math.ceil(Math.max(yi, yj)) - 1);
    if (from > to) continue;
    edges.push({ xi, yi, xj, yj, from, to });
    y0 = Math.min(y0, from);
    y1 = Math.max(y1, to);
  }
  if (!edges.length) return;
  edges.sort((a, b) => a.from - b.from);
  const { order, start } = index;
  let next = 0;
  let active = [];
  const xs = [];
  for (let y = y0; y <= y1; y++) {
    while (next < edges.length && edges[next].from <= y) active.push(edges[next++]);
    if (active.length && active.some((e) => e.to < y)) active = active.filter((e) => e.to >= y);
    const a = start[y];
    const b = start[y + 1];
    if (a === b || active.length < 2) continue;
    xs.length = 0;
    for (const e of active) xs.push(((e.xj - e.xi) * (y - e.yi)) / (e.yj - e.yi) + e.xi);
    xs.sort((p, q) => p - q);
    for (let k = a; k < b; k++) {
      const i = order[k];
      const x = xy[2 * i];
      if (skipHidden && x === HIDDEN && y === HIDDEN) continue;
      // inside when an odd number of crossings lie to the right of x (x < crossing)
      let right = 0;
      for (let c = xs.length - 1; c >= 0 && x < xs[c]; c--) right++;
      if (right & 1) mask[i] = 1;
    }
  }
}

/** Set mask[i] = 1 for cells with x0 ≤ x ≤ x1 and y0 ≤ y ≤ y1 (display units). */
export function fillRect(mask, xy, index, x0, y0, x1, y1, { skipHidden = false } = {}) {
  const { order, start } = index;
  const ya = Math.max(0, Math.ceil(Math.min(y0, y1)));
  const yb = Math.min(Q, Math.floor(Math.max(y0, y1)));
  const xa = Math.min(x0, x1);
  const xb = Math.max(x0, x1);
  for (let y = ya; y <= yb; y++) {
    for (let k = start[y]; k < start[y + 1]; k++) {
      const i = order[k];
      const x = xy[2 * i];
      if (skipHidden && x === HIDDEN && y === HIDDEN) continue;
      if (x >= xa && x <= xb) mask[i] = 1;
    }
  }
}

/** Perpendicular distance of p from the segment a–b. */
function distance(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy);
}

/** Ramer–Douglas–Peucker on an open path: the points that stay within `tolerance` of it. */
function rdp(points, tolerance) {
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  const stack = [[0, points.length - 1]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let worst = -1;
    let far = tolerance;
    for (let k = a + 1; k < b; k++) {
      const d = distance(points[k], points[a], points[b]);
      if (d > far) {
        far = d;
        worst = k;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([a, worst], [worst, b]);
    }
  }
  return points.filter((_, k) => keep[k]);
}

/**
 * A drawn path (screen pixels) reduced to at most `max` vertices: points within half a pixel
 * of the line through their neighbours go first (they change nothing a person can see), then
 * the tolerance doubles until the path is short enough for a link.
 */
export function simplify(points, max = 200) {
  if (points.length <= 3) return points.slice();
  let tolerance = 0.5;
  let out = rdp(points, tolerance);
  while (out.length > max) {
    tolerance *= 2;
    out = rdp(points, tolerance);
  }
  return out;
}

/** Six significant digits: what a link carries, and so what every selection is computed from. */
export function round6(v) {
  return Number(v.toPrecision(6));
}
