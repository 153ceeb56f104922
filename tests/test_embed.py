"""`xgexport build --embed pca|umap` on real files that have no embedding (tests/data/README.md):
PCA against numpy's SVD in float64, streamed in blocks without changing the result, the same
bytes twice; UMAP when umap-learn is there, one line saying how to get it when it is not."""

from __future__ import annotations

import warnings

import anndata as ad
import numpy as np
import pytest
import scipy.sparse as sp
import zarr

from helpers import one_error, run_cli, tree
from xgexport import embed
from xgexport.source import open_source

COUNTS = "scanpy_pbmc-10x-v3-chr21_from-10x-h5.h5ad"  # CSR raw counts, 1107 × 507, no obsm
SCALED_CSC = "tiledbsoma_pbmc-small_x-csc.h5ad"  # CSC scaled values, 80 × 20, no obsm


def reference_pca(matrix: np.ndarray, counts: bool) -> np.ndarray:
    """First two principal components by numpy's SVD of the centred values (float64); the sign
    of each makes its largest loading positive (the build's convention)."""
    values = np.asarray(matrix, dtype=np.float64)
    if counts:
        totals = values.sum(axis=1, keepdims=True)
        values = np.log1p(np.divide(values * 1e4, totals, out=np.zeros_like(values), where=totals > 0))
    values = values[:, values.var(axis=0) > 0]
    centred = values - values.mean(axis=0)
    u, s, vt = np.linalg.svd(centred, full_matrices=False)
    for k in range(2):
        if vt[k, np.argmax(np.abs(vt[k]))] < 0:
            u[:, k] *= -1
    return u[:, :2] * s[:2]


def bundle_coords(out, key):
    root = zarr.open_group(str(out / "data"), mode="r")
    entry = next(e for e in root.attrs["xgexport"]["embeddings"] if e["key"] == key)
    return root[f"embeddings/{entry['id']}/coords"][:].astype(np.float64), root.attrs["xgexport"]


def read(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


@pytest.mark.parametrize(("name", "counts"), [(COUNTS, True), (SCALED_CSC, False)])
def test_pca_of_a_file_without_embedding_matches_numpy(datasets, tmp_path, name, counts):
    out = tmp_path / "bundle"
    result = run_cli("build", datasets / name, out, "--embed", "pca")
    values = "log1p(counts / cell total × 10,000)" if counts else "the stored values"
    assert "computed X_pca: PCA of the " in result.stderr and values in result.stderr
    coords, meta = bundle_coords(out, "X_pca")
    assert [e["key"] for e in meta["embeddings"]] == ["X_pca"] and meta["defaults"]["embedding"] == "0"
    adata = read(datasets / name)
    dense = adata.X.toarray() if sp.issparse(adata.X) else adata.X
    expected = reference_pca(dense, counts)
    np.testing.assert_allclose(coords, expected, atol=1e-5 * np.abs(expected).max(), rtol=1e-5)
    again = tmp_path / "again"
    run_cli("build", datasets / name, again, "-q", "--embed", "pca")
    assert tree(again) == tree(out)


def test_blocks_do_not_change_the_pca(datasets):
    """Read 500 values at a time (dozens of blocks) or all at once: the same components."""
    source = open_source(datasets / "scanpy_mouse10x-10k-subset_from-zarr.h5ad")
    reader = source.matrix("X")
    whole, what = embed.pca(reader, 2 * 1024**3, 2)
    pieces, _ = embed.pca(reader, 2 * 1024**3, 2, block_values=20_000)
    assert "most variable genes, on log1p(counts" in what
    np.testing.assert_allclose(pieces, whole, rtol=1e-9, atol=1e-9 * np.abs(whole).max())


def test_memory_budget_limits_the_genes(datasets):
    source = open_source(datasets / "scanpy_mouse10x-10k-subset_from-zarr.h5ad")
    _coords, what = embed.pca(source.matrix("X"), 8 * 1024**2, 2)
    genes = int(what.split("the ")[1].split(" most")[0])
    assert 2 <= genes < 1000


def test_no_embedding_refusal_names_the_option(datasets, tmp_path):
    line = one_error(run_cli("build", datasets / COUNTS, tmp_path / "b", check=False))
    assert "no usable embedding" in line and "--embed pca" in line


def test_embed_refuses_to_replace_an_embedding(datasets, tmp_path):
    result = run_cli("build", "example", tmp_path / "b", "--embed", "pca", check=False)
    assert "--embed pca: the input has obsm['X_pca'] already" in one_error(result)


def test_umap_without_umap_learn_is_one_line(datasets, tmp_path):
    fake = tmp_path / "site"
    (fake / "umap").mkdir(parents=True)
    (fake / "umap" / "__init__.py").write_text("raise ImportError('No module named umap')\n")
    result = run_cli(
        "build", datasets / COUNTS, tmp_path / "b", "--embed", "umap", check=False, env={"PYTHONPATH": str(fake)}
    )
    assert one_error(result) == f"error: {embed.UMAP_MISSING}"
    assert not (tmp_path / "b").exists()


def test_umap_with_umap_learn(datasets, tmp_path):
    pytest.importorskip("umap")
    out = tmp_path / "bundle"
    result = run_cli("build", datasets / COUNTS, out, "--embed", "umap", timeout=600)
    assert "computed X_umap: UMAP (umap-learn" in result.stderr
    coords, _meta = bundle_coords(out, "X_umap")
    assert coords.shape == (1107, 2) and np.isfinite(coords).all() and np.ptp(coords, axis=0).min() > 1
