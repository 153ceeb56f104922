"""``xgexport build`` writes data/compare/ streamed through the matrix pass: with a small
--max-memory (many row blocks, gene buckets and leaf ranges), from CSR, CSC and dense inputs,
in one process or two, its files are byte for byte what the in-memory writer makes of the whole
matrix, which the engine's exactness tests check against scipy."""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import zarr

from factories import synthetic_adata
from helpers import run_cli
from xgexport.build import build
from xgexport.comparison import ColumnGroups, write_compare
from xgexport.errors import BundleError
from xgexport.options import BuildOptions, RunOptions
from xgexport.report import Reporter
from xgexport.verify import verify

N_CELLS, N_GENES = 3000, 240
SMALL = RunOptions(max_memory=2 * 1024 * 1024)
TREE = {"compare_leaf_cells": 8, "compare_row_cells": 40}


def make_adata(kind: str):
    adata = synthetic_adata(N_CELLS, N_GENES, per_cell=20, n_groups=6, seed=11)
    rng = np.random.default_rng(12)
    adata.obs["batch"] = pd.Categorical(rng.choice(["ctrl", "stim", None], N_CELLS, p=[0.45, 0.45, 0.1]))
    adata.obsm["X_umap"][:5] = adata.obsm["X_umap"][5]  # cells at one point: leaves cut in runs
    if kind == "csc64":  # float64 values, some negative: kept as float64, nonnegative false
        signs = rng.choice([-1.0, 1.0], size=(1, adata.n_vars))
        adata.X = sp.csc_matrix(adata.X.astype(np.float64).multiply(signs))
    elif kind == "dense":
        adata.X = adata.X.toarray()
    return adata


@pytest.fixture(scope="module", params=["csr", "csc64", "dense"])
def case(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"cmp-build-{request.param}")
    adata = make_adata(request.param)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.write_h5ad(folder / "in.h5ad")
    return folder, adata, request.param


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def in_memory(bundle: Path, adata, joints, tmp: Path) -> Path:
    """The same comparison data from the whole matrix in memory (write_compare)."""
    root = zarr.open_group(str(bundle / "data"), mode="r")
    meta = root.attrs["xgexport"]
    columns = [ColumnGroups(d["obs_id"], d["name"], root[f"obs/{d['obs_id']}/codes"][:].astype(np.int64), d["n_categories"])
               for d in meta["de"]]  # fmt: skip
    ids = {d["name"]: d["obs_id"] for d in meta["de"]}
    display = root[f"embeddings/{meta['defaults']['embedding']}/display"][:]
    zarr.open_group(str(tmp), mode="w", zarr_format=3)
    write_compare(tmp, adata.X, display, meta["defaults"]["embedding"], columns,
                  tuple((ids[a], ids[b]) for a, b in joints), leaf_cells=8, row_cells=40)  # fmt: skip
    return tmp / "compare"


@pytest.mark.parametrize("jobs", [1, 2])
def test_streamed_build_equals_the_in_memory_writer(case, jobs, tmp_path, capsys):
    folder, adata, kind = case
    out = tmp_path / "bundle"
    options = BuildOptions(de_within=(("cluster", "batch"),), **TREE)
    run = RunOptions(max_memory=SMALL.max_memory * jobs, jobs=jobs)
    build(folder / "in.h5ad", out, options=options, run=run, reporter=Reporter(2))
    report = capsys.readouterr().err
    pieces = re.search(r"(\d+) row blocks, (\d+) gene buckets", report)
    assert int(pieces[2]) >= 4, pieces[0]
    assert int(re.search(r"(\d+) leaf ranges", report)[1]) >= 2
    assert re.search(r"comparison data: [\d.]+ MB \(\d+ rows", report)
    assert verify(out) == []
    streamed = digests(out / "data" / "compare")
    expected = digests(in_memory(out, adata, options.de_within, tmp_path / "memory"))
    assert streamed == expected
    attrs = zarr.open_group(str(out / "data" / "compare"), mode="r").attrs
    assert attrs["nonnegative"] == (kind != "csc64")
    assert attrs["value_dtype"] == ("float64" if kind == "csc64" else "float32")
    assert zarr.open_group(str(out / "data"), mode="r").attrs["xgexport"]["format_version"] == 2


def test_no_compare_leaves_it_out(case, tmp_path):
    folder, _, _ = case
    out = tmp_path / "bundle"
    result = run_cli("build", folder / "in.h5ad", out, "--no-compare")
    assert not (out / "data" / "compare").exists()
    assert "comparison data" not in result.stderr
    assert verify(out) == []


