"""The build's comparison data, streamed through the matrix pass (docs/COMPARE.md, "Phase 2").

The gene-bucket task (``expression.process_bucket``) holds all cells × some genes. For
``data/compare/`` it also (:func:`spill_bucket`):

- computes every row's statistics for its genes (:func:`.writer.block_rows`) and spills them
  as ``rows/b<bucket>.npy`` (n_rows, 3, bucket genes);
- re-sorts its values by tree position and spills, per *leaf range* (a range of tree positions
  cut at leaf boundaries, sized for --max-memory), that range's cells × bucket genes, plus the
  stored-value count of every position (for the leaves' capacity).

Then two more rounds of tasks, through the same runner (so a Dask build writes the same
bytes): :func:`write_rows` assembles row chunks from the buckets' pieces, one row in memory at
a time; :func:`write_leaf_range` merges a leaf range's pieces (in gene-bucket order, so
each cell's genes stay ascending) and writes its leaves. No task holds the matrix.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..options import DEFAULT_GZIP_LEVEL
from . import layout as L
from .writer import CompareLayout, block_rows, write_leaves, write_row_chunk

# Bytes per stored value a leaf-range task holds: the pieces (int32 gene, int32 position,
# value ≤ 8 B), the merged CSR (int32 + value) and merge temporaries.
LEAF_BYTES_PER_VALUE = 48
# Per gene of a bucket and per row: the spilled rows (3 float64) and exact_moments'
# temporaries (sums, counts, means, squares; up to ~9 float64 per group and gene).
ROW_BYTES_PER_GENE = 12 * 8
# Per stored value of a bucket: the zero-free copy, the position-major copy and its sort.
BUCKET_BYTES_PER_VALUE = 40


@dataclass(frozen=True)
class CompareJob:
    layout: CompareLayout
    spill_dir: str
    folder: str  # <bundle>/data/compare
    value_dtype: str
    leaf_ranges: tuple[tuple[int, int], ...]  # tree positions [a, b), whole leaves
    gzip_level: int = DEFAULT_GZIP_LEVEL
    n_buckets: int = 0
    bucket_genes: tuple[tuple[int, int], ...] = ()
    capacity: int = 0
    row_ranges: tuple[tuple[int, int], ...] = ()


def make_job(layout: CompareLayout, *, spill_dir: Path, folder: Path, value_dtype, nnz: int, max_memory: int,
             workers: int, gzip_level: int) -> CompareJob:  # fmt: skip
    """Leaf ranges of about a budget's worth of stored values each (from the average per cell:
    the counts per cell are known only after the pass), cut where leaves start."""
    per_range = max(1, max_memory // LEAF_BYTES_PER_VALUE)
    n_ranges = int(np.clip(np.ceil(nnz / per_range), 1, max(1, layout.n_cells)))
    if n_ranges > 1:
        n_ranges = -(-n_ranges // workers) * workers
    leaf_starts = np.sort(layout.tree.nodes[layout.tree.leaves, L.START].astype(np.int64))
    wanted = np.linspace(0, layout.n_cells, n_ranges + 1)[1:-1]
    cuts = np.unique(leaf_starts[np.clip(np.searchsorted(leaf_starts, wanted), 0, len(leaf_starts) - 1)])
    edges = np.unique(np.concatenate([[0], cuts, [layout.n_cells]]))
    ranges = tuple((int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a)
    return CompareJob(
        layout, str(spill_dir), str(folder), np.dtype(value_dtype).newbyteorder("<").str, ranges, gzip_level
    )


def spill_bucket(job: CompareJob, bucket_index: int, block: sp.csc_matrix) -> list:
    """The bucket's rows and leaf pieces, spilled (``block``: all cells × the bucket's genes,
    CSC with sorted cell indices, non-finite values already NaN); returns the statistics of
    each DE column's groups (categories, then the missing values' group) for the build's DE."""
    block = sp.csc_matrix((block.data.astype(job.value_dtype), block.indices, block.indptr), shape=block.shape)
    block.eliminate_zeros()  # the leaves hold no stored zeros; the rows' sums then run as write_compare's
    folder = Path(job.spill_dir)
    (folder / "rows").mkdir(parents=True, exist_ok=True)
    rows, grouped = block_rows(job.layout, block)
    np.save(folder / "rows" / f"b{bucket_index}.npy", rows)
    del rows
    position = np.empty(job.layout.n_cells, dtype=np.int32)
    position[job.layout.tree.order] = np.arange(job.layout.n_cells, dtype=np.int32)
    by_position = sp.csc_matrix((block.data, position[block.indices], block.indptr), shape=block.shape).tocsr()
    del block
    by_position.sort_indices()  # tocsr walks genes in order: a no-op check
    counts = np.diff(by_position.indptr).astype(np.int32)
    np.save(folder / "rows" / f"n{bucket_index}.npy", counts)
    for j, (a, b) in enumerate(job.leaf_ranges):
        lo, hi = by_position.indptr[a], by_position.indptr[b]
        piece = folder / f"l{j}"
        piece.mkdir(exist_ok=True)
        with open(piece / f"b{bucket_index}.npy", "wb") as handle:
            np.save(handle, counts[a:b])
            np.save(handle, by_position.indices[lo:hi].astype(np.int32))
            np.save(handle, by_position.data[lo:hi])
    return grouped[: len(job.layout.column_attrs)]


