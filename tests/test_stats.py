"""Welch's t-test, BH and the one-vs-rest combination against scipy in float64."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.stats as ss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xgexport import stats

RTOL = 1e-6


def reference(dense: np.ndarray, codes: np.ndarray, k: int):
    """scipy's Welch test of group k against every other grouped cell, in float64."""
    inside = dense[codes == k].astype(np.float64)
    rest = dense[(codes >= 0) & (codes != k)].astype(np.float64)
    with np.errstate(all="ignore"):
        result = ss.ttest_ind(inside, rest, equal_var=False)
    return inside, rest, result.statistic, result.pvalue


def ours(dense: np.ndarray, codes: np.ndarray, n_groups: int) -> stats.DeBlock:
    block = sp.csc_matrix(dense.astype(np.float64))
    return stats.one_vs_rest(stats.group_moments(block, codes, n_groups))


def assert_matches(dense, codes, n_groups):
    result = ours(dense, codes, n_groups)
    for k in range(n_groups):
        inside, rest, t_ref, p_ref = reference(dense, codes, k)
        if len(inside) < 2 or len(rest) < 2:
            continue  # the build skips such categories (tested in test_de_bundle)
        # constant in both groups (scipy's own variance of 0.1 repeated is not 0: its t is noise)
        flat = (np.ptp(inside, axis=0) == 0) & (np.ptp(rest, axis=0) == 0)
        # documented policy where scipy gives NaN: both variances zero -> t = 0, p = 1
        np.testing.assert_array_equal(result.t[k][flat], 0.0)
        np.testing.assert_array_equal(result.pval[k][flat], 1.0)
        keep = ~flat
        # atol: where the two means are equal, t is 0 in one summation order and ±1e-16 in another
        np.testing.assert_allclose(result.t[k][keep], t_ref[keep], rtol=RTOL, atol=1e-12)
        np.testing.assert_allclose(result.pval[k][keep], p_ref[keep], rtol=RTOL, atol=1e-300)
        np.testing.assert_allclose(result.mean_in[k], inside.mean(axis=0), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result.mean_out[k], rest.mean(axis=0), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(result.frac_in[k], (inside > 0).mean(axis=0))
        np.testing.assert_allclose(result.frac_out[k], (rest > 0).mean(axis=0))


def test_matches_scipy_on_sparse_log_data():
    rng = np.random.default_rng(0)
    counts = rng.negative_binomial(1, 0.6, size=(400, 60)).astype(np.float64)
    dense = np.log1p(counts)
    codes = rng.integers(-1, 5, size=400)
    assert_matches(dense, codes, 5)


def test_zero_variance_and_all_zero_genes():
    rng = np.random.default_rng(1)
    dense = np.log1p(rng.poisson(1.0, size=(50, 6)).astype(np.float64))
    dense[:, 0] = 0.0  # all-zero gene
    dense[:, 1] = 2.5  # constant gene
    codes = np.repeat(np.arange(5), 10)
    result = ours(dense, codes, 5)
    assert (result.t[:, 0] == 0).all() and (result.pval[:, 0] == 1).all()
    assert (result.t[:, 1] == 0).all() and (result.pval[:, 1] == 1).all()
    assert_matches(dense, codes, 5)


def test_single_gene_and_tiny_groups():
    dense = np.array([[0.0], [1.0], [2.0], [0.5], [3.0]])
    codes = np.array([0, 0, 1, 1, 1])
    assert_matches(dense, codes, 2)


def test_precision_with_large_mean_and_small_spread():
    # Naive sum-of-squares variance loses every digit here; the centred form must not.
    rng = np.random.default_rng(2)
    dense = 1000.0 + rng.normal(0, 0.01, size=(300, 4))
    codes = rng.integers(0, 3, size=300)
    assert_matches(dense, codes, 3)


def test_nan_propagates_like_scipy():
    rng = np.random.default_rng(3)
    dense = np.log1p(rng.poisson(2.0, size=(40, 3)).astype(np.float64))
    dense[5, 1] = np.nan
    codes = np.repeat(np.arange(2), 20)
    result = ours(dense, codes, 2)
    assert np.isnan(result.t[:, 1]).all()
    assert np.isfinite(result.t[:, [0, 2]]).all()


def test_bh_matches_scipy():
    rng = np.random.default_rng(4)
    p = rng.uniform(size=(3, 200)) ** 3
    p[1, 7] = np.nan
    adjusted = stats.bh_adjust(p)
    for row_p, row_adj in zip(p, adjusted):
        finite = np.isfinite(row_p)
        np.testing.assert_allclose(row_adj[finite], ss.false_discovery_control(row_p[finite], method="bh"), rtol=1e-12)
        assert np.isnan(row_adj[~finite]).all()


def test_top_genes_rank_by_t():
    t = np.array([[3.0, -1.0, np.nan, 5.0, 0.0, -4.0]])
    up, down = stats.top_genes(t, 3)
    assert up.tolist() == [[3, 0, -1]]
    assert down.tolist() == [[5, 1, -1]]


@st.composite
def grouped_matrices(draw):
    n_cells = draw(st.integers(4, 60))
    n_genes = draw(st.integers(1, 8))
    n_groups = draw(st.integers(2, 4))
    density = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = np.round(rng.gamma(1.5, 1.5, size=(n_cells, n_genes)), draw(st.sampled_from([1, 3, 6])))
    values[rng.uniform(size=values.shape) >= density] = 0.0
    codes = rng.integers(-1, n_groups, size=n_cells)
    return values, codes, n_groups


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grouped_matrices())
def test_property_matches_scipy(case):
    values, codes, n_groups = case
    assert_matches(values, codes, n_groups)


