"""Differential expression: one category versus the rest, Welch's t-test, for all genes at once.

The work is split in two pure stages so it can run on gene blocks in any order (locally or on
Dask) and give the same numbers:

1. ``group_moments(block, codes, n_groups)``: for a block holding every cell of its genes, the
   sufficient statistics of every group: count, mean, M2 (sum of squared deviations) and the
   number of cells with a value > 0. One pass gives the sums of d and d² for d = x − s, where
   s is a *data value* of the group (its first cell's value of the gene, as
   ``comparison.moments`` does): a group whose values are all equal has d = 0 exactly, so its
   mean is exactly that value and its M2 exactly 0 (Σx/n is not: 0.1 in every cell gave a
   non-zero variance and t = ±31). M2 = Σd² − (Σd)²/n keeps enough digits unless the spread is
   tiny against |mean − s|, and exactly there (``risky``: more than 6 digits would be lost) a
   second, centred pass recomputes it: each stored value taken from its own group's mean, the
   implicit zeros adding ``(n − stored) · mean²``. So precision never depends on the offset.
2. ``one_vs_rest(moments)``: for every category the rest's statistics are *combined* from the
   other groups (Chan et al.'s pairwise formula, through running prefix and suffix
   combinations), never obtained by subtracting the category from a total, then Welch's t,
   Welch–Satterthwaite degrees of freedom and the two-sided p.

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
    pieces = [_moments_of_piece(_columns(block, a, b), groupings) for a, b in _column_pieces(block)]
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
        shift = _first_values(layout, codes, n_groups)
        flat, values = _triplets(layout, codes, n_groups)
        sums = _sums(flat, values, codes, n_groups, shift)
        risky = sums.risky()
        squares = _squares(flat, values, sums.mean(), risky) if risky.any() else None
        moments.append(finish_moments(sums, squares, risky))
    return moments


def _column_pieces(block: sp.csc_matrix):
    """Consecutive column ranges holding about PIECE_VALUES stored values each."""
    cuts = np.searchsorted(block.indptr, np.arange(PIECE_VALUES, block.nnz, PIECE_VALUES))
    edges = np.unique(np.concatenate([[0], np.clip(cuts, 1, block.shape[1]), [block.shape[1]]]))
    return list(zip(edges[:-1].tolist(), edges[1:].tolist()))


def _columns(block: sp.csc_matrix, a: int, b: int) -> sp.csc_matrix:
    """Columns [a, b) of a CSC matrix as a view on the same buffers (scipy's slicing copies, slowly)."""
    lo, hi = block.indptr[a], block.indptr[b]
    view = sp.csc_matrix((block.shape[0], b - a), dtype=block.dtype)
    view.data, view.indices, view.indptr = block.data[lo:hi], block.indices[lo:hi], block.indptr[a : b + 1] - lo
    return view


@dataclass(frozen=True)
class GroupSums:
    """Per group × gene totals: cells, Σd and Σd² of d = x − shift (implicit zeros included),
    stored values, values > 0, and the shift (a value of the group's, see the module's doc)."""

    n: np.ndarray
    total: np.ndarray
    sq: np.ndarray
    stored: np.ndarray
    n_pos: np.ndarray
    shift: np.ndarray

    def naive_m2(self) -> np.ndarray:
        """Σd² − (Σd)²/n: exact enough unless the spread is tiny against |mean − shift| (risky)."""
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
            mean = self.shift + self.total / self.n[:, None]
        mean[self.n == 0] = 0.0
        return mean


def _layout(block: sp.spmatrix):
    """What every grouping of a block shares: (format, gene of each stored value or None,
    values as float64, the block)."""
    values = block.data.astype(np.float64)
    if block.format == "csc":
        gene_of = np.repeat(np.arange(block.shape[1], dtype=np.int64), np.diff(block.indptr))
        return "csc", gene_of, values, block
    return "csr", None, values, block


def _first_values(layout, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group and gene, the value of the group's first cell (0 where it stores none)."""
    fmt, gene_of, values, block = layout
    member = np.flatnonzero(codes >= 0)
    groups, where = np.unique(codes[member], return_index=True)
    first = member[where]
    shift = np.zeros((n_groups, block.shape[1]))
    if fmt == "csc":
        is_first = np.zeros(len(codes), dtype=bool)
        is_first[first] = True
        at = np.flatnonzero(is_first[block.indices])
        shift[codes[block.indices[at]], gene_of[at]] = values[at]
    else:
        for group, cell in zip(groups.tolist(), first.tolist()):
            lo, hi = block.indptr[cell], block.indptr[cell + 1]
            shift[group, block.indices[lo:hi]] = values[lo:hi]
    return shift


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


def _sums(flat, values, codes, n_groups: int, shift: np.ndarray) -> GroupSums:
    n_genes = shift.shape[1]
    size = n_groups * n_genes
    deviation = values - shift.ravel()[flat]
    total = np.bincount(flat, weights=deviation, minlength=size).astype(np.float64, copy=False)
    deviation *= deviation
    sq = np.bincount(flat, weights=deviation, minlength=size).astype(np.float64, copy=False)
    stored = np.bincount(flat, minlength=size).astype(np.float64)
    # values <= 0 (or NaN) are rare in expression data: count those, not the positives
    if values.size and values.min() > 0:  # the usual case; NaN fails the test and is counted
        not_positive: np.ndarray = np.zeros(size)
    else:
        not_positive = np.bincount(flat[~(values > 0)], minlength=size)
    n = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)
    shape = (n_groups, n_genes)
    stored, total, sq = stored.reshape(shape), total.reshape(shape), sq.reshape(shape)
    implicit = n[:, None] - stored  # each implicit zero is d = −shift
    total -= implicit * shift
    sq += implicit * shift * shift
    return GroupSums(n, total, sq, stored, (stored.ravel() - not_positive).reshape(shape), shift)


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
    """Welch's t-test of every group against all other groups, for every gene.

    The rest of group k is groups 0..k−1 combined with groups k+1..K−1: running prefix and
    suffix combinations (Chan's formula, as ``combine``) give every rest in O(K·G), where
    summing the other groups for each k cost O(K²·G) (35 s for 200 categories × 30,000 genes).
    Combining, never subtracting a group from a total, keeps every digit, and a constant gene
    stays exactly constant (equal means add no spread).
    """
    n, mean, m2, n_pos = moments.n, moments.mean, moments.m2, moments.n_pos
    n_groups = len(n)
    suffix = _suffixes(n, mean, m2)
    mean_out = np.empty(mean.shape)
    m2_out = np.empty(mean.shape)
    before = (0.0, np.zeros(mean.shape[1]), np.zeros(mean.shape[1]))  # groups 0..k−1
    for k in range(n_groups):  # a loop over categories, never over genes
        _n, mean_out[k], m2_out[k] = _merge(*before, *(suffix[0][k + 1], suffix[1][k + 1], suffix[2][k + 1]))
        before = _merge(*before, n[k], mean[k], m2[k])
    n_in = n[:, None]
    n_rest = (n.sum() - n)[:, None]
    pos_out = n_pos.sum(axis=0) - n_pos  # counts: exact in float64
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        t, pval = welch(mean, m2 / (n_in - 1), n_in, mean_out, m2_out / (n_rest - 1), n_rest)
        frac_in = n_pos / n_in
        frac_out = pos_out / n_rest
        lfc = np.log2((np.expm1(mean) + LFC_EPS) / (np.expm1(mean_out) + LFC_EPS))
    return DeBlock(mean, mean_out, frac_in, frac_out, lfc, t, pval)


def _suffixes(n, mean, m2):
    """Row k: groups k..K−1 combined (row K: none), as (n, mean, M2) arrays."""
    n_groups, n_genes = mean.shape
    n_after = np.zeros(n_groups + 1)
    mean_after = np.zeros((n_groups + 1, n_genes))
    m2_after = np.zeros((n_groups + 1, n_genes))
    for k in range(n_groups - 1, -1, -1):
        later = (n_after[k + 1], mean_after[k + 1], m2_after[k + 1])
        n_after[k], mean_after[k], m2_after[k] = _merge(n[k], mean[k], m2[k], *later)
    return n_after, mean_after, m2_after


def _merge(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """``combine`` for one row of two disjoint cell sets (counts are scalars here)."""
    if n_b == 0:
        return n_a, mean_a, m2_a
    if n_a == 0:
        return n_b, mean_b, m2_b
    n = n_a + n_b
    share = n_b / n
    delta = mean_b - mean_a
    return n, mean_a + delta * share, m2_a + m2_b + delta * delta * (n_a * share)


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
    n_groups, _n_genes = t.shape
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
