// A gene set's score per cell: the mean of its genes' values (as stored, so log-normalized when
// the bundle's matrix is). Each gene is one file: read a few at a time (the data layer caches
// them and drops a download nobody waits for), cancelled by `signal`.

/**
 * Float32Array of n_cells: per cell, the mean over the set's genes with a value (a NaN counts as
 * no value for that gene; NaN when no gene has one). onProgress(done, total) after each gene.
 */
export async function geneSetMean(ds, genes, { signal, parallel = 6, onProgress = () => {} } = {}) {
  const n = ds.nCells;
  const sum = new Float64Array(n);
  const count = new Uint32Array(n);
  let next = 0;
  let done = 0;
  async function reader() {
    while (next < genes.length) {
      const values = await ds.gene(genes[next++], { signal });
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (Number.isFinite(v)) {
          sum[i] += v;
          count[i]++;
        }
      }
      onProgress(++done, genes.length);
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, genes.length) }, reader));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = count[i] ? sum[i] / count[i] : NaN;
  return out;
}
