"""DE in built bundles of real datasets: every categorical column, against scipy in float64."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
import scipy.stats as ss
import zarr

import xgexport
from helpers import run_cli

CASES = [
    "scanpy_pbmc68k_reduced.h5ad",
    "cxg-curation_heart-example-with-labels.h5ad",
    "squidpy_visium-test-data.h5ad",
    "scvi-tools_starmap-mpfc_from-loom.h5ad",
    "tiledbsoma_pbmc-small_dense-raw.h5ad",
    "cellbrowser_pbmc-small_10-embeddings.h5ad",
]


@pytest.fixture(scope="module", params=CASES)
def case(request, datasets, dataset_build):
    result, out = dataset_build(request.param)  # `xgexport build` with every default, shared
    assert result.returncode == 0, result.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(datasets / request.param)
    return adata, out


def test_every_categorical_column_matches_scipy(case):
    adata, out = case
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    source = adata.raw if meta["matrix"]["source"] == "raw" else adata
    matrix = source.X.toarray() if sp.issparse(source.X) else np.asarray(source.X)
    matrix = matrix.astype(np.float64)
    expected_columns = [
        c
        for c in adata.obs.columns
        if isinstance(adata.obs[c].dtype, __import__("pandas").CategoricalDtype)
        and 2 <= len(adata.obs[c].cat.categories) <= 200
    ]
    assert sorted(d["name"] for d in meta["de"]) == sorted(expected_columns)
    for column in expected_columns:
        frame = xgexport.load_de(out, column)
        codes = adata.obs[column].cat.codes.to_numpy()
        categories = list(adata.obs[column].cat.categories)
        assert len(frame) == len(categories) * matrix.shape[1]
        for k, category in enumerate(categories):
            rows = frame[frame.category == category]
            inside, rest = matrix[codes == k], matrix[(codes >= 0) & (codes != k)]
            if len(inside) < 2 or len(rest) < 2:
                assert rows.t.isna().all()  # skipped category
                continue
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = ss.ttest_ind(inside, rest, equal_var=False)
            flat = (inside.var(axis=0) == 0) & (rest.var(axis=0) == 0)
            np.testing.assert_array_equal(rows.t.to_numpy()[flat], 0.0)
            # atol: where the two means are equal, t is 0 in one summation order and ±1e-15 in another
            np.testing.assert_allclose(rows.t.to_numpy()[~flat], ref.statistic[~flat], rtol=1e-6, atol=1e-12)
            np.testing.assert_allclose(rows.pval.to_numpy()[~flat], ref.pvalue[~flat], rtol=1e-6, atol=1e-300)
            p = rows.pval.to_numpy()
            np.testing.assert_allclose(rows.pval_adj.to_numpy(), ss.false_discovery_control(p, method="bh"), rtol=1e-9)
            np.testing.assert_allclose(rows.mean_in.to_numpy(), inside.mean(axis=0), rtol=1e-6, atol=1e-6)
            np.testing.assert_allclose(rows.frac_out.to_numpy(), (rest > 0).mean(axis=0), rtol=1e-6)
            lfc = np.log2((np.expm1(inside.mean(0)) + 1e-9) / (np.expm1(rest.mean(0)) + 1e-9))
            np.testing.assert_allclose(rows.logfoldchange.to_numpy(), lfc.astype(np.float32), rtol=1e-5, atol=1e-5)


def test_top_markers_are_ranked_by_t(case):
    _adata, out = case
    root = zarr.open_group(str(out / "data"), mode="r")
    for entry in root.attrs["xgexport"]["de"]:
        node = root[f"de/{entry['id']}"]
        t = node["t"][:]
        up = node["top_up"][:]
        for k in range(t.shape[0]):
            genes = up[k][up[k] >= 0]
            if not np.isfinite(t[k]).any():
                assert len(genes) == 0
                continue
            scores = t[k][genes]
            assert np.all(np.diff(scores) <= 0) and np.all(scores > 0)
            n_positive = int((t[k] > 0).sum())
            assert len(genes) == min(n_positive, entry["top_n"])


def test_marker_table_is_the_full_rows_at_the_top_genes(case):
    """de/<id>/markers (one file per category, what the marker panel reads) holds, for each
    category, top_up and top_down with each gene's statistics, the same values as the full rows."""
    _adata, out = case
    root = zarr.open_group(str(out / "data"), mode="r")
    for entry in root.attrs["xgexport"]["de"]:
        node = root[f"de/{entry['id']}"]
        fields = node.attrs["marker_fields"]
        table = node["markers"]
        assert table.dtype == np.float64 and table.chunks == (1, *table.shape[1:])
        assert table.shape == (entry["n_categories"], 2, len(fields), entry["top_n"])
        assert fields[0] == "gene" and set(fields[1:]) == {"mean_in", "mean_out", "frac_in", "frac_out",
                                                           "logfoldchange", "t", "pval", "pval_adj"}  # fmt: skip
        markers = table[:]
        for d, top in enumerate((node["top_up"][:], node["top_down"][:])):
            np.testing.assert_array_equal(markers[:, d, 0], top)
            pad = top < 0
            assert np.isnan(markers[:, d, 1:][np.broadcast_to(pad[:, None], markers[:, d, 1:].shape)]).all()
            rows, ranks = np.nonzero(~pad)
            for f, key in enumerate(fields[1:], start=1):
                full = node[key][:]
                got = markers[rows, d, f, ranks]
                assert np.array_equal(got.astype(full.dtype), full[rows, top[rows, ranks]], equal_nan=True), key
                assert np.array_equal(got, full[rows, top[rows, ranks]].astype(np.float64), equal_nan=True), key


