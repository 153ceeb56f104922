"""``xgexport index SITE``: a landing page for a folder of bundles (a collection).

Bundles are never modified (their manifests must keep matching). The page is ``SITE/index.html``;
its stylesheet, script and one thumbnail per dataset go to ``SITE/_index/`` (thumbnail names are
content hashes, so a browser never shows a stale one), written by :mod:`xgexport.landing`, which
replaces only what an earlier run wrote. Everything taken from a dataset is
rendered as text by jinja2's autoescaping; the page runs under the Content-Security-Policy
``default-src 'self'; img-src 'self' data:`` (no inline script or style).
"""

from __future__ import annotations

import hashlib
import json
import struct
import urllib.parse
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import BundleError, first_line
from .format import ARRAY_METADATA, DATA, DISPLAY_MAX, LANDING_ASSETS, MANIFEST, ROOT_ATTRIBUTES_KEY
from .landing import INDEX_GENERATOR, write_landing
from .manifest import find_bundles, is_bundle, read_manifest
from .templating import pages_dir, render
from .version import __version__

THUMB_SIZE = 160
SEARCH_FROM = 6  # show the search box when the list has at least this many datasets
MISSING_RGB = (204, 204, 204)
VIRIDIS = (
    (0.2777273272234177, 0.005407344544966578, 0.3340998053353061),
    (0.1050930431085774, 1.404613529898575, 1.384590162594685),
    (-0.3308618287255563, 0.214847559468213, 0.09509516302823659),
    (-4.634230498983486, -5.799100973351585, -19.33244095627987),
    (6.228269936347081, 14.17993336680509, 56.69055260068105),
    (4.776384997670288, -13.74514537774601, -65.35303263337234),
    (-5.435455855934631, 4.645852612178535, 26.3124352495832),
)  # the viewer's polynomial fit of matplotlib's viridis (viewer_template/colormaps.js)


@dataclass(frozen=True)
class Entry:
    """One dataset on the landing page (the template's contract)."""

    href: str  # URL of its viewer, relative to the landing page
    folder: str
    title: str
    description: str
    n_cells: int
    n_genes: int
    citation: str
    doi: str
    doi_url: str
    links: tuple[tuple[str, str], ...]
    thumbnail: str | None  # URL relative to the landing page
    search_text: str


