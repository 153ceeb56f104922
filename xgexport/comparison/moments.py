"""Exact group statistics, and the algebra that assembles a group from stored pieces.

``exact_moments`` computes (n, mean, M2, count > 0) per group and gene in float64 with two
passes around a *data value* of the group (its first cell's value of the gene): a group whose
values are all equal gets exactly that value as mean and exactly 0 as M2, so "zero variance"
is a fact, not a rounding threshold, through every later combination (Chan's formula keeps
equal means and adds nothing). The build's one-pass DE kernel keeps ten digits of M2; pieces
that may later be subtracted need all of them.

``row_moments_many`` is the build's kernel for the stored rows (the same statistics in one pass
over the values, a second only where the first could lose digits: the argument is in
docs/COMPARE.md, "Exactness"); ``exact_moments`` stays the two-pass kernel of the engine's leaf
cells, which the viewer's worker ports line for line.

``subtract`` undoes a combination (a set's statistics without a subset's) and reports, per
gene, where that kept too few digits to meet Welch's 1e-6 target: the caller computes those
genes again without subtraction.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..stats import Moments, combine

# values per block of work: float64/int64 temporaries of a few × 8 B × this stay small
BLOCK_VALUES = 2_000_000

# Error bound of a stored or combined piece, in units of float64's epsilon relative to the
# magnitudes that enter it (pairwise combination of up to ~2^10 pieces, two-pass pieces).
PIECE_EPS = 16 * np.finfo(np.float64).eps
# Welch's p within 1e-6 (relative) up to |t| ≈ 38 (p ≈ 1e-300) needs t within ~2.6e-8 absolute:
# M2 to 1e-10 (relative) and the mean to 1e-9 of its standard error. Subtraction results
# whose error bound exceeds these are recomputed by addition.
M2_TOLERANCE = 1e-10
MEAN_TOLERANCE = 1e-9


def empty(n_genes: int, n_groups: int = 1) -> Moments:
    z = np.zeros((n_groups, n_genes))
    return Moments(np.zeros(n_groups), z, z.copy(), z.copy())


def exact_moments(matrix, codes: np.ndarray, n_groups: int) -> Moments:
    """Statistics of each group (codes < 0: no group) over a CSR or CSC matrix of cells × genes
    with duplicate-free indices (the build has a gene bucket as CSC, the engine leaves as CSR)."""
    return exact_moments_many(matrix, [(codes, n_groups)])[0]


def exact_moments_many(matrix, groupings) -> list[Moments]:
    """:func:`exact_moments` for several groupings ((codes, n_groups) pairs) of one matrix, in
    blocks along the stored axis (temporaries stay small), each block's float64 values and
    per-value cells or genes shared by the groupings. Each grouping's sums run in the same
    order as alone: the same bits."""
    n_genes = matrix.shape[1]
    prepared = []
    for codes, n_groups in groupings:
        codes = np.asarray(codes, dtype=np.int64)
        n = np.bincount(codes[codes >= 0], minlength=n_groups).astype(np.float64)
        prepared.append((codes, n_groups, n, _shift(matrix, codes, n_groups)))
    blocks = _blocks(matrix)
    sums = [(np.zeros(k * n_genes), np.zeros(k * n_genes), np.zeros(k * n_genes)) for _, k, _, _ in prepared]
    for a, b in blocks:
        shared = _block(matrix, a, b)
        for (codes, n_groups, _, shift), (s1, stored, n_pos) in zip(prepared, sums):
            flat, values = _triplets(shared, codes, n_genes)
            size = n_groups * n_genes
            s1 += np.bincount(flat, weights=values - shift.ravel()[flat], minlength=size)
            stored += np.bincount(flat, minlength=size)
            n_pos += np.bincount(flat[values > 0], minlength=size)
    means = []
    for (_, n_groups, n, shift), (s1, stored, _) in zip(prepared, sums):
        implicit = n[:, None] - stored.reshape(n_groups, n_genes)  # cells whose value is an implicit zero
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = shift + (s1.reshape(n_groups, n_genes) - implicit * shift) / n[:, None]
        mean[n == 0] = 0.0
        means.append((mean, implicit))
    squares = [np.zeros(k * n_genes) for _, k, _, _ in prepared]
    for a, b in blocks:
        shared = _block(matrix, a, b)
        for (codes, n_groups, _, _), (mean, _), total in zip(prepared, means, squares):
            flat, values = _triplets(shared, codes, n_genes)
            deviation = values - mean.ravel()[flat]
            total += np.bincount(flat, weights=deviation * deviation, minlength=n_groups * n_genes)
    out = []
    for (_, n_groups, n, _), (mean, implicit), total, (_, _, n_pos) in zip(prepared, means, squares, sums):
        m2 = total.reshape(n_groups, n_genes) + implicit * mean * mean
        out.append(Moments(n=n, mean=mean, m2=m2, n_pos=n_pos.reshape(n_groups, n_genes)))
    return out


# Row pieces keep the one-pass M2 = Σx² − (Σx)²/n where ρ = Σx²/M2 is at most this (its rounding
# error is then at most (ρ + 2√(ρ(ρ−1)))·γ·M2 ≤ 4.9·γ·M2 against the two-pass's ≈ γ·M2, γ being
# the error of one float64 sum of positive terms; docs/COMPARE.md); elsewhere, the two passes.
ONE_PASS_RATIO = 2.0


def row_moments_many(matrix, groupings) -> list[Moments]:
    """:func:`exact_moments_many`'s statistics for the stored rows, cheaper: Σx, Σx² and the
    counts in one pass; the (group, gene) pairs whose ρ exceeds ONE_PASS_RATIO (constant groups
    among them: their one-pass M2 is rounding noise against Σx²) are computed again by the exact
    two passes, over the columns that hold such a pair, with exact_moments_many's very digits. A CSC matrix
    is taken a span of genes at a time (each gene whole: both passes in one go, bins for the
    span's genes only); CSR in blocks of cells. Per (group, gene) the values are summed in
    ascending cell order either way: CSC and single-block CSR give the same bits."""
    if matrix.format != "csc":
        return _row_moments(matrix, groupings)
    spans = [_row_moments(_column_view(matrix, a, b), groupings) for a, b in _blocks(matrix)]
    return [_side_by_side([span[i] for span in spans]) for i in range(len(groupings))]


def _side_by_side(parts: list[Moments]) -> Moments:
    """One grouping's statistics over consecutive spans of genes, as one table."""
    return Moments(
        n=parts[0].n,
        mean=np.hstack([p.mean for p in parts]),
        m2=np.hstack([p.m2 for p in parts]),
        n_pos=np.hstack([p.n_pos for p in parts]),
    )


def _row_moments(matrix, groupings) -> list[Moments]:
    n_genes = matrix.shape[1]
    blocks = _blocks(matrix)
    offsets = [np.asarray(codes, dtype=np.int64) * n_genes for codes, _ in groupings]  # a cell's first bin
    sums = [np.zeros((4, k * n_genes)) for _, k in groupings]  # Σx, Σx², stored, values > 0
    for a, b in blocks:
        shared = _block(matrix, a, b)
        squares = shared[3] * shared[3]
        for (_, k), (s1, s2, stored, n_pos), first_bin in zip(groupings, sums, offsets):
            flat, keep = _bins(shared, first_bin)
            values = shared[3] if keep is None else shared[3][keep]
            s1 += np.bincount(flat, weights=values, minlength=k * n_genes)
            s2 += np.bincount(flat, weights=squares if keep is None else squares[keep], minlength=k * n_genes)
            counts = np.bincount(flat, minlength=k * n_genes)
            stored += counts
            # values <= 0 or NaN are rare in expression data: count those, not the positives
            positive = values.size == 0 or values.min() > 0
            n_pos += counts if positive else np.bincount(flat[values > 0], minlength=k * n_genes)
    out = []
    for (codes, k), (s1, s2, _, n_pos) in zip(groupings, sums):
        codes = np.asarray(codes, dtype=np.int64)
        n = np.bincount(codes[codes >= 0], minlength=k).astype(np.float64)
        s1, s2 = s1.reshape(k, n_genes), s2.reshape(k, n_genes)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s1 / n[:, None]
            m2 = s2 - s1 * s1 / n[:, None]
            risky = (s2 > 0) & ~(m2 * ONE_PASS_RATIO >= s2)  # NaN stays NaN: not risky
        mean[n == 0], m2[n == 0] = 0.0, 0.0
        if risky.any():
            _exact_where(matrix, codes, k, risky, mean, m2)
        out.append(Moments(n=n, mean=mean, m2=m2, n_pos=n_pos.reshape(k, n_genes)))
    return out


def _exact_where(matrix, codes: np.ndarray, k: int, risky: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> None:
    """exact_moments' two passes where ``risky``, written into mean and M2: over the columns
    that hold a risky pair (CSC), or the whole matrix (CSR). Per (group, gene) the same values in
    the same order as exact_moments over the whole matrix: the same bits."""
    genes = np.flatnonzero(risky.any(axis=0))
    if matrix.format == "csc":
        exact = exact_moments(matrix[:, genes], codes, k)
    else:
        exact = exact_moments(matrix, codes, k)
        exact = Moments(exact.n, exact.mean[:, genes], exact.m2[:, genes], exact.n_pos[:, genes])
    chosen = risky[:, genes]
    mean[:, genes] = np.where(chosen, exact.mean, mean[:, genes])
    m2[:, genes] = np.where(chosen, exact.m2, m2[:, genes])


def _bins(shared: tuple, first_bin: np.ndarray):
    """Flat (group, gene) bin of each stored value of a block whose cell is in a group, and the
    mask of those values (None: all): one gather and one add per value."""
    is_csr, major, minor, _ = shared
    flat = first_bin[major] if is_csr else first_bin[minor]
    flat += minor if is_csr else major
    if flat.size and flat.min() < 0:  # cells in no group (first bin −genes + gene < 0)
        keep = flat >= 0
        return flat[keep], keep
    return flat, None


def _column_view(matrix, a: int, b: int):
    """Columns [a, b) of a CSC matrix on the same buffers (scipy's slicing copies)."""
    lo, hi = matrix.indptr[a], matrix.indptr[b]
    return sp.csc_matrix((matrix.data[lo:hi], matrix.indices[lo:hi], matrix.indptr[a : b + 1] - lo),
                         shape=(matrix.shape[0], b - a))  # fmt: skip


def _shift(matrix, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group and gene, the value of the group's first cell (0 where it stores none)."""
    first = np.full(n_groups, -1, dtype=np.int64)
    member = np.flatnonzero(codes >= 0)
    groups, where = np.unique(codes[member], return_index=True)
    first[groups] = member[where]
    shift = np.zeros((n_groups, matrix.shape[1]))
    present = first >= 0
    if present.any():
        shift[present] = matrix[first[present]].toarray()
    return shift


def _blocks(matrix) -> list[tuple[int, int]]:
    """Ranges of the stored (major) axis holding about BLOCK_VALUES values each."""
    majors = len(matrix.indptr) - 1
    per_major = max(1.0, matrix.nnz / max(1, majors))
    step = max(1, int(BLOCK_VALUES / per_major))
    return [(a, min(a + step, majors)) for a in range(0, majors, step)]


def _block(matrix, a: int, b: int) -> tuple:
    """The major range [a, b): its values in float64 and, per value, its cell (CSR: row index
    into codes) or its gene (CSC), with the other axis's indices."""
    lo, hi = matrix.indptr[a], matrix.indptr[b]
    counts = np.diff(matrix.indptr[a : b + 1])
    values = matrix.data[lo:hi].astype(np.float64)
    major = np.repeat(np.arange(a, b, dtype=np.int64), counts)
    return matrix.format == "csr", major, matrix.indices[lo:hi], values


def _triplets(shared: tuple, codes: np.ndarray, n_genes: int):
    """Flat (group, gene) bin and float64 value of each stored value of a block whose cell is
    in a group."""
    is_csr, major, minor, values = shared
    if is_csr:
        group = codes[major]
        flat = group * n_genes + minor
    else:
        group = codes[minor]
        flat = group * n_genes + major
    if (group < 0).any():
        keep = group >= 0
        return flat[keep], values[keep]
    return flat, values


def combine_all(pieces: list[Moments], n_genes: int) -> Moments:
    """Pairwise (tree-shaped) combination of single-row pieces: error grows with log2 of their
    number, not with it. The order is the list's, so readers reproduce the same digits."""
    if not pieces:
        return empty(n_genes)
    level = list(pieces)
    while len(level) > 1:
        paired = [combine(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def subtract(whole: Moments, part: Moments, nonnegative: bool) -> tuple[Moments, np.ndarray]:
    """Statistics of ``whole`` without ``part`` (a sub-multiset of it), with a per-gene mask of
    where the result is trusted. Exact shortcuts: a constant ``whole`` leaves a constant rest,
    and in a matrix without negative values a rest with no value > 0 is all zeros."""
    n = whole.n - part.n
    n_pos = whole.n_pos - part.n_pos
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = whole.mean + (whole.mean - part.mean) * (part.n / n)[:, None]
        delta = part.mean - mean
        correction = delta * delta * (n * part.n / whole.n)[:, None]
        m2 = whole.m2 - part.m2 - correction
        m2_error = PIECE_EPS * (whole.m2 + part.m2 + correction)
        # a piece's mean is as precise as the magnitude of its values: |mean| + standard deviation
        mean_scale = (_magnitude(whole) + _magnitude(part)) / n[:, None]
        mean_error = PIECE_EPS * mean_scale
        standard_error = np.sqrt(np.maximum(m2, 0.0) / (n * np.maximum(n - 1, 1))[:, None])
        trusted = (m2_error <= M2_TOLERANCE * m2) & (mean_error <= MEAN_TOLERANCE * standard_error)
    finite = np.isfinite(whole.mean) & np.isfinite(whole.m2) & np.isfinite(part.mean) & np.isfinite(part.m2)
    constant = finite & (whole.m2 == 0)
    mean = np.where(constant, whole.mean, mean)
    m2 = np.where(constant, 0.0, m2)
    zeros = finite & (n_pos == 0) if nonnegative else np.zeros_like(constant)
    mean = np.where(zeros, 0.0, mean)
    m2 = np.where(zeros, 0.0, m2)
    trusted = finite & (trusted | constant | zeros)
    return Moments(n=n, mean=mean, m2=m2, n_pos=n_pos), trusted


def _magnitude(piece: Moments) -> np.ndarray:
    """n · (|mean| + sd): the size of the sum a piece's mean was computed from."""
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.sqrt(np.maximum(piece.m2, 0.0) / np.maximum(piece.n, 1)[:, None])
    return piece.n[:, None] * (np.abs(piece.mean) + spread)


def row(moments: Moments, k: int) -> Moments:
    """Group ``k`` of a statistics table as a one-row table."""
    return Moments(moments.n[k : k + 1], moments.mean[k : k + 1], moments.m2[k : k + 1], moments.n_pos[k : k + 1])
