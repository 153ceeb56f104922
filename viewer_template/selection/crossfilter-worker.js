// The crossfilter's counting, off the page's main thread. Holds one bin per cell for every
// dimension it was given (a categorical column: code + 1, 0 = missing; a continuous column or
// a gene: bins over value edges) and answers with counts per bin: of every cell of the
// universe (the subset shown, or all), of the selected cells, and of the cells selected before
// the last step (the context a brush is dragged in).
//
// in:  {type: "dim", id, codes} | {type: "dim", id, values, edges, zero}
//      {type: "drop", id}, {type: "universe", mask | null}
//      {type: "count", revision, mask | null, base | null, ids, baseIds}
// out: {type: "totals", id, counts}, {type: "counts", revision, selected: {id: counts},
//       base: {id: counts}, ms}

const dims = new Map(); // id → {bins, nBins, totals}
let universe = null;

/** Bin of each value: 0 missing, 1 zero (when `zero`), then edges[k] ≤ v < edges[k + 1]. */
function valueBins(values, edges, zero) {
  const n = values.length;
  const nValue = edges.length - 1;
  const offset = zero ? 2 : 1;
  const bins = new Uint8Array(n);
  const lo = edges[0];
  const scale = nValue / (edges[nValue] - lo || 1);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v === v) || v === Infinity || v === -Infinity) continue; // missing: bin 0
    if (zero && v === 0) {
      bins[i] = 1;
      continue;
    }
    // a first guess from the width, then the exact edges decide (the same comparisons as a
    // range clause, so a brushed bar and the cells it selects always agree)
    let k = Math.floor((v - lo) * scale);
    if (k < 0) k = 0;
    if (k > nValue - 1) k = nValue - 1;
    while (k > 0 && v < edges[k]) k--;
    while (k < nValue - 1 && v >= edges[k + 1]) k++;
    bins[i] = offset + k;
  }
  return { bins, nBins: offset + nValue };
}

function codeBins(codes) {
  let max = -1;
  for (let i = 0; i < codes.length; i++) if (codes[i] > max) max = codes[i];
  const bins = max + 2 <= 256 ? new Uint8Array(codes.length) : max + 2 <= 65536 ? new Uint16Array(codes.length) : new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) bins[i] = codes[i] >= 0 ? codes[i] + 1 : 0;
  return { bins, nBins: max + 2 };
}

function countAll(bins, nBins, mask) {
  const c = new Uint32Array(nBins);
  if (!mask) {
    for (let i = 0; i < bins.length; i++) c[bins[i]]++;
  } else {
    for (let i = 0; i < bins.length; i++) if (mask[i]) c[bins[i]]++;
  }
  return c;
}

function countListed(bins, nBins, list) {
  const c = new Uint32Array(nBins);
  for (let k = 0; k < list.length; k++) c[bins[list[k]]]++;
  return c;
}

/** Counts of the mask's cells for each dimension; a short index list when few are selected. */
function countMany(ids, mask) {
  const out = {};
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i];
  let list = null;
  if (n * 8 < mask.length) {
    list = new Uint32Array(n);
    let w = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i]) list[w++] = i;
  }
  for (const id of ids) {
    const d = dims.get(id);
    if (!d) continue;
    out[id] = list ? countListed(d.bins, d.nBins, list) : countAll(d.bins, d.nBins, mask);
  }
  return out;
}

function totals(id) {
  const d = dims.get(id);
  d.totals = countAll(d.bins, d.nBins, universe);
  self.postMessage({ type: "totals", id, counts: d.totals });
}

self.onmessage = ({ data: m }) => {
  if (m.type === "dim") {
    dims.set(m.id, m.codes ? codeBins(m.codes) : valueBins(m.values, m.edges, m.zero));
    totals(m.id);
  } else if (m.type === "drop") {
    dims.delete(m.id);
  } else if (m.type === "universe") {
    universe = m.mask;
    for (const id of dims.keys()) totals(id);
  } else if (m.type === "count") {
    const t = performance.now();
    const selected = m.mask ? countMany(m.ids, m.mask) : {};
    const base = m.base ? countMany(m.baseIds, m.base) : {};
    self.postMessage({ type: "counts", revision: m.revision, selected, base, ms: performance.now() - t });
  }
};
