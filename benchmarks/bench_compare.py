"""Bytes per comparison (issue #11): the comparison data of a synthetic dataset, written from the
matrix in memory, and what a lasso around each cluster against the rest would read.

    python benchmarks/bench_compare.py                      # 100,000 cells (synth.py's file)
    python benchmarks/bench_compare.py --leaf-cells 32 64 --row-cells 512 1024 2048
    python benchmarks/bench_compare.py --model 1000000      # + an estimate at 1M cells

For each (leaf_cells, row_cells): the write time and storage, then per cluster the cells in a
lasso (a 64-gon of radius 3 standard deviations around the cluster's median, in display
coordinates, as a reader would draw it) and the planned bytes of "lasso against the rest",
then a few category comparisons and the time of Python's engine for three lassos.
``--model N`` re-plans the same kind of lassos on N cells drawn like synth.py's UMAP, with
bytes per cell and per row taken from the measured data (no matrix is built).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xgexport.annotations import encode_embedding
from xgexport.comparison import (
    ColumnGroups,
    compare,
    planner,
    write_compare,
)
from xgexport.comparison import layout as L
from xgexport.comparison.reader import CompareData
from xgexport.comparison.tree import build_tree
from xgexport.store import create, open_store

WORK = Path(__file__).resolve().parent / "work"
SIGMA = 1.5  # synth.py's cluster spread


def load(path: Path):
    with h5py.File(path, "r") as f:
        X = f["X"]
        shape = tuple(X.attrs["shape"])
        matrix = sp.csr_matrix((X["data"][:], X["indices"][:], X["indptr"][:]), shape=shape)
        umap = f["obsm/X_umap"][:]
        cluster = f["obs/cluster/codes"][:].astype(np.int64)
        sample = f["obs/sample/codes"][:].astype(np.int64)
    return matrix, umap, cluster, sample


def data_group(folder: Path, matrix, umap, cluster, sample):
    """The parts of a bundle's data group the comparison engine reads besides compare/."""
    root = open_store(folder)
    embedding = encode_embedding(umap, "X_umap")
    create(root, "embeddings/0/display", embedding.display, attrs=embedding.attrs)
    create(root, "var/names", np.array([f"GENE{i}" for i in range(matrix.shape[1])], dtype=object))
    create(root, "obs/0/codes", cluster.astype(np.int8), attrs={"categories": [f"cluster {i}" for i in range(20)]})
    create(root, "obs/1/codes", sample.astype(np.int8), attrs={"categories": [f"sample {i}" for i in range(8)]})
    root.attrs["xgexport"] = {"obs": [{"id": "0", "name": "cluster", "kind": "categorical"},
                                      {"id": "1", "name": "sample", "kind": "categorical"}]}  # fmt: skip
    return embedding


def lasso(display: np.ndarray, attrs: dict, centre: np.ndarray, radius: float) -> np.ndarray:
    """Cells inside a 64-gon around ``centre`` (embedding units), tested on display coordinates."""
    lo, hi = np.asarray(attrs["min"]), np.asarray(attrs["max"])
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    polygon = (centre + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1) - lo) / (hi - lo) * 65535
    return inside_polygon(display.astype(np.float64), polygon) & (display[:, 0] < 65535)


