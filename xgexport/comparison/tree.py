"""The spatial tree over an embedding's display coordinates: a point-region quadtree whose
every node is a contiguous range of the cells sorted by Z-order key (ties by cell index).

A node with more than ``leaf_cells`` cells is split into its non-empty quadrants; levels where
all cells fall into one quadrant are skipped (no chains of identical nodes); cells at one point
beyond ``leaf_cells`` are cut into runs of ``leaf_cells`` in index order. Nodes are numbered
breadth-first, so a node's children are consecutive and follow it, and a reader can work
bottom-up by walking the numbers backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from . import layout as L


@dataclass(frozen=True)
class SpatialTree:
    order: np.ndarray  # cell index at each position of the tree order
    nodes: np.ndarray  # int32 (n_nodes, 6): layout's START … LEAF columns
    parent: np.ndarray  # per node, its parent (−1 for the root)

    @property
    def leaves(self) -> np.ndarray:
        """Node ids of the leaves, in leaf order."""
        leaf = self.nodes[:, L.LEAF]
        ids = np.flatnonzero(leaf >= 0)
        return ids[np.argsort(leaf[ids])]

    @property
    def row_nodes(self) -> np.ndarray:
        """Node ids that carry a statistics row, the root first, then breadth-first."""
        return np.flatnonzero(self.nodes[:, L.ROW] >= 0)


def build_tree(display: np.ndarray, leaf_cells: int, row_cells: int, first_row: int) -> SpatialTree:
    """The tree of ``display`` (uint16, (n_cells, 2)). The root's row is the total row; other
    rows are numbered from ``first_row`` in node order."""
    if leaf_cells < 1 or row_cells <= leaf_cells:
        raise ValueError("need 1 <= leaf_cells < row_cells")
    keys = L.morton_keys(display)
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order].astype(np.int64)
    ranges = [(0, len(order), 0)]  # (start, stop, level of the node's key prefix)
    first_child, n_children, parent = [L.NONE], [0], [L.NONE]
    i = 0
    while i < len(ranges):
        start, stop, level = ranges[i]
        if stop - start > leaf_cells:
            children = _split(sorted_keys, start, stop, level, leaf_cells)
            first_child[i], n_children[i] = len(ranges), len(children)
            for child in children:
                ranges.append(child)
                first_child.append(L.NONE)
                n_children.append(0)
                parent.append(i)
        i += 1
    nodes = np.zeros((len(ranges), L.N_NODE_COLUMNS), dtype=np.int64)
    nodes[:, L.START] = [r[0] for r in ranges]
    nodes[:, L.COUNT] = [r[1] - r[0] for r in ranges]
    nodes[:, L.FIRST_CHILD] = first_child
    nodes[:, L.N_CHILDREN] = n_children
    is_leaf = nodes[:, L.N_CHILDREN] == 0
    nodes[:, L.LEAF] = np.where(is_leaf, np.cumsum(is_leaf) - 1, L.NONE)
    has_row = nodes[:, L.COUNT] >= row_cells
    has_row[0] = False
    nodes[:, L.ROW] = np.where(has_row, first_row + np.cumsum(has_row) - 1, L.NONE)
    nodes[0, L.ROW] = L.TOTAL_ROW
    return SpatialTree(order=order, nodes=nodes.astype(np.int32), parent=np.asarray(parent, dtype=np.int64))


def _split(sorted_keys: np.ndarray, start: int, stop: int, level: int, leaf_cells: int) -> list[tuple[int, int, int]]:
    """Children of the node holding sorted_keys[start:stop] with a common prefix of ``level``
    2-bit digits: its non-empty quadrants at the first level where they differ, or runs of
    ``leaf_cells`` cells when all sit at one point."""
    keys = sorted_keys[start:stop]
    while level < L.KEY_BITS:
        shift = 2 * (L.KEY_BITS - level - 1)
        base = (int(keys[0]) >> (shift + 2)) << (shift + 2)
        cuts = np.searchsorted(keys, [base + (q << shift) for q in (1, 2, 3)])
        edges = [0, *cuts.tolist(), len(keys)]
        children = [(start + a, start + b, level + 1) for a, b in pairwise(edges) if b > a]
        if len(children) > 1:
            return children
        level += 1
    return [(a, min(a + leaf_cells, stop), L.KEY_BITS + 1) for a in range(start, stop, leaf_cells)]


def row_groups(tree: SpatialTree, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's deepest ancestor with a row, as an index into ``tree.row_nodes`` (the codes of
    the groups whose statistics are computed from cells), and per row node the index of its
    nearest ancestor with a row (−1 for the root): rows are then combined bottom-up."""
    row_nodes = tree.row_nodes
    rank = np.full(len(tree.nodes), -1, dtype=np.int64)
    rank[row_nodes] = np.arange(len(row_nodes))
    by_position = np.empty(n_cells, dtype=np.int64)
    for j, v in enumerate(row_nodes):  # breadth-first: deeper nodes overwrite their ancestors
        start, count = tree.nodes[v, L.START], tree.nodes[v, L.COUNT]
        by_position[start : start + count] = j
    codes = np.empty(n_cells, dtype=np.int64)
    codes[tree.order] = by_position
    up = np.full(len(row_nodes), -1, dtype=np.int64)
    for j, v in enumerate(row_nodes[1:], start=1):
        p = tree.parent[v]
        while rank[p] < 0:
            p = tree.parent[p]
        up[j] = rank[p]
    return codes, up
