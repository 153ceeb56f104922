"""The stored rows' statistics (moments.row_moments_many: one pass, the exact two passes only
where the first could lose digits) on adversarial values: a large mean with a tiny spread
(1e4 + 1e-3·noise, in float32 and float64), constants that are no binary fraction, dense and
sparse genes, negative values, NaN, tiny groups and cells in no group. Against float64 numpy on
the dense matrix, against the two-pass kernel bit for bit where it falls back, and through
xgexport.compare against scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from compare_helpers import assert_matches, dense64, make_data

from xgexport.comparison import compare
from xgexport.comparison import moments as M


def adversarial(n_cells: int, dtype, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    counts = np.log1p(rng.poisson(0.4, size=(n_cells, 4)))
    values = np.column_stack([
        1e4 + 1e-3 * rng.normal(size=n_cells),  # Σx²/M2 ≈ 1e14: the one-pass M2 is noise
        np.where(rng.uniform(size=n_cells) < 0.5, 1e4 + 1e-3 * rng.normal(size=n_cells), 0.0),  # large, half zeros
        np.full(n_cells, 0.1),  # constant, no binary fraction
        np.log1p(rng.poisson(20.0, size=n_cells)),  # dense: mean² ≫ variance
        counts,  # sparse log counts: the one-pass case
        rng.normal(0, 1, size=n_cells),  # negative values
        np.zeros(n_cells),  # all zero
    ])  # fmt: skip
    values[rng.uniform(size=n_cells) < 0.3, 8] = 0.0
    values[7, 7] = np.nan  # one NaN: its groups' statistics are NaN
    return values.astype(dtype)


def truth(dense: np.ndarray, codes: np.ndarray, k: int):
    """Mean and centred M2 per group in float64 with numpy's pairwise sums, around a value of
    the group (so that a constant group has exactly its value and M2 = 0), then its mean."""
    mean, m2 = np.zeros((k, dense.shape[1])), np.zeros((k, dense.shape[1]))
    for g in range(k):
        inside = dense[codes == g]
        mean[g] = inside[0] + (inside - inside[0]).mean(axis=0)
        m2[g] = ((inside - mean[g]) ** 2).sum(axis=0)
    return mean, m2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["csc", "csr"])
def test_rows_keep_every_digit_of_the_two_passes(dtype, layout):
    rng = np.random.default_rng(1)
    values = adversarial(3000, dtype)
    groupings = [
        (rng.integers(-1, 6, 3000), 6),  # some cells in no group
        (np.repeat([0, 1, 2, 3], [1, 2, 3, 2994]), 4),  # groups of 1, 2 and 3 cells
    ]
    matrix = sp.csc_matrix(values) if layout == "csc" else sp.csr_matrix(values)
    matrix.eliminate_zeros()
    rows = M.row_moments_many(matrix, groupings)
    two_pass = M.exact_moments_many(matrix, groupings)
    for (codes, k), got, exact in zip(groupings, rows, two_pass):
        mean, m2 = truth(values.astype(np.float64), codes, k)
        finite = np.isfinite(mean)
        assert np.array_equal(np.isnan(got.mean), ~finite) and np.array_equal(np.isnan(got.m2), ~finite)
        np.testing.assert_allclose(got.mean[finite], mean[finite], rtol=1e-13, atol=1e-300)
        np.testing.assert_allclose(got.m2[finite], m2[finite], rtol=1e-10, atol=1e-300)
        assert (got.m2[:, 2] == 0).all() and (got.mean[:, 2] == dtype(0.1)).all()  # constant: exactly
        assert (got.m2[:, 9] == 0).all() and (got.mean[:, 9] == 0).all()  # all zero
        np.testing.assert_array_equal(got.n_pos, exact.n_pos)
        # the large-mean gene fell back to the two passes: their very bits
        np.testing.assert_array_equal(got.mean[:, 0], exact.mean[:, 0])
        np.testing.assert_array_equal(got.m2[:, 0], exact.m2[:, 0])


def test_rows_one_pass_only_where_it_keeps_digits(monkeypatch):
    """Without the fall-back the large-mean gene's M2 is wrong: the check above is not idle."""
    values = adversarial(3000, np.float64)
    codes = np.random.default_rng(2).integers(0, 6, 3000)
    monkeypatch.setattr(M, "ONE_PASS_RATIO", np.inf)
    got = M.row_moments_many(sp.csc_matrix(values), [(codes, 6)])[0]
    _, m2 = truth(values, codes, 6)
    assert (np.abs(got.m2[:, 0] - m2[:, 0]) > 1e-6 * m2[:, 0]).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compare_on_large_means_matches_scipy(dtype, tmp_path):
    """Categories against the rest, against each other, and lassos (rows and subtraction) on
    the adversarial genes: t and p as scipy's in float64 on the original values."""
    rng = np.random.default_rng(3)
    n_cells = 1500
    values = adversarial(n_cells, dtype, seed=4)
    values[7, 7] = 0.0  # NaN genes are load_de's policy; tested elsewhere
    kind = rng.integers(0, 3, n_cells)
    coords = rng.normal(0, 5, size=(3, 2))[kind] + rng.normal(0, 1, size=(n_cells, 2))
    matrix = sp.csr_matrix(values)
    folder = make_data(tmp_path, matrix, coords, {"kind": (kind, ["a", "b", "c"])}, leaf_cells=8, row_cells=64)
    dense = dense64(matrix)
    lasso = np.linalg.norm(coords - coords[kind == 0].mean(axis=0), axis=1) < 2.0
    for a, b, in_a, in_b in (
        ({"kind": ["a"]}, "rest", kind == 0, kind != 0),
        ({"kind": ["b"]}, {"kind": ["c"]}, kind == 1, kind == 2),
        (np.flatnonzero(lasso), "rest", lasso, ~lasso),
    ):
        assert_matches(compare(folder, a, b), dense, in_a, in_b)
