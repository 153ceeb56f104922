// Pure geometry of selections on an embedding's uint16 display coordinates (docs/FORMAT.md:
// x = min + q / 65535 · (max − min)). A polygon is tested against the coordinates the cells are
// drawn at, so what a lasso encloses on screen is what it selects.

export const Q = 65535;
const HIDDEN = 65535; // both coordinates 65535: a cell without finite coordinates, never drawn

/**
 * Cells sorted by display y, then x (two counting sorts, O(n)): order, the start of each of
 * the 65536 rows in it, and each sorted cell's x. cellxgene's crossfilter keeps sorted indexes
 * per dimension for the same reason: the cells a shape holds on a row are then one contiguous
 * run per pair of edge crossings, found by binary search instead of testing every cell.
 * Built once per embedding, in a worker (index-worker.js).
 */
export function rowIndex(xy) {
  const n = xy.length / 2;
  const byX = countingSort(n, (i) => xy[2 * i], null);
  const start = new Uint32Array(Q + 2);
  const order = countingSort(n, (i) => xy[2 * i + 1], byX, start);
  const xs = new Uint16Array(n);
  for (let k = 0; k < n; k++) xs[k] = xy[2 * order[k]];
  return { order, start: start.subarray(0, Q + 2), xs };
}

/** Stable counting sort of cells (in the order `within`, or 0…n−1) by a uint16 key. */
function countingSort(n, key, within, start = new Uint32Array(Q + 2)) {
  start.fill(0);
  for (let i = 0; i < n; i++) start[key(i) + 1]++;
  for (let v = 0; v <= Q; v++) start[v + 1] += start[v];
  const fill = start.slice(0, Q + 1);
  const out = new Uint32Array(n);
  for (let k = 0; k < n; k++) {
    const i = within ? within[k] : k;
    out[fill[key(i)]++] = i;
  }
  return out;
}

/** First k in [a, b) with xs[k] >= v (xs sorted on [a, b)). */
function lowerBound(xs, a, b, v) {
  while (a < b) {
    const m = (a + b) >>> 1;
    if (xs[m] < v) a = m + 1;
    else b = m;
  }
  return a;
}

/** The end of row y, leaving out cells without coordinates (65535, 65535: the row's last). */
function rowEnd(index, y, skipHidden) {
  const b = index.start[y + 1];
  return skipHidden && y === HIDDEN ? lowerBound(index.xs, index.start[y], b, HIDDEN) : b;
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
 * rows the polygon spans with an active edge list; on a row with crossings c0 ≤ c1 ≤ … a cell
 * is inside exactly when c(2j) ≤ x < c(2j+1), a run of the row's x-sorted cells.
 */
export function fillPolygon(mask, index, poly, { skipHidden = false } = {}) {
  const edges = edgeTable(poly);
  const m = edges.count;
  if (!m) return;
  const { from, to, xi, yi, dxdy } = edges;
  const { order, start, xs } = index;
  const active = new Int32Array(m); // edges crossing the current row (by number, in `from` order)
  let nActive = 0;
  let next = 0;
  let firstEnd = Infinity; // the lowest last row among the active edges
  const cross = new Float64Array(m);
  for (let y = from[0]; y <= edges.last; y++) {
    if (y > firstEnd) { // drop the edges that ended on the row before
      let w = 0;
      firstEnd = Infinity;
      for (let a = 0; a < nActive; a++) {
        const e = active[a];
        if (to[e] >= y) {
          active[w++] = e;
          if (to[e] < firstEnd) firstEnd = to[e];
        }
      }
      nActive = w;
    }
    while (next < m && from[next] <= y) {
      active[nActive++] = next;
      if (to[next] < firstEnd) firstEnd = to[next];
      next++;
    }
    const a = start[y];
    const b = rowEnd(index, y, skipHidden);
    if (a === b || nActive < 2) continue;
    for (let k = 0; k < nActive; k++) {
      const e = active[k];
      // (xj − xi)(y − yi)/(yj − yi) + xi, with (xj − xi)/(yj − yi) kept apart: the same
      // product and quotient order as the per-cell test in tests and docs
      cross[k] = dxdy[2 * e] * (y - yi[e]) / dxdy[2 * e + 1] + xi[e];
    }
    // insertion sort: a row of a lasso has a handful of crossings
    for (let k = 1; k < nActive; k++) {
      const v = cross[k];
      let j = k - 1;
      while (j >= 0 && cross[j] > v) {
        cross[j + 1] = cross[j];
        j--;
      }
      cross[j + 1] = v;
    }
    for (let j = 0; j + 1 < nActive; j += 2) {
      const end = lowerBound(xs, a, b, cross[j + 1]);
      for (let k = lowerBound(xs, a, b, cross[j]); k < end; k++) mask[order[k]] = 1;
    }
  }
}

/**
 * The polygon's non-horizontal edges as typed arrays, sorted by their first row: edge e
 * crosses the rows y with from[e] ≤ y ≤ to[e], i.e. min(yi, yj) ≤ y < max(yi, yj).
 */
function edgeTable(poly) {
  const m = poly.length;
  const list = [];
  for (let k = 0; m >= 3 && k < m; k++) {
    const [x1, y1] = poly[k];
    const [x2, y2] = poly[(k + 1) % m];
    if (y1 === y2) continue; // a horizontal edge never crosses a row by the strict test
    const from = Math.max(0, Math.ceil(Math.min(y1, y2)));
    const to = Math.min(Q, Math.ceil(Math.max(y1, y2)) - 1);
    if (from <= to) list.push([from, to, x1, y1, x2 - x1, y2 - y1]);
  }
  list.sort((p, q) => p[0] - q[0]);
  const n = list.length;
  const out = { count: n, last: -1, from: new Int32Array(n), to: new Int32Array(n), xi: new Float64Array(n), yi: new Float64Array(n), dxdy: new Float64Array(2 * n) };
  list.forEach(([from, to, x, y, dx, dy], e) => {
    out.from[e] = from;
    out.to[e] = to;
    out.xi[e] = x;
    out.yi[e] = y;
    out.dxdy[2 * e] = dx;
    out.dxdy[2 * e + 1] = dy;
    out.last = Math.max(out.last, to);
  });
  return out;
}

/** Set mask[i] = 1 for cells with x0 ≤ x ≤ x1 and y0 ≤ y ≤ y1 (display units). */
export function fillRect(mask, index, x0, y0, x1, y1, { skipHidden = false } = {}) {
  const { order, start, xs } = index;
  const ya = Math.max(0, Math.ceil(Math.min(y0, y1)));
  const yb = Math.min(Q, Math.floor(Math.max(y0, y1)));
  const xa = Math.min(x0, x1);
  const xb = Math.floor(Math.max(x0, x1)) + 1; // x ≤ max: the integers below floor(max) + 1
  for (let y = ya; y <= yb; y++) {
    const a = start[y];
    const b = rowEnd(index, y, skipHidden);
    const to = lowerBound(xs, a, b, xb);
    for (let k = lowerBound(xs, a, b, xa); k < to; k++) mask[order[k]] = 1;
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
