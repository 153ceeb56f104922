"""The one pass over the expression matrix: gene-major chunks and DE statistics together.

The viewer wants one file per gene (all cells), while most inputs are stored by cell (CSR or
dense rows). The transpose goes through spill files so memory stays bounded:

1. ``spill_rows`` (one task per row block): the block is split by gene bucket and each piece
   is saved as ``spill/b<bucket>/r<block>.npy`` (the block's CSC columns of the bucket: column
   pointers, cell ids within the block, values; cells ascending).
2. ``process_bucket`` (one task per gene bucket): the bucket's pieces, read in block order,
   form a CSC matrix over all cells; it gives the bucket's expression chunks (written to
   ``X``) and, in the same step, the DE statistics of its genes.

CSC inputs are already gene-major: step 1 is skipped and step 2 reads column blocks.
Tasks are independent functions of a picklable :class:`MatrixJob`, so the same code runs in
a local loop or on a Dask cluster, and gives the same bytes either way.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from . import stats
from .chunks import write_row
from .options import DEFAULT_GZIP_LEVEL
from .source import open_matrix

BYTES_PER_SPILLED_VALUE = 48  # triplet on disk + CSC copy + DE temporaries, per stored value
MERGE_BYTES = 24  # stack_pieces: each row block's column pointers (int64) and scipy's, per gene of the bucket


@dataclass(frozen=True)
class DeGrouping:
    """One DE column: a group code per cell (−1 = in neither group) and its group count."""

    codes: np.ndarray
    n_groups: int


@dataclass(frozen=True)
class MatrixJob:
    source_path: str
    matrix: str
    kind: str  # csr | csc | dense
    n_cells: int
    n_genes: int
    buckets: tuple[tuple[int, int], ...]
    row_blocks: tuple[tuple[int, int], ...]
    spill_dir: str
    store_path: str
    groupings: tuple[DeGrouping, ...]
    gzip_level: int = DEFAULT_GZIP_LEVEL
    identity: tuple | None = None  # of the input when the build opened it (source.identity_of)
    compare: Any = None  # a comparison.stream.CompareJob: data/compare/'s rows and leaf pieces too

    @property
    def transposes(self) -> bool:
        return self.kind != "csc"


@dataclass(frozen=True)
class ValueSummary:
    """What the build reports about the matrix's values."""

    min: float
    max: float
    n_nonfinite: int
    all_integer: bool
    n_stored: int

    @staticmethod
    def of(values: np.ndarray, nonfinite: np.ndarray) -> ValueSummary:
        n_nonfinite = int(np.count_nonzero(nonfinite))
        finite = values[~nonfinite] if n_nonfinite else values
        return ValueSummary(
            float(finite.min()) if finite.size else np.inf,
            float(finite.max()) if finite.size else -np.inf,
            n_nonfinite,
            _all_integer(finite),
            int(values.size),
        )

    def merge(self, other: ValueSummary) -> ValueSummary:
        return ValueSummary(
            min(self.min, other.min),
            max(self.max, other.max),
            self.n_nonfinite + other.n_nonfinite,
            self.all_integer and other.all_integer,
            self.n_stored + other.n_stored,
        )


def _all_integer(values: np.ndarray, piece: int = 1 << 20) -> bool:
    """Whether every value is a whole number; in pieces, so normalised data (which fails at
    once) costs nothing and counts need no full-size temporaries."""
    for start in range(0, values.size, piece):
        part = values[start : start + piece]
        if not np.array_equal(part, np.round(part)):
            return False
    return True


@dataclass(frozen=True)
class BucketResult:
    first_gene: int
    de: tuple[stats.DeBlock, ...]
    summary: ValueSummary
    files: dict  # X chunk path relative to the bundle -> (size, sha256)
    compare_seconds: float = 0.0  # of this task, spent on the comparison data


