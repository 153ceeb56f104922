"""Cell annotations and embeddings turned into the arrays the viewer draws.

Pure functions from pandas/numpy values to :class:`EncodedObs` / :class:`EncodedEmbedding`;
writing them is the store's job.
"""

from __future__ import annotations

import colorsys
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .format import DISPLAY_MAX

# scanpy's default palette for up to 20 categories, so colours match what users saw in scanpy.
SCANPY_20 = (
    "#1f77b4", "#ff7f0e", "#279e68", "#d62728", "#aa40fc", "#8c564b", "#e377c2", "#b5bd61",
    "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
    "#dbdb8d", "#9edae5", "#ad494a", "#8c6d31",
)  # fmt: skip
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class EncodedObs:
    name: str
    kind: str
    codes: np.ndarray | None = None  # categorical / boolean
    values: np.ndarray | None = None  # continuous
    attrs: dict = field(default_factory=dict)


@dataclass(frozen=True)
class EncodedEmbedding:
    coords: np.ndarray  # float32 (n, 2 or 3), NaN where the input was not finite
    display: np.ndarray  # uint16 (n, 2 or 3), 65535 for hidden cells
    attrs: dict


def palette(n: int) -> list[str]:
    """n distinct colours: scanpy's 20, then evenly spread hues (golden angle)."""
    if n <= len(SCANPY_20):
        return list(SCANPY_20[:n])
    colours = list(SCANPY_20)
    for i in range(n - len(SCANPY_20)):
        hue = (i * 0.618033988749895) % 1.0
        lightness = (0.42, 0.55, 0.68)[i % 3]
        r, g, b = colorsys.hls_to_rgb(hue, lightness, 0.65)
        colours.append(f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}")
    return colours


def encode_obs(column: pd.Series, kind: str, uns_colors=None) -> EncodedObs:
    name = str(column.name)
    if kind == "continuous":
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        values = np.where(np.isfinite(values), values, np.nan).astype(np.float32)
        finite = values[np.isfinite(values)]
        attrs: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "min": float(finite.min()) if finite.size else None,
            "max": float(finite.max()) if finite.size else None,
            "n_missing": int(values.size - finite.size),
        }
        return EncodedObs(name, kind, values=values, attrs=attrs)
    if kind == "boolean":
        categorical = pd.Categorical(column.map({True: "true", False: "false"}), categories=["false", "true"])
        colors = ["#9aa5b1", "#d6452b"]
        ordered = False
    else:
        categorical = pd.Categorical(column)
        ordered = bool(categorical.ordered)
        colors = _category_colors(len(categorical.categories), uns_colors)
    codes = np.asarray(categorical.codes)
    n_categories = len(categorical.categories)
    dtype = np.int8 if n_categories < 127 else np.int16 if n_categories < 32767 else np.int32
    counts = np.bincount(codes[codes >= 0], minlength=n_categories)
    attrs = {
        "name": name,
        "kind": kind,
        "categories": [str(c) for c in categorical.categories],
        "colors": colors,
        "counts": counts.tolist(),
        "ordered": ordered,
        "n_missing": int((codes < 0).sum()),
    }
    return EncodedObs(name, kind, codes=codes.astype(dtype), attrs=attrs)


def _category_colors(n: int, uns_colors) -> list[str]:
    """The dataset's own colours (uns['<column>_colors']) when they fit, else scanpy's palette."""
    if uns_colors is not None:
        colours = [str(c) for c in np.asarray(uns_colors).ravel()]
        if len(colours) >= n and all(HEX_COLOR.match(c) for c in colours[:n]):
            return [c.lower() for c in colours[:n]]
        # matplotlib names or #rrggbbaa: keep what is a plain hex colour, fill the rest
        if len(colours) >= n:
            fallback = palette(n)
            return [
                c[:7].lower() if re.match(r"^#[0-9a-fA-F]{6}", c) else fallback[i] for i, c in enumerate(colours[:n])
            ]
    return palette(n)


def encode_embedding(coords: np.ndarray, key: str) -> EncodedEmbedding:
    """Exact float32 coordinates and a 16-bit display copy (finer than any screen), of every
    column given (two, or three for a 3-D embedding); a cell missing any coordinate is hidden."""
    coords = np.asarray(coords, dtype=np.float64)
    # beyond ±1e300 the span itself overflows; such coordinates are as unusable as NaN
    finite = np.asarray((np.isfinite(coords) & (np.abs(coords) < 1e300)).all(axis=1))
    if not finite.any():
        raise InputError(f"obsm[{key!r}]: no cell has finite coordinates; recompute the embedding")
    lo = coords[finite].min(axis=0)
    hi = coords[finite].max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    quantised = np.rint((coords - lo) / span * (DISPLAY_MAX - 1))
    display = np.where(finite[:, None], quantised, DISPLAY_MAX).astype(np.uint16)
    exact = np.where(finite[:, None], coords, np.nan).astype(np.float32)
    # Cells use 0..65534 and 65535 marks hidden ones; ``max`` is stretched so that the
    # documented x = min + q / 65535 · (max − min) gives the exact scale.
    attrs = {
        "key": key,
        "min": lo.tolist(),
        "max": (lo + span * DISPLAY_MAX / (DISPLAY_MAX - 1)).tolist(),
        "hidden": int((~finite).sum()),
    }
    return EncodedEmbedding(exact, display, attrs)
