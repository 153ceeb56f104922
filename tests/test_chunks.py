"""The chunk encoding: standard gzip at every level, zlib-ng's deflate (faster and smaller than
zlib's), fixed headers, the same bytes for the same input, in every process."""

from __future__ import annotations

import gzip
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from zlib_ng import zlib_ng

from xgexport import chunks
from xgexport.options import DEFAULT_GZIP_LEVEL


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


def test_levels_are_zlib_ngs_and_the_default_fits_its_codes_to_the_data():
    row = next(r for r in gene_rows() if r.any())
    raw = row.tobytes()
    for level in (1, 2, 6, 9):
        ng = zlib_ng.compressobj(level, zlib_ng.DEFLATED, -15)
        assert chunks.encode_gzip(raw, level)[10:-8] == ng.compress(raw) + ng.flush()
    # zlib-ng's level 1 writes only the fixed Huffman codes; the default does not
    default = chunks.encode_gzip(raw, DEFAULT_GZIP_LEVEL)
    assert len(default) < 0.9 * len(chunks.encode_gzip(raw, 1))
    assert len(default) < len(zlib.compress(raw, 1))
    rle = zlib_ng.compressobj(2, zlib_ng.DEFLATED, -15, 8, zlib_ng.Z_RLE)
    assert chunks.encode_gzip(raw, 2, zlib_ng.Z_RLE)[10:-8] == rle.compress(raw) + rle.flush()


# Encodes varied leaf- and row-like chunks and prints one digest of all of them. ISA-L's igzip
# (the encoder before zlib-ng) gave another digest in about one fresh process in twenty.
ENCODE_MANY = """
import hashlib, sys
import numpy as np
from xgexport import chunks
from xgexport.options import DEFAULT_GZIP_LEVEL
rng = np.random.default_rng(5)
digest = hashlib.sha256()
for k in range(400):
    n = int(rng.integers(50, 3000))
    values = np.round(rng.gamma(1.5, 1.0, n), int(rng.integers(1, 6))).astype("<f4")
    planes = rng.geometric(0.05, size=(2, n)).astype(np.uint8)
    digest.update(chunks.encode_gzip_parts((values, planes), int(sys.argv[1])))
    row = np.zeros(int(rng.integers(1000, 20000)), dtype="<f4")
    row[rng.uniform(size=row.size) < rng.uniform(0.01, 0.5)] = values[0]
    digest.update(chunks.encode_gzip(row, int(sys.argv[1])))
print(digest.hexdigest())
"""


def test_every_process_encodes_the_same_bytes():
    """Byte-identical rebuilds need an encoder whose output does not depend on the process
    (its addresses, its heap): the same chunks are encoded in fresh interpreters."""
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", ENCODE_MANY, str(DEFAULT_GZIP_LEVEL)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(16)
    ]
    digests = {run.communicate(timeout=120)[0].strip() for run in runs}
    assert len(digests) == 1 and all(len(d) == 64 for d in digests), digests


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


@pytest.mark.parametrize("level", [DEFAULT_GZIP_LEVEL, 6])
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
