"""Differential expression: one category versus the rest, Welch's t-test, for all genes at once.

The work is split in two pure stages so it can run on gene blocks in any order (locally or on
Dask) and give the same numbers:

1. ``group_moments(block, codes, n_groups)``: for a block holding every cell of its genes, the
   sufficient statistics of every group: count, mean, M2 (sum of squared deviations) and the
   number of cells with a value > 0. One pass gives Σx and Σx²; M2 = Σx² − (Σx)²/n keeps
   enough digits unless the spread is tiny against the mean, and exactly there (``risky``:
   more than 6 digits would be lost, e.g. constant groups) a second, centred pass recomputes it:
   each stored value taken from its own group's mean, the implicit zeros adding
   ``(n − stored) · mean²``. So precision never depends on the data's offset.
2. ``one_vs_rest(moments)``: for every category the rest's statistics are *combined* from the
   other groups (Chan et al.'s pairwise formula), never obtained by subtracting the category
   from a total, then Welch's t, Welch–Satterthwaite degrees of freedom and the two-sided p.

Benjamini–Hochberg needs every gene of a category, so ``bh_adjust`` runs once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy import special

LFC_EPS = 1e-9


@dataclass(frozen=True)
class Moments:
    """Per group × gene sufficient statistics of one gene block (float64)."""

    n: np.ndarray  # (K,) cells per group
    mean: np.ndarray  # (K, G)
    m2: np.ndarray  # (K, G) centred sum of squares
    n_pos: np.ndarray  # (K, G) cells with a value > 0


@dataclass(frozen=True)
class DeBlock:
    """One-vs-rest results for K categories × G genes (p-values not yet adjusted)."""

    mean_in: np.ndarray
    mean_out: np.ndarray
    frac_in: np.ndarray
    frac_out: np.ndarray
    logfoldchange: np.ndarray
    t: np.ndarray
    pval: np.ndarray


def group_moments(block: sp.spmatrix, codes: np.ndarray, n_groups: int) -> Moments:
    """Sufficient statistics of each group over one block holding every cell of its genes.

    ``block`` is CSC (all cells × some genes: a gene bucket) or CSR (all cells × all genes);
    codes < 0 belong to no group. Two passes over the stored values: sums, then exact
    centred squares around each group's own mean.
    """
    return moments_of_block(block, [(codes, n_groups)])[0]


def moments_of_block(block: sp.spmatrix, groupings) -> list[Moments]:
    """``group_moments`` for several groupings ((codes, n_groups) pairs) of one block, sharing
    the per-value work (gene of each value, float64 copy) between them.

    A CSC block is taken a few genes at a time (genes are independent), so that temporaries
    stay small enough for the allocator to reuse instead of mapping fresh pages each time.
    """
    if block.format != "csc" or block.nnz <= PIECE_VALUES:
        return _moments_of_piece(block, groupings)
    pieces = [_moments_of_piece(_major_slice(block, a, b), groupings) for a, b in _column_pieces(block)]
    return [
        Moments(
            n=pieces[0][i].n,
            mean=np.hstack([p[i].mean for p in pieces]),
            m2=np.hstack([p[i].m2 for p in pieces]),
            n_pos=np.hstack([p[i].n_pos for p in pieces]),
        )
        for i in range(len(groupings))
    ]


# Values per piece of work: int64/float64 temporaries of 8 × this many bytes stay under glibc's
# 32 MiB mmap threshold, so freed memory is reused rather than returned and faulted in again.
PIECE_VALUES = 2_000_000
# Σx² − (Σx)²/n loses log10(Σx² / M2) digits; past this many the centred form is recomputed.
RISKY_DIGITS = 6


def _moments_of_piece(block, groupings) -> list[Moments]:
    layout = _layout(block)
    moments = []
    for codes, n_groups in groupings:
        flat, values = _triplets(layout, codes, n_groups)
        sums = _sums(flat, values, codes, n_groups, block.shape[1])
        risky = sums.risky()
        squares = _squares(flat, values, sums.mean(), risky) if risky.any() else None
        moments.append(finish_moments(sums, squares, risky))
    return moments


def _column_pieces(block: sp.csc_matrix):
    """Consecutive column ranges holding about PIECE_VALUES stored values each."""
    cuts = np.searchsorted(block.indptr, np.arange(PIECE_VALUES, block.nnz, PIECE_VALUES))
    edges = np.unique(np.concatenate([[0], np.clip(cuts, 1, block.shape[1]), [block.shape[1]]]))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def _major_slice(matrix: sp.spmatrix, a: int, b: int) -> sp.spmatrix:
    """Columns [a, b) of a CSC or rows [a, b) of a CSR matrix, as a view on the same buffers
    (scipy's slicing copies, slowly)."""
    lo, hi = matrix.indptr[a], matrix.indptr[b]
    shape = (matrix.shape[0], b - a) if matrix.format == "csc" else (b - a, matrix.shape[1])
    view = type(matrix)(shape, dtype=matrix.dtype)
    view.data, view.indices, view.indptr = matrix.data[lo:hi], matrix.indices[lo:hi], matrix.indptr[a : b + 1] - lo
    return view


def moments_by_row_blocks(
    matrix: sp.csr_matrix, codes: np.ndarray, n_groups: int, *, rows: int | None = None, workers: int = 1
) -> Moments:
    """The same statistics for an in-memory CSR matrix, read in row blocks (two passes).

    With ``workers`` > 1 the row blocks are shared out to forked processes, which see the
    matrix without copying it (bincount holds the GIL, so threads would not help).
    """
    if rows is None:  # about PIECE_VALUES stored values per block
        rows = max(1, int(PIECE_VALUES * matrix.shape[0] / max(1, matrix.nnz)))
    blocks = [(a, min(a + rows, matrix.shape[0])) for a in range(0, matrix.shape[0], rows)]
    shares = [blocks[i::workers] for i in range(workers)]
    _SHARED["args"] = (matrix, codes, n_groups)
    try:
        if workers == 1:
            sums = _sums_of(shares[0])
            risky = sums.risky()
            squares = _squares_of(shares[0], sums.mean(), risky) if risky.any() else None
        else:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(workers) as pool:
                sums = GroupSums.zero(n_groups, matrix.shape[1])
                for part in pool.map(_sums_of, shares):
                    sums.add_in_place(part)
                mean, risky = sums.mean(), sums.risky()
                squares = None
                if risky.any():
                    squares = sum(pool.starmap(_squares_of, [(share, mean, risky) for share in shares]))
    finally:
        _SHARED.clear()
    return finish_moments(sums, squares, risky)


_SHARED: dict = {}  # the matrix handed to forked workers by inheritance, not by pickling


def _sums_of(blocks) -> "GroupSums":
    matrix, codes, n_groups = _SHARED["args"]
    sums = GroupSums.zero(n_groups, matrix.shape[1])
    for a, b in blocks:
        sums.add_in_place(group_sums(_major_slice(matrix, a, b), codes[a:b], n_groups))
    return sums


def _squares_of(blocks, mean: np.ndarray, risky: np.ndarray) -> np.ndarray:
    matrix, codes, n_groups = _SHARED["args"]
    squares = np.zeros_like(mean)
    for a, b in blocks:
        squares += group_squares(_major_slice(matrix, a, b), codes[a:b], n_groups, mean, risky)
    return squares


@dataclass(frozen=True)
class GroupSums:
    """Additive per group × gene totals: cells, sum, sum of squares, stored values, values > 0."""

    n: np.ndarray
    total: np.ndarray
    sq: np.ndarray
    stored: np.ndarray
    n_pos: np.ndarray

    @staticmethod
    def zero(n_groups: int, n_genes: int) -> "GroupSums":
        z = np.zeros((n_groups, n_genes))
        return GroupSums(np.zeros(n_groups), z, z.copy(), z.copy(), z.copy())

    def add_in_place(self, other: "GroupSums") -> None:
        """Accumulate without allocating new tables (a frozen dataclass of mutable arrays)."""
        for mine, theirs in zip((self.n, self.total, self.sq, self.stored, self.n_pos),
                                (other.n, other.total, other.sq, other.stored, other.n_pos)):  # fmt: skip
            mine += theirs

    def naive_m2(self) -> np.ndarray:
        """Σx² − (Σx)²/n: exact enough unless the spread is tiny against the mean (see risky)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            m2 = self.sq - self.total * self.total / self.n[:, None]
        m2[self.n == 0] = 0.0
        return m2

    def risky(self) -> np.ndarray:
        """Where Σx² − (Σx)²/n would lose more than RISKY_DIGITS digits: recompute centred there."""
        m2 = self.naive_m2()
        return (self.sq > 0) & ~(m2 * 10.0**RISKY_DIGITS >= self.sq)

    def mean(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self.total / self.n[:, None]
        mean[self.n == 0] = 0.0
        return mean


def _layout(block: sp.spmatrix, float64: bool = True):
    """What every grouping of a block shares: (format, gene of each stored value or None,
    values (as float64 unless the caller only subtracts a float64 from them), the block)."""
    values = block.data.astype(np.float64) if float64 else block.data
    if block.format == "csc":
        gene_of = np.repeat(np.arange(block.shape[1], dtype=np.int64), np.diff(block.indptr))
        return "csc", gene_of, values, block
    return "csr", None, values, block


def _triplets(layout, codes: np.ndarray, n_groups: int):
    """Stored values and their flat group × gene bin; cells without a group dropped."""
    fmt, gene_of, values, block = layout
    n_genes = block.shape[1]
    offsets = codes * n_genes  # per cell: the per-value work is one gather (or repeat) and one add
    if fmt == "csc":
        flat = offsets[block.indices]
        flat += gene_of
    else:
        flat = np.repeat(offsets, np.diff(block.indptr))
        flat += block.indices
    if (codes < 0).any():
        keep = flat >= 0
        return flat[keep], values[keep]
    return flat, values


def group_sums(block: sp.spmatrix, codes: np.ndarray, n_groups: int) -> GroupSums:
    flat, values = _triplets(_layout(block), codes, n_groups)
    return _sums(flat, values, codes, n_groups, block.shape[1])


def group_squares(
    block: sp.spmatrix, codes: np.ndarray, n_groups: int, mean: np.ndarray, risky: np.ndarray | None = None
) -> np.ndarray:
    """Σ (x − group mean)² over the stored values (the zeros are added in finish_moments)."""
    # x − mean is computed in float64 anyway (mean is float64): no separate conversion pass
    flat, values = _triplets(_layout(block, float64=False), codes, n_groups)
    return _squares(flat, values, mean, risky)


def _sums(flat, values, codes, n_groups: int, n_genes: int) -> GroupSums:
    size = n_groups * n_genes
    total = np.bincount(flat, weights=values, minlength=size)
    sq = np.bincount(flat, weights=values * values, minlength=size)
    stored = np.bincount(flat, minlength=size).astype(np.float64)
    # values <= 0 (or NaN) are rare in expression data: count those, not the positives
    if values.size and values.min() > 0:  # the usual case; NaN fails the test and is counted
        not_positive = np.zeros(size)
    else:
        not_positive = np.bincount(flat[~(values > 0)], minlength=size)
    n = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)
    shape = (n_groups, n_genes)
    return GroupSums(
        n, total.reshape(shape), sq.reshape(shape), stored.reshape(shape), (stored - not_positive).reshape(shape)
    )


def _squares(flat, values, mean: np.ndarray, risky: np.ndarray | None = None) -> np.ndarray:
    if risky is not None:  # only the values of the (group, gene) pairs that need it
        keep = risky.ravel()[flat]
        flat, values = flat[keep], values[keep]
    deviation = values - mean.ravel()[flat]
    deviation *= deviation
    return np.bincount(flat, weights=deviation, minlength=mean.size).reshape(mean.shape)


def finish_moments(sums: GroupSums, squares: np.ndarray | None, risky: np.ndarray) -> Moments:
    """M2 from Σx² − (Σx)²/n where that keeps its digits, else (``risky``) from the centred
    ``squares`` (Σ (x − mean)² over stored values, computed only there)."""
    mean = sums.mean()
    m2 = sums.naive_m2()
    if squares is not None:
        # each implicit zero is (0 − mean)² away from its group's mean
        exact = squares + (sums.n[:, None] - sums.stored) * mean * mean
        # A group whose values are all equal has M2 = 0 exactly, but a mean rounded in its last
        # bit leaves n · (ε·mean)²: snap what is below rounding to 0, as numpy decides it.
        rounding = sums.n[:, None] * (4 * np.finfo(np.float64).eps * mean) ** 2
        exact[exact <= rounding] = 0.0
        m2 = np.where(risky, exact, m2)
    m2[sums.n == 0] = 0.0
    return Moments(n=sums.n, mean=mean, m2=m2, n_pos=sums.n_pos)


def combine(a: Moments, b: Moments) -> Moments:
    """The statistics of the union of two disjoint cell sets (Chan et al.'s pairwise formula),
    row by row: ``a`` and ``b`` have the same shape. Equal means give exactly the same mean and
    no added spread, so constant groups stay exactly constant; NaN propagates."""
    n = a.n + b.n
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, b.n / np.where(n > 0, n, 1), 0.0)[:, None]
        delta = b.mean - a.mean
        mean = a.mean + delta * share
        m2 = a.m2 + b.m2 + delta * delta * (a.n[:, None] * share)
    mean = np.where((b.n == 0)[:, None], a.mean, np.where((a.n == 0)[:, None], b.mean, mean))
    m2 = np.where((b.n == 0)[:, None], a.m2, np.where((a.n == 0)[:, None], b.m2, m2))
    return Moments(n=n, mean=mean, m2=m2, n_pos=a.n_pos + b.n_pos)


def one_vs_rest(moments: Moments) -> DeBlock:
    """Welch's t-test of every group against all other groups, for every gene."""
    n, mean, m2, n_pos = moments.n, moments.mean, moments.m2, moments.n_pos
    n_groups = len(n)
    shape = mean.shape
    mean_out = np.empty(shape)
    m2_out = np.empty(shape)
    n_out = np.empty(n_groups)
    pos_out = np.empty(shape)
    for k in range(n_groups):  # a loop over categories, never over genes
        rest = np.arange(n_groups) != k
        n_rest = n[rest].sum()
        n_out[k] = n_rest
        with np.errstate(invalid="ignore", divide="ignore"):
            mr = (n[rest, None] * mean[rest]).sum(axis=0) / n_rest
        spread = mean[rest] - mr
        m2_out[k] = m2[rest].sum(axis=0) + (n[rest, None] * spread * spread).sum(axis=0)
        mean_out[k] = mr
        pos_out[k] = n_pos[rest].sum(axis=0)
    n_in = n[:, None]
    n_rest = n_out[:, None]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t, pval = welch(mean, m2 / (n_in - 1), n_in, mean_out, m2_out / (n_rest - 1), n_rest)
        frac_in = n_pos / n_in
        frac_out = pos_out / n_rest
        lfc = np.log2((np.expm1(mean) + LFC_EPS) / (np.expm1(mean_out) + LFC_EPS))
    return DeBlock(mean, mean_out, frac_in, frac_out, lfc, t, pval)


def welch(mean1, var1, n1, mean2, var2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Welch's t and two-sided p; both variances zero gives t = 0, p = 1 (documented policy)."""
    se1 = var1 / n1
    se2 = var2 / n2
    se2_sum = se1 + se2
    t = (mean1 - mean2) / np.sqrt(se2_sum)
    df = se2_sum * se2_sum / (se1 * se1 / (n1 - 1) + se2 * se2 / (n2 - 1))
    pval = 2.0 * special.stdtr(df, -np.abs(t))
    flat = (var1 == 0) & (var2 == 0)
    t = np.where(flat, 0.0, t)
    pval = np.where(flat, 1.0, pval)
    return t, np.minimum(pval, 1.0)


def bh_adjust(pvals: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg along the last axis; NaN p-values stay NaN and are not counted."""
    pvals = np.asarray(pvals, dtype=np.float64)
    out = np.full(pvals.shape, np.nan)
    for row_in, row_out in zip(pvals.reshape(-1, pvals.shape[-1]), out.reshape(-1, pvals.shape[-1])):
        finite = np.flatnonzero(np.isfinite(row_in))
        m = len(finite)
        if m == 0:
            continue
        order = finite[np.argsort(row_in[finite], kind="stable")]
        scaled = row_in[order] * m / np.arange(1, m + 1)
        row_out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def top_genes(t: np.ndarray, top_n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gene indices with t > 0 by t descending (up), t < 0 ascending (down); −1 pads."""
    n_groups, n_genes = t.shape
    up = np.full((n_groups, top_n), -1, dtype=np.int32)
    down = np.full((n_groups, top_n), -1, dtype=np.int32)
    for k in range(n_groups):
        row = t[k]
        # Only genes really up (t > 0) or down (t < 0); stable sorts on (−t) and t with gene index as tie-breaker: deterministic output.
        pos = np.flatnonzero(row > 0)
        neg = np.flatnonzero(row < 0)
        ranked_up = pos[np.argsort(-row[pos], kind="stable")][:top_n]
        ranked_down = neg[np.argsort(row[neg], kind="stable")][:top_n]
        up[k, : len(ranked_up)] = ranked_up
        down[k, : len(ranked_down)] = ranked_down
    return up, down
