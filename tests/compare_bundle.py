"""Bundles with comparison data for the viewer's tests, until ``xgexport build`` writes it
(issue #11 phase 2): a bundle built by the CLI, then ``data/compare/`` written by
``write_compare`` from the same matrix the build used (raw or X, as its meta says), with the
manifest written again so that ``xgexport verify`` passes."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import zarr

from xgexport.comparison import ColumnGroups, write_compare
from xgexport.manifest import MANIFEST, write_manifest


def source_matrix(source: Path):
    """The matrix the build exported (meta matrix.source), as stored in the file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(source)
    return adata


def add_compare_data(bundle: Path, source: Path, *, leaf_cells: int = 8, row_cells: int = 40, joint: bool = True,
                     columns: list[str] | None = None) -> Path:  # fmt: skip
    """Write ``bundle/data/compare`` for the bundle built from ``source``; returns the bundle.
    Statistics rows for the DE columns (``columns``: only these), joint rows for the first two."""
    adata = source_matrix(source)
    root = zarr.open_group(str(bundle / "data"), mode="r+")
    meta = root.attrs["xgexport"]
    matrix = (adata.raw if meta["matrix"]["source"] == "raw" else adata).X
    wanted = [d for d in meta["de"] if columns is None or d["name"] in columns]
    columns = [ColumnGroups(d["obs_id"], d["name"], root[f"obs/{d['obs_id']}/codes"][:].astype(np.int64), d["n_categories"])
               for d in wanted]  # fmt: skip
    joints = ((columns[0].obs_id, columns[1].obs_id),) if joint and len(columns) > 1 else ()
    embedding = meta["defaults"]["embedding"]
    display = root[f"embeddings/{embedding}/display"][:]
    written = write_compare(bundle / "data", matrix, display, embedding, columns, joints,
                            leaf_cells=leaf_cells, row_cells=row_cells)  # fmt: skip
    manifest = json.loads((bundle / MANIFEST).read_text())
    arrays = {**manifest["arrays"], **{f"data/{k}": {"shape": v} for k, v in written["arrays"].items()}}
    known = {rel: (entry["size"], entry["sha256"]) for rel, entry in manifest["files"].items()}
    known.pop("data/zarr.json", None)  # unchanged by write_compare, but re-read to be sure
    write_manifest(bundle, manifest["dataset"], arrays, known={**known, **written["files"]})
    return bundle
