"""Geometry and data of a bundle, computed in Python (numpy, float64) independently of the
viewer, to check what the viewer selects: where each cell is on the screen (docs/FORMAT.md's
display coordinates through the camera of plot/camera.js), which cells a polygon encloses, the
values of an obs column."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import zarr

MARGIN = 0.92  # plot/camera.js: the whole embedding fills 92 % of the plot at zoom 1
Q = 65535


def meta(bundle: Path) -> dict:
    return json.loads((bundle / "data" / "zarr.json").read_text())["attributes"]["xgexport"]


def display(bundle: Path, key: str = "X_umap"):
    """(q: (n, 2) float64 display units, lo, hi, y_down) of an embedding."""
    info = next(e for e in meta(bundle)["embeddings"] if e["key"] == key)
    arr = zarr.open_array(bundle / "data" / "embeddings" / info["id"] / "display", mode="r")
    lo = np.array(arr.attrs["min"], dtype=np.float64)
    hi = np.array(arr.attrs["max"], dtype=np.float64)
    return arr[:].astype(np.float64), lo, hi, "spatial" in key


def obs(bundle: Path, name: str) -> tuple[np.ndarray, dict]:
    """Codes (categorical) or values (continuous) of an obs column, with the array's attributes."""
    info = next(o for o in meta(bundle)["obs"] if o["name"] == name)
    leaf = "values" if info["kind"] == "continuous" else "codes"
    arr = zarr.open_array(bundle / "data" / "obs" / info["id"] / leaf, mode="r")
    return arr[:], dict(arr.attrs)


def gene_values(bundle: Path, name: str) -> np.ndarray:
    """A gene's value in every cell, from the bundle's X, in float64."""
    g = zarr.open_group(str(bundle / "data"), mode="r")
    names = list(g["var/names"][:])
    return g["X"][names.index(name), :].astype(np.float64)


def screen_positions(q, lo, hi, camera, width, height, y_down=False):
    """CSS pixels in the canvas of every cell, as plot/camera.js worldToScreen places them."""
    xy = lo + q / Q * (hi - lo)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    s = min(width / span[0], height / span[1]) * MARGIN * camera["zoom"]
    sign = -1.0 if y_down else 1.0
    return np.column_stack(
        [width / 2 + (xy[:, 0] - camera["cx"]) * s, height / 2 - sign * (xy[:, 1] - camera["cy"]) * s]
    )


def to_display(points, lo, hi):
    """Data coordinates → display units, as selection/geometry.js toDisplay (no rounding)."""
    p = np.asarray(points, dtype=np.float64)
    span = np.where(hi - lo > 0, hi - lo, 1.0)
    return (p - lo) / span * Q


def inside(px, py, poly) -> np.ndarray:
    """Even-odd ray test: (yi > y) != (yj > y) and x < (xj − xi)(y − yi)/(yj − yi) + xi."""
    res = np.zeros(len(px), dtype=bool)
    m = len(poly)
    for k in range(m):
        xi, yi = poly[k]
        xj, yj = poly[(k + 1) % m]
        crosses = (yi > py) != (yj > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = (xj - xi) * (py - yi) / (yj - yi) + xi
        res ^= crosses & (px < xc)
    return res


def edge_distance(points: np.ndarray, poly) -> np.ndarray:
    """Distance of each point to the nearest edge of a closed polygon."""
    best = np.full(len(points), np.inf)
    m = len(poly)
    for k in range(m):
        a = np.asarray(poly[k], dtype=np.float64)
        b = np.asarray(poly[(k + 1) % m], dtype=np.float64)
        d = b - a
        t = np.clip(((points - a) @ d) / max(d @ d, 1e-12), 0, 1)
        best = np.minimum(best, np.hypot(*(points - a - t[:, None] * d).T))
    return best


def clear_polygon(screen: np.ndarray, poly, margin: float = 1.0):
    """The polygon shifted by the fewest whole pixels (up to 20) that leave no cell within
    `margin` px of an edge: the drawn path is simplified within half a pixel, and which side of
    the line a cell on it falls would be up to chance."""
    shifts = sorted(((dx, dy) for dx in range(-20, 21) for dy in range(-20, 21)), key=lambda d: d[0] ** 2 + d[1] ** 2)
    for dx, dy in shifts:
        moved = [(x + dx, y + dy) for x, y in poly]
        if edge_distance(screen, moved).min() > margin:
            return moved
    raise AssertionError("no polygon placement keeps the cells off its edges")


def sig6(v: float) -> float:
    return float(f"{v:.6g}")


def bin_edges(lo: float, hi: float, count: int = 40) -> list[float]:
    """The histogram's bin edges (selection/crossfilter.js binEdges): six significant digits,
    the outer ones rounded outwards so that they hold the minimum and the maximum."""

    def down(v):
        r = sig6(v)
        return r if r <= v else sig6(r - 10 ** (math.floor(math.log10(abs(v))) - 5))

    a = 0.0 if lo == 0 else down(lo)
    b = 0.0 if hi == 0 else -down(-hi)
    return [a] + [sig6(a + (b - a) * k / count) for k in range(1, count)] + [b]
