"""xgexport.compare on real datasets: bundles built by the CLI with their comparison data (a
small tree: every route runs), compared with scipy on the matrix the build used: every category against the rest, unions, joint groups and
lassos in the default embedding, against scipy in float64 and against load_de's tables."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pytest
import zarr
from compare_bundle import build_with_compare
from compare_helpers import assert_matches, dense64

import xgexport
from xgexport.comparison import ColumnGroups
from xgexport.comparison import layout as L
from xgexport.comparison.reader import CompareData

CASES = [
    "scanpy_pbmc68k_reduced.h5ad",
    "cxg-curation_heart-example-with-labels.h5ad",
    "cellxgene_pbmc3k-100x100-nan.h5ad",
    "scvi-tools_starmap-mpfc_from-loom.h5ad",
    "squidpy_visium-test-data.h5ad",
    "pbmc68k with missing louvain",
]


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


@pytest.fixture(scope="module", params=CASES)
def case(request, datasets, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp-data")
    source = datasets / request.param if request.param.endswith(".h5ad") else folder / "missing.h5ad"
    if not request.param.endswith(".h5ad"):  # cells without a louvain label: in "the rest" only
        adata = read(datasets / "scanpy_pbmc68k_reduced.h5ad")
        adata.obs.loc[adata.obs.index[::9], "louvain"] = np.nan
        adata.write_h5ad(source)
    out = build_with_compare(source, folder / "bundle")  # plain `xgexport build`, a small tree, --de-within
    adata = read(source)
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    matrix = (adata.raw if meta["matrix"]["source"] == "raw" else adata).X
    columns = [ColumnGroups(d["obs_id"], d["name"], root[f"obs/{d['obs_id']}/codes"][:].astype(np.int64), d["n_categories"])
               for d in meta["de"]]  # fmt: skip
    if len(columns) > 1:
        assert root["compare"].attrs["joint"][0]["obs_ids"] == [columns[0].obs_id, columns[1].obs_id]
    embedding = meta["defaults"]["embedding"]
    coords = root[f"embeddings/{embedding}/coords"][:].astype(np.float64)
    return out, dense64(matrix), columns, coords, matrix.dtype


def test_each_category_against_the_rest(case):
    out, dense, columns, _, _ = case
    for column in columns:
        categories = list(zarr.open_group(str(out / "data"))[f"obs/{column.obs_id}/codes"].attrs["categories"])
        for k, category in enumerate(categories):
            in_a = column.codes == k
            if in_a.sum() < 2 or (~in_a).sum() < 2:
                continue
            frame = xgexport.compare(out, {column.name: [category]})
            assert_matches(frame, dense, in_a, ~in_a)
            if (column.codes < 0).any():
                assert "with no value for" in frame.attrs["comparison"]["rest"]


def test_against_the_other_categories_equals_load_de(case):
    """load_de's rest leaves out cells with a missing value: naming the other categories as B
    asks the same question, and must give the same answer."""
    out, _, columns, _, _ = case
    column = columns[0]
    table = xgexport.load_de(out, column.name)
    categories = list(table.category.cat.categories)
    for k, category in enumerate(categories[:4]):
        others = [c for c in categories if c != category and (column.codes == categories.index(c)).any()]
        if (column.codes == k).sum() < 2 or (np.isin(column.codes, [categories.index(c) for c in others])).sum() < 2:
            continue
        frame = xgexport.compare(out, {column.name: [category]}, {column.name: others})
        rows = table[table.category == category]
        np.testing.assert_allclose(frame.t.to_numpy(), rows.t.to_numpy(), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(frame.pval.to_numpy(), rows.pval.to_numpy(), rtol=1e-6, atol=1e-300)
        np.testing.assert_allclose(frame.mean_in.to_numpy(), rows.mean_in.to_numpy(), rtol=1e-6, atol=1e-6)


def test_unions_joint_groups_and_lassos(case):
    out, dense, columns, coords, _ = case
    rng = np.random.default_rng(0)
    first = columns[0]
    categories = list(zarr.open_group(str(out / "data"))[f"obs/{first.obs_id}/codes"].attrs["categories"])
    union = np.isin(first.codes, [0, 1])
    if (~union).sum() >= 2:  # two categories of more
        assert_matches(xgexport.compare(out, {first.name: categories[:2]}), dense, union, ~union)
    if len(columns) > 1:
        second = columns[1]
        seconds = list(zarr.open_group(str(out / "data"))[f"obs/{second.obs_id}/codes"].attrs["categories"])
        k = int(np.bincount(first.codes[first.codes >= 0]).argmax())
        pair = np.bincount(second.codes[(first.codes == k) & (second.codes >= 0)], minlength=len(seconds)).argsort()[
            ::-1
        ]
        in_a, in_b = (first.codes == k) & (second.codes == pair[0]), (first.codes == k) & (second.codes == pair[1])
        if min(in_a.sum(), in_b.sum()) >= 2:
            frame = xgexport.compare(out, {first.name: [categories[k]], second.name: [seconds[pair[0]]]},
                                     {first.name: [categories[k]], second.name: [seconds[pair[1]]]})  # fmt: skip
            assert "joint" in frame.attrs["comparison"]["route"]
            assert_matches(frame, dense, in_a, in_b)
    centre = np.nanmean(coords[first.codes == 0], axis=0)
    radius = np.nanpercentile(np.hypot(*(coords - centre).T), 30)
    lasso = np.nan_to_num(np.hypot(*(coords - centre).T), nan=np.inf) <= radius
    frame = xgexport.compare(out, np.flatnonzero(lasso))
    assert frame.attrs["comparison"]["route"] == "spatial"
    assert_matches(frame, dense, lasso, ~lasso)
    other = ~lasso & (rng.uniform(size=len(lasso)) < 0.5)
    assert_matches(xgexport.compare(out, lasso, np.flatnonzero(other)), dense, lasso, other)


def test_leaves_hold_the_source_values(case):
    """The comparison data hold the matrix the build's DE used, value for value, in its own
    precision (float64 sources are not rounded to float32 as X is)."""
    out, dense, _, _, dtype = case
    data = CompareData(out)
    rebuilt = np.zeros_like(dense)
    for v in np.flatnonzero(data.nodes[:, L.LEAF] >= 0):
        rebuilt[data.cells_of(v)] = data.leaf(v).toarray()
    np.testing.assert_array_equal(rebuilt, dense)
    assert data.attrs["value_dtype"] == ("float32" if dtype == np.float32 else "float64")
    assert data.attrs["nonnegative"] == bool(not (dense[np.isfinite(dense)] < 0).any())
