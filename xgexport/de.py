"""Differential expression in the bundle: assembling per-bucket results, writing, reading.

The statistics themselves live in :mod:`xgexport.stats`; this module owns ``data/de/<id>/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import stats
from .format import (
    DATA,
    DE_FLOAT32,
    DE_FLOAT64,
    DE_MARKER_FIELDS,
    DE_MARKERS,
    DE_TOP,
    ROOT_ATTRIBUTES_KEY,
    VAR_NAMES,
    de_group,
)
from .store import create

COLUMNS = ("category", "gene", *DE_FLOAT32, *DE_FLOAT64)  # of load_de's frame


@dataclass(frozen=True)
class DeTable:
    """All statistics of one DE column: arrays (n_categories, n_genes)."""

    name: str
    obs_id: str
    categories: tuple[str, ...]
    n_in: np.ndarray
    n_out: np.ndarray
    skipped: tuple[str, ...]
    arrays: dict


def assemble(name, obs_id, categories, codes, blocks: list[tuple[int, stats.DeBlock]], n_genes) -> DeTable:
    """Join the bucket results of one column, adjust p-values, blank the skipped categories."""
    n_groups = len(categories)
    arrays = {key: np.full((n_groups, n_genes), np.nan, dtype=np.float32 if key in DE_FLOAT32 else np.float64)
              for key in (*DE_FLOAT32, "t", "pval")}  # fmt: skip
    for first_gene, block in blocks:
        for key in arrays:
            values = getattr(block, key)
            arrays[key][:, first_gene : first_gene + values.shape[1]] = values
    valid = codes[codes >= 0]
    n_in = np.bincount(valid, minlength=n_groups)
    n_out = len(valid) - n_in
    too_small = (n_in < 2) | (n_out < 2)
    for key in arrays:
        arrays[key][too_small] = np.nan
    arrays["pval_adj"] = stats.bh_adjust(arrays["pval"])
    skipped = tuple(categories[k] for k in np.flatnonzero(too_small))
    return DeTable(name, obs_id, tuple(categories), n_in, n_out, skipped, arrays)


def write_de(group, de_id: str, table: DeTable, top_n: int, level: int) -> dict[str, list[int]]:
    """Write one DE column under de/<id>; return the manifest's array shapes."""
    node = group.require_group(de_group(de_id))
    node.attrs.update(
        {
            "name": table.name,
            "obs_id": table.obs_id,
            "categories": list(table.categories),
            "n_in": table.n_in.tolist(),
            "n_out": table.n_out.tolist(),
            "skipped": list(table.skipped),
            "top_n": top_n,
            "marker_fields": list(DE_MARKER_FIELDS),
        }
    )
    n_groups, n_genes = table.arrays["t"].shape
    shapes = {}
    for key in (*DE_FLOAT32, *DE_FLOAT64):
        dtype = np.float32 if key in DE_FLOAT32 else np.float64
        create(node, key, table.arrays[key].astype(dtype, copy=False), chunks=(1, n_genes), level=level)
        shapes[f"{de_group(de_id)}/{key}"] = [n_groups, n_genes]
    ranked = stats.top_genes(table.arrays["t"], top_n)
    for key, genes in zip(DE_TOP, ranked):
        create(node, key, genes, chunks=(1, top_n), level=level)
        shapes[f"{de_group(de_id)}/{key}"] = [n_groups, top_n]
    shape = (n_groups, 2, len(DE_MARKER_FIELDS), top_n)
    markers = create(node, DE_MARKERS, shape=shape, dtype=np.float64, chunks=(1, *shape[1:]), level=level)
    for k in range(n_groups):  # a category (one chunk) at a time: top_n may exceed n_genes
        markers[k] = marker_block(table.arrays, k, *(genes[k] for genes in ranked))
    shapes[f"{de_group(de_id)}/{DE_MARKERS}"] = list(shape)
    return shapes


def marker_block(arrays: dict, k: int, up: np.ndarray, down: np.ndarray) -> np.ndarray:
    """Category k's top genes with their statistics (format.DE_MARKERS), (2, fields, top_n): what
    the marker panel shows, so that opening a category reads one small file, not eight rows of n_genes."""
    out = np.full((2, len(DE_MARKER_FIELDS), len(up)), np.nan, dtype=np.float64)
    for d, genes in enumerate((up, down)):
        out[d, 0] = genes  # −1 pads, as in top_up / top_down
        ranks = np.flatnonzero(genes >= 0)
        for f, key in enumerate(DE_MARKER_FIELDS[1:], start=1):
            out[d, f, ranks] = arrays[key][k, genes[ranks]]
    return out


def load_de(bundle_path, obs_column: str):
    """Differential expression of one obs column of a bundle, as a long pandas DataFrame.

    Columns: category, gene, mean_in, mean_out, frac_in, frac_out, logfoldchange, t, pval,
    pval_adj; one row per (category, gene), categories in their stored order.
    """
    import pandas as pd
    import zarr

    from .errors import BundleError

    root: Any = zarr.open_group(str(Path(bundle_path) / DATA), mode="r")  # zarr types nodes as JSON unions
    meta: Any = root.attrs[ROOT_ATTRIBUTES_KEY]
    matches = [entry for entry in meta.get("de", []) if entry["name"] == obs_column]
    if not matches:
        have = ", ".join(entry["name"] for entry in meta.get("de", [])) or "none"
        raise BundleError(f"no differential expression for obs column {obs_column!r} (columns with DE: {have})")
    node = root[de_group(matches[0]["id"])]
    categories = list(node.attrs["categories"])
    genes = root[VAR_NAMES][:]
    n_groups, n_genes = node["t"].shape
    frame: dict[str, Any] = {
        "category": pd.Categorical(np.repeat(categories, n_genes), categories=categories),
        "gene": np.tile(np.asarray(genes, dtype=object), n_groups),
    }
    for key in (*DE_FLOAT32, *DE_FLOAT64):
        frame[key] = node[key][:].ravel()
    return pd.DataFrame(frame, columns=list(COLUMNS))
