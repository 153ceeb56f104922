"""The comparison data of a bundle (``data/compare/``): every array name, column and constant in
one place, shared by the writer, the planner and the engine (and, line for line, the viewer).

Two kinds of data answer "group A against group B" exactly:

- **statistics rows**: for one set of cells, per gene the mean, M2 (centred sum of squares)
  and the count of values > 0, in float64; with the set's cell count these are Welch's
  sufficient statistics, and Chan's formula combines rows exactly. Rows exist for all cells
  (the total), every category of every DE column (plus the cells with a missing value), the
  joint groups of column pairs, and the nodes of the spatial tree with ``row_cells`` cells or
  more.
- **leaves**: a cell-major copy of the matrix, cut along a quadtree over the default
  embedding's 16-bit display coordinates into leaves of at most ``leaf_cells`` cells; a group's
  boundary is read at cell level from the leaves it crosses.

docs/COMPARE.md describes the format, the algorithm and the cost model.
"""

from __future__ import annotations

import numpy as np

VERSION = 2
GROUP = "compare"

# Quadtree: a node with more than LEAF_CELLS cells is split; nodes with ROW_CELLS cells or more
# carry a statistics row (chosen from measured bytes per comparison: docs/COMPARE.md).
LEAF_CELLS = 64
ROW_CELLS = 1024
KEY_BITS = 16  # display coordinates are uint16: a node at level 16 is a single point

# rows: float64 (n_rows, 3, n_genes), one chunk (one file) per row
ROWS = "rows"
MEAN, M2, N_POS = 0, 1, 2
N_STATS = 3
# row_info: int32 (n_rows, 2): the row's cell count and the byte size of its chunk file
ROW_INFO = "row_info"
ROW_N, ROW_BYTES = 0, 1
TOTAL_ROW = 0  # all cells; also the root node's row

# nodes: int32 (n_nodes, 6), breadth-first: children of a node are consecutive and come after it
NODES = "nodes"
START, COUNT, FIRST_CHILD, N_CHILDREN, ROW, LEAF = range(6)
N_NODE_COLUMNS = 6
NONE = -1  # no row / no leaf / no first child

# leaves uint8 (n_leaves, record): one file per leaf, a record of two parts. First the values,
# little-endian value_dtype, capacity of them (the leaf's stored values in cell, then gene
# order, zero padded; first so they are aligned for a typed-array view). Then the index: a
# vector of unsigned integers, the stored-value count of each cell (leaf_cells slots, 0 past the
# leaf's cells), then every cell's gene indices as gaps (each cell's first absolute, then
# differences), zero padded to leaf_cells + capacity, as byte planes (plane p holds byte p,
# little end first: 2 planes for up to 65,535 genes, else 4). Gaps are small, so the high plane
# is nearly all zeros: planes compress 30 % smaller and 2.5× faster than uint16 (docs/COMPARE.md).
# One file instead of two per leaf halves the files a build writes and a lasso requests.
LEAVES = "leaves"
LEAF_BYTES = "leaf_bytes"  # int32 (n_leaves,): bytes of the leaf's file


def leaf_record(capacity: int, itemsize: int, planes: int, leaf_cells: int) -> tuple[int, int]:
    """(bytes of a leaf's record, where its index planes start)."""
    values = capacity * itemsize
    return values + planes * (leaf_cells + capacity), values


JOINT = "joint"  # joint/<id>/pairs: int32 (n_rows, 2), the codes (−1 = missing) of each joint row

# Checksum of the tree order, so a reader knows its own sort of the cells matches the writer's.
CHECKSUM_MODULUS = 2**31 - 1
CHECKSUM_SPAN = 65521


def value_dtype(source_dtype) -> np.dtype:
    """Values are stored as the source holds them: float32 stays float32 (exact in float64
    arithmetic), small integer and float16 sources fit float32 exactly, anything else float64."""
    dtype = np.dtype(source_dtype)
    if dtype == np.float32 or dtype == np.float16 or (dtype.kind in "iub" and dtype.itemsize <= 2):
        return np.dtype("<f4")
    return np.dtype("<f8")


def index_planes(n_genes: int) -> int:
    """Per-cell counts and gene gaps never exceed n_genes: two bytes up to 65,535 genes."""
    return 2 if n_genes <= 65535 else 4


def to_planes(values: np.ndarray, planes: int) -> np.ndarray:
    """Unsigned integers (< 256^planes) as (planes, n) bytes, the lowest byte first."""
    wide = np.asarray(values, dtype=np.uint32)
    return np.stack([(wide >> (8 * p)) & 0xFF for p in range(planes)]).astype(np.uint8)


def from_planes(planes: np.ndarray) -> np.ndarray:
    out = np.zeros(planes.shape[1], dtype=np.int64)
    for p in range(planes.shape[0]):
        out |= planes[p].astype(np.int64) << (8 * p)
    return out


def morton_keys(display: np.ndarray) -> np.ndarray:
    """Z-order key of each cell: the bits of x (even positions) and y (odd) interleaved."""

    def spread(v):
        v = v.astype(np.uint64)
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        v = (v | (v << np.uint64(1))) & np.uint64(0x55555555)
        return v

    display = np.asarray(display)
    return (spread(display[:, 0]) | (spread(display[:, 1]) << np.uint64(1))).astype(np.uint32)


def tree_order(display: np.ndarray) -> np.ndarray:
    """Cells sorted by key, ties by cell index (a stable sort): the order of the tree's ranges."""
    return np.argsort(morton_keys(display), kind="stable")


def order_checksum(order: np.ndarray) -> int:
    """Σ order[i] · (i mod 65521 + 1) mod 2^31 − 1: exact in float64 too (products < 2^47)."""
    weights = np.arange(len(order), dtype=np.int64) % CHECKSUM_SPAN + 1
    products = (order.astype(np.int64) * weights) % CHECKSUM_MODULUS
    return int(products.sum() % CHECKSUM_MODULUS)
