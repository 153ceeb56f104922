// The spatial tree's cell order, computed by the reader from the display coordinates it already
// has (docs/COMPARE.md "Tree order"): Morton keys (x bits even, y bits odd), a stable LSD radix
// sort (ties by cell index), and the checksum that says the order is the writer's.

const MODULUS = 2147483647; // 2^31 − 1
const SPAN = 65521;

function spread(v) {
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** Z-order key of each cell from interleaved uint16 display coordinates (x0, y0, x1, y1, …). */
export function mortonKeys(xy) {
  const n = xy.length / 2;
  const keys = new Uint32Array(n);
  for (let i = 0; i < n; i++) keys[i] = (spread(xy[2 * i]) | (spread(xy[2 * i + 1]) << 1)) >>> 0;
  return keys;
}

/** Cell indices sorted by key, ties by index: two stable passes of 16 bits. */
export function treeOrder(xy) {
  const keys = mortonKeys(xy);
  const n = keys.length;
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Int32Array(n);
  const counts = new Int32Array(65537);
  for (const shift of [0, 16]) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((keys[i] >>> shift) & 0xffff) + 1]++;
    for (let d = 1; d <= 65536; d++) counts[d] += counts[d - 1];
    for (let i = 0; i < n; i++) {
      const c = order[i];
      next[counts[(keys[c] >>> shift) & 0xffff]++] = c;
    }
    [order, next] = [next, order];
  }
  return order;
}

/** Σ order[i] · (i mod 65521 + 1) mod 2^31 − 1, exactly (every partial sum stays below 2^53). */
export function orderChecksum(order) {
  let sum = 0;
  for (let i = 0; i < order.length; i++) sum = (sum + ((order[i] * ((i % SPAN) + 1)) % MODULUS)) % MODULUS;
  return sum;
}

/** Cells of a membership mask (Uint8Array per cell) in every node: prefix sums in tree order. */
export function nodeCounts(nodes, order, member) {
  const running = new Int32Array(order.length + 1);
  for (let i = 0; i < order.length; i++) running[i + 1] = running[i] + member[order[i]];
  const n = nodes.length / 6;
  const counts = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const start = nodes[6 * v];
    counts[v] = running[start + nodes[6 * v + 1]] - running[start];
  }
  return counts;
}