@settings(max_examples=60, deadline=None)
@given(grouped_matrices(), st.integers(1, 7))
def test_property_gene_blocks_are_independent(case, split):
    """Any split of the genes into blocks gives the same statistics (what buckets rely on)."""
    values, codes, n_groups = case
    whole = ours(values, codes, n_groups)
    split = min(split, values.shape[1])
    left = ours(values[:, :split], codes, n_groups)
    np.testing.assert_array_equal(whole.t[:, :split], left.t)
    np.testing.assert_array_equal(whole.pval[:, :split], left.pval)


def test_explicit_stored_zeros_change_nothing():
    dense = np.array([[0.0, 1.0], [2.0, 0.0], [0.0, 3.0], [1.0, 1.0]])
    codes = np.array([0, 0, 1, 1])
    plain = stats.group_moments(sp.csc_matrix(dense), codes, 2)
    # the same matrix with cell 0 of gene 0 stored explicitly as 0.0
    stored = sp.csc_matrix(
        (np.array([0.0, 2.0, 1.0, 1.0, 3.0, 1.0]), np.array([0, 1, 3, 0, 2, 3]), np.array([0, 3, 6])),
        shape=dense.shape,
    )
    explicit = stats.group_moments(stored, codes, 2)
    np.testing.assert_array_equal(explicit.n_pos, [[1, 1], [1, 2]])
    np.testing.assert_allclose(explicit.mean, plain.mean)
    np.testing.assert_allclose(explicit.m2, plain.m2)


