"""The 3-D test bundle (the PBMC file's first three principal components as a 3-column obsm
entry) and numpy's own version of plot/rotation.js, shared by the 3-D browser tests."""

from __future__ import annotations

import warnings
from pathlib import Path

import anndata as ad
import numpy as np
import zarr
from browser_helpers import DATASETS, build_bundle
from selection_helpers import Q, meta

from helpers import built_once

KEY = "X_pca_3d"
DEG_PER_PX = 0.5  # plot/pointer.js (the Rotate tool)


def threed_bundle(shared_tmp: Path) -> Path:
    """The bundle, built once per run."""

    def make(out):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            adata = ad.read_h5ad(DATASETS / "scanpy_pbmc68k_reduced.h5ad")
        adata.obsm[KEY] = np.asarray(adata.obsm["X_pca"][:, :3], dtype=np.float64)
        source = shared_tmp / "pbmc_3d.h5ad"
        adata.write_h5ad(source)
        build_bundle(source, out, "--embedding", KEY, "--embedding", "X_umap", "--title", "PBMC 3-D")

    return built_once(shared_tmp / "pbmc3d", make)


def embedding_group(bundle):
    info = next(e for e in meta(bundle)["embeddings"] if e["key"] == KEY)
    return zarr.open_group(str(bundle / "data" / "embeddings" / info["id"]), mode="r")


def projected(bundle, yaw, pitch):
    """numpy's version of plot/rotation.js: the display coordinates turned by (yaw, pitch) about
    the centre of the box, in the bounds of the sphere about it that holds every cell:
    (q (n, 2), lo, hi)."""
    group = embedding_group(bundle)
    xy, z = group["display"], group["display_z"]
    q = np.column_stack([xy[:].astype(np.float64), z[:].astype(np.float64)])
    lo = np.array([*xy.attrs["min"], z.attrs["min"]])
    hi = np.array([*xy.attrs["max"], z.attrs["max"]])
    p = lo + q / Q * (hi - lo)
    c = (lo + hi) / 2
    shown = (q[:, :2] != Q).any(axis=1)
    r = np.sqrt(((p[shown] - c) ** 2).sum(axis=1).max()) * 1.001
    y, t = np.radians(yaw), np.radians(pitch)
    rot = np.array([[np.cos(y), 0, np.sin(y)], [np.sin(t) * np.sin(y), np.cos(t), -np.sin(t) * np.cos(y)]])
    turned = (p - c) @ rot.T + c[:2]
    plo, phi = c[:2] - r, c[:2] + r
    out = np.clip(np.floor((turned - plo) / (phi - plo) * Q + 0.5), 0, Q - 1)
    return out, plo, phi


def depth(bundle, yaw, pitch):
    """Each cell's distance towards the viewer under (yaw, pitch), in data units about the centre."""
    group = embedding_group(bundle)
    xy, z = group["display"], group["display_z"]
    lo = np.array([*xy.attrs["min"], z.attrs["min"]])
    hi = np.array([*xy.attrs["max"], z.attrs["max"]])
    p = lo + np.column_stack([xy[:], z[:]]).astype(np.float64) / Q * (hi - lo)
    y, t = np.radians(yaw), np.radians(pitch)
    return (p - (lo + hi) / 2) @ np.array([-np.cos(t) * np.sin(y), np.sin(t), np.cos(t) * np.cos(y)])


def state(page):
    return page.evaluate("window.xgexport.getState()")
