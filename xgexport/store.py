"""Writing the zarr v3 store: gzip with a fixed header, every chunk present, sorted JSON,
chunk keys with the "." separator (``c.12.0``). The chunk encoding itself lives in
:mod:`xgexport.chunks`, which build workers use without importing zarr.

Everything the bundle holds goes through these helpers, so the encoding rules of
docs/FORMAT.md live in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from zarr.codecs import GzipCodec
from zarr.core.buffer import Buffer

from .chunks import encode_gzip
from .format import CHUNK_SEPARATOR, json_safe

CHUNK_KEY_ENCODING: dict[str, Any] = {"name": "default", "separator": CHUNK_SEPARATOR}


@dataclass(frozen=True)
class FixedTimeGzip(GzipCodec):
    """zarr's gzip codec, but with mtime 0 in every header: same input, same bytes.

    It serialises as the standard ``gzip`` codec, so any zarr v3 reader decodes it.
    """

    def __init__(self, *, level: int = 5) -> None:
        super().__init__(level=level)

    def _encode_sync(self, chunk_bytes: Buffer, chunk_spec) -> Buffer | None:
        packed = encode_gzip(chunk_bytes.as_numpy_array(), self.level)
        return chunk_spec.prototype.buffer.from_bytes(packed)


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
    assert shape is not None, "give data or a shape"
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
        attributes=json_safe(attrs or {}),
    )
    if data is not None:
        array[...] = data
    return array


def stop_zarr_io(timeout: float = 60.0) -> None:
    """Stop zarr's I/O thread, wait for it, and let zarr release its loop, so that zarr's exit
    hook finds nothing to do and the next zarr call (a command run in-process, as tests do)
    starts a new loop. zarr's own hook waits 0.2 s for that thread, then closes its event loop:
    on a loaded machine the thread was still running, and a command that succeeded ended with
    a traceback ("Cannot close a running event loop")."""
    from zarr.core import sync

    loop, thread = sync.loop[0], sync.iothread[0]
    if loop is None or thread is None:
        return
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout)
    if not thread.is_alive():
        sync.cleanup_resources()  # the loop is stopped: closing it is quiet, and zarr forgets it