def make_job(
    source_path: Path,
    matrix: str,
    kind: str,
    shape: tuple[int, int],
    nnz: int,
    *,
    max_memory: int,
    spill_dir: Path,
    store_path: Path,
    groupings: tuple[DeGrouping, ...],
    gzip_level: int = DEFAULT_GZIP_LEVEL,
    workers: int = 1,
    identity: tuple | None = None,
    de_bytes_per_gene: int = 0,
    extra_bytes_per_value: int = 0,
    compare: Any = None,
) -> MatrixJob:
    """Choose block and bucket sizes so that no task holds more than about ``max_memory``:
    a row block a quarter of it; a gene bucket its stored values, its genes' DE statistics
    (``de_bytes_per_gene``: the comparison rows' too) and the merge's counts per row block;
    ``extra_bytes_per_value``: what the comparison data's pieces add per stored value."""
    n_cells, n_genes = shape
    per_value = BYTES_PER_SPILLED_VALUE + extra_bytes_per_value
    budget_values = max(10_000, max_memory // per_value)
    per_row = max(1.0, nnz / max(1, n_cells))
    rows = int(np.clip(budget_values // 4 / per_row, 1, max(1, n_cells)))  # wide dense rows: few per block
    row_blocks = tuple((a, min(a + rows, n_cells)) for a in range(0, n_cells, rows))
    per_gene = per_value * nnz / n_genes + de_bytes_per_gene + MERGE_BYTES * len(row_blocks)
    n_buckets = int(np.clip(np.ceil(per_gene * n_genes / max(1, max_memory)), 1, n_genes))
    if n_buckets > 1:  # whole rounds of work for every worker: none idles at the end
        n_buckets = min(n_genes, -(-n_buckets // workers) * workers)
    edges = np.linspace(0, n_genes, n_buckets + 1).round().astype(int)
    buckets = tuple((int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a)
    return MatrixJob(
        str(source_path), matrix, kind, n_cells, n_genes, buckets, row_blocks,
        str(spill_dir), str(store_path), groupings, gzip_level, identity, compare,
    )  # fmt: skip


def spill_rows(job: MatrixJob, block_index: int) -> None:
    """Split one row block by gene bucket into spill files: each piece is the block's CSC
    columns of the bucket (column pointers, cell ids local to the block, values)."""
    start, stop = job.row_blocks[block_index]
    reader = open_matrix(job.source_path, job.matrix, (job.n_cells, job.n_genes), job.identity)
    block = reader.read_rows(start, stop).tocsc()
    reader.check_unchanged(job.identity)  # also rewritten in place while being read
    block.sort_indices()
    for bucket_index, (g0, g1) in enumerate(job.buckets):
        lo, hi = block.indptr[g0], block.indptr[g1]
        folder = Path(job.spill_dir) / f"b{bucket_index}"
        folder.mkdir(parents=True, exist_ok=True)
        # three .npy records in one plain file: no zip container, whose CRCs cost a pass each way
        with open(folder / f"r{block_index}.npy", "wb") as handle:
            _save(handle, (block.indptr[g0 : g1 + 1] - lo).astype(np.int64))
            _save(handle, block.indices[lo:hi])
            _save(handle, block.data[lo:hi])


def _save(handle, array: np.ndarray) -> None:
    """np.save's bytes, written through the file object: np.save's own short-write error
    carries no errno, so a full disk would not be recognised as one."""
    array = np.ascontiguousarray(array)
    np.lib.format.write_array_header_1_0(handle, np.lib.format.header_data_from_array_1_0(array))
    handle.write(array.data)


def load_bucket(job: MatrixJob, bucket_index: int) -> sp.csc_matrix:
    """All cells × the bucket's genes as CSC with sorted cell indices."""
    g0, g1 = job.buckets[bucket_index]
    if not job.transposes:
        reader = open_matrix(job.source_path, job.matrix, (job.n_cells, job.n_genes), job.identity)
        block = reader.read_cols(g0, g1)
        reader.check_unchanged(job.identity)
        return block
    folder = Path(job.spill_dir) / f"b{bucket_index}"
    pieces = []
    for block_index, (start, stop) in enumerate(job.row_blocks):  # block order = ascending cells
        with open(folder / f"r{block_index}.npy", "rb") as handle:
            indptr, cells, values = np.load(handle), np.load(handle), np.load(handle)
        pieces.append(sp.csc_matrix((values, cells, indptr), shape=(stop - start, g1 - g0)))
    return stack_pieces(pieces) if pieces else sp.csc_matrix((job.n_cells, g1 - g0), dtype=np.float32)


def stack_pieces(pieces: list[sp.csc_matrix]) -> sp.csc_matrix:
    """The row blocks' pieces of a bucket, one under the other: scipy's vstack of CSC matrices
    joins each gene's runs of cells in block order in one compiled loop (its cell ids offset by
    the blocks above), with no per-value index arithmetic in Python."""
    return sp.vstack(pieces, format="csc")


def process_bucket(job: MatrixJob, bucket_index: int) -> BucketResult:
    """Write the bucket's genes into X and compute their DE statistics."""
    g0 = job.buckets[bucket_index][0]
    block = load_bucket(job, bucket_index)
    # values beyond float32's range would be written as inf: they are as unusable as NaN
    nonfinite = ~(np.abs(block.data) <= np.finfo(np.float32).max)  # NaN, ±inf and beyond float32
    summary = ValueSummary.of(block.data, nonfinite)
    if nonfinite.any():  # inf is shown as missing, like NaN; DE of those genes is NaN
        block.data = np.where(nonfinite, np.nan, block.data)
    files = write_expression(job, g0, block)
    started = time.perf_counter()
    if job.compare is not None:
        from .comparison.stream import spill_bucket

        # The comparison data's exact statistics of the DE columns' groups (categories, then
        # the missing values' group) serve DE too: one computation, not two.
        shared = spill_bucket(job.compare, bucket_index, block)
        moments = [_first_groups(m, g.n_groups) for m, g in zip(shared, job.groupings, strict=True)]
    else:
        moments = stats.moments_of_block(block, [(g.codes, g.n_groups) for g in job.groupings])
    compare_seconds = time.perf_counter() - started if job.compare is not None else 0.0
    de = tuple(_stored_precision(stats.one_vs_rest(m)) for m in moments)
    return BucketResult(g0, de, summary, files, compare_seconds)


def _first_groups(moments: stats.Moments, k: int) -> stats.Moments:
    return stats.Moments(moments.n[:k], moments.mean[:k], moments.m2[:k], moments.n_pos[:k])


def _stored_precision(block: stats.DeBlock) -> stats.DeBlock:
    """The statistics the bundle stores as float32, as float32 already: the parent holds every
    bucket's results until the end of the pass (the same rounding, earlier)."""
    as32 = {
        name: getattr(block, name).astype(np.float32)
        for name in ("mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange")
    }
    return stats.DeBlock(**as32, t=block.t, pval=block.pval)


def write_expression(job: MatrixJob, first_gene: int, block: sp.csc_matrix) -> dict:
    """Gene-major dense rows of X, one gene at a time through one reused row of zeros.

    A row (400 KB for 100,000 cells) stays in the CPU cache between the scatter of the gene's
    values, zlib's read and the reset; a many-gene dense block did not, and cost a sixth of a
    bucket's time in cache misses and page faults.
    """
    array_dir = Path(job.store_path) / "X"
    prefix = f"{Path(job.store_path).name}/X/"
    indptr, indices, data = block.indptr, block.indices, block.data
    row = np.zeros(job.n_cells, dtype="<f4")
    files = {}
    for gene in range(block.shape[1]):
        cells = indices[indptr[gene] : indptr[gene + 1]]
        row[cells] = data[indptr[gene] : indptr[gene + 1]]
        rel, digest = write_row(array_dir, first_gene + gene, row, job.gzip_level)
        files[prefix + rel] = digest
        row[cells] = 0
    return files
