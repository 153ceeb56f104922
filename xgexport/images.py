"""Tissue images under spatial spots: scanpy's and squidpy's ``uns['spatial'][library]``.

``obsm['spatial']`` holds full-resolution image pixels; ``uns['spatial'][library]`` holds a
downscaled image (``images/hires`` or ``images/lowres``) and the factor from full-resolution
pixels to it (``scalefactors/tissue_hires_scalef`` …). :func:`plan_images` decides from the
metadata which library's image goes into the bundle (reasons for the rest go to the plan's
skipped list); :func:`write_images` converts each to 8-bit RGB(A), shrinks it by area averaging
to at most ``MAX_SIDE`` pixels, and writes it as ``images/<id>.png`` (or ``.webp``) with its
placement in full-resolution coordinates (docs/FORMAT.md, "Tissue images").

The PNG writer is our own (zlib + crc32, ~30 lines): its bytes depend only on the pixels and
zlib's level-9 output, so the same input gives the same file, with no dependency to pin. WebP
(``--image-format webp``, lossy: a stained section about 3× smaller at quality 90) is libwebp's
through Pillow, the optional extra ``webp``: its output depends only on the pixels, the quality
and libwebp's version (tests/test_images_webp.py: the same bytes from fresh interpreters).
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import format as fmt
from .errors import InputError
from .report import Reporter

MAX_SIDE = 2048  # the long side of an exported image, in pixels
SPATIAL_KEYS = ("spatial", "X_spatial")  # obsm keys in full-resolution image pixels
LIBRARY_COLUMNS = ("library_id", "library", "sample", "sample_id")  # obs columns naming libraries
RESOLUTIONS = ("hires", "lowres")  # preferred first
IMAGE_BYTES_LIMIT = 512 * 1024**2  # an image larger than this (as float64) is no uns thumbnail
# WebP quality: 90 keeps a stained section's texture (PSNR ~42 dB on scikit-image's IHC sample,
# 3.3× smaller than our PNG); libwebp's method 4 (Pillow's default): method 6 is 2.5× slower for 3 %
DEFAULT_WEBP_QUALITY = 90
WEBP_MISSING = (
    "--image-format webp needs Pillow with WebP support: pip install 'xgexport[webp]' (or pip install pillow); "
    "or leave the images as PNG (--image-format png, the default)"
)


@dataclass(frozen=True)
class ImageEncoding:
    """How tissue images are written: ``png`` (lossless, our own writer) or ``webp`` (lossy)."""

    format: str = "png"
    quality: int | None = None  # WebP's 1..100; None: DEFAULT_WEBP_QUALITY (PNG has none)

    def __post_init__(self) -> None:
        if self.format not in fmt.IMAGE_TYPES:
            raise InputError(f"--image-format {self.format}: use png or webp")
        if self.quality is not None and self.format != "webp":
            raise InputError("--image-quality is WebP's: add --image-format webp (PNG is lossless)")
        if self.quality is not None and not 1 <= self.quality <= 100:
            raise InputError(f"--image-quality {self.quality}: use 1 to 100")

    def check(self) -> None:
        """Stop at once (before anything is read or written) when WebP cannot be written here."""
        if self.format == "webp":
            _webp_image_module()

    def encode(self, pixels: np.ndarray) -> bytes:
        if self.format == "png":
            return encode_png(pixels)
        return encode_webp(pixels, self.quality or DEFAULT_WEBP_QUALITY)


@dataclass(frozen=True)
class ImagePlan:
    id: str
    library: str
    # usable-looking images, best first: (hires | lowres, tissue_<resolution>_scalef: full-resolution
    # pixels → image pixels); the first whose pixels are usable (no NaN, 0..1 floats) is exported
    candidates: tuple[tuple[str, float], ...]
    spot_diameter: float | None  # spot_diameter_fullres, in full-resolution pixels
    embedding_id: str  # the spatial embedding the image lies under
    obs_id: str | None  # the obs column whose category `library` marks this library's cells


def plan_images(source: Any, embeddings: tuple, obs: tuple, enabled: bool, skipped: list) -> tuple[ImagePlan, ...]:
    """The images to export, from metadata only; why others are not, appended to ``skipped``."""
    libraries = _spatial_libraries(source)
    if not libraries:
        return ()
    if not enabled:
        skipped.append(("uns['spatial'] images", "left out (--no-images)"))
        return ()
    spatial = next((e for key in SPATIAL_KEYS for e in embeddings if e.key == key), None)
    if spatial is None:
        skipped.append(("uns['spatial'] images", "no exported obsm['spatial'] to place them on"))
        return ()
    column = None
    if len(libraries) > 1:
        column = _library_column(source, obs, list(libraries))
        if column is None:
            skipped.append(
                (
                    "uns['spatial'] images",
                    f"{len(libraries)} libraries, but no categorical obs column ({', '.join(LIBRARY_COLUMNS)}) "
                    "names each cell's library",
                )
            )
            return ()
    plans: list[ImagePlan] = []
    for library, node in libraries.items():
        what = f"uns['spatial'][{library!r}] image"
        choice = _choose_resolution(node)
        if isinstance(choice, str):
            skipped.append((what, choice))
            continue
        candidates, spot = choice
        plans.append(ImagePlan(str(len(plans)), library, candidates, spot, spatial.id, column))
    return tuple(plans)


def _spatial_libraries(source: Any) -> dict[str, Any]:
    """{library name: its uns node (h5py/zarr group or dict)} of uns['spatial'], sorted by name."""
    try:
        if source.legacy is not None:
            spatial = source.legacy.uns.get("spatial")
        else:
            spatial = _child(source.root, "uns", "spatial")
        if spatial is None or not hasattr(spatial, "keys"):
            return {}
        return {str(k): spatial[k] for k in sorted(spatial.keys()) if hasattr(spatial[k], "keys")}
    except Exception:  # a broken uns entry must not stop an export
        return {}


def _child(node: Any, *path: str) -> Any:
    for key in path:
        if node is None or not hasattr(node, "keys") or key not in node:
            return None
        node = node[key]
    return node


def _scalar(node: Any) -> float | None:
    if node is None:
        return None
    try:
        value = float(np.asarray(node if isinstance(node, (int, float, np.number)) else node[()]).ravel()[0])
    except Exception:
        return None
    return value if math.isfinite(value) else None


def _choose_resolution(library: Any) -> tuple[tuple[tuple[str, float], ...], float | None] | str:
    """((resolution, scale factor) of each image that looks usable, spot diameter), or why none does."""
    reasons, candidates = [], []
    for resolution in RESOLUTIONS:
        image = _child(library, "images", resolution)
        if image is None:
            continue
        scale = _scalar(_child(library, "scalefactors", f"tissue_{resolution}_scalef"))
        shape, dtype = tuple(getattr(image, "shape", ())), np.dtype(getattr(image, "dtype", object))
        if scale is None or scale <= 0:
            reasons.append(f"{resolution}: no positive scalefactors/tissue_{resolution}_scalef")
        elif not (len(shape) == 2 or (len(shape) == 3 and shape[2] in (1, 3, 4))) or min(shape[:2], default=0) < 1:
            reasons.append(f"{resolution}: shape {shape} is not rows × columns (× 1, 3 or 4 channels)")
        elif not (dtype == np.uint8 or dtype == np.uint16 or dtype.kind == "f"):
            reasons.append(f"{resolution}: pixel type {dtype} (expected uint8, uint16 or float 0..1)")
        elif math.prod(shape) * 8 > IMAGE_BYTES_LIMIT:
            reasons.append(f"{resolution}: {shape} is too large for an uns image")
        else:
            candidates.append((resolution, scale))
    if not candidates:
        return "; ".join(reasons) or "no images/hires or images/lowres"
    spot = _scalar(_child(library, "scalefactors", "spot_diameter_fullres"))
    return tuple(candidates), spot if spot and spot > 0 else None


def _library_column(source: Any, obs: tuple, libraries: list[str]) -> str | None:
    """The id of an exported categorical obs column whose categories name the libraries."""
    for name in LIBRARY_COLUMNS:
        for entry in obs:
            if entry.name == name and entry.kind == "categorical":
                values = {str(v) for v in source.obs[name].dropna().unique()}
                if values & set(libraries):
                    return entry.id
    return None


def write_images(
    source: Any,
    images: tuple[ImagePlan, ...],
    folder: Path,
    reporter: Reporter,
    max_memory: int | None = None,
    encoding: ImageEncoding = ImageEncoding(),
) -> list[dict]:
    """Write each planned image as images/<id>.png (or .webp); return their descriptions (root
    attrs). Written before the matrix pass, so an image may use the memory budget that pass uses later."""
    written = []
    for plan in images:
        for resolution, scale in plan.candidates:
            need = _conversion_bytes(source, plan.library, resolution)
            if max_memory is not None and need > max_memory:
                reporter.warn(
                    f"skipped uns['spatial'][{plan.library!r}] image {resolution}: converting it needs about "
                    f"{need / 1024**2:.0f} MB, more than --max-memory"
                )
                continue
            pixels = _read_pixels(source, plan.library, resolution)
            if isinstance(pixels, str):
                reporter.warn(f"skipped uns['spatial'][{plan.library!r}] image {resolution}: {pixels}")
                continue
            factor = max(1, math.ceil(max(pixels.shape[:2]) / MAX_SIDE))
            small = shrink(pixels, factor)
            path = folder / fmt.image_file(plan.id, encoding.format)
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(encoding.encode(small))
            written.append(describe(plan, resolution, scale, small.shape, factor, encoding.format))
            break
    return written


def describe(
    plan: ImagePlan, resolution: str, scale: float, shape: tuple, factor: int, image_format: str = "png"
) -> dict:
    """An image's entry in the root attributes: where it lies in full-resolution coordinates.

    Pixel centres of the input image sit at integer image coordinates (as matplotlib's imshow
    draws them under scanpy's spots), so input pixel i covers [i − ½, i + ½] / scale; an output
    pixel is ``factor`` input pixels (the last row and column may average fewer)."""
    height, width = shape[:2]
    extent = [-0.5 / scale, -0.5 / scale, (width * factor - 0.5) / scale, (height * factor - 0.5) / scale]
    info: dict = {
        "id": plan.id,
        "file": fmt.image_file(plan.id, image_format),
        "media_type": fmt.IMAGE_TYPES[image_format],
        "library": plan.library,
        "resolution": resolution,
        "embedding": plan.embedding_id,
        "width": width,
        "height": height,
        "channels": shape[2],
        "scale": scale / factor,
        "extent": extent,
        "spot_diameter": plan.spot_diameter,
    }
    if plan.obs_id is not None:
        info["obs_id"] = plan.obs_id
    return info


def _conversion_bytes(source: Any, library: str, resolution: str) -> int:
    """Peak bytes of converting one image: its float64 RGB(A) copy, the padded copy and the
    block sums of :func:`shrink`, with the input as stored."""
    node = _child(_spatial_libraries(source).get(library), "images", resolution)
    shape = tuple(getattr(node, "shape", ()))
    channels = max(3, shape[2]) if len(shape) == 3 else 3
    return math.prod(shape[:2]) * channels * 8 * 3 + math.prod(shape) * np.dtype(getattr(node, "dtype", "f8")).itemsize


def _read_pixels(source: Any, library: str, resolution: str) -> np.ndarray | str:
    """The image as float64 0..255 with 3 or 4 channels, or why it cannot be used."""
    node = _child(_spatial_libraries(source).get(library), "images", resolution)
    try:
        raw = np.asarray(node[...])
    except Exception as exc:  # unreadable data is a reason to skip, not to stop the export
        return f"unreadable ({type(exc).__name__})"
    if raw.ndim == 2:
        raw = raw[:, :, None]
    if raw.dtype.kind == "f":
        if not np.isfinite(raw).all():
            return "it has NaN or infinite pixels"
        lo, hi = float(raw.min()), float(raw.max())
        if lo < -1e-3 or hi > 1 + 1e-3:
            return f"float pixels from {lo:g} to {hi:g} (expected 0..1)"
        pixels = np.clip(raw.astype(np.float64), 0, 1) * 255
    elif raw.dtype == np.uint16:
        pixels = raw.astype(np.float64) / 257
    else:
        pixels = raw.astype(np.float64)
    return np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels


def shrink(pixels: np.ndarray, factor: int) -> np.ndarray:
    """Area averaging over factor × factor blocks (edge blocks average the pixels they hold),
    rounded to uint8."""
    if factor == 1:
        return np.rint(pixels).astype(np.uint8)
    h, w, c = pixels.shape
    rows, cols = math.ceil(h / factor), math.ceil(w / factor)
    padded = np.zeros((rows * factor, cols * factor, c))
    padded[:h, :w] = pixels
    present = np.zeros((rows * factor, cols * factor))
    present[:h, :w] = 1
    sums = padded.reshape(rows, factor, cols, factor, c).sum(axis=(1, 3))
    counts = present.reshape(rows, factor, cols, factor).sum(axis=(1, 3))
    return np.rint(sums / counts[:, :, None]).astype(np.uint8)


def encode_png(pixels: np.ndarray) -> bytes:
    """An 8-bit RGB or RGBA PNG; every row with the "Up" filter (photographs compress better
    than unfiltered), one IDAT at zlib level 9, no timestamp or text chunks."""
    h, w, c = pixels.shape
    rows = pixels.reshape(h, w * c).astype(np.uint8)
    up = rows.copy()
    up[1:] -= rows[:-1]  # uint8 arithmetic wraps modulo 256, as the filter is defined
    raw = np.concatenate([np.full((h, 1), 2, np.uint8), up], axis=1).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", w, h, 8, {3: 2, 4: 6}[c], 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _webp_image_module() -> Any:
    """Pillow's Image module, when it can write WebP; otherwise the one-line error."""
    try:
        from PIL import Image, features
    except ImportError:
        raise InputError(WEBP_MISSING) from None
    if not features.check("webp"):
        raise InputError(WEBP_MISSING)
    return Image


def encode_webp(pixels: np.ndarray, quality: int) -> bytes:
    """A lossy WebP (libwebp through Pillow) of 8-bit RGB or RGBA pixels: no metadata (EXIF,
    ICC, XMP), libwebp's method 4."""
    import io

    image = _webp_image_module().fromarray(np.ascontiguousarray(pixels, dtype=np.uint8))  # RGB or RGBA by its shape
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=int(quality), method=4)
    return out.getvalue()
