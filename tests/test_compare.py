"""The comparison data and engine, case by case: exact constants, the subtraction guard, what a
comparison reads, refusals, and the written format."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import scipy.sparse as sp
import zarr
from compare_helpers import assert_matches, dense64, make_data

import xgexport
from xgexport import stats
from xgexport.comparison import CompareError, compare, plan_comparison, planner
from xgexport.comparison import layout as L
from xgexport.comparison.moments import combine_all, exact_moments, row, subtract
from xgexport.comparison.reader import CompareData, decode_leaf
from xgexport.errors import BundleError


def clustered(n_cells=4000, n_genes=30, seed=0):
    """Log counts in 8 overlapping Gaussian clusters, cluster markers, a column with gaps."""
    rng = np.random.default_rng(seed)
    cluster = rng.integers(0, 8, n_cells)
    coords = rng.normal(0, 10, size=(8, 2))[cluster] + rng.normal(0, 1.5, size=(n_cells, 2))
    counts = rng.poisson(0.3, size=(n_cells, n_genes)).astype(float)
    counts[:, :8] += rng.poisson(2.0, size=(n_cells, 8)) * (cluster[:, None] == np.arange(8))
    state = rng.integers(0, 3, n_cells)
    state[rng.uniform(size=n_cells) < 0.1] = -1
    matrix = sp.csr_matrix(np.log1p(counts).astype(np.float32))
    columns = {"cluster": (cluster, [f"c{i}" for i in range(8)]), "state": (state, ["x", "y", "z"])}
    return matrix, coords, columns


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    matrix, coords, columns = clustered()
    folder = make_data(tmp_path_factory.mktemp("cmp"), matrix, coords, columns, joints=(("cluster", "state"),),
                       leaf_cells=16, row_cells=128)  # fmt: skip
    return folder, matrix, coords, columns


def test_constant_groups_have_exactly_zero_spread():
    """0.1 is no binary fraction: Σx/n is off in its last bits for most n, which made t of two
    constant groups a large number instead of the documented t = 0, p = 1."""
    values = np.full((1010, 3), 0.1)
    values[1000:, 1] = 0.3  # constant in each group, different between them
    values[:, 2] = 2.5
    codes = np.repeat([0, 1, 2], [1000, 7, 3])
    moments = exact_moments(sp.csr_matrix(values), codes, 3)
    assert (moments.m2 == 0).all()
    np.testing.assert_array_equal(moments.mean[:, 0], 0.1)
    merged = combine_all([row(moments, k) for k in range(3)], 3)
    assert merged.m2[0, 0] == 0 and merged.mean[0, 0] == 0.1


def test_constant_genes_give_t_zero(tmp_path):
    rng = np.random.default_rng(3)
    values = np.full((300, 3), 0.1)
    values[:, 1] = np.log1p(rng.poisson(1.0, 300))
    coords = rng.normal(size=(300, 2))
    folder = make_data(tmp_path, values, coords, {"k": (np.repeat([0, 1, 2], [290, 7, 3]), ["a", "b", "c"])},
                       leaf_cells=4, row_cells=8)  # fmt: skip
    for a, b in (({"k": ["a"]}, "rest"), ({"k": ["b"]}, {"k": ["c"]}), (np.arange(3), np.arange(3, 300))):
        frame = compare(folder, a, b)
        assert frame.t[0] == 0 and frame.pval[0] == 1
        assert frame.t[2] == 0 and frame.pval[2] == 1


def test_guard_catches_lost_digits():
    """Subtracting nearly all of a set of values 1000 ± 1e-4 leaves a rest whose M2 is noise:
    the guard must say so, and must trust the cases where digits were kept."""
    rng = np.random.default_rng(4)
    values = np.vstack([1000 + rng.normal(0, 1e-4, size=(5000, 4)), np.log1p(rng.poisson(2.0, size=(5000, 4)))])
    codes = np.repeat([0, 1], 5000)
    whole = exact_moments(sp.csr_matrix(values), np.zeros(10000, dtype=np.int64), 1)
    part = exact_moments(sp.csr_matrix(values), np.where(codes == 1, 0, -1), 1)
    truth = exact_moments(sp.csr_matrix(values), np.where(codes == 0, 0, -1), 1)
    result, trusted = subtract(whole, part, nonnegative=True)
    assert not trusted.all()
    error = np.abs(result.m2 - truth.m2) / truth.m2
    assert (error[~trusted] > 1e-10).any()  # what it refused was really wrong
    part2 = exact_moments(sp.csr_matrix(values), np.where(np.arange(10000) < 200, 0, -1), 1)
    truth2 = exact_moments(sp.csr_matrix(values), np.where(np.arange(10000) >= 200, 0, -1), 1)
    result2, trusted2 = subtract(whole, part2, nonnegative=True)
    assert trusted2.all()
    np.testing.assert_allclose(result2.m2, truth2.m2, rtol=1e-10)
    standard_error = np.sqrt(truth2.m2 / (truth2.n * (truth2.n - 1))[:, None])
    assert (np.abs(result2.mean - truth2.mean) <= 1e-9 * standard_error).all()  # what the guard promises


def test_untrusted_genes_are_recomputed(tmp_path):
    rng = np.random.default_rng(5)
    values = np.hstack([1000 + rng.normal(0, 1e-3, size=(400, 2)), np.log1p(rng.poisson(1.0, size=(400, 2)))])
    coords = rng.normal(size=(400, 2))
    folder = make_data(
        tmp_path, values, coords, {"k": (rng.integers(0, 2, 400), ["a", "b"])}, leaf_cells=4, row_cells=8
    )
    data = CompareData(folder)
    data.row_info[:, L.ROW_BYTES] = 1  # rows cheap: the plan subtracts
    in_a = coords[:, 0] > 0.3
    frame = compare(data, np.flatnonzero(in_a))
    info = frame.attrs["comparison"]
    assert info["terms"]["rows-"] + info["terms"]["leaves-"] > 0
    assert sum(info["genes_recomputed"].values()) > 0
    assert_matches(frame, values, in_a, ~in_a)


def test_matches_scipy_lasso_categories_and_within(bundle):
    folder, matrix, coords, columns = bundle
    dense = dense64(matrix)
    cluster, state = columns["cluster"][0], columns["state"][0]
    lasso = np.hypot(*(coords - coords[cluster == 2].mean(axis=0)).T) < 4.5
    cases = [
        (np.flatnonzero(lasso), "rest", lasso, ~lasso),
        ({"cluster": ["c2", "c5"]}, "rest", np.isin(cluster, [2, 5]), ~np.isin(cluster, [2, 5])),
        ({"cluster": ["c1"]}, {"cluster": ["c3"]}, cluster == 1, cluster == 3),
        ({"cluster": ["c1"], "state": ["x"]}, {"cluster": ["c1"], "state": ["y"]},
         (cluster == 1) & (state == 0), (cluster == 1) & (state == 1)),
        ({"state": ["z"]}, "rest", state == 2, state != 2),
        (lasso, {"cluster": ["c6"]}, lasso, (cluster == 6) & ~lasso),
    ]  # fmt: skip
    for a, b, in_a, in_b in cases:
        assert_matches(compare(folder, a, b), dense, in_a, in_b)


def test_category_comparisons_read_rows_only(bundle):
    folder = bundle[0]
    union = compare(folder, {"cluster": ["c2", "c5"]}).attrs["comparison"]
    assert union["route"] == "categories of 'cluster'" and union["terms"]["leaves+"] == 0
    assert union["files_read"] == 3  # A's two rows, and the total to subtract them from
    within = compare(folder, {"cluster": ["c1"], "state": ["x"]}, {"cluster": ["c1"], "state": ["y"]}).attrs[
        "comparison"
    ]
    assert within["files_read"] == 2 and "joint" in within["route"]
    rest_within = compare(folder, {"cluster": ["c1"], "state": ["x"]}, {"cluster": ["c1"], "state": ["y", "z"]})
    assert rest_within.attrs["comparison"]["files_read"] == 3


def test_rest_says_which_cells_it_holds(bundle):
    folder, _, _, columns = bundle
    info = compare(folder, {"state": ["x"]}).attrs["comparison"]
    missing = int((columns["state"][0] < 0).sum())
    assert info["b"] == "rest"
    assert (
        info["rest"]
        == f"all {len(columns['state'][0]) - int((columns['state'][0] == 0).sum())} cells not in A, including {missing} with no value for 'state'"
    )


def test_lasso_reads_its_boundary_not_its_area(bundle):
    folder, _, coords, columns = bundle
    data = CompareData(folder)
    lasso = np.hypot(*(coords - coords[columns["cluster"][0] == 4].mean(axis=0)).T) < 4.5
    planned = plan_comparison(data, np.flatnonzero(lasso))
    info = compare(data, np.flatnonzero(lasso)).attrs["comparison"]
    assert info["bytes_read"] == info["planned_bytes"] == planned["bytes"]
    assert info["files_read"] == planned["files"] and planned["route"] == "spatial"
    nodes = data.nodes
    count = planner.node_counts(nodes, data.order, lasso)
    leaves = nodes[:, L.LEAF] >= 0
    touched = data.leaf_bytes[nodes[leaves & (count > 0), L.LEAF]].sum()
    mixed = leaves & (count > 0) & (count < nodes[:, L.COUNT])
    assert set(nodes[mixed, L.LEAF]) <= set(data._leaves)  # every leaf the boundary crosses
    assert info["bytes_read"] < 0.5 * touched  # much less than all of the lasso's cells


def test_planned_bytes_are_the_chunk_files(bundle):
    folder = bundle[0]
    data = CompareData(folder)
    base = folder / "data" / L.GROUP
    for r in range(len(data.row_info)):
        assert (base / L.ROWS / f"c.{r}.0.0").stat().st_size == data.row_info[r, L.ROW_BYTES]
    for k in range(len(data.leaf_bytes)):
        assert (base / L.LEAVES / f"c.{k}.0").stat().st_size == data.leaf_bytes[k]  # one file per leaf


def test_refusals(bundle, example_build):
    folder = bundle[0]
    with pytest.raises(CompareError, match=r"group A .* has 1 cell: .* at least 2"):
        compare(folder, [5])
    with pytest.raises(CompareError, match="share 2 cells"):
        compare(folder, [1, 2, 3], [2, 3, 4])
    with pytest.raises(CompareError, match="no categorical obs column 'nope'"):
        compare(folder, {"nope": ["a"]})
    with pytest.raises(CompareError, match="column 'cluster' has no category 'c9'"):
        compare(folder, {"cluster": ["c9"]})
    with pytest.raises(CompareError, match="one value per cell"):
        compare(folder, np.ones(3, dtype=bool))
    with pytest.raises(CompareError, match=r"cell indices must be in 0\.\.3999"):
        compare(folder, [0, 4000])
    with pytest.raises(BundleError, match="no comparison data"):
        xgexport.compare(example_build(compare=False), [0, 1])  # a bundle built without it (--no-compare)


def test_written_arrays_read_back(bundle):
    """zarr-python reads every array; leaves hold exactly the matrix; rows are the statistics
    of their cells; the tree's ranges nest and partition the cells."""
    folder, matrix, _, columns = bundle
    group = zarr.open_group(str(folder / "data" / L.GROUP), mode="r")
    data = CompareData(folder)
    attrs, nodes = group.attrs, data.nodes
    assert group[L.ROWS].dtype == np.float64 and group[L.ROWS].chunks == (1, 3, matrix.shape[1])
    capacity, width = attrs["leaf_capacity"], attrs["leaf_cells"] + attrs["leaf_capacity"]
    assert group[L.LEAVES].dtype == np.uint8 and group[L.LEAVES].chunks == (1, capacity * 4 + 2 * width)
    csr = sp.csr_matrix(matrix)
    for v in np.flatnonzero(nodes[:, L.LEAF] >= 0):
        k = nodes[v, L.LEAF]
        record = group[L.LEAVES][k]
        leaf = decode_leaf(record, np.dtype("<f4"), nodes[v, L.COUNT], attrs["leaf_cells"], matrix.shape[1])
        # the record as docs/FORMAT.md describes it: values first, then the counts' byte planes
        planes = record[capacity * 4 :].reshape(2, width)
        counts = planes[0, : nodes[v, L.COUNT]] + planes[1, : nodes[v, L.COUNT]].astype(np.int64) * 256
        assert np.array_equal(counts, np.diff(csr[data.cells_of(v)].indptr))
        assert np.array_equal(record[: capacity * 4].view("<f4")[: counts.sum()], csr[data.cells_of(v)].data)
        assert nodes[v, L.COUNT] <= attrs["leaf_cells"]
        assert (leaf != csr[data.cells_of(v)]).nnz == 0
    for v in range(len(nodes)):
        start, count, first, n_kids = nodes[v, [L.START, L.COUNT, L.FIRST_CHILD, L.N_CHILDREN]]
        if n_kids:
            kids = nodes[first : first + n_kids]
            assert kids[0, L.START] == start and kids[:, L.COUNT].sum() == count
            assert (kids[1:, L.START] == kids[:-1, L.START] + kids[:-1, L.COUNT]).all()
        if nodes[v, L.ROW] >= 0:
            cells = data.order[start : start + count]
            direct = exact_moments(csr[np.sort(cells)], np.zeros(count, dtype=np.int64), 1)
            stored = data.row(nodes[v, L.ROW])
            np.testing.assert_allclose(stored.mean, direct.mean, rtol=1e-13)
            np.testing.assert_allclose(stored.m2, direct.m2, rtol=1e-12)
            np.testing.assert_array_equal(stored.n_pos, direct.n_pos)
    state = columns["state"][0]
    missing = data.row(attrs["columns"][1]["missing_row"])
    assert missing.n[0] == (state < 0).sum()
    np.testing.assert_allclose(missing.mean[0], dense64(matrix)[state < 0].mean(axis=0), rtol=1e-13)


