// Exact group statistics and their algebra: the line-for-line port of xgexport/comparison/
// moments.py and stats.combine (same operations in the same order, so the worker's digits are
// Python's). A piece is one set of cells: {n, mean, m2, npos}, per gene Float64Arrays.
//
// Leaf cells are taken in two passes around a data value (the first cell's value of each gene),
// so a group whose values are all equal has exactly that mean and M2 = 0; subtraction (a set
// without a subset) reports per gene whether it kept enough digits for Welch's p to 1e-6.

const EPS = 2.220446049250313e-16;
const PIECE_EPS = 16 * EPS;
const M2_TOLERANCE = 1e-10;
const MEAN_TOLERANCE = 1e-9;
// values per block of the two passes, as moments.BLOCK_VALUES: the same partial sums as numpy
const BLOCK_VALUES = 2000000;

export function emptyPiece(nGenes) {
  return { n: 0, mean: new Float64Array(nGenes), m2: new Float64Array(nGenes), npos: new Float64Array(nGenes) };
}

/** The union of two disjoint sets (Chan et al.); equal means add nothing; NaN propagates. */
export function combine(a, b) {
  const g = a.mean.length;
  const n = a.n + b.n;
  const share = n > 0 ? b.n / n : 0;
  const out = emptyPiece(g);
  out.n = n;
  const an = a.n * share;
  for (let j = 0; j < g; j++) {
    if (b.n === 0) {
      out.mean[j] = a.mean[j];
      out.m2[j] = a.m2[j];
    } else if (a.n === 0) {
      out.mean[j] = b.mean[j];
      out.m2[j] = b.m2[j];
    } else {
      const delta = b.mean[j] - a.mean[j];
      out.mean[j] = a.mean[j] + delta * share;
      out.m2[j] = a.m2[j] + b.m2[j] + delta * delta * an;
    }
    out.npos[j] = a.npos[j] + b.npos[j];
  }
  return out;
}

/** Pairwise (tree-shaped) combination in list order, as moments.combine_all. */
export function combineAll(pieces, nGenes) {
  if (!pieces.length) return emptyPiece(nGenes);
  let level = pieces;
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(combine(level[i], level[i + 1]));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  return level[0];
}

/**
 * `whole` without `part` (a subset of it), and per gene whether the result is trusted
 * (Uint8Array). Exact shortcuts: a constant whole leaves a constant rest; in a matrix without
 * negative values a rest with no value > 0 is all zeros.
 */
export function subtract(whole, part, nonnegative) {
  const g = whole.mean.length;
  const n = whole.n - part.n;
  const out = emptyPiece(g);
  out.n = n;
  const trusted = new Uint8Array(g);
  const ratio = part.n / n;
  const weight = (n * part.n) / whole.n;
  const seScale = n * Math.max(n - 1, 1);
  for (let j = 0; j < g; j++) {
    const npos = whole.npos[j] - part.npos[j];
    let mean = whole.mean[j] + (whole.mean[j] - part.mean[j]) * ratio;
    const delta = part.mean[j] - mean;
    const correction = delta * delta * weight;
    let m2 = whole.m2[j] - part.m2[j] - correction;
    const m2Error = PIECE_EPS * (whole.m2[j] + part.m2[j] + correction);
    const meanError = PIECE_EPS * ((magnitude(whole, j) + magnitude(part, j)) / n);
    const standardError = Math.sqrt(Math.max(m2, 0) / seScale);
    let ok = m2Error <= M2_TOLERANCE * m2 && meanError <= MEAN_TOLERANCE * standardError;
    const finite = Number.isFinite(whole.mean[j]) && Number.isFinite(whole.m2[j])
      && Number.isFinite(part.mean[j]) && Number.isFinite(part.m2[j]);
    if (finite && whole.m2[j] === 0) { // constant
      mean = whole.mean[j];
      m2 = 0;
      ok = true;
    }
    if (finite && nonnegative && npos === 0) { // all zeros
      mean = 0;
      m2 = 0;
      ok = true;
    }
    out.mean[j] = mean;
    out.m2[j] = m2;
    out.npos[j] = npos;
    trusted[j] = finite && ok ? 1 : 0;
  }
  return { piece: out, trusted };
}

/** n · (|mean| + sd): the size of the sum a piece's mean was computed from. */
function magnitude(piece, j) {
  const spread = Math.sqrt(Math.max(piece.m2[j], 0) / Math.max(piece.n, 1));
  return piece.n * (Math.abs(piece.mean[j]) + spread);
}

/**
 * Exact statistics of a block of cells: `cells` is a list of {genes, values} (one entry per cell,
 * genes ascending), as moments.exact_moments on their CSR stack with one group.
 */
export function cellMoments(cells, nGenes) {
  const n = cells.length;
  const out = emptyPiece(nGenes);
  out.n = n;
  if (!n) return out;
  const shift = new Float64Array(nGenes);
  const first = cells[0];
  for (let k = 0; k < first.genes.length; k++) shift[first.genes[k]] = first.values[k];
  const blocks = cellBlocks(cells);
  const s1 = new Float64Array(nGenes);
  const stored = new Float64Array(nGenes);
  const part = new Float64Array(nGenes);
  for (const [lo, hi] of blocks) { // Σ (x − shift) per block, then added to the total
    sumDeviations(cells, lo, hi, shift, part, false);
    for (let j = 0; j < nGenes; j++) s1[j] += part[j];
    for (let c = lo; c < hi; c++) {
      const { genes, values } = cells[c];
      for (let k = 0; k < genes.length; k++) {
        stored[genes[k]] += 1;
        if (values[k] > 0) out.npos[genes[k]] += 1;
      }
    }
  }
  for (let j = 0; j < nGenes; j++) {
    const implicit = n - stored[j];
    out.mean[j] = shift[j] + (s1[j] - implicit * shift[j]) / n;
  }
  const squares = new Float64Array(nGenes);
  for (const [lo, hi] of blocks) {
    sumDeviations(cells, lo, hi, out.mean, part, true);
    for (let j = 0; j < nGenes; j++) squares[j] += part[j];
  }
  for (let j = 0; j < nGenes; j++) {
    const implicit = n - stored[j];
    out.m2[j] = squares[j] + implicit * out.mean[j] * out.mean[j];
  }
  return out;
}

/** Per gene, Σ (x − centre) or Σ (x − centre)² over the stored values of cells [lo, hi), in
 * cell order (the order of numpy's bincount, so the same partial sums). */
function sumDeviations(cells, lo, hi, centre, out, squared) {
  out.fill(0);
  for (let c = lo; c < hi; c++) {
    const { genes, values } = cells[c];
    for (let k = 0; k < genes.length; k++) {
      const g = genes[k];
      const d = values[k] - centre[g];
      out[g] += squared ? d * d : d;
    }
  }
}

/** Cell ranges of about BLOCK_VALUES stored values, as moments._blocks. */
function cellBlocks(cells) {
  let nnz = 0;
  for (const c of cells) nnz += c.genes.length;
  const perCell = Math.max(1, nnz / Math.max(1, cells.length));
  const step = Math.max(1, Math.floor(BLOCK_VALUES / perCell));
  const blocks = [];
  for (let a = 0; a < cells.length; a += step) blocks.push([a, Math.min(a + step, cells.length)]);
  return blocks;
}
