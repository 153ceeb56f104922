"""Synthetic single-cell .h5ad files of any size, written to disk block by block.

The matrix is CSR float32 with log1p-transformed counts; genes follow a skewed popularity
(a few genes in most cells, most genes in few), and a 20-category column shifts expression
of marker genes so DE has something to find; an 8-category column (and, on request, more
categorical columns of 12, 4, 6, … categories) splits cells at random. Memory use is one
block, whatever the number of cells. Written with h5py in anndata's on-disk format
(encoding-type attributes), uncompressed, as the benchmarks ask.

    python benchmarks/synth.py OUT.h5ad --cells 100000 --genes 20000 --nnz-per-cell 1000
    python benchmarks/synth.py OUT.h5ad --cells 20000 --genes 15000 --nnz-per-cell 1350 --extra-columns 2
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import h5py
import numpy as np

BLOCK = 20_000
EXTRA_SIZES = (12, 4, 6, 3, 10, 5)  # categories of the optional extra columns, cycled


def gene_popularity(n_genes: int, rng) -> np.ndarray:
    weights = 1.0 / np.arange(1, n_genes + 1) ** 0.8
    weights = weights[rng.permutation(n_genes)]
    return np.cumsum(weights) / weights.sum()


def draws_for_distinct(p: np.ndarray, target: int) -> int:
    """How many draws give ``target`` distinct genes on average: E = Σ 1 − (1 − p)^k."""
    lo, hi = target, target * 20
    while lo < hi:
        k = (lo + hi) // 2
        if np.sum(1 - (1 - p) ** k) < target:
            lo = k + 1
        else:
            hi = k
    return lo


def write_string_array(group, name, values):
    ds = group.create_dataset(name, data=np.array(values, dtype=object), dtype=h5py.string_dtype())
    ds.attrs["encoding-type"] = "string-array"
    ds.attrs["encoding-version"] = "0.2.0"


def write_categorical(group, name, codes, categories):
    node = group.create_group(name)
    node.attrs.update({"encoding-type": "categorical", "encoding-version": "0.2.0", "ordered": False})
    node.create_dataset("codes", data=codes.astype(np.int8))
    write_string_array(node, "categories", categories)


def write_dataframe(group, index_name, index, columns):
    group.attrs.update({"encoding-type": "dataframe", "encoding-version": "0.2.0",
                        "_index": "_index", "column-order": np.array(columns, dtype=h5py.string_dtype())})  # fmt: skip
    write_string_array(group, "_index", index)


def extra_columns(n_cells: int, count: int, seed: int) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Categorical columns "group1", "group2", … with codes drawn from their own generator, so
    that asking for them leaves every other array of the file exactly as without them."""
    rng = np.random.default_rng([seed, 1])
    columns = {}
    for i in range(count):
        size = EXTRA_SIZES[i % len(EXTRA_SIZES)]
        columns[f"group{i + 1}"] = (rng.integers(0, size, n_cells), [f"group{i + 1} {k}" for k in range(size)])
    return columns


def synthesize(out: Path, n_cells: int, n_genes: int, nnz_per_cell: int, seed: int = 0, n_extra: int = 0) -> None:
    rng = np.random.default_rng(seed)
    cdf = gene_popularity(n_genes, rng)
    n_draws = draws_for_distinct(np.diff(cdf, prepend=0.0), nnz_per_cell)
    big = rng.integers(0, 20, n_cells)
    small = rng.integers(0, 8, n_cells)
    is_marker = np.zeros((20, n_genes), dtype=bool)
    is_marker[np.repeat(np.arange(20), 30), rng.integers(0, n_genes, size=20 * 30)] = True
    with h5py.File(out, "w") as f:
        f.attrs.update({"encoding-type": "anndata", "encoding-version": "0.1.0"})
        X = f.create_group("X")
        X.attrs.update({"encoding-type": "csr_matrix", "encoding-version": "0.1.0", "shape": (n_cells, n_genes)})
        capacity = n_cells * n_draws  # an upper bound; shrunk to the real size at the end
        data = X.create_dataset("data", shape=(capacity,), maxshape=(None,), dtype=np.float32, chunks=(1 << 22,))
        indices = X.create_dataset("indices", shape=(capacity,), maxshape=(None,), dtype=np.int32, chunks=(1 << 22,))
        indptr = np.zeros(n_cells + 1, dtype=np.int64)
        filled = 0
        for start in range(0, n_cells, BLOCK):
            stop = min(start + BLOCK, n_cells)
            rows = stop - start
            # popular genes are drawn more than once per cell: duplicates are dropped below
            draws = np.searchsorted(cdf, rng.random((rows, n_draws)))
            draws = np.minimum(draws, n_genes - 1)
            draws.sort(axis=1)
            fresh = np.ones(draws.shape, dtype=bool)
            fresh[:, 1:] = draws[:, 1:] != draws[:, :-1]
            row = np.broadcast_to(np.arange(rows)[:, None], draws.shape)[fresh]
            col = draws[fresh].astype(np.int32)
            keys = col
            counts = rng.geometric(0.5, size=len(keys)).astype(np.float32)
            # marker genes of each cell's categories get more counts
            boost = is_marker[big[start + row], col] & (rng.random(len(keys)) < 0.5)
            counts[boost] += 4
            values = np.log1p(counts)
            per_row = np.bincount(row, minlength=rows)
            indptr[start + 1 : stop + 1] = filled + np.cumsum(per_row)
            data[filled : filled + len(keys)] = values
            indices[filled : filled + len(keys)] = col
            filled += len(keys)
        data.resize((filled,))
        indices.resize((filled,))
        X.create_dataset("indptr", data=indptr)
        obs = f.create_group("obs")
        extra = extra_columns(n_cells, n_extra, seed)
        write_dataframe(obs, "_index", [f"cell{i}" for i in range(n_cells)], ["cluster", "sample", *extra])
        write_categorical(obs, "cluster", big, [f"cluster {i}" for i in range(20)])
        write_categorical(obs, "sample", small, [f"sample {i}" for i in range(8)])
        for name, (codes, categories) in extra.items():
            write_categorical(obs, name, codes, categories)
        var = f.create_group("var")
        write_dataframe(var, "_index", [f"GENE{i}" for i in range(n_genes)], [])
        obsm = f.create_group("obsm")
        obsm.attrs.update({"encoding-type": "dict", "encoding-version": "0.1.0"})
        centres = rng.normal(0, 10, size=(20, 2))
        umap = centres[big] + rng.normal(0, 1.5, size=(n_cells, 2))
        obsm.create_dataset("X_umap", data=umap.astype(np.float32))
        for name in ("layers", "uns", "obsp", "varm", "varp"):
            group = f.create_group(name)
            group.attrs.update({"encoding-type": "dict", "encoding-version": "0.1.0"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--nnz-per-cell", type=int, default=1000)
    parser.add_argument("--extra-columns", type=int, default=0, help="more categorical obs columns (group1, …)")
    args = parser.parse_args()
    started = time.perf_counter()
    synthesize(args.out, args.cells, args.genes, args.nnz_per_cell, n_extra=args.extra_columns)
    print(f"wrote {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
