"""How a bundle's files are served: their Content-Type and Cache-Control, in one table that
``publish`` (S3) and ``serve`` share, so a file is the same whether previewed or hosted.

No file gets a Content-Encoding: zarr chunks are gzip *files* that the viewer decompresses
itself; the header would make browsers unpack them before the viewer sees them.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from ..chunks import is_chunk_name
from ..format import ARRAY_METADATA, DATA, MANIFEST, PAGE

# Data chunks: chunk paths (data/X/c.12.0) are reused by every build of a dataset, so they are
# NOT immutable: a re-published bundle changes their content under the same URL. They are still
# the bulk of the bytes and a reader's browser should not fetch them again while exploring, so
# they are cached for a day by default (--data-max-age): readers who opened the old version may
# see old chunks for up to that long after a re-publish to the same prefix. Publish changed data
# under a new prefix (…/v2/) or pass --data-max-age 0 when that matters.
DEFAULT_DATA_MAX_AGE = 86400
# Entry points and metadata (index.html, manifest.json, every zarr.json) and the viewer's code,
# whose file names do not change between xgexport versions: "no-cache" means "revalidate before
# use", a cheap 304 when unchanged, so a re-publish is seen at once and the page, its modules
# and the array metadata always belong together.
REVALIDATE = "no-cache"

# Content types of the bundle's own kinds of file; others come from the platform's MIME table.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".json": "application/json",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".webp": "image/webp",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}


def content_type(rel: str) -> str:
    """Content-Type of a bundle file; zarr chunks (no suffix) are application/octet-stream."""
    name = PurePosixPath(rel).name
    suffix = PurePosixPath(rel).suffix.lower()
    if is_chunk_name(name):
        return "application/octet-stream"
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    if not suffix or name.startswith("."):
        return "application/octet-stream"
    guessed, _ = mimetypes.guess_type(name, strict=True)
    return guessed or "application/octet-stream"


def file_kind(rel: str) -> str:
    """entry (the page, the manifest), meta (array metadata), data (chunks) or code (the viewer)."""
    name = PurePosixPath(rel).name
    if name in (PAGE, MANIFEST):
        return "entry"
    if name == ARRAY_METADATA:
        return "meta"
    if rel.startswith(f"{DATA}/") or f"/{DATA}/" in rel:
        return "data"
    return "code"


def cache_control(rel: str, data_max_age: int = DEFAULT_DATA_MAX_AGE) -> str:
    if file_kind(rel) == "data":
        return f"public, max-age={int(data_max_age)}" if data_max_age > 0 else REVALIDATE
    return REVALIDATE
