"""Writing the zarr v3 store: gzip with a fixed header, every chunk present, sorted JSON,
chunk keys with the "." separator (``c.12.0``): one file per chunk and no folder per gene, so
a build creates half the inodes (folder creation was a third of the cost of writing X).

Everything the bundle holds goes through these helpers, so the encoding rules of
docs/FORMAT.md live in one place.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import GzipCodec
from zarr.core.buffer import Buffer


CHUNK_KEY_ENCODING = {"name": "default", "separator": "."}


@dataclass(frozen=True)
class FixedTimeGzip(GzipCodec):
    """zarr's gzip codec, but with mtime 0 in every header: same input, same bytes.

    It serialises as the standard ``gzip`` codec, so any zarr v3 reader decodes it.
    """

    def __init__(self, *, level: int = 5) -> None:
        super().__init__(level=level)

    def _encode_sync(self, chunk_bytes: Buffer, chunk_spec) -> Buffer | None:
        packed = encode_gzip(chunk_bytes.as_numpy_array().tobytes(), self.level)
        return chunk_spec.prototype.buffer.from_bytes(packed)


# zlib's hash table at memLevel 6 instead of the default 8: mostly-zero gene chunks compress
# ~15% faster (the table is slid every 32 KiB of input) for ~0.5% more bytes.
MEM_LEVEL = 6


def encode_gzip(raw, level: int) -> bytes:
    """The one gzip encoding of the bundle: gzip's header with mtime 0 (as ``gzip.compress``
    writes it), raw DEFLATE, CRC-32 and size."""
    extra_flags = {1: 4, 9: 2}.get(level, 0)
    header = struct.pack("<BBBBLBB", 0x1F, 0x8B, 8, 0, 0, extra_flags, 255)
    deflate = zlib.compressobj(level, zlib.DEFLATED, -15, MEM_LEVEL)
    body = deflate.compress(raw) + deflate.flush()
    size = memoryview(raw).nbytes
    return b"".join((header, body, struct.pack("<LL", zlib.crc32(raw), size & 0xFFFFFFFF)))


def write_rows(array_dir: Path, first_row: int, rows: np.ndarray, level: int) -> dict[str, tuple[int, str]]:
    """Write whole-row chunks of a 2-D array chunked (1, n_columns); see :func:`write_row`."""
    return dict(write_row(array_dir, first_row + offset, row, level) for offset, row in enumerate(rows))


def write_row(array_dir: Path, index: int, row: np.ndarray, level: int) -> tuple[str, tuple[int, str]]:
    """Write row ``index`` of a 2-D array chunked (1, n_columns) as its chunk file.

    The file is byte for byte what zarr-python writes for that chunk with
    :class:`FixedTimeGzip` (a test holds this), without zarr's per-chunk overhead, which is a
    third of the cost for 20,000 genes. Returns (chunk path relative to array_dir,
    (size, sha256)) so the manifest need not read the file again.
    """
    packed = encode_gzip(np.ascontiguousarray(row, dtype=row.dtype.newbyteorder("<")), level)
    rel = chunk_key(index, 0)
    with open(array_dir / rel, "wb") as handle:
        handle.write(packed)
    return rel, (len(packed), hashlib.sha256(packed).hexdigest())


def chunk_key(*coords: int) -> str:
    """The file name of a chunk under its array's folder (zarr v3 default encoding, ".")."""
    return ".".join(["c", *map(str, coords)])


def open_store(path: Path) -> zarr.Group:
    return zarr.open_group(str(path), mode="w", zarr_format=3)


def create(
    group: zarr.Group,
    name: str,
    data: np.ndarray | None = None,
    *,
    shape: tuple[int, ...] | None = None,
    dtype: Any = None,
    chunks: tuple[int, ...] | None = None,
    level: int = 6,
    attrs: dict | None = None,
) -> zarr.Array:
    """Create an array (and write ``data`` when given) following the bundle's encoding rules."""
    if data is not None:
        shape = data.shape
        dtype = data.dtype if dtype is None else dtype
    chunks = chunks or tuple(max(1, s) for s in shape)
    is_string = dtype is str or (np.dtype(dtype).kind in "UOT")
    array = group.create_array(
        name,
        shape=shape,
        chunks=chunks,
        dtype=str if is_string else dtype,
        compressors=FixedTimeGzip(level=level),
        fill_value="" if is_string else 0,
        chunk_key_encoding=CHUNK_KEY_ENCODING,
        config={"write_empty_chunks": True},
        attributes=_plain(attrs or {}),
    )
    if data is not None:
        array[...] = data
    return array


def _plain(value):
    """JSON-safe attributes: numpy scalars and arrays to Python, NaN to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def plain(value):
    return _plain(value)


def canonical_json(value) -> bytes:
    return (json.dumps(_plain(value), sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()
