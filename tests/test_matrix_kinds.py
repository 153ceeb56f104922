"""Backed, block-wise reads of every matrix kind, and a Dask cluster giving the same bytes.

A small memory budget forces many row blocks and gene buckets, so the spill-file transpose
and the per-bucket DE really run in pieces; the result must equal the one-piece build.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import zarr

from factories import synthetic_adata
from xgexport.build import build
from xgexport.manifest import bundle_files
from xgexport.options import BuildOptions, RunOptions
from xgexport.report import Reporter
from xgexport.verify import verify

N_CELLS, N_GENES = 3000, 240
# --max-memory covers obs/var, per-cell arrays, DE tables and the comparison data's groups
# (~1.4 MiB here) before the matrix pass gets the rest: ~0.6 MiB, about 8k stored values per piece
SMALL_BUDGET = RunOptions(max_memory=2048 * 1024)


def make_adata() -> ad.AnnData:
    """Log-normalized X over a raw-counts layer, two categorical columns (DE) and a score."""
    adata = synthetic_adata(N_CELLS, N_GENES, per_cell=20, n_groups=6, obs_columns=1, counts_layer=True, seed=7)
    adata.obs["batch"] = pd.Categorical(np.random.default_rng(8).choice(["a", "b"], N_CELLS))
    return adata


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("kinds")
    base = make_adata()
    made = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base.write_h5ad(folder / "csr.h5ad")
        made["csr"] = folder / "csr.h5ad"
        csc = base.copy()
        csc.X = sp.csc_matrix(csc.X)
        csc.write_h5ad(folder / "csc.h5ad")
        made["csc"] = folder / "csc.h5ad"
        dense = base.copy()
        dense.X = dense.X.toarray()
        dense.write_h5ad(folder / "dense.h5ad")
        made["dense"] = folder / "dense.h5ad"
        with_raw = base.copy()
        with_raw.raw = base
        with_raw.X = np.zeros((N_CELLS, N_GENES), dtype=np.float32)  # X is a decoy: raw is used
        with_raw.write_h5ad(folder / "raw.h5ad")
        made["raw"] = folder / "raw.h5ad"
        layer = base.copy()
        layer.layers["logged"] = base.X.copy()
        layer.X = base.layers["counts"]
        layer.write_h5ad(folder / "layer.h5ad")
        made["layer"] = folder / "layer.h5ad"
        base.write_zarr(folder / "store.zarr")
        made["zarr"] = folder / "store.zarr"
    return made


def build_quiet(source, out, run=SMALL_BUDGET, options=None):
    return build(source, out, options=options, run=run, reporter=Reporter(0))


def test_pieces_really_are_small(inputs, tmp_path, capsys):
    build(inputs["csr"], tmp_path / "bundle", run=SMALL_BUDGET, reporter=Reporter(2))
    pieces = re.search(r"(\d+) row blocks, (\d+) gene buckets", capsys.readouterr().err)
    assert int(pieces[1]) >= 3 and int(pieces[2]) >= 4, pieces[0]


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory):
    """The CSR input built in one piece: the expected arrays for every other kind."""
    out = tmp_path_factory.mktemp("ref") / "bundle"
    build_quiet(inputs["csr"], out, RunOptions())
    return zarr.open_group(str(out / "data"), mode="r")


@pytest.mark.parametrize("kind", ["csr", "csc", "dense", "raw", "layer", "zarr"])
def test_every_kind_gives_the_same_arrays(kind, inputs, reference, tmp_path):
    out = tmp_path / "bundle"
    layer = "logged" if kind == "layer" else None
    build_quiet(inputs[kind], out, options=BuildOptions(layer=layer))
    assert verify(out) == []
    root = zarr.open_group(str(out / "data"), mode="r")
    np.testing.assert_array_equal(root["X"][:], reference["X"][:])
    expected_source = {"raw": "raw", "layer": "logged"}.get(kind, "X")
    assert root.attrs["xgexport"]["matrix"]["source"] == expected_source
    for entry in reference.attrs["xgexport"]["de"]:
        for stat in ("t", "pval", "pval_adj", "mean_in", "frac_out", "top_up", "top_down"):
            np.testing.assert_array_equal(root[f"de/{entry['id']}/{stat}"][:], reference[f"de/{entry['id']}/{stat}"][:])


def test_counts_layer_warns(inputs, tmp_path, capsys):
    build(inputs["layer"], tmp_path / "b", reporter=Reporter(1))
    assert "looks like raw counts" in capsys.readouterr().err


def digest(folder: Path) -> dict[str, str]:
    return {rel: hashlib.sha256((folder / rel).read_bytes()).hexdigest() for rel in bundle_files(folder)}


@pytest.fixture(scope="module")
def dask_scheduler():
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None, silence_logs=40,
    ) as cluster:  # fmt: skip
        yield cluster.scheduler_address


@pytest.mark.parametrize("kind", ["csr", "csc"])
def test_dask_cluster_matches_local_byte_for_byte(kind, inputs, dask_scheduler, tmp_path):
    local = tmp_path / "local"
    remote = tmp_path / "dask"
    build_quiet(inputs[kind], local)
    build_quiet(inputs[kind], remote, RunOptions(max_memory=SMALL_BUDGET.max_memory, scheduler=dask_scheduler))
    assert digest(local) == digest(remote)
    assert (local / "manifest.json").read_bytes() == (remote / "manifest.json").read_bytes()


def test_local_process_pool_matches_one_process(inputs, tmp_path):
    one = tmp_path / "one"
    two = tmp_path / "two"
    build_quiet(inputs["csr"], one, RunOptions(max_memory=SMALL_BUDGET.max_memory, jobs=1))
    build_quiet(inputs["csr"], two, RunOptions(max_memory=SMALL_BUDGET.max_memory * 2, jobs=2))
    assert digest(one) == digest(two)


def test_direct_row_writes_are_what_zarr_writes(tmp_path):
    """X chunks are written without zarr's per-chunk overhead; the bytes must be zarr's own."""
    from xgexport.chunks import write_row
    from xgexport.store import create, open_store

    rows = np.random.default_rng(3).random((5, 1000)).astype(np.float32)
    rows[rows < 0.7] = 0
    by_zarr = open_store(tmp_path / "a")
    create(by_zarr, "X", rows, chunks=(1, 1000), level=1)
    direct = open_store(tmp_path / "b")
    create(direct, "X", shape=rows.shape, dtype=np.float32, chunks=(1, 1000), level=1)
    digests = dict(write_row(tmp_path / "b" / "X", g, row, 1) for g, row in enumerate(rows))
    for g in range(5):
        expected = (tmp_path / "a" / "X" / f"c.{g}.0").read_bytes()
        assert (tmp_path / "b" / "X" / f"c.{g}.0").read_bytes() == expected
        assert digests[f"c.{g}.0"] == (len(expected), hashlib.sha256(expected).hexdigest())
    np.testing.assert_array_equal(zarr.open_array(str(tmp_path / "b" / "X"), mode="r")[:], rows)


def test_per_cell_arrays_split_into_chunks_beyond_the_cell_chunk(inputs, tmp_path, monkeypatch):
    """Large datasets split coordinates and annotations along cells (files under 100 MiB)."""
    import xgexport.format

    monkeypatch.setattr(xgexport.format, "CELL_CHUNK", 1000)
    build_quiet(inputs["csr"], tmp_path / "b", RunOptions())
    root = zarr.open_group(str(tmp_path / "b" / "data"), mode="r")
    display = root["embeddings/0/display"]
    assert display.chunks == (1000, 2)
    assert sorted(p.name for p in (tmp_path / "b" / "data" / "embeddings" / "0" / "display").glob("c.*")) == [
        "c.0.0",
        "c.1.0",
        "c.2.0",
    ]
    adata = ad.read_h5ad(inputs["csr"])
    np.testing.assert_allclose(root["embeddings/0/coords"][:], adata.obsm["X_umap"])
    codes = root["obs/0/codes"]
    assert codes.chunks == (1000,)
    assert list(np.array(codes.attrs["categories"])[codes[:]]) == list(adata.obs["cluster"].astype(str))
    assert verify(tmp_path / "b") == []