@dataclass(frozen=True)
class IndexResult:
    page: Path
    entries: tuple[Entry, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (bundle folder, why) left off the page


def write_index(site: Path, *, title: str = "Datasets") -> IndexResult:
    """Write ``site/index.html`` listing every readable bundle below ``site``; a bundle whose
    description cannot be read is left off the page (``skipped``) rather than failing it."""
    site = Path(site)
    if is_bundle(site):
        raise BundleError(
            f"{site}: is a bundle itself; run `xgexport index` on the folder that holds bundles "
            "(build each dataset into a subfolder: xgexport build data.h5ad SITE/name)"
        )
    bundles = find_bundles(site)
    if not bundles:
        raise BundleError(f"{site}: no bundles in its subfolders (folders with an xgexport {MANIFEST})")

    # Gather everything first, write afterwards.
    entries, skipped = [], []
    files: dict[str, bytes] = {}
    for bundle in bundles:
        try:
            info = _dataset_info(bundle)
        except BundleError as exc:
            skipped.append((bundle.relative_to(site).as_posix(), str(exc)))
            continue
        png = _thumbnail_or_none(bundle, info)
        name = None
        if png is not None:
            name = f"{LANDING_ASSETS}/{hashlib.sha256(png).hexdigest()[:16]}.png"
            files[name] = png
        entries.append(_entry(site, bundle, info, name))
    if not entries:
        raise BundleError(f"{site}: none of its {len(bundles)} bundle(s) can be read ({skipped[0][1]})")
    template = pages_dir()
    for asset in ("collection.js", "collection.css"):
        files[f"{LANDING_ASSETS}/{asset}"] = (template / asset).read_bytes()
    files[".nojekyll"] = b""  # GitHub Pages would hide _index/ otherwise
    files["index.html"] = render_page(title, entries).encode("utf-8")
    write_landing(site, files, [entry.folder for entry in entries])
    return IndexResult(site / "index.html", tuple(entries), tuple(skipped))


def render_page(title: str, entries: list[Entry]) -> str:
    return render(
        "collection.html",
        title=title,
        entries=entries,
        search=len(entries) >= SEARCH_FROM,
        assets=LANDING_ASSETS,
        generator=INDEX_GENERATOR,
        version=__version__,
    )


def _dataset_info(bundle: Path) -> dict:
    """The manifest's dataset summary and the description in data/zarr.json, as one dict."""
    manifest = read_manifest(bundle)
    try:
        group = json.loads((bundle / DATA / ARRAY_METADATA).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise BundleError(f"cannot read its {DATA}/{ARRAY_METADATA} ({first_line(exc, 120)}); rebuild it") from None
    attrs = group.get("attributes") if isinstance(group, dict) else None
    attrs = attrs.get(ROOT_ATTRIBUTES_KEY) if isinstance(attrs, dict) else None
    if not isinstance(attrs, dict):
        raise BundleError(f"its {DATA}/{ARRAY_METADATA} holds no xgexport description; rebuild it")
    dataset = manifest.get("dataset")
    return {**(dataset if isinstance(dataset, dict) else {}), **attrs}


def _entry(site: Path, bundle: Path, info: dict, thumbnail: str | None) -> Entry:
    folder = bundle.relative_to(site).as_posix()
    href = urllib.parse.quote(folder) + "/index.html"
    doi = _text(info.get("doi"))
    links = []
    for link in info.get("links") or []:
        if isinstance(link, dict):
            label, url = _text(link.get("label")), _text(link.get("url"))
            if url.lower().startswith(("https://", "http://")):  # never javascript: and friends
                links.append((label or url, url))
    entry_title = _text(info.get("title")) or folder
    description = _text(info.get("description"))
    citation = _text(info.get("citation"))
    return Entry(
        href=href,
        folder=folder,
        title=entry_title,
        description=description,
        n_cells=_int(info.get("n_cells")),
        n_genes=_int(info.get("n_genes")),
        citation=citation,
        doi=doi,
        doi_url=f"https://doi.org/{urllib.parse.quote(doi, safe='/:;()._-')}" if doi else "",
        links=tuple(links),
        thumbnail=thumbnail,
        search_text=" ".join([entry_title, description, citation, doi, folder]).lower(),
    )


def _text(value) -> str:
    return "" if value is None else str(value)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# --- thumbnails -------------------------------------------------------------------------------


def _thumbnail_or_none(bundle: Path, info: dict) -> bytes | None:
    try:
        return thumbnail(bundle, info)
    except Exception:  # zarr and numpy raise many kinds for damaged arrays
        return None  # a landing page without one picture beats no landing page


def thumbnail(bundle: Path, info: dict, size: int = THUMB_SIZE) -> bytes:
    """A PNG of the default embedding coloured by the default colouring, as the viewer shows it."""
    import zarr

    root: Any = zarr.open_group(str(bundle / DATA), mode="r")  # zarr types nodes as JSON unions
    defaults = info.get("defaults", {})
    embedding = str(defaults.get("embedding", "0"))
    display = root[f"embeddings/{embedding}/display"]
    xy = np.asarray(display[...], dtype=np.int64)
    colors = _cell_colors(root, str(defaults.get("color", "none")), len(xy))
    visible = (xy[:, 0] != DISPLAY_MAX) | (xy[:, 1] != DISPLAY_MAX)
    mins = np.array(display.attrs.get("min", [0, 0]), dtype=float)
    maxs = np.array(display.attrs.get("max", [1, 1]), dtype=float)
    # keep the aspect ratio of the layout, as the viewer does
    span = np.where(maxs - mins > 0, maxs - mins, 1.0)
    margin = 6
    inner = size - 2 * margin
    w, h = (max(1, round(float(inner * side / span.max()))) for side in span)
    px = margin + (size - 2 * margin - w) // 2 + (xy[:, 0] * (w - 1) // DISPLAY_MAX)
    py = margin + (size - 2 * margin - h) // 2 + ((DISPLAY_MAX - xy[:, 1]) * (h - 1) // DISPLAY_MAX)  # y up
    image = np.full((size, size, 4), 0, dtype=np.uint8)
    order = np.flatnonzero(visible)
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):  # 2×2 px dots, later cells on top
        x = np.clip(px[order] + dx, 0, size - 1)
        y = np.clip(py[order] + dy, 0, size - 1)
        image[y, x, :3] = colors[order]
        image[y, x, 3] = 255
    return encode_png(image)


def _cell_colors(root, color: str, n: int) -> np.ndarray:
    rgb = np.tile(np.array(MISSING_RGB, dtype=np.uint8), (n, 1))
    kind, _, ident = color.partition(":")
    if kind == "obs":
        group = root[f"obs/{ident}"]
        if "codes" in group:
            codes = np.asarray(group["codes"][...], dtype=np.int64)
            palette = np.array([_hex(c) for c in group["codes"].attrs.get("colors", [])], dtype=np.uint8)
            ok = (codes >= 0) & (codes < len(palette))
            if len(palette):
                rgb[ok] = palette[codes[ok]]
            return rgb
        return _continuous(np.asarray(group["values"][...], dtype=np.float64), rgb)
    if kind == "gene":
        return _continuous(np.asarray(root["X"][int(ident), :], dtype=np.float64), rgb)
    return rgb


def _continuous(values: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    finite = np.isfinite(values)
    if finite.any():
        lo, hi = float(values[finite].min()), float(values[finite].max())
        t = (values[finite] - lo) / (hi - lo) if hi > lo else np.zeros(finite.sum())
        rgb[finite] = viridis(t)
    return rgb


def viridis(t: np.ndarray) -> np.ndarray:
    x = np.clip(np.asarray(t, dtype=np.float64), 0, 1)[:, None]
    coeffs = np.array(VIRIDIS)
    v = np.broadcast_to(coeffs[6], (len(x), 3)).copy()
    for k in range(5, -1, -1):
        v = coeffs[k] + x * v
    return np.round(np.clip(v, 0, 1) * 255).astype(np.uint8)


def _hex(text: str) -> tuple[int, int, int]:
    text = str(text).lstrip("#")
    if len(text) != 6:
        return MISSING_RGB
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return MISSING_RGB


def encode_png(rgba: np.ndarray) -> bytes:
    """An 8-bit RGBA PNG from an (h, w, 4) uint8 array: zlib + struct, no imaging library."""
    height, width, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[row].tobytes() for row in range(height))  # filter 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