def after_pass(job: CompareJob, buckets: tuple[tuple[int, int], ...], workers: int) -> CompareJob:
    """The job of the writing rounds: the leaves' capacity from the spilled counts, row ranges."""
    from .writer import leaf_shape

    counts = np.zeros(job.layout.n_cells, dtype=np.int64)
    for b in range(len(buckets)):
        counts += np.load(Path(job.spill_dir) / "rows" / f"n{b}.npy")
    capacity, _ = leaf_shape(job.layout, counts)
    n_rows = job.layout.n_rows
    step = max(1, -(-n_rows // (4 * workers)))
    rows = tuple((a, min(a + step, n_rows)) for a in range(0, n_rows, step))
    return replace(job, n_buckets=len(buckets), bucket_genes=buckets, capacity=capacity, row_ranges=rows)


def write_rows(job: CompareJob, index: int) -> tuple[int, np.ndarray, dict]:
    """Row chunks of one row range, each assembled from the buckets' pieces (read mapped)."""
    a, b = job.row_ranges[index]
    pieces = [np.load(Path(job.spill_dir) / "rows" / f"b{k}.npy", mmap_mode="r") for k in range(job.n_buckets)]
    sizes, files = np.zeros(b - a, dtype=np.int64), {}
    for r in range(a, b):
        stats = np.concatenate([piece[r] for piece in pieces], axis=1)
        key, (size, digest) = write_row_chunk(Path(job.folder), r, stats, job.gzip_level)
        sizes[r - a] = size
        files[f"{L.ROWS}/{key}"] = (size, digest)
    return a, sizes, files


def write_leaf_range(job: CompareJob, index: int) -> tuple[np.ndarray, np.ndarray, dict]:
    """The leaves of one leaf range from its pieces, merged in bucket (gene) order: scipy's
    hstack joins each position's genes bucket after bucket in one compiled loop."""
    a, b = job.leaf_ranges[index]
    pieces = []
    for k, (g0, g1) in enumerate(job.bucket_genes):
        with open(Path(job.spill_dir) / f"l{index}" / f"b{k}.npy", "rb") as handle:
            counts, genes, values = np.load(handle), np.load(handle), np.load(handle)
        indptr = np.concatenate([[0], np.cumsum(counts, dtype=np.int64)])
        pieces.append(sp.csr_matrix((values, genes, indptr), shape=(b - a, g1 - g0)))
    cells = sp.hstack(pieces, format="csr")
    del pieces
    return write_leaves(Path(job.folder), job.layout, cells, a, job.capacity, job.gzip_level)
