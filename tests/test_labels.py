"""`xgexport build --annotations`: label set CSV files (the viewer's export, cellxgene's
annotation CSV) become categorical obs columns of the bundle with their DE; bad files are one
line and no bundle. (The same, with a file the viewer itself wrote: tests/browser/test_labels_build.py.)"""

from __future__ import annotations

import csv
import io
import json
import warnings

import anndata as ad
import numpy as np
import pytest
import zarr

import xgexport
from helpers import one_error, run_cli, tree

PBMC = "scanpy_pbmc68k_reduced.h5ad"


@pytest.fixture(scope="module")
def pbmc(datasets):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(datasets / PBMC)


def viewer_csv(names, sets, title="PBMC", identity="sha256:abc") -> str:
    """The file as viewer_template/labelfile.js formatLabelCsv writes it (comments, quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    comment = [{"name": s["name"], "labels": s["labels"]} for s in sets]
    out.write(f"# xgexport label sets of {json.dumps(title)}\n")
    out.write(
        f"# bundle identity: {identity} (sha256 of its manifest.json); {len(names)} cells; an empty field is no label\n"
    )
    out.write(f"# xgexport-labels {json.dumps(comment, ensure_ascii=False)}\n")
    writer.writerow(["cell_id", *(s["name"] for s in sets)])
    for i, name in enumerate(names):
        writer.writerow([name, *(s["labels"][s["codes"][i]][0] if s["codes"][i] >= 0 else "" for s in sets)])
    return out.getvalue()


def obs_column(out, name):
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    entry = next(o for o in meta["obs"] if o["name"] == name)
    node = root[f"obs/{entry['id']}/codes"]
    return node[:].astype(np.int64), dict(node.attrs), meta


def test_viewer_label_sets_become_columns_with_de(pbmc, datasets, tmp_path):
    names = list(pbmc.obs_names)
    rng = np.random.default_rng(0)
    curated = np.where(pbmc.obs["louvain"].cat.codes.to_numpy() < 3, pbmc.obs["louvain"].cat.codes.to_numpy(), -1)
    tricky = rng.integers(-1, 2, size=len(names))
    sets = [
        {
            "name": "curated",
            "labels": [['T, "naive"', "#112233"], ["B\nline", "#445566"], ["mono", ""], ["empty label", "#778899"]],
            "codes": curated,
        },
        {"name": "<b>set</b>", "labels": [["yes", "#ff0000"], ["no", "#00ff00"]], "codes": tricky},
    ]
    path = tmp_path / "labels.csv"
    path.write_text(viewer_csv(names, sets), encoding="utf-8")
    out = tmp_path / "bundle"
    result = run_cli("build", datasets / PBMC, out, "--annotations", path)
    assert "label sets from --annotations: 'curated' (4 labels," in result.stderr
    codes, attrs, meta = obs_column(out, "curated")
    np.testing.assert_array_equal(codes, curated)
    assert attrs["categories"] == [
        'T, "naive"',
        "B\nline",
        "mono",
        "empty label",
    ]  # the file's order, unused label kept
    assert attrs["colors"][0] == "#112233" and attrs["colors"][1] == "#445566" and attrs["colors"][2].startswith("#")
    assert attrs["counts"][3] == 0 and attrs["n_missing"] == int((curated < 0).sum())
    codes, attrs, _ = obs_column(out, "<b>set</b>")
    np.testing.assert_array_equal(codes, tricky)
    assert attrs["colors"] == ["#ff0000", "#00ff00"]
    assert {"curated", "<b>set</b>"} <= {d["name"] for d in meta["de"]}
    frame = xgexport.load_de(out, "curated")
    dense = np.asarray(pbmc.raw.X.toarray() if hasattr(pbmc.raw.X, "toarray") else pbmc.raw.X, dtype=np.float64)
    inside = dense[curated == 0]
    rows = frame[frame.category == 'T, "naive"']
    np.testing.assert_allclose(rows.mean_in.to_numpy(), inside.mean(axis=0), rtol=1e-5, atol=1e-6)
    assert frame[frame.category == "empty label"].t.isna().all()  # no cells: skipped
    # the same input and file give the same bytes
    again = tmp_path / "again"
    run_cli("build", datasets / PBMC, again, "-q", "--annotations", path)
    assert tree(again) == tree(out)


def test_cellxgene_annotation_csv(pbmc, datasets, tmp_path):
    names = list(pbmc.obs_names)
    lines = ["# Annotations generated on 2024-01-01 using cellxgene version 1.2.0",
             "# Input data file was pbmc.h5ad, which was last modified on 2024-01-01", "index,cell_kind"]  # fmt: skip
    lines += [f"{n},{'odd' if i % 2 else 'unassigned'}" for i, n in enumerate(names[:100])]
    path = tmp_path / "cellxgene.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    out = tmp_path / "bundle"
    run_cli("build", datasets / PBMC, out, "-q", "--annotations", path, "--obs", "louvain", "--no-de")
    codes, attrs, meta = obs_column(out, "cell_kind")
    assert attrs["categories"] == ["odd"]
    expected = np.full(len(names), -1)
    expected[1:100:2] = 0
    np.testing.assert_array_equal(codes, expected)
    assert [o["name"] for o in meta["obs"]] == ["louvain", "cell_kind"]  # --obs lists columns: the set is added


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "cell_id,x\nghost,a\n{first},b\n",
            "1 of its 2 cell ids are not cells of the input ('ghost'): is the file from another dataset?",
        ),
        ("cell_id,x\n{first},a\n{first},b\n", "the cell id '{first}' is on more than one row"),
        ("who,x\n{first},a\n", "no cell id column: the first column must be named cell_id (or index)"),
        (
            "cell_id,louvain\n{first},a\n",
            "the label set 'louvain' has the name of an obs column of scanpy_pbmc68k_reduced.h5ad",
        ),
        ("cell_id\n{first}\n", "the file has a cell id column but no label set column"),
        ("cell_id,x,x\n{first},a,b\n", "the label set 'x' is a column twice"),
        ('cell_id,x\n"{first},a\n', "not a readable CSV file"),
        ("", "the file is empty: no header line"),
    ],
)
def test_bad_files_are_one_line_and_no_bundle(pbmc, datasets, tmp_path, text, message):
    first = pbmc.obs_names[0]
    path = tmp_path / "labels.csv"
    path.write_text(text.format(first=first), encoding="utf-8")
    out = tmp_path / "bundle"
    result = run_cli("build", datasets / PBMC, out, "--annotations", path, check=False)
    line = one_error(result)
    assert line.startswith(f"error: --annotations {path}: ")
    assert message.format(first=first) in line
    assert not out.exists()


def test_missing_file_is_one_line(datasets, tmp_path):
    result = run_cli("build", datasets / PBMC, tmp_path / "b", "--annotations", tmp_path / "nope.csv", check=False)
    assert "cannot read the file" in one_error(result)


def test_a_label_set_of_ids_is_refused_not_skipped(pbmc, datasets, tmp_path):
    """A column of one label per cell is an id (the plan skips such input columns with a note):
    a label set asked for by name is refused in one line instead of vanishing."""
    path = tmp_path / "ids.csv"
    path.write_text("cell_id,per cell\n" + "".join(f"{n},L{i}\n" for i, n in enumerate(pbmc.obs_names[:40])))
    line = one_error(run_cli("build", datasets / PBMC, tmp_path / "b", "--annotations", path, check=False))
    assert "the label set 'per cell' cannot be shown as categories: 40 of its 40 values hold one cell each" in line