def test_de_within_bad_names_give_one_line(case, tmp_path):
    folder, _, _ = case
    for flag, words in [
        ("cluster:nope", "'nope' is not a column with DE"),
        ("cluster", "use TYPE_COLUMN:CONDITION_COLUMN"),
        ("cluster:cluster", "use TYPE_COLUMN:CONDITION_COLUMN"),
    ]:
        result = run_cli("build", folder / "in.h5ad", tmp_path / "b", "--de-within", flag, check=False)
        assert result.returncode == 1 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
        assert words in result.stderr, result.stderr
        assert not (tmp_path / "b").exists()
    result = run_cli(
        "build", folder / "in.h5ad", tmp_path / "b", "--de-within", "cluster:batch", "--no-compare", check=False
    )
    assert result.returncode == 1 and "cannot go with --no-compare" in result.stderr


def test_inspect_suggests_de_within_and_the_flag_builds_joint_rows(case, datasets, tmp_path):
    folder, _, kind = case
    if kind != "csr":
        pytest.skip("one input is enough")
    printed = run_cli("inspect", folder / "in.h5ad").stdout
    assert "suggestion: --de-within cluster:batch" in printed
    heart = run_cli("inspect", datasets / "cxg-curation_heart-example-with-labels.h5ad").stdout
    assert "--de-within cell_type:disease" in heart and "ontology_term_id:disease" not in heart
    assert "--de-within" not in run_cli("inspect", datasets / "scanpy_pbmc68k_reduced.h5ad").stdout
    out = tmp_path / "bundle"
    run_cli("build", folder / "in.h5ad", out, "-q", "--de-within", "cluster:batch")
    root = zarr.open_group(str(out / "data"), mode="r")
    ids = {d["name"]: d["obs_id"] for d in root.attrs["xgexport"]["de"]}
    (joint,) = root["compare"].attrs["joint"]
    assert joint["obs_ids"] == [ids["cluster"], ids["batch"]]
    pairs = root[f"compare/joint/{joint['id']}/pairs"][:]
    assert len(pairs) == joint["n_rows"] == 6 * 3  # 6 clusters × (ctrl, stim, missing), all observed


def test_two_de_within_pairs_each_answer_from_their_joint_rows(tmp_path):
    """--de-within given twice: each pair gets its joint rows, and a comparison within a cell
    type reads that pair's rows only (no cells) and equals scipy on the original values."""
    from compare_helpers import assert_matches, dense64

    from xgexport.comparison import compare

    adata = make_adata("csr")
    rng = np.random.default_rng(13)
    adata.obs["donor"] = pd.Categorical(rng.choice(["d1", "d2", "d3"], N_CELLS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.write_h5ad(tmp_path / "in.h5ad")
    out = tmp_path / "bundle"
    run_cli("build", tmp_path / "in.h5ad", out, "-q", "--de-within", "cluster:batch", "--de-within", "cluster:donor")
    root = zarr.open_group(str(out / "data"), mode="r")
    ids = {d["name"]: d["obs_id"] for d in root.attrs["xgexport"]["de"]}
    joints = root["compare"].attrs["joint"]
    assert [j["obs_ids"] for j in joints] == [[ids["cluster"], ids["batch"]], [ids["cluster"], ids["donor"]]]
    dense = dense64(adata.X)
    cluster, first = adata.obs["cluster"].to_numpy(), adata.obs["cluster"].cat.categories[0]
    for column, a, b in (("batch", "ctrl", "stim"), ("donor", "d1", "d3")):
        frame = compare(out, {"cluster": [first], column: [a]}, {"cluster": [first], column: [b]})
        info = frame.attrs["comparison"]
        assert "joint" in info["route"] and info["files_read"] == 2, info
        values = adata.obs[column].to_numpy()
        assert_matches(frame, dense, (cluster == first) & (values == a), (cluster == first) & (values == b))


def as_version_1(bundle: Path) -> Path:
    """A bundle of format version 1 as an older xgexport wrote it: version 2 without
    data/compare/ (--no-compare) but for the number, in data/zarr.json and the manifest."""
    zarr_json = bundle / "data" / "zarr.json"
    meta = json.loads(zarr_json.read_text())
    meta["attributes"]["xgexport"]["format_version"] = 1
    zarr_json.write_text(json.dumps(meta, indent=2, sort_keys=True))
    manifest = json.loads((bundle / "manifest.json").read_text())
    data = zarr_json.read_bytes()
    manifest["format_version"] = 1
    manifest["files"]["data/zarr.json"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (bundle / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return bundle


def test_version_1_and_2_bundles_verify_and_index_together(example_build, tmp_path):
    import shutil

    site = tmp_path / "site"
    shutil.copytree(example_build(), site / "v2")
    as_version_1(Path(shutil.copytree(example_build(compare=False), site / "v1")))
    assert verify(site / "v1") == [] and verify(site / "v2") == []
    run_cli("index", site)
    assert sorted(json.loads((site / "_index" / "files.json").read_text())["bundles"]) == ["v1", "v2"]
    manifest = json.loads((site / "v1" / "manifest.json").read_text())
    manifest["format_version"] = 3
    (site / "v1" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match="format version 3 is not version 1 or 2"):
        verify(site / "v1")
