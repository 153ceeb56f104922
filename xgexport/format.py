"""The bundle format (docs/FORMAT.md) as code: its name and version, where each array lives,
the layout constants and the shape of the dataset description in ``data/zarr.json``.

A leaf: it imports nothing of xgexport, so every writer and reader of bundles (build, verify,
index, publish, serve, load_de) takes the contract from one place. Changing anything here that
a reader of the old version would misread means raising ``FORMAT_VERSION`` (and FORMAT.md).
"""

from __future__ import annotations

import json
import math
from typing import Any, Literal, NotRequired, TypedDict

FORMAT_NAME = "xgexport-bundle"  # manifest.json's "format"
FORMAT_VERSION = 2  # 2: data/compare/ (docs/FORMAT.md, "Changes from version 1")
READABLE_VERSIONS = (1, 2)  # a version 1 bundle is a version 2 bundle without data/compare/

# Files and folders of a bundle
MANIFEST = "manifest.json"
DATA = "data"  # the zarr v3 group with every dataset value
PAGE = "index.html"
VIEWER = "viewer"  # the viewer's ES modules and stylesheet
NOJEKYLL = ".nojekyll"  # GitHub Pages hides paths starting with "_" or "." without it
ARRAY_METADATA = "zarr.json"

# Files of a collection's landing page (``xgexport index``)
LANDING_ASSETS = "_index"
LANDING_RECORD = f"{LANDING_ASSETS}/files.json"

# Arrays, relative to DATA. Folder names are numbers (ids), never dataset strings.
X = "X"  # (n_genes, n_cells) float32, one chunk per gene
VAR_NAMES = "var/names"
VAR_SYMBOLS = "var/symbols"
OBS_NAMES = "obs_names"


IMAGES = "images"  # tissue images (PNG or WebP), beside data/: they are no zarr arrays
IMAGE_TYPES = {"png": "image/png", "webp": "image/webp"}  # --image-format → the file's media type


def image_file(image_id: str, image_format: str = "png") -> str:
    """A tissue image's path in the bundle: numbered, never a library's name; named by format."""
    return f"{IMAGES}/{image_id}.{image_format}"


def embedding_array(embedding_id: str, part: Literal["coords", "display", "coords_z", "display_z"]) -> str:
    return f"embeddings/{embedding_id}/{part}"


def obs_array(obs_id: str, part: Literal["codes", "values"]) -> str:
    return f"obs/{obs_id}/{part}"


def de_group(de_id: str) -> str:
    return f"de/{de_id}"


# DE statistics under de/<id>/: (n_categories, n_genes), one category's row per chunk
DE_FLOAT32 = ("mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange")
DE_FLOAT64 = ("t", "pval", "pval_adj")
DE_TOP = ("top_up", "top_down")  # (n_categories, top_n) int32 gene indices, −1 pads
# A category's markers in one small file: (n_categories, 2 directions (up, down), fields, top_n)
# float64, the fields in this order (also the group attribute ``marker_fields``): the gene index
# of top_up / top_down, then its statistics. float64 holds the indices and every float32 value
# exactly, so one array (one dtype) carries them all; −1 / NaN pad.
DE_MARKERS = "markers"
DE_MARKER_FIELDS = ("gene", "logfoldchange", "pval_adj", "pval", "t", "mean_in", "mean_out", "frac_in", "frac_out")

# Layout
CHUNK_SEPARATOR = "."  # zarr v3 "default" chunk key encoding with this separator: c.<i>.<j>
OBS_NAMES_CHUNK = 65536
# Per-cell arrays are one file up to this many cells (the usual case), then split along cells,
# so that no file nears GitHub's 100 MiB limit (32 MiB of float32 coordinates at most).
CELL_CHUNK = 4 * 1024 * 1024
DISPLAY_MAX = 65535  # display coordinates are uint16: cells use 0..65534, this value marks a hidden cell
GENE_SYMBOLS_FROM_INDEX = "var index"  # ``gene_symbols`` when there is no var/symbols array


def cell_chunks(shape: tuple[int, ...]) -> tuple[int, ...]:
    """Chunks of a per-cell array of this shape: whole up to CELL_CHUNK cells, then split."""
    return (min(shape[0], CELL_CHUNK), *shape[1:])


# The dataset description: ``attributes.xgexport`` of data/zarr.json


class Link(TypedDict):
    label: str
    url: str


class MatrixInfo(TypedDict):
    source: str  # "X", "raw" or a layer name
    reason: str
    min: float
    max: float
    has_nan: bool
    looks_like: str  # "log-normalized" | "raw counts" | "scaled (negative values)"


class EmbeddingInfo(TypedDict):
    id: str
    key: str
    name: str
    n_dims: int
    layout_dims: NotRequired[int]  # 3: a 3-D embedding (coords_z, display_z); absent: 2-D


class ObsInfo(TypedDict, total=False):
    id: str
    name: str
    kind: str  # "categorical", "boolean" (stored as categories false, true) or "continuous"
    n_categories: int  # categorical and boolean only


class DeInfo(TypedDict):
    id: str
    obs_id: str
    name: str
    n_categories: int
    top_n: int


class Defaults(TypedDict):
    embedding: str
    color: str  # "obs:<id>", "gene:<index>" or "none"


class RootAttributes(TypedDict):
    format_version: int
    generator: str
    title: str
    description: str
    citation: str
    doi: str
    links: list[Link]
    n_cells: int
    n_genes: int
    matrix: MatrixInfo
    gene_symbols: str  # a var column, or GENE_SYMBOLS_FROM_INDEX
    embeddings: list[EmbeddingInfo]
    obs: list[ObsInfo]
    de: list[DeInfo]
    defaults: Defaults
    images: NotRequired[list[dict[str, Any]]]  # tissue images; absent when there are none


ROOT_ATTRIBUTES_KEY = "xgexport"  # data/zarr.json: attributes.xgexport


# JSON files of a bundle (manifest.json, _index/files.json) are canonical: sorted keys, UTF-8,
# one layout, so the same content gives the same bytes.


def json_safe(value: Any) -> Any:
    """JSON-safe values: numpy scalars and arrays to Python, non-finite floats to None.
    (numpy's values are known by their ``tolist``: this module imports no numpy, so that
    ``import xgexport`` and ``xgexport --help`` stay light.)"""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()  # a numpy array (to nested lists) or scalar (to int, float, bool)
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def canonical_json(value: Any) -> bytes:
    return (json.dumps(json_safe(value), sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()
