"""Writing ``data/compare/``: the pieces shared by the build's streamed writer
(:mod:`.stream`) and :func:`write_compare` (one in-memory matrix, for tests and benchmarks).

1. :func:`plan_layout` (from the display coordinates and the DE columns' codes, before the
   matrix is read): the tree, the row numbers and each row's groups of cells.
2. :func:`block_rows`: every row's statistics for one block of genes (all cells): genes are
   independent, so a gene's row values do not depend on how the genes were cut into blocks.
3. :func:`write_row_chunk` and :func:`write_leaves`: chunk files written directly with the
   bundle's gzip encoding (the bytes zarr-python would write), so their sizes are known.
4. :func:`finish`: the small arrays (row_info, nodes, leaf_bytes, joint pairs), the big
   arrays' metadata and the group's attributes.

Everything is computed in float64 from the source values (as DE is) with the exact kernel of
:mod:`.moments` (``row_moments_many``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from ..chunks import chunk_key, encode_gzip, encode_gzip_parts
from ..options import DEFAULT_GZIP_LEVEL
from ..stats import Moments
from . import layout as L
from .moments import combine_all, row, row_moments_many
from .tree import SpatialTree, build_tree, row_groups


@dataclass(frozen=True)
class ColumnGroups:
    """A DE column: a code per cell (−1 = missing value) and its categories."""

    obs_id: str
    name: str
    codes: np.ndarray
    n_categories: int


@dataclass(frozen=True)
class CompareLayout:
    """What the comparison data holds, decided before the matrix is read (picklable: the
    build's tasks carry it)."""

    embedding_id: str
    n_genes: int
    leaf_cells: int
    row_cells: int
    tree: SpatialTree
    groupings: tuple[tuple[np.ndarray, int, int], ...]  # (codes, n_groups, first row) per column and joint pair
    tree_codes: np.ndarray  # per cell, its deepest row-carrying node (index into tree.row_nodes)
    tree_up: np.ndarray  # per row node, its nearest row-carrying ancestor (−1: the root)
    row_n: np.ndarray  # cells per row
    column_attrs: tuple[dict, ...]
    joint_attrs: tuple[dict, ...]
    joint_pairs: tuple[np.ndarray, ...]

    @property
    def n_cells(self) -> int:
        return len(self.tree.order)

    @property
    def n_rows(self) -> int:
        return len(self.row_n)


def plan_layout(display: np.ndarray, embedding_id: str, n_genes: int, columns: list[ColumnGroups],
                joints: tuple[tuple[str, str], ...] = (), *, leaf_cells: int = L.LEAF_CELLS,
                row_cells: int = L.ROW_CELLS) -> CompareLayout:  # fmt: skip
    n_cells = len(display)
    _check_inputs(n_cells, display, columns, joints)
    column_attrs, joint_groups, joint_attrs, first_row = _row_layout(columns, joints)
    tree = build_tree(display, leaf_cells, row_cells, first_row)
    n_rows = first_row + len(tree.row_nodes) - 1
    groupings = []
    row_n = np.zeros(n_rows, dtype=np.int64)
    for column, attrs in zip(columns, column_attrs):
        n_groups = column.n_categories + int(attrs["missing_row"] is not None)
        groupings.append(
            (
                np.where(column.codes < 0, column.n_categories, column.codes).astype(np.int64),
                n_groups,
                attrs["first_row"],
            )
        )
    for (codes, pairs), attrs in zip(joint_groups, joint_attrs):
        groupings.append((codes, len(pairs), attrs["first_row"]))
    for codes, n_groups, first in groupings:
        row_n[first : first + n_groups] = np.bincount(codes, minlength=n_groups)
    row_nodes = tree.row_nodes
    row_n[tree.nodes[row_nodes, L.ROW]] = tree.nodes[row_nodes, L.COUNT]
    tree_codes, tree_up = row_groups(tree, n_cells)
    return CompareLayout(embedding_id, n_genes, leaf_cells, row_cells, tree, tuple(groupings), tree_codes, tree_up,
                         row_n, tuple(column_attrs), tuple(joint_attrs), tuple(p for _, p in joint_groups))  # fmt: skip


def _check_inputs(n_cells: int, display, columns: list[ColumnGroups], joints) -> None:
    if np.shape(display) != (n_cells, 2):
        raise ValueError(f"display coordinates of shape {np.shape(display)} for {n_cells} cells")
    for column in columns:
        if len(column.codes) != n_cells or column.codes.max(initial=-1) >= column.n_categories:
            raise ValueError(
                f"codes of column {column.name!r} do not fit {n_cells} cells and {column.n_categories} categories"
            )
    known = {c.obs_id for c in columns}
    for pair in joints:
        if len(pair) != 2 or not set(pair) <= known or pair[0] == pair[1]:
            raise ValueError(f"joint groups {pair!r}: name two different columns among {sorted(known)}")


def _row_layout(columns: list[ColumnGroups], joints) -> tuple[list, list, list, int]:
    """Row numbers: 0 is the total, then each column's categories and missing row, then each
    joint pair's observed groups; returns their attributes, the joint codes and the next row."""
    by_id = {c.obs_id: c for c in columns}
    column_attrs, joint_attrs, first_row = [], [], 1
    for column in columns:
        missing = bool((column.codes < 0).any())
        column_attrs.append({"obs_id": column.obs_id, "name": column.name, "first_row": first_row,
                             "n_categories": column.n_categories,
                             "missing_row": first_row + column.n_categories if missing else None})  # fmt: skip
        first_row += column.n_categories + int(missing)
    joint_groups = [_joint_codes(by_id[a], by_id[b]) for a, b in joints]
    for j, ((a, b), (_, pairs)) in enumerate(zip(joints, joint_groups)):
        joint_attrs.append({"id": str(j), "obs_ids": [a, b], "first_row": first_row, "n_rows": len(pairs)})
        first_row += len(pairs)
    return column_attrs, joint_groups, joint_attrs, first_row


def _joint_codes(first: ColumnGroups, second: ColumnGroups) -> tuple[np.ndarray, np.ndarray]:
    """A code per cell for the observed (first, second) category pairs (−1 = missing counts as
    a category), and the pairs in ascending order: the joint groups partition all cells."""
    keys = (first.codes.astype(np.int64) + 1) * (second.n_categories + 1) + (second.codes.astype(np.int64) + 1)
    observed, codes = np.unique(keys, return_inverse=True)
    pairs = np.stack([observed // (second.n_categories + 1) - 1, observed % (second.n_categories + 1) - 1], axis=1)
    return codes.astype(np.int64), pairs


def canonical_matrix(matrix) -> sp.csr_matrix:
    """CSR in the stored value dtype with sorted, summed duplicates and no stored zeros; values
    beyond float32's range become NaN, as the build's DE treats them."""
    csr = sp.csr_matrix(matrix) if sp.issparse(matrix) else sp.csr_matrix(np.asarray(matrix))
    csr = csr.copy()
    csr.sum_duplicates()
    data = csr.data.astype(L.value_dtype(csr.dtype))
    data[~(np.abs(data) <= np.finfo(np.float32).max)] = np.nan
    out = sp.csr_matrix((data, csr.indices.astype(np.int32), csr.indptr), shape=csr.shape)
    out.eliminate_zeros()
    return out


def block_rows(layout: CompareLayout, block) -> tuple[np.ndarray, list[Moments]]:
    """Statistics (n_rows, 3, genes of the block) of every row over a block holding all cells
    (CSC gene bucket or CSR), float64: mean, M2, count of values > 0; and the statistics of
    each grouping (the DE columns first: the build's DE shares them)."""
    out = np.empty((layout.n_rows, L.N_STATS, block.shape[1]))

    def put(first: int, moments: Moments) -> None:
        out[first : first + len(moments.n), L.MEAN] = moments.mean
        out[first : first + len(moments.n), L.M2] = moments.m2
        out[first : first + len(moments.n), L.N_POS] = moments.n_pos

    groupings = [(codes, n_groups) for codes, n_groups, _ in layout.groupings]
    *grouped, own = row_moments_many(block, [*groupings, (layout.tree_codes, len(layout.tree_up))])
    for (_, _, first), moments in zip(layout.groupings, grouped):
        put(first, moments)
    nodes = _tree_moments(own, layout, block.shape[1])
    put(L.TOTAL_ROW, row(nodes, 0))
    for j, v in enumerate(layout.tree.row_nodes[1:], start=1):
        put(int(layout.tree.nodes[v, L.ROW]), row(nodes, j))
    return out, grouped


def _tree_moments(own: Moments, layout: CompareLayout, n_genes: int) -> Moments:
    """Statistics of every node with a row (tree.row_nodes order): each from the cells below it
    that no deeper row covers (``own``), combined bottom-up with its row-carrying descendants."""
    up = layout.tree_up
    pieces = [[row(own, j)] for j in range(len(up))]
    done: list[Moments | None] = [None] * len(up)
    for j in range(len(up) - 1, -1, -1):  # children follow their parents
        done[j] = combine_all(pieces[j], n_genes)
        if up[j] >= 0:
            pieces[up[j]].insert(1, done[j])  # own cells first, then children in node order
        pieces[j] = []  # combined: its pieces may go
    rows = [d for d in done if d is not None]
    assert len(rows) == len(done)  # the loop set every node's
    return Moments(
        n=np.concatenate([d.n for d in rows]), mean=np.vstack([d.mean for d in rows]),
        m2=np.vstack([d.m2 for d in rows]), n_pos=np.vstack([d.n_pos for d in rows]),
    )  # fmt: skip


def write_row_chunk(folder: Path, r: int, stats: np.ndarray, level: int) -> tuple[str, tuple[int, str]]:
    """Row ``r`` ((3, n_genes) float64) as its chunk file; (key, (size, sha256))."""
    key = chunk_key(r, 0, 0)
    return key, _write_chunk(Path(folder) / L.ROWS / key, np.asarray(stats, dtype="<f8"), level)


def leaf_shape(layout: CompareLayout, per_position: np.ndarray) -> tuple[int, int]:
    """(capacity, index planes) of the leaves, from each tree position's stored-value count."""
    cumulative = np.concatenate([[0], np.cumsum(per_position, dtype=np.int64)])
    leaves = layout.tree.leaves
    starts = layout.tree.nodes[leaves, L.START].astype(np.int64)
    stops = starts + layout.tree.nodes[leaves, L.COUNT]
    capacity = max(1, int((cumulative[stops] - cumulative[starts]).max(initial=1)))
    return capacity, L.index_planes(layout.n_genes)


def write_leaves(folder: Path, layout: CompareLayout, cells: sp.csr_matrix, first_position: int, capacity: int,
                 level: int) -> tuple[np.ndarray, np.ndarray, dict]:  # fmt: skip
    """Write the leaves whose cells are the rows of ``cells`` (tree positions from
    ``first_position``, whole leaves, indices sorted, no stored zeros), one file each: values,
    then counts and gene gaps as byte planes (layout.py, docs/FORMAT.md), each part its own
    DEFLATE blocks. Returns the leaf numbers, their byte sizes and the files' (size, sha256)."""
    folder, leaf_cells = Path(folder), layout.leaf_cells
    nodes = layout.tree.nodes
    leaves = layout.tree.leaves
    starts = nodes[leaves, L.START].astype(np.int64)
    inside = np.flatnonzero((starts >= first_position) & (starts < first_position + cells.shape[0]))
    planes, width = L.index_planes(layout.n_genes), leaf_cells + capacity
    index_planes = np.zeros((planes, width), dtype=np.uint8)  # only the used part is set and reset
    value_row = np.zeros(capacity, dtype=cells.dtype.newbyteorder("<"))
    sizes, files = np.zeros(len(inside), dtype=np.int64), {}
    for i, k in enumerate(inside):
        a = int(starts[k]) - first_position
        b = a + int(nodes[leaves[k], L.COUNT])
        lo, hi = cells.indptr[a], cells.indptr[b]
        indices, counts = cells.indices[lo:hi], np.diff(cells.indptr[a : b + 1])
        gaps = indices.astype(np.int64)
        gaps[1:] -= indices[:-1]
        firsts = (cells.indptr[a:b] - lo)[counts > 0]
        gaps[firsts] = indices[firsts]  # each cell's first gene is absolute
        index_planes[:, : b - a] = L.to_planes(counts, planes)
        index_planes[:, leaf_cells : leaf_cells + hi - lo] = L.to_planes(gaps, planes)
        value_row[: hi - lo] = cells.data[lo:hi]
        key = chunk_key(int(k), 0)
        packed = encode_gzip_parts((value_row, index_planes), level)
        (folder / L.LEAVES / key).write_bytes(packed)
        files[f"{L.LEAVES}/{key}"] = (len(packed), hashlib.sha256(packed).hexdigest())
        sizes[i] = len(packed)
        index_planes[:, : leaf_cells + hi - lo] = 0
        value_row[: hi - lo] = 0
    return inside, sizes, files


def create_big_arrays(group, layout: CompareLayout, value_dtype, capacity: int, level: int) -> None:
    """The metadata (zarr.json) of rows and leaves, whose chunks are written directly."""
    from ..store import create  # the parent's: the workers that write chunks never import zarr

    planes, n_leaves = L.index_planes(layout.n_genes), len(layout.tree.leaves)
    create(group, L.ROWS, shape=(layout.n_rows, L.N_STATS, layout.n_genes), dtype=np.float64,
           chunks=(1, L.N_STATS, layout.n_genes), level=level)  # fmt: skip
    record, _ = L.leaf_record(capacity, np.dtype(value_dtype).itemsize, planes, layout.leaf_cells)
    create(group, L.LEAVES, shape=(n_leaves, record), dtype=np.uint8, chunks=(1, record), level=level)


def finish(group, layout: CompareLayout, row_bytes: np.ndarray, leaf_bytes: np.ndarray, *, value_dtype, capacity: int,
           nonnegative: bool, level: int) -> dict[str, list[int]]:  # fmt: skip
    """The small arrays and the attributes; returns every array's shape by path under data/."""
    from ..store import create

    info = np.stack([layout.row_n, row_bytes]).T.astype(np.int32)
    create(group, L.ROW_INFO, info, level=level)
    create(group, L.NODES, layout.tree.nodes, level=level)
    create(group, L.LEAF_BYTES, np.asarray(leaf_bytes, dtype=np.int32), level=level)
    for attrs, pairs in zip(layout.joint_attrs, layout.joint_pairs):
        create(group, f"{L.JOINT}/{attrs['id']}/pairs", pairs.astype(np.int32), level=level)
    group.attrs.update({
        "version": L.VERSION, "embedding": layout.embedding_id, "curve": "morton-xy-uint16",
        "leaf_cells": layout.leaf_cells, "row_cells": layout.row_cells, "n_cells": layout.n_cells,
        "n_genes": layout.n_genes, "value_dtype": np.dtype(value_dtype).name,
        "index_planes": L.index_planes(layout.n_genes), "leaf_capacity": capacity, "nonnegative": bool(nonnegative),
        "order_checksum": L.order_checksum(layout.tree.order), "total_row": L.TOTAL_ROW,
        "columns": list(layout.column_attrs), "joint": list(layout.joint_attrs),
    })  # fmt: skip
    names = (L.ROWS, L.ROW_INFO, L.NODES, L.LEAVES, L.LEAF_BYTES)
    arrays = {f"{L.GROUP}/{name}": list(group[name].shape) for name in names}
    for attrs in layout.joint_attrs:
        arrays[f"{L.GROUP}/{L.JOINT}/{attrs['id']}/pairs"] = [attrs["n_rows"], 2]
    return arrays


def write_compare(store_path: Path, matrix, display: np.ndarray, embedding_id: str, columns: list[ColumnGroups],
                  joints: tuple[tuple[str, str], ...] = (), *, leaf_cells: int = L.LEAF_CELLS,
                  row_cells: int = L.ROW_CELLS, level: int = DEFAULT_GZIP_LEVEL) -> dict:  # fmt: skip
    """Write the comparison data of an in-memory matrix under ``store_path/compare`` with the
    build's pieces in one block; return the manifest's array shapes and the digests of the
    chunk files written here ({"arrays": …, "files": …})."""
    import zarr

    csr = canonical_matrix(matrix)
    layout = plan_layout(
        display, embedding_id, csr.shape[1], columns, joints, leaf_cells=leaf_cells, row_cells=row_cells
    )
    group = zarr.open_group(str(store_path), mode="a").require_group(L.GROUP)
    folder = Path(store_path) / L.GROUP
    prefix = f"{Path(store_path).name}/{L.GROUP}"
    ordered = csr[layout.tree.order]
    capacity, _ = leaf_shape(layout, np.diff(ordered.indptr))
    create_big_arrays(group, layout, csr.dtype, capacity, level)
    stats, _ = block_rows(layout, csr)
    row_bytes, files = np.zeros(layout.n_rows, dtype=np.int64), {}
    for r in range(layout.n_rows):
        key, (row_bytes[r], digest) = write_row_chunk(folder, r, stats[r], level)
        files[f"{prefix}/{L.ROWS}/{key}"] = (int(row_bytes[r]), digest)
    del stats
    leaves, sizes, leaf_files = write_leaves(folder, layout, ordered, 0, capacity, level)
    files.update({f"{prefix}/{key}": value for key, value in leaf_files.items()})
    leaf_bytes = np.zeros(len(layout.tree.leaves), dtype=np.int64)
    leaf_bytes[leaves] = sizes
    arrays = finish(group, layout, row_bytes, leaf_bytes, value_dtype=csr.dtype, capacity=capacity,
                    nonnegative=not (csr.data < 0).any(), level=level)  # fmt: skip
    return {"arrays": arrays, "files": files}


def _write_chunk(path: Path, data: np.ndarray, level: int) -> tuple[int, str]:
    packed = encode_gzip(np.ascontiguousarray(data), level)
    path.write_bytes(packed)
    return len(packed), hashlib.sha256(packed).hexdigest()
