"""DE speed: xgexport's vectorized Welch tests against scanpy's rank_genes_groups(t-test).

Generates (once) 100,000 cells × 20,000 genes, CSR, ~1,500 non-zeros per cell, with a
20-category column, then in one run times, on the same machine and data:

1. scanpy.tl.rank_genes_groups(method="t-test", groupby="cluster") on the in-memory AnnData
   (every category vs rest, all genes: what cellxgene-style DE costs);
2. xgexport's DE of the same column from the same in-memory matrix by genes (the kernel
   of the build's gene buckets, stats.moments_of_block, + one_vs_rest + BH, one process),
   and checks both agree;
3. the whole `xgexport build` of the file (reading, transposing, writing, DE for both
   categorical columns, site, manifest) as a subprocess, twice.

    python benchmarks/bench_de.py [--cells 100000] [--genes 20000] [--nnz-per-cell 1500]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import WORK, generated


def xgexport_de(matrix_csc, codes, n_groups):
    """xgexport's DE of one column from an in-memory CSC matrix, with the kernel each gene
    bucket of a build runs (in 2M-value pieces), in one process."""
    from xgexport import stats

    moments = stats.moments_of_block(matrix_csc, [(codes, n_groups)])[0]
    result = stats.one_vs_rest(moments)
    return result.t, stats.bh_adjust(result.pval)


def remove_old_bundles() -> list[Path]:
    """Delete the bundles of an earlier run now, not right before the builds: on ext4 without
    a journal (this VM's disk) creating files just after deleting tens of thousands is several
    times slower, which would charge the benchmark's own clean-up to the build."""
    outs = [WORK / f"de_bundle_{run}" for run in (1, 2)]
    for out in outs:
        shutil.rmtree(out, ignore_errors=True)
    return outs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--nnz-per-cell", type=int, default=1500)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    path = generated(
        WORK / f"de_{args.cells}x{args.genes}x{args.nnz_per_cell}.h5ad", args.cells, args.genes, args.nnz_per_cell
    )

    outs = remove_old_bundles()

    import anndata as ad
    import scanpy as sc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(path)
    # h5ad stores int32 indices with int64 indptr; scanpy's eliminate_zeros needs one dtype
    adata.X.indices = adata.X.indices.astype(adata.X.indptr.dtype)
    print(f"data: {adata.n_obs} cells × {adata.n_vars} genes, {adata.X.nnz / adata.n_obs:.0f} non-zeros per cell")
    codes = adata.obs["cluster"].cat.codes.to_numpy().astype(np.int64)
    n_groups = len(adata.obs["cluster"].cat.categories)

    by_genes = adata.X.tocsc()  # what a build's transpose gives its gene buckets (timed in the build below)
    # best of two runs each: the first run of either pays for first-touch page faults
    ours_runs, theirs_runs = [], []
    for _ in range(2):
        started = time.perf_counter()
        t, _padj = xgexport_de(by_genes, codes, n_groups)
        ours_runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sc.tl.rank_genes_groups(adata, "cluster", method="t-test", n_genes=adata.n_vars, use_raw=False)
        theirs_runs.append(time.perf_counter() - started)
    ours, theirs = min(ours_runs), min(theirs_runs)
    print(f"xgexport DE, {n_groups} categories × {adata.n_vars} genes: runs "
          f"{', '.join(f'{x:.1f}' for x in ours_runs)} s", flush=True)  # fmt: skip
    print(f"scanpy rank_genes_groups(t-test), same column: runs "
          f"{', '.join(f'{x:.1f}' for x in theirs_runs)} s", flush=True)  # fmt: skip

    # agreement: scanpy's scores for category 0 vs ours (scanpy computes in float32/64 mixes)
    result = adata.uns["rank_genes_groups"]
    names = np.asarray(result["names"]["cluster 0"])
    scores = np.asarray(result["scores"]["cluster 0"], dtype=np.float64)
    index = adata.var_names.get_indexer(names)
    agree = np.nanmax(np.abs(scores - t[0, index]) / np.maximum(np.abs(t[0, index]), 1e-3))
    print(f"max relative difference of t (category 0) vs scanpy: {agree:.2e}")

    build_runs = []
    for out in outs:  # fresh folders, emptied before scanpy ran: see remove_old_bundles
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xgexport.cli", "build", str(path), str(out), "-q"], check=True)
        build_runs.append(time.perf_counter() - started)
    whole = min(build_runs)
    print(f"whole xgexport build (2 DE columns, writing included): runs "
          f"{', '.join(f'{x:.1f}' for x in build_runs)} s", flush=True)  # fmt: skip
    print(f"RESULT de_speedup={theirs / ours:.1f}x build_vs_scanpy_de={theirs / whole:.2f}x "
          f"(ours {ours:.1f} s, scanpy {theirs:.1f} s, build {whole:.1f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
