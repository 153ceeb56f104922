"""What a user asks of a build, in two parts.

:class:`BuildOptions` decide what the bundle holds (the dataset's description, which matrix,
columns and embeddings, DE): :func:`xgexport.plan.make_plan` turns them into the plan.
:class:`RunOptions` decide how the build runs (memory, processes, a cluster, gzip level) and
never change what a reader sees. The gzip level changes the bytes of the chunk files and the
level each ``zarr.json`` names, but not one decoded value or attribute: the same dataset, read
the same way, so it is a run option; the same input with the same options of both kinds still
gives the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import InputError
from .images import ImageEncoding

# zlib-ng's fastest level with Huffman codes fitted to the data (xgexport/chunks.py says why)
DEFAULT_GZIP_LEVEL = 2


@dataclass(frozen=True)
class BuildOptions:
    """What the bundle holds; the CLI fills it, the defaults are the documented ones."""

    title: str | None = None  # default: the input's file name
    description: str = ""
    citation: str = ""
    doi: str = ""
    links: tuple[tuple[str, str], ...] = ()  # (label, http(s) URL)
    layer: str | None = None
    gene_symbols: str | None = None
    embeddings: tuple[str, ...] = ()
    obs: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()  # integer/float columns to show as categories
    max_categories: int = 1000
    de: bool = True
    de_obs: tuple[str, ...] = ()
    de_max_categories: int = 200
    de_top_n: int = 50
    compare: bool = True  # data/compare/: comparisons of any two groups (docs/COMPARE.md)
    de_within: tuple[tuple[str, str], ...] = ()  # (cell type column, condition column): joint rows
    compare_leaf_cells: int = 64  # the comparison tree's leaf size (cells)
    compare_row_cells: int = 1024  # tree nodes with this many cells carry a statistics row
    annotations: tuple[str, ...] = ()  # label set CSV files (the viewer's export) to add as obs columns
    embed: str | None = None  # "pca" or "umap": a layout the build computes (xgexport.embed)
    images: bool = True  # tissue images of uns['spatial'] (xgexport.images)
    image_encoding: ImageEncoding = field(default_factory=ImageEncoding)  # --image-format, --image-quality

    def __post_init__(self) -> None:
        object.__setattr__(self, "doi", clean_doi(self.doi))
        for label, url in self.links:
            check_link(label, url)


@dataclass(frozen=True)
class RunOptions:
    """How a build runs; a bundle's content does not depend on these."""

    max_memory: int = 2 * 1024**3  # bytes for the build's data (--max-memory)
    jobs: int = 0  # local processes for the matrix pass; 0 = automatic
    scheduler: str | None = None  # a Dask scheduler's address
    gzip_level: int = DEFAULT_GZIP_LEVEL


def clean_doi(doi: str) -> str:
    """'10.1234/x', 'doi:10.1234/x' or 'https://doi.org/10.1234/x' → '10.1234/x'."""
    text = (doi or "").strip()
    for head in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if text.lower().startswith(head):
            text = text[len(head) :]
    if text and not re.fullmatch(r"10\.\d{4,9}/\S+", text):
        raise InputError(f"--doi {doi!r}: not a DOI like 10.1038/s41586-020-2649-2")
    return text


def parse_de_within(text: str) -> tuple[str, str]:
    """'cell_type:condition' → ('cell_type', 'condition')."""
    first, sep, second = str(text).partition(":")
    if not sep or not first.strip() or not second.strip() or first.strip() == second.strip():
        raise InputError(
            f"--de-within {text!r}: use TYPE_COLUMN:CONDITION_COLUMN, e.g. --de-within cell_type:condition"
        )
    return first.strip(), second.strip()


def parse_link(text: str) -> tuple[str, str]:
    """'Paper=https://…' → ('Paper', 'https://…'), checked."""
    label, sep, url = str(text).partition("=")
    if not sep:
        raise InputError(f"--link {text!r}: use LABEL=URL, e.g. --link Paper=https://doi.org/10.1234/x")
    label, url = label.strip(), url.strip()
    check_link(label, url)
    return label, url


def check_link(label: str, url: str) -> None:
    if not str(label).strip():
        raise InputError(f"--link {label}={url}: the label is empty; use LABEL=URL")
    if not re.fullmatch(r"https?://[^\s<>\"]+", str(url), flags=re.IGNORECASE):
        raise InputError(f"--link {label}={url}: only http:// and https:// URLs are accepted")