def test_known_markers_of_pbmc(datasets, tmp_path):
    """Biology sanity: the top markers of B cells and monocytes are the textbook ones."""
    out = tmp_path / "b"
    run_cli("build", "example", out, "-q")
    frame = xgexport.load_de(out, "bulk_labels")

    def top(category, n=10):
        rows = frame[frame.category == category].sort_values("t", ascending=False)
        return set(rows.gene[:n])

    assert top("CD19+ B") & {"CD79A", "CD79B", "MS4A1", "CD74", "HLA-DRA"}
    assert top("CD14+ Monocyte") & {"S100A8", "S100A9", "LYZ", "FCN1", "CST3", "AIF1", "FCER1G", "CTSS"}


def test_de_options(datasets, tmp_path):
    out = tmp_path / "b"
    run_cli("build", "example", out, "-q", "--de-obs", "louvain", "--de-top-n", "7")
    meta = zarr.open_group(str(out / "data"), mode="r").attrs["xgexport"]
    assert [d["name"] for d in meta["de"]] == ["louvain"] and meta["de"][0]["top_n"] == 7
    out2 = tmp_path / "c"
    run_cli("build", "example", out2, "-q", "--no-de")
    assert zarr.open_group(str(out2 / "data"), mode="r").attrs["xgexport"]["de"] == []
    with pytest.raises(Exception, match="no differential expression"):
        xgexport.load_de(out2, "louvain")
    bad = run_cli("build", "example", tmp_path / "d", "--de-obs", "n_genes", check=False)
    assert bad.returncode == 1 and "--de-obs 'n_genes'" in bad.stderr


def test_constant_and_tight_genes_in_a_real_dataset(datasets, tmp_path):
    """The heart dataset with two genes added: one at 0.1 in every cell (t was ±31, p 2e-150:
    Σx/n rounding made one group's variance look non-zero) and one at 1000 ± 0.01. The build's
    tables say what scipy says in float64 (zero variance in both groups: t = 0, p = 1, as
    docs/FORMAT.md has it), and xgexport.compare agrees with the build on the same groups."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(datasets / "cxg-curation_heart-example-with-labels.h5ad")
    rng = np.random.default_rng(11)
    extra = np.column_stack([np.full(adata.n_obs, 0.1), 1000.0 + rng.normal(0, 0.01, adata.n_obs)])
    matrix = sp.hstack([adata.X.astype(np.float64), sp.csr_matrix(extra)], format="csr")
    var = __import__("pandas").DataFrame(index=[*adata.var_names, "CONST", "TIGHT"])
    grown = ad.AnnData(X=matrix, obs=adata.obs, var=var, obsm=dict(adata.obsm))
    path = tmp_path / "grown.h5ad"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grown.write_h5ad(path)
    out = tmp_path / "bundle"
    run_cli("build", path, out, "-q", "--de-obs", "assay", "--de-obs", "ethnicity")
    for column in ("assay", "ethnicity"):
        _check_constant_and_tight(out, grown, matrix[:, -2:].toarray(), column)


def _check_constant_and_tight(out, grown, values, column):
    frame = xgexport.load_de(out, column)
    codes = grown.obs[column].cat.codes.to_numpy()
    for k, category in enumerate(grown.obs[column].cat.categories):
        rows = frame[frame.category == category].set_index("gene")
        inside, rest = values[codes == k], values[(codes >= 0) & (codes != k)]
        if len(inside) < 2 or len(rest) < 2:
            continue
        assert rows.loc["CONST", "t"] == 0 and rows.loc["CONST", "pval"] == 1
        ref = ss.ttest_ind(inside[:, 1], rest[:, 1], equal_var=False)
        np.testing.assert_allclose(rows.loc["TIGHT", "t"], ref.statistic, rtol=1e-6)
        np.testing.assert_allclose(rows.loc["TIGHT", "pval"], ref.pvalue, rtol=1e-6)
        compared = xgexport.compare(out, {column: [category]}).set_index("gene")
        assert compared.loc["CONST", "t"] == 0 and compared.loc["CONST", "pval"] == 1
        np.testing.assert_allclose(compared.loc["TIGHT", "t"], ref.statistic, rtol=1e-6)