def inside_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Even-odd rule, one edge at a time."""
    x, y = points[:, 0], points[:, 1]
    inside = np.zeros(len(points), dtype=bool)
    for (x1, y1), (x2, y2) in zip(polygon, np.roll(polygon, -1, axis=0)):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < at)
    return inside


def lasso_plans(data: CompareData, display, attrs, umap, cluster):
    tree = planner.Tree.of_nodes(data.nodes, data.row_info[:, L.ROW_BYTES], data.leaf_bytes)
    results = []
    for k in range(20):
        member = lasso(display, attrs, np.median(umap[cluster == k], axis=0), 3 * SIGMA)
        count_a = planner.node_counts(data.nodes, data.order, member)
        count_b = planner.node_counts(data.nodes, data.order, ~member)
        started = time.perf_counter()
        plan = planner.plan(tree, count_a, count_b)
        results.append((k, member, plan, time.perf_counter() - started))
    return results


def run(args, matrix, umap, cluster, sample, leaf_cells: int, row_cells: int) -> dict:
    folder = WORK / f"compare-{matrix.shape[0]}-{leaf_cells}-{row_cells}" / "data"
    shutil.rmtree(folder.parent, ignore_errors=True)
    embedding = data_group(folder, matrix, umap, cluster, sample)
    columns = [ColumnGroups("0", "cluster", cluster, 20), ColumnGroups("1", "sample", sample, 8)]
    started = time.perf_counter()
    write_compare(folder, matrix, embedding.display, "0", columns, (("0", "1"),),
                  leaf_cells=leaf_cells, row_cells=row_cells, level=args.level)  # fmt: skip
    seconds = time.perf_counter() - started
    data = CompareData(folder.parent)
    row_bytes, leaf_bytes = data.row_info[:, L.ROW_BYTES], data.leaf_bytes
    print(f"\nleaf_cells={leaf_cells} row_cells={row_cells} gzip {args.level}: written in {seconds:.1f} s; "
          f"{len(row_bytes)} rows {row_bytes.sum() / 1e6:.1f} MB, {len(leaf_bytes)} leaves "
          f"{leaf_bytes.sum() / 1e6:.1f} MB ({leaf_bytes.sum() / matrix.nnz:.2f} B per stored value)")  # fmt: skip
    fixed = sum(
        p.stat().st_size for name in (L.NODES, L.ROW_INFO, L.LEAF_BYTES) for p in (folder / L.GROUP / name).glob("c.*")
    )
    print(f"read once before the first comparison: {fixed / 1e3:.0f} KB ({len(data.nodes)} nodes, row and leaf sizes)")
    plans = lasso_plans(data, embedding.display, embedding.attrs, umap, cluster)
    print("cluster  cells  share   MB  rows leaves  plan ms")
    for k, member, plan, took in plans:
        print(f"{k:7d} {member.sum():6d} {member.mean():6.1%} {plan.bytes / 1e6:5.2f} {len(plan.rows):4d} "
              f"{len(plan.leaves):6d} {took * 1e3:8.0f}")  # fmt: skip
    megabytes = np.array([p.bytes for _, _, p, _ in plans]) / 1e6
    print(f"lasso vs rest: median {np.median(megabytes):.2f} MB, 90th percentile "
          f"{np.percentile(megabytes, 90):.2f} MB, max {megabytes.max():.2f} MB")  # fmt: skip
    categories(folder.parent)
    seconds, recomputed = [], 0
    for _k, member, plan, _ in plans[: args.engine]:
        started = time.perf_counter()
        info = compare(folder.parent, np.flatnonzero(member)).attrs["comparison"]
        seconds.append(time.perf_counter() - started)
        assert info["bytes_read"] == plan.bytes or sum(info["genes_recomputed"].values())
        recomputed += sum(info["genes_recomputed"].values())
    if seconds:
        print(f"Python engine on {len(seconds)} lassos: {min(seconds):.2f}–{max(seconds):.2f} s each; "
              f"read what was planned; genes recomputed without subtraction: {recomputed}")  # fmt: skip
    if args.check:
        check(folder.parent, matrix, plans[0][1], args.check)
    return {"data": data, "plans": plans}


def check(bundle: Path, matrix, member: np.ndarray, n_genes: int) -> None:
    """The first lasso against the rest, against scipy in float64 on the first genes and the
    200 with the largest |t| (the markers, with the smallest p-values)."""
    import scipy.stats as ss

    frame = compare(bundle, np.flatnonzero(member))
    genes = np.union1d(np.arange(n_genes), np.argsort(-np.abs(frame.t.to_numpy()))[:200])
    dense = matrix[:, genes].toarray().astype(np.float64)
    reference = ss.ttest_ind(dense[member], dense[~member], equal_var=False)
    t, p = frame.t.to_numpy()[genes], frame.pval.to_numpy()[genes]
    n_genes = len(genes)
    worst_t = np.max(np.abs(t - reference.statistic) / np.abs(reference.statistic))
    worst_p = np.max(np.abs(p - reference.pvalue) / np.maximum(reference.pvalue, 1e-300))
    print(f"against scipy on {n_genes} genes: t within {worst_t:.1e}, p within {worst_p:.1e} (relative); "
          f"smallest p {reference.pvalue.min():.1e}")  # fmt: skip


def categories(bundle: Path) -> None:
    cases = [
        ("cluster 3 vs rest", {"cluster": ["cluster 3"]}, "rest"),
        ("clusters 1+3+5 vs rest", {"cluster": ["cluster 1", "cluster 3", "cluster 5"]}, "rest"),
        ("cluster 3 vs cluster 4", {"cluster": ["cluster 3"]}, {"cluster": ["cluster 4"]}),
        ("sample 0 vs 1 within cluster 3", {"cluster": ["cluster 3"], "sample": ["sample 0"]},
         {"cluster": ["cluster 3"], "sample": ["sample 1"]}),
    ]  # fmt: skip
    for name, a, b in cases:
        started = time.perf_counter()
        info = compare(bundle, a, b).attrs["comparison"]
        print(f"{name}: {info['bytes_read'] / 1e6:.2f} MB in {info['files_read']} files, "
              f"{time.perf_counter() - started:.2f} s ({info['route']})")  # fmt: skip


def model(n_cells: int, measured: dict, leaf_cells: int, row_cells: int, seed: int = 1) -> None:
    """Plans at ``n_cells`` with synth.py's UMAP recipe and the measured bytes per cell/row."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 20, n_cells)
    umap = rng.normal(0, 10, size=(20, 2))[cluster] + rng.normal(0, SIGMA, size=(n_cells, 2))
    embedding = encode_embedding(umap, "X_umap")
    data = measured["data"]
    per_cell = data.leaf_bytes.sum() / data.n_cells
    big = data.row_info[:, L.ROW_N] >= row_cells
    per_row = np.median(data.row_info[big, L.ROW_BYTES])  # rows of >= row_cells cells
    tree = build_tree(embedding.display, leaf_cells, row_cells, 1)
    nodes = tree.nodes.astype(np.int64)
    n_rows = int(nodes[:, L.ROW].max()) + 1
    leaves = tree.leaves
    leaf_bytes = np.zeros(len(leaves), dtype=np.int64)
    leaf_bytes[nodes[leaves, L.LEAF]] = nodes[leaves, L.COUNT] * per_cell
    plan_tree = planner.Tree.of_nodes(nodes, np.full(n_rows, per_row, dtype=np.int64), leaf_bytes)
    megabytes = []
    for k in range(20):
        member = lasso(embedding.display, embedding.attrs, np.median(umap[cluster == k], axis=0), 3 * SIGMA)
        count_a = planner.node_counts(nodes, tree.order, member)
        count_b = planner.node_counts(nodes, tree.order, ~member)
        megabytes.append(planner.plan(plan_tree, count_a, count_b).bytes / 1e6)
    megabytes = np.array(megabytes)
    print(f"\nmodel at {n_cells} cells ({per_cell:.0f} B per cell, {per_row / 1e3:.0f} KB per row; "
          f"{len(leaves)} leaves, {n_rows} rows = {n_rows * per_row / 1e9:.2f} GB of rows): lasso vs rest "
          f"median {np.median(megabytes):.2f} MB, 90th percentile {np.percentile(megabytes, 90):.2f} MB, "
          f"max {megabytes.max():.2f} MB")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=WORK / "synth-100k.h5ad")
    parser.add_argument("--leaf-cells", type=int, nargs="+", default=[L.LEAF_CELLS])
    parser.add_argument("--row-cells", type=int, nargs="+", default=[L.ROW_CELLS])
    parser.add_argument("--level", type=int, default=1, help="gzip level of the comparison data")
    parser.add_argument("--model", type=int, default=0, help="also estimate bytes at this many cells")
    parser.add_argument("--engine", type=int, default=20, help="lassos to run through xgexport.compare")
    parser.add_argument("--check", type=int, default=0, help="check the first lasso against scipy on this many genes")
    args = parser.parse_args()
    if not args.input.exists():
        from synth import synthesize

        WORK.mkdir(exist_ok=True)
        synthesize(args.input, 100_000, 20_000, 1000)
    matrix, umap, cluster, sample = load(args.input)
    print(
        f"{args.input.name}: {matrix.shape[0]} cells × {matrix.shape[1]} genes, {matrix.nnz / matrix.shape[0]:.0f} stored per cell"
    )
    for leaf_cells in args.leaf_cells:
        for row_cells in args.row_cells:
            measured = run(args, matrix, umap, cluster, sample, leaf_cells, row_cells)
            if args.model:
                model(args.model, measured, leaf_cells, row_cells)


if __name__ == "__main__":
    main()