def test_same_input_same_bytes(tmp_path):
    matrix, coords, columns = clustered(n_cells=600, seed=7)
    digests = []
    for name in ("one", "two"):
        folder = make_data(
            tmp_path / name, matrix, coords, columns, joints=(("cluster", "state"),), leaf_cells=8, row_cells=32
        )
        files = sorted(p for p in (folder / "data" / L.GROUP).rglob("*") if p.is_file())
        digests.append({str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]


def test_stats_combine_is_the_union():
    rng = np.random.default_rng(9)
    values = np.log1p(rng.poisson(1.5, size=(50, 5)).astype(float))
    values[:, 4] = 7.0
    codes = rng.integers(0, 2, 50)
    both = stats.group_moments(sp.csc_matrix(values), codes, 2)
    union = stats.combine(row(both, 0), row(both, 1))
    np.testing.assert_allclose(union.mean[0], values.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(union.m2[0], ((values - values.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-12, atol=1e-12)
    assert union.m2[0, 4] == 0 and union.n[0] == 50
    empty = stats.Moments(np.zeros(1), np.zeros((1, 5)), np.zeros((1, 5)), np.zeros((1, 5)))
    same = stats.combine(empty, row(both, 1))
    np.testing.assert_array_equal(same.mean, row(both, 1).mean)


def test_exact_moments_by_cells_or_by_genes():
    """The build holds a gene bucket as CSC, the engine leaves as CSR: same statistics."""
    rng = np.random.default_rng(10)
    values = np.log1p(rng.poisson(0.7, size=(300, 12)).astype(float))
    values[:, 3] = 0.1
    values[5, 7] = np.nan
    codes = rng.integers(-1, 4, 300)
    codes[5] = 2
    by_cells = exact_moments(sp.csr_matrix(values), codes, 4)
    by_genes = exact_moments(sp.csc_matrix(values), codes, 4)
    np.testing.assert_allclose(by_genes.mean, by_cells.mean, rtol=1e-15)
    np.testing.assert_allclose(by_genes.m2, by_cells.m2, rtol=1e-13)
    np.testing.assert_array_equal(by_genes.n_pos, by_cells.n_pos)
    assert (by_genes.m2[:, 3] == 0).all() and np.isnan(by_genes.mean[2, 7]) and not np.isnan(by_genes.mean[1, 7])
    for k in range(4):
        inside = values[codes == k]
        np.testing.assert_allclose(by_cells.mean[k], inside.mean(axis=0), rtol=1e-14)
        np.testing.assert_allclose(
            by_cells.m2[k], ((inside - inside.mean(axis=0)) ** 2).sum(axis=0), rtol=1e-12, atol=1e-14
        )


def test_writer_refuses_inconsistent_inputs(tmp_path):
    matrix, coords, columns = clustered(n_cells=100, seed=11)
    with pytest.raises(ValueError, match=r"joint groups .*two different columns"):
        make_data(tmp_path / "a", matrix, coords, columns, joints=(("cluster", "cluster"),))
    bad = {"cluster": (columns["cluster"][0][:50], columns["cluster"][1])}
    with pytest.raises(ValueError, match="codes of column 'cluster' do not fit 100 cells"):
        make_data(tmp_path / "b", matrix, coords, bad)