def test_csr_blocks_give_the_moments_of_csc_blocks():
    """group_moments takes a block by cells (CSR) as well as by genes (CSC): same statistics."""
    rng = np.random.default_rng(5)
    matrix = sp.random(500, 30, density=0.2, random_state=5, format="csr")
    codes = rng.integers(-1, 4, size=500)
    by_genes = stats.group_moments(matrix.tocsc(), codes, 4)
    by_cells = stats.group_moments(matrix, codes, 4)
    np.testing.assert_allclose(by_cells.mean, by_genes.mean, rtol=1e-12)
    np.testing.assert_allclose(by_cells.m2, by_genes.m2, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(by_cells.n_pos, by_genes.n_pos)
    assert_matches(matrix.toarray(), codes, 4)


def test_large_csc_blocks_are_split_into_pieces_exactly(monkeypatch):
    rng = np.random.default_rng(6)
    block = sp.random(300, 50, density=0.3, random_state=6, format="csc")
    codes = rng.integers(-1, 3, size=300)
    whole = stats.moments_of_block(block, [(codes, 3)])[0]
    monkeypatch.setattr(stats, "PIECE_VALUES", 97)  # many uneven pieces
    assert len(stats._column_pieces(block)) > 10
    pieces = stats.moments_of_block(block, [(codes, 3)])[0]
    np.testing.assert_array_equal(pieces.mean, whole.mean)
    np.testing.assert_array_equal(pieces.m2, whole.m2)
    np.testing.assert_array_equal(pieces.n_pos, whole.n_pos)


def test_centred_pass_runs_only_where_digits_would_be_lost(monkeypatch):
    """Around a value of the group, Σd² ≤ (n + 1) · M2: at most log10(n + 1) digits are lost, so
    the centred pass is for groups of millions of cells. Forced everywhere, it agrees."""
    rng = np.random.default_rng(8)
    typical = sp.csr_matrix(np.log1p(rng.poisson(1.0, size=(300, 40)).astype(np.float64)))
    codes = rng.integers(0, 3, size=300)
    assert not _sums_of(typical, codes, 3).risky().any()
    tight = 1000.0 + rng.normal(0, 0.01, size=(300, 4))  # lost every digit around 0
    assert not _sums_of(sp.csr_matrix(tight), codes, 3).risky().any()
    one_pass = stats.group_moments(sp.csc_matrix(tight), codes, 3)
    monkeypatch.setattr(stats, "RISKY_DIGITS", -1)
    assert _sums_of(sp.csr_matrix(tight), codes, 3).risky().all()
    centred = stats.group_moments(sp.csc_matrix(tight), codes, 3)
    np.testing.assert_allclose(centred.m2, one_pass.m2, rtol=1e-9)
    np.testing.assert_array_equal(centred.mean, one_pass.mean)
    assert_matches(tight, codes, 3)


def _sums_of(matrix, codes, n_groups):
    layout = stats._layout(matrix)
    flat, values = stats._triplets(layout, codes, n_groups)
    return stats._sums(flat, values, codes, n_groups, stats._first_values(layout, codes, n_groups))


def test_constant_gene_has_zero_variance_exactly():
    """A gene at 0.1 in every cell: Σx/n is not 0.1 in float64, and M2 from it was not 0, so the
    build gave t = ±31, p = 2e-150 for a gene that does not vary. Zero variance is a fact here."""
    rng = np.random.default_rng(9)
    for n_cells in (320, 700, 10_000):
        dense = np.full((n_cells, 3), 0.1)
        dense[:, 1] = np.float32(0.1)  # what a float32 file holds
        dense[:, 2] = 1000.0 + rng.normal(0, 0.01, size=n_cells)
        codes = rng.integers(0, 8, size=n_cells)
        result = ours(dense, codes, 8)
        assert (result.t[:, :2] == 0).all() and (result.pval[:, :2] == 1).all()
        np.testing.assert_array_equal(result.mean_in[:, 0], 0.1)
        assert_matches(dense, codes, 8)


def test_constant_group_beside_varying_groups():
    """One group constant at a value, the others varying: the constant group's M2 is 0 exactly
    (its t against the rest is finite and matches scipy)."""
    rng = np.random.default_rng(10)
    codes = np.repeat(np.arange(4), 250)
    dense = np.log1p(rng.poisson(2.0, size=(1000, 5)).astype(np.float64))
    dense[codes == 2] = 0.7
    moments = stats.group_moments(sp.csc_matrix(dense), codes, 4)
    np.testing.assert_array_equal(moments.m2[2], 0.0)
    np.testing.assert_array_equal(moments.mean[2], 0.7)
    assert_matches(dense, codes, 4)


def test_many_categories_with_tiny_groups_match_scipy():
    """The rests come from prefix and suffix combinations: with 120 categories of 0 to 40 cells
    (tiny and empty ones included), sparse log data, a constant and a 1000 ± 0.01 gene, every
    category's test is scipy's in float64."""
    rng = np.random.default_rng(12)
    sizes = rng.integers(0, 40, size=120)
    sizes[:5] = [1, 2, 0, 3, 2]
    codes = np.repeat(np.arange(120), sizes)
    codes[rng.uniform(size=len(codes)) < 0.05] = -1
    dense = np.log1p(rng.negative_binomial(1, 0.7, size=(len(codes), 12)).astype(np.float64))
    dense[:, 0] = 0.1
    dense[:, 1] = 1000.0 + rng.normal(0, 0.01, size=len(codes))
    assert_matches(dense, codes, 120)
