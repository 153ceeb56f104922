"""3-D embeddings (issue #13) in the build: a real .h5ad given a 3-column obsm entry with values
we know is built, and the bundle read back with zarr-python: the first two dimensions where a
2-D reader finds them, the third in coords_z/display_z, `layout_dims` in the root attributes,
`xgexport inspect` saying so; a latent space of more columns stays a 2-D view."""

from __future__ import annotations

import json
import warnings

import anndata as ad
import numpy as np
import pytest
import zarr

from helpers import run_cli

BASE = "scanpy_pbmc68k_reduced.h5ad"  # 700 cells, X_pca (50 columns), X_umap (2 columns)
DISPLAY_MAX = 65535


def known_3d(n: int) -> np.ndarray:
    """Coordinates we know: a helix with a spread in z unlike x and y, one cell without a z."""
    t = np.linspace(0, 6 * np.pi, n)
    xyz = np.stack([np.cos(t) * 3 + 10, np.sin(t) * 2 - 5, t * 4.0], axis=1)
    xyz[7, 2] = np.nan
    return xyz


@pytest.fixture
def three_d_input(datasets, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(datasets / BASE)
    adata.obsm["X_umap_3d"] = known_3d(adata.n_obs)
    adata.obsm["X_latent4"] = np.random.default_rng(0).normal(size=(adata.n_obs, 4))
    path = tmp_path / "three_d.h5ad"
    adata.write_h5ad(path)
    return path


def entries(out):
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    return root, {e["key"]: e for e in meta["embeddings"]}


def test_a_three_column_embedding_keeps_its_third_dimension(three_d_input, tmp_path):
    out = tmp_path / "bundle"
    run_cli("build", three_d_input, out, "--embedding", "X_umap_3d", "--embedding", "X_umap")
    root, by_key = entries(out)
    assert by_key["X_umap_3d"]["n_dims"] == 3 and by_key["X_umap_3d"]["layout_dims"] == 3
    assert "layout_dims" not in by_key["X_umap"]  # 2-D entries are as before
    group = root[f"embeddings/{by_key['X_umap_3d']['id']}"]
    xyz = known_3d(700)
    hidden = ~np.isfinite(xyz).all(axis=1)
    assert hidden.sum() == 1
    # the first two dimensions where every 2-D reader finds them: shape (n, 2), min/max of two
    display, coords = group["display"], group["coords"]
    assert display.shape == (700, 2) and coords.shape == (700, 2)
    assert len(display.attrs["min"]) == 2 and display.attrs["hidden"] == 1
    np.testing.assert_array_equal(coords[:][~hidden], xyz[~hidden, :2].astype(np.float32))
    assert (display[:][hidden] == DISPLAY_MAX).all() and np.isnan(coords[:][hidden]).all()
    # the third: one value per cell, scalar min/max, the same decoding rule
    z, zd = group["coords_z"][:], group["display_z"]
    assert z.shape == (700,) and zd.shape == (700,) and zd.dtype == np.uint16
    np.testing.assert_array_equal(z[~hidden], xyz[~hidden, 2].astype(np.float32))
    lo, hi = zd.attrs["min"], zd.attrs["max"]
    decoded = lo + zd[:].astype(np.float64) / DISPLAY_MAX * (hi - lo)
    span = xyz[~hidden, 2].max() - xyz[~hidden, 2].min()
    assert np.abs(decoded[~hidden] - xyz[~hidden, 2]).max() <= span / (DISPLAY_MAX - 1) / 2 + 1e-9
    assert zd[:][hidden] == DISPLAY_MAX and zd.attrs["hidden"] == 1
    # a 2-D embedding of the same bundle has no third
    assert "display_z" not in root[f"embeddings/{by_key['X_umap']['id']}"]


def test_chosen_without_asking_and_latent_spaces_stay_two_d(three_d_input, tmp_path):
    out = tmp_path / "bundle"
    run_cli("build", three_d_input, out)
    _, by_key = entries(out)
    assert by_key["X_umap_3d"].get("layout_dims") == 3
    assert "X_latent4" not in by_key
    report = json.loads(run_cli("inspect", three_d_input, "--json").stdout)
    assert any("X_latent4" in what and "not a 2-D or 3-D layout" in why for what, why in report["skipped"])
    out4 = tmp_path / "latent"
    run_cli("build", three_d_input, out4, "--embedding", "X_latent4")
    root, by_key = entries(out4)
    assert by_key["X_latent4"]["n_dims"] == 4 and "layout_dims" not in by_key["X_latent4"]
    assert "display_z" not in root[f"embeddings/{by_key['X_latent4']['id']}"]


def test_inspect_says_three_d(three_d_input):
    text = run_cli("inspect", three_d_input).stdout
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("X_umap_3d"))
    assert "(3 dims) as UMAP 3-D, drawn in 3-D" in line
    assert "drawn in 3-D" not in next(ln for ln in text.splitlines() if ln.strip().startswith("X_umap "))
    report = json.loads(run_cli("inspect", three_d_input, "--json").stdout)
    dims = {e["key"]: e["layout_dims"] for e in report["embeddings"]}
    assert dims["X_umap_3d"] == 3 and dims["X_umap"] == 2


def test_manifest_lists_the_third_dimension(three_d_input, tmp_path):
    out = tmp_path / "bundle"
    run_cli("build", three_d_input, out, "--embedding", "X_umap_3d")
    manifest = json.loads((out / "manifest.json").read_text())
    names = json.dumps(manifest)
    assert "embeddings/0/display_z" in names and "embeddings/0/coords_z" in names
    assert run_cli("verify", out).returncode == 0
