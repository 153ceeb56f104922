"""The chunk encoding: standard gzip at every level, ISA-L's deflate at the default level 1
(zlib's was half a build's CPU time), fixed headers, the same bytes for the same input."""

from __future__ import annotations

import gzip
import struct
import zlib

import numpy as np
import pytest
from isal import isal_zlib

from xgexport import chunks


def gene_rows():
    """Rows as a build writes them: float32, mostly zeros, log1p counts here and there."""
    rng = np.random.default_rng(0)
    for density in (0.0, 0.01, 0.1, 0.5, 1.0):
        row = np.zeros(20_000, dtype="<f4")
        where = rng.uniform(size=row.size) < density
        row[where] = np.log1p(rng.poisson(2.0, size=int(where.sum())) + 1)
        yield row


@pytest.mark.parametrize("level", [1, 2, 6, 9])
def test_every_level_is_standard_gzip(level):
    for row in gene_rows():
        raw = row.tobytes()
        packed = chunks.encode_gzip(raw, level)
        assert gzip.decompress(packed) == raw
        assert zlib.decompress(packed, wbits=31) == raw
        magic, method, flags, mtime, _xfl, os_byte = struct.unpack("<HBBLBB", packed[:10])
        assert (magic, method, flags, mtime, os_byte) == (0x8B1F, 8, 0, 0, 255)
        assert chunks.encode_gzip(raw, level) == packed  # the same input, the same bytes


def test_level_1_is_isal_deflate_and_smaller_levels_zlib():
    row = next(r for r in gene_rows() if r.any())
    raw = row.tobytes()
    isal = isal_zlib.compressobj(chunks.ISAL_LEVEL, isal_zlib.DEFLATED, -15)
    assert chunks.encode_gzip(raw, 1)[10:-8] == isal.compress(raw) + isal.flush()
    plain = zlib.compressobj(6, zlib.DEFLATED, -15, chunks.MEM_LEVEL)
    assert chunks.encode_gzip(raw, 6)[10:-8] == plain.compress(raw) + plain.flush()
    # another strategy (the comparison data's run-length planes) stays zlib's at level 1 too
    rle = zlib.compressobj(1, zlib.DEFLATED, -15, chunks.MEM_LEVEL, zlib.Z_RLE)
    assert chunks.encode_gzip(raw, 1, zlib.Z_RLE)[10:-8] == rle.compress(raw) + rle.flush()


def leaf_parts():
    """A comparison leaf as the build writes it: 64 cells' values (log1p counts), zero padded,
    then the cells' value counts and gene gaps as two byte planes."""
    rng = np.random.default_rng(1)
    counts = rng.poisson(300, size=64)
    gaps = rng.geometric(0.05, size=counts.sum())
    index = np.zeros(64 + 24_000, dtype=np.int64)
    index[:64], index[64 : 64 + gaps.size] = counts, gaps
    values = np.zeros(24_000, dtype="<f4")
    values[: counts.sum()] = np.log1p(rng.poisson(1.5, size=counts.sum()) + 1)
    return values, np.stack([index & 0xFF, index >> 8]).astype(np.uint8)


@pytest.mark.parametrize("level", [1, 6])
def test_parts_are_one_standard_stream_each_part_in_its_own_blocks(level):
    """A comparison leaf's file: its float values, then its index bytes, in one gzip stream."""
    values, planes = leaf_parts()
    packed = chunks.encode_gzip_parts((values, planes), level)
    assert gzip.decompress(packed) == values.tobytes() + planes.tobytes()
    assert chunks.encode_gzip_parts((values, planes), level) == packed
    apart = len(chunks.encode_gzip(values, level)) + len(chunks.encode_gzip(planes, level)) - 2 * 18
    mixed = len(chunks.encode_gzip(values.tobytes() + planes.tobytes(), level)) - 18
    assert len(packed) - 18 <= 1.01 * apart < mixed  # the parts compress as if apart
    assert chunks.encode_gzip_parts((values,), level) == chunks.encode_gzip(values, level)
