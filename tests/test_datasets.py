"""End-to-end builds of every real dataset in tests/data (copies of ../shared/datasets), through the real CLI.

Each file either exports (and its bundle verifies, opens with zarr-python and holds the
input's values) or stops with one clear line; the table says which, and why.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
import zarr

from helpers import run_cli, tree

# file -> (expected outcome, why)
EXPECTED = {
    "cellbrowser_pbmc-small_10-embeddings.h5ad": ("exports", "anndata 0.6 layout, 10 embeddings"),
    "cellxgene_pbmc3k-100x100-nan.h5ad": ("exports", "NaN in X: shown as missing, DE NaN for those genes"),
    "cxg-curation_heart-example-with-labels.h5ad": ("exports", "Ensembl ids: symbols from feature_name"),
    "scanpy_mouse10x-10k-subset_from-zarr.h5ad": ("fails:no usable embedding", "obsm is empty"),
    "scanpy_pbmc-10x-v3-chr21_from-10x-h5.h5ad": ("fails:no usable embedding", "raw Cell Ranger output, no layout"),
    "scanpy_pbmc68k_reduced.h5ad": ("exports", "legacy raw.X; expression and DE from .raw"),
    "scvi-tools_starmap-mpfc_from-loom.h5ad": ("exports", "spatial coordinates only, dense float64 counts"),
    "squidpy_visium-test-data.h5ad": ("exports", "Visium: UMAP and spatial"),
    "tiledbsoma_pbmc-small_dense-raw.h5ad": ("exports", "dense scaled X, .raw with more genes than X"),
    "tiledbsoma_pbmc-small_x-csc.h5ad": ("fails:no usable embedding", "CSC X but no obsm at all"),
    "tiledbsoma_pbmc3k_x-none.h5ad": ("fails:no expression matrix", "no X, no raw, no layers"),
}


def test_table_covers_every_shared_dataset(datasets):
    assert sorted(p.name for p in datasets.glob("*.h5ad")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def built(dataset_build):
    """Every dataset built once per run (conftest's dataset_build, shared with test_de_bundle);
    map name -> (CompletedProcess, out folder)."""
    return {name: dataset_build(name) for name in sorted(EXPECTED)}


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dataset_exports_or_fails_clearly(name, built):
    result, out = built[name]
    expectation, why = EXPECTED[name]
    if expectation == "exports":
        assert result.returncode == 0, f"{name} ({why}) failed: {result.stderr}"
        assert "Traceback" not in result.stderr
        check = run_cli("verify", out)
        assert "ok:" in check.stdout
        assert (out / ".nojekyll").exists() and (out / "index.html").exists()
    else:
        message = expectation.split(":", 1)[1]
        assert result.returncode == 1, f"{name} should fail ({why})"
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
        assert message in lines[0]
        assert name in lines[0]  # says where
        assert not out.exists() and not list(out.parent.iterdir())


@pytest.mark.parametrize("name", [n for n, (e, _) in EXPECTED.items() if e == "exports"])
def test_bundle_holds_the_input_values(name, built, datasets):
    """Every gene chunk equals the chosen matrix's column; embeddings and obs round-trip."""
    _, out = built[name]
    adata = read(datasets / name)
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    source = adata.raw if meta["matrix"]["source"] == "raw" else adata
    matrix = source.X.toarray() if sp.issparse(source.X) else np.asarray(source.X)
    expression = root["X"][:]
    assert expression.shape == (adata.n_vars if source is adata else adata.raw.n_vars, adata.n_obs)
    np.testing.assert_array_equal(expression, matrix.T.astype(np.float32))
    assert list(root["var/names"][:]) == list(source.var_names)
    assert list(root["obs_names"][:]) == list(adata.obs_names)
    for entry in meta["embeddings"]:
        coords = root[f"embeddings/{entry['id']}/coords"][:]
        np.testing.assert_allclose(coords, np.asarray(adata.obsm[entry["key"]])[:, :2].astype(np.float32))
        display = root[f"embeddings/{entry['id']}/display"]
        lo, hi = np.array(display.attrs["min"]), np.array(display.attrs["max"])
        decoded = lo + display[:] / 65535 * (hi - lo)
        span = coords.max(axis=0) - coords.min(axis=0)
        assert np.all(np.abs(decoded - coords) <= span / 65534 + 1e-6 * np.abs(coords).max())
    for entry in meta["obs"]:
        column = adata.obs[entry["name"]]
        if entry["kind"] == "categorical":
            node = root[f"obs/{entry['id']}/codes"]
            categories = node.attrs["categories"]
            labels = np.array(categories, dtype=object)[node[:]]
            labels[node[:] < 0] = None
            expected = column.astype(object).where(column.notna(), None).astype(str).to_numpy()
            assert [str(x) for x in labels] == list(expected)
            assert len(node.attrs["colors"]) == len(categories)
        elif entry["kind"] == "continuous":
            np.testing.assert_allclose(
                root[f"obs/{entry['id']}/values"][:], column.to_numpy(dtype=float).astype(np.float32)
            )


def test_gene_chunk_is_one_file_per_gene(built):
    _, out = built["scanpy_pbmc68k_reduced.h5ad"]
    chunks = sorted(p.name for p in (out / "data" / "X").iterdir() if p.name != "zarr.json")
    assert chunks == sorted(f"c.{g}.0" for g in range(765))


def test_no_path_comes_from_dataset_strings(built):
    """Folder and file names are numbers and fixed words, never gene or column names."""
    _, out = built["scanpy_pbmc68k_reduced.h5ad"]
    allowed = {
        "data",
        "X",
        "c",
        "obs",
        "embeddings",
        "de",
        "var",
        "names",
        "obs_names",
        "codes",
        "values",
        "coords",
        "display",
        "zarr.json",
        "viewer",
        "index.html",
        "manifest.json",
        ".nojekyll",
        "markers",  # de/<id>/markers: each category's top genes (docs/FORMAT.md)
        # data/compare/ (docs/FORMAT.md): fixed names from xgexport.comparison.layout
        "compare", "rows", "row_info", "nodes", "leaves", "leaf_bytes", "joint", "pairs",
    }  # fmt: skip
    for path in (out / "data").rglob("*"):
        part = path.name
        assert (
            part.isdigit()
            or re.fullmatch(r"c(\.\d+)+", part)
            or part in allowed
            or part
            in (
                "mean_in",
                "mean_out",
                "frac_in",
                "frac_out",
                "logfoldchange",
                "t",
                "pval",
                "pval_adj",
                "top_up",
                "top_down",
                "markers",
                "symbols",
            )
        ), part


def test_scanpy_convention_is_reported(built):
    result, _out = built["scanpy_pbmc68k_reduced.h5ad"]
    assert "expression: raw" in result.stderr and "scanpy" in result.stderr
    result, _ = built["tiledbsoma_pbmc-small_dense-raw.h5ad"]
    assert "expression: raw" in result.stderr


def test_gene_symbols_detected_for_ensembl_ids(built):
    _result, out = built["cxg-curation_heart-example-with-labels.h5ad"]
    root = zarr.open_group(str(out / "data"), mode="r")
    assert root.attrs["xgexport"]["gene_symbols"] == "feature_name"
    names, symbols = root["var/names"][:], root["var/symbols"][:]
    assert str(names[1]).startswith("ENSG") and not str(symbols[1]).startswith("ENSG")


def test_nan_dataset_warns_and_keeps_nan(built):
    result, out = built["cellxgene_pbmc3k-100x100-nan.h5ad"]
    assert "non-finite" in result.stderr
    root = zarr.open_group(str(out / "data"), mode="r")
    assert np.isnan(root["X"][:]).any()
    assert root.attrs["xgexport"]["matrix"]["has_nan"] is True


def test_inspect_writes_nothing_and_explains(datasets, tmp_path):
    """inspect in a folder holding the input: afterwards the folder is exactly as it was."""
    source = Path(shutil.copy(datasets / "scanpy_pbmc68k_reduced.h5ad", tmp_path))
    before = tree(tmp_path)
    result = run_cli("inspect", source.name, cwd=tmp_path)
    assert "expression: raw" in result.stdout and "louvain" in result.stdout
    plan = json.loads(run_cli("inspect", source.name, "--json", cwd=tmp_path).stdout)
    assert plan["matrix"] == "raw" and plan["n_cells"] == 700
    assert [d["name"] for d in plan["de"]] == ["bulk_labels", "phase", "louvain"]
    assert tree(tmp_path) == before and [p.name for p in tmp_path.iterdir()] == [source.name]


def test_integer_cluster_ids_hinted_and_shown_as_categories(datasets, tmp_path):
    """Seurat stores clusters as integers: the build says how to show them as categories."""
    source = datasets / "tiledbsoma_pbmc-small_dense-raw.h5ad"
    plain = run_cli("build", source, tmp_path / "a")
    assert "--categorical RNA_snn_res.1" in plain.stderr and "--categorical nFeature_RNA" not in plain.stderr
    run_cli("build", source, tmp_path / "b", "-q", "--categorical", "RNA_snn_res.1")
    meta = zarr.open_group(str(tmp_path / "b" / "data"), mode="r").attrs["xgexport"]
    kinds = {o["name"]: o["kind"] for o in meta["obs"]}
    assert kinds["RNA_snn_res.1"] == "categorical" and kinds["RNA_snn_res.0.8"] == "continuous"
    assert "RNA_snn_res.1" in [d["name"] for d in meta["de"]]
    bad = run_cli("build", source, tmp_path / "c", "--categorical", "nope", check=False)
    assert bad.returncode == 1 and "no such obs column 'nope'" in bad.stderr
