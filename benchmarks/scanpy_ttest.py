"""scanpy's rank_genes_groups(method="t-test") on one obs column, timed alone, in its own process.

    python benchmarks/scanpy_ttest.py DATA.h5ad COLUMN SCORES.json

Default arguments otherwise (as a user calls it). Prints one JSON line: the call's wall time,
its CPU time (all threads of this process), the file's load time; writes the scores of the
first category's reported genes to SCORES.json, to check the statistics of a bundle against.
"""

from __future__ import annotations

import json
import sys
import time
import warnings


def main(path: str, column: str, scores_out: str) -> None:
    started = time.perf_counter()
    import anndata as ad
    import scanpy as sc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(path)
        # h5ad stores int32 indices with int64 indptr; scanpy's eliminate_zeros needs one dtype
        if hasattr(adata.X, "indices"):
            adata.X.indices = adata.X.indices.astype(adata.X.indptr.dtype)
        loaded = time.perf_counter() - started
        wall, cpu = time.perf_counter(), time.process_time()
        sc.tl.rank_genes_groups(adata, column, method="t-test")
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    result = adata.uns["rank_genes_groups"]
    first = adata.obs[column].cat.categories[0]
    with open(scores_out, "w") as f:
        json.dump({"category": str(first), "names": [str(n) for n in result["names"][first]],
                   "scores": [float(s) for s in result["scores"][first]]}, f)  # fmt: skip
    print(json.dumps({"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_s": round(loaded, 2)}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
