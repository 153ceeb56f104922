"""The documentation says what the code does: README's table of ``xgexport build`` options is the
command's options, and docs/FORMAT.md's tables of arrays are what builds of real datasets write,
each with its dtype."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import pytest

from helpers import DATASETS, ROOT, run_cli
from xgexport.cli import build as build_command

README = ROOT / "README.md"
FORMAT = ROOT / "docs" / "FORMAT.md"


def table_rows(text: str, heading: str) -> list[list[str]]:
    """The cells of the first Markdown table after the line that contains ``heading``."""
    lines = text[text.index(heading) :].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    rows = []
    for line in lines[start + 2 :]:  # after the header and its |---| line
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))])
    return rows


def test_readme_option_table_is_the_build_commands_options():
    rows = table_rows(README.read_text(encoding="utf-8"), "`xgexport build INPUT OUT` options")
    documented = {name for row in rows for name in re.findall(r"(?<![\w-])(--?[a-z][a-z0-9-]*)", row[0])}
    options = [p for p in build_command.params if p.param_type_name == "option"]
    names = {name for p in options for name in (*p.opts, *p.secondary_opts)}
    undocumented = [p.opts for p in options if not set(p.opts) & documented]
    assert undocumented == [], f"options missing from README's table: {undocumented}"
    assert documented <= names, f"README's table names options the command lacks: {sorted(documented - names)}"


def documented_arrays() -> dict[str, set[str]]:
    """docs/FORMAT.md's arrays: path pattern (ids as <id>) → allowed dtypes."""
    text = FORMAT.read_text(encoding="utf-8")
    arrays = {}
    for row in table_rows(text, "## Arrays"):
        path = row[0].strip("`")
        arrays[path] = set(row[1].split("/"))
    for row in table_rows(text, "### Differential expression: `de/<id>/`"):
        for name in re.findall(r"`([a-z_]+)`", row[0]):
            arrays[f"de/<id>/{name}"] = set(row[1].split("/"))
    for row in table_rows(text, "### Comparison data: `compare/`"):
        arrays[row[0].strip("`")] = set(row[1].split("/"))
    return arrays


def built_arrays(bundle: Path) -> dict[str, str]:
    """Every array a bundle's manifest lists, as a path pattern → its zarr data_type."""
    manifest = json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))
    found = {}
    for path in manifest["arrays"]:
        meta = json.loads((bundle / path / "zarr.json").read_text(encoding="utf-8"))
        pattern = re.sub(r"/\d+(/|$)", r"/<id>\1", path.removeprefix("data/"))
        found.setdefault(pattern, set()).add(meta["data_type"])
    return found


@pytest.fixture(scope="module")
def builds(example_bundle, tmp_path_factory) -> dict[str, dict[str, set[str]]]:
    """Real datasets that between them write every kind of array: the example (continuous and
    categorical columns, DE, comparison data), the heart dataset (gene symbols from feature_name),
    the example with --de-within (joint rows) and the PBMC file with a 3-column embedding (3-D)."""
    heart = tmp_path_factory.mktemp("format") / "heart"
    run_cli("build", DATASETS / "cxg-curation_heart-example-with-labels.h5ad", heart, "-q")
    joint = tmp_path_factory.mktemp("format") / "joint"
    run_cli("build", "example", joint, "-q", "--de-within", "louvain:phase")
    three_d = tmp_path_factory.mktemp("format") / "three_d"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(DATASETS / "scanpy_pbmc68k_reduced.h5ad")
    adata.obsm["X_umap_3d"] = np.asarray(adata.obsm["X_pca"][:, :3], dtype=np.float64)
    adata.write_h5ad(three_d.with_suffix(".h5ad"))
    run_cli("build", three_d.with_suffix(".h5ad"), three_d, "-q", "--embedding", "X_umap_3d")
    return {
        "example": built_arrays(example_bundle),
        "heart": built_arrays(heart),
        "joint": built_arrays(joint),
        "three_d": built_arrays(three_d),
    }


def test_format_documents_every_array_a_build_writes_with_its_dtype(builds):
    documented = documented_arrays()
    for name, arrays in builds.items():
        for pattern, dtypes in arrays.items():
            assert pattern in documented, f"{name}: {pattern} is written but not in docs/FORMAT.md"
            assert dtypes <= documented[pattern], f"{name}: {pattern} is {dtypes}, FORMAT.md says {documented[pattern]}"


def test_every_documented_array_is_written(builds):
    written = set().union(*builds.values())
    assert set(documented_arrays()) - written == set(), "documented in FORMAT.md, written by neither build"
