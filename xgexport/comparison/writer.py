"""Writing ``data/compare/`` from an in-memory matrix (scipy sparse or dense, cells × genes),
an embedding's display coordinates and the categorical codes of the DE columns.

Everything is computed in float64 from the source values (as DE is) with the exact kernel of
:mod:`.moments`. Chunk files are written directly with the bundle's gzip encoding (the bytes
zarr-python would write), so their sizes are known for the planner's byte estimates.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import zarr

from ..chunks import chunk_key, encode_gzip, write_row
from ..stats import Moments
from ..store import create
from . import layout as L
from .moments import combine_all, exact_moments, row
from .tree import SpatialTree, build_tree, row_groups


@dataclass(frozen=True)
class ColumnGroups:
    """A DE column: a code per cell (−1 = missing value) and its categories."""

    obs_id: str
    name: str
    codes: np.ndarray
    n_categories: int


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


def write_compare(store_path: Path, matrix, display: np.ndarray, embedding_id: str, columns: list[ColumnGroups],
                  joints: tuple[tuple[str, str], ...] = (), *, leaf_cells: int = L.LEAF_CELLS,
                  row_cells: int = L.ROW_CELLS, level: int = 1) -> dict:  # fmt: skip
    """Write the comparison data under ``store_path/compare``; return the manifest's array
    shapes and the digests of the chunk files written here ({"arrays": …, "files": …})."""
    csr = canonical_matrix(matrix)
    n_cells, n_genes = csr.shape
    _check_inputs(n_cells, display, columns, joints)
    root = zarr.open_group(str(store_path), mode="a")
    group = root.require_group(L.GROUP)
    folder = Path(store_path) / L.GROUP
    column_attrs, joint_groups, joint_attrs, first_row = _row_layout(columns, joints)
    tree = build_tree(display, leaf_cells, row_cells, first_row)
    n_rows = first_row + len(tree.row_nodes) - 1
    writer = _RowWriter(group, folder, n_rows, n_genes, level)
    node_rows = _tree_moments(csr, tree)
    writer.put(L.TOTAL_ROW, row(node_rows, 0))
    for column, attrs in zip(columns, column_attrs):
        codes = np.where(column.codes < 0, column.n_categories, column.codes)
        writer.put(attrs["first_row"], exact_moments(csr, codes, column.n_categories + int(attrs["missing_row"] is not None)))
    for (codes, pairs), attrs in zip(joint_groups, joint_attrs):
        writer.put(attrs["first_row"], exact_moments(csr, codes, len(pairs)))
        create(group, f"{L.JOINT}/{attrs['id']}/pairs", pairs.astype(np.int32), level=level)
    for j, v in enumerate(tree.row_nodes[1:], start=1):
        writer.put(int(tree.nodes[v, L.ROW]), row(node_rows, j))
    leaf_info = _write_leaves(group, folder, csr, tree, leaf_cells, level)
    create(group, L.ROW_INFO, writer.info, level=level)
    create(group, L.NODES, tree.nodes, level=level)
    group.attrs.update({
        "version": L.VERSION, "embedding": embedding_id, "curve": "morton-xy-uint16",
        "leaf_cells": leaf_cells, "row_cells": row_cells, "n_cells": n_cells, "n_genes": n_genes,
        "value_dtype": leaf_info["value_dtype"], "index_planes": leaf_info["planes"],
        "leaf_capacity": leaf_info["capacity"], "nonnegative": bool(not (csr.data < 0).any()),
        "order_checksum": L.order_checksum(tree.order), "total_row": L.TOTAL_ROW,
        "columns": column_attrs, "joint": joint_attrs,
    })  # fmt: skip
    arrays = {f"{L.GROUP}/{name}": list(group[name].shape) for name in (L.ROWS, L.ROW_INFO, L.NODES, L.LEAF_INDEX, L.LEAF_VALUES, L.LEAF_BYTES)}
    for attrs in joint_attrs:
        arrays[f"{L.GROUP}/{L.JOINT}/{attrs['id']}/pairs"] = [attrs["n_rows"], 2]
    return {"arrays": arrays, "files": {**writer.files, **leaf_info["files"]}}


def _check_inputs(n_cells: int, display, columns: list[ColumnGroups], joints) -> None:
    if np.shape(display) != (n_cells, 2):
        raise ValueError(f"display coordinates of shape {np.shape(display)} for {n_cells} cells")
    for column in columns:
        if len(column.codes) != n_cells or column.codes.max(initial=-1) >= column.n_categories:
            raise ValueError(f"codes of column {column.name!r} do not fit {n_cells} cells and {column.n_categories} categories")
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


def _tree_moments(csr: sp.csr_matrix, tree: SpatialTree) -> Moments:
    """Statistics of every node with a row (tree.row_nodes order): each from the cells below it
    that no deeper row covers, combined bottom-up with its row-carrying descendants."""
    codes, up = row_groups(tree, csr.shape[0])
    own = exact_moments(csr, codes, len(up))
    pieces = [[row(own, j)] for j in range(len(up))]
    done: list[Moments | None] = [None] * len(up)
    for j in range(len(up) - 1, -1, -1):  # children follow their parents
        done[j] = combine_all(pieces[j], csr.shape[1])
        if up[j] >= 0:
            pieces[up[j]].insert(1, done[j])  # own cells first, then children in node order
    return Moments(
        n=np.concatenate([d.n for d in done]), mean=np.vstack([d.mean for d in done]),
        m2=np.vstack([d.m2 for d in done]), n_pos=np.vstack([d.n_pos for d in done]),
    )  # fmt: skip


class _RowWriter:
    """Statistics rows written as chunk files (1, 3, n_genes) of float64, one file per row."""

    def __init__(self, group, folder: Path, n_rows: int, n_genes: int, level: int):
        create(group, L.ROWS, shape=(n_rows, L.N_STATS, n_genes), dtype=np.float64, chunks=(1, L.N_STATS, n_genes), level=level)
        self.folder, self.level = folder / L.ROWS, level
        self.info = np.full((n_rows, 2), -1, dtype=np.int32)
        self.files: dict = {}

    def put(self, first: int, moments: Moments) -> None:
        for k in range(len(moments.n)):
            raw = np.stack([moments.mean[k], moments.m2[k], moments.n_pos[k]]).astype("<f8")
            key = chunk_key(first + k, 0, 0)
            size, digest = _write_chunk(self.folder / key, raw, self.level)
            self.info[first + k] = (int(moments.n[k]), size)
            self.files[f"{self.folder.parent.parent.name}/{L.GROUP}/{L.ROWS}/{key}"] = (size, digest)


def _write_leaves(group, folder: Path, csr: sp.csr_matrix, tree: SpatialTree, leaf_cells: int, level: int) -> dict:
    """One chunk of each leaf array per leaf: counts and gene gaps as byte planes, then values
    (docs/COMPARE.md). The planes are gzipped with zlib's run-length strategy: the same bytes
    as its default search on this data, several times faster."""
    leaves = tree.leaves
    per_cell = np.diff(csr.indptr)[tree.order]
    per_position = np.concatenate([[0], np.cumsum(per_cell)])
    starts, counts = tree.nodes[leaves, L.START].astype(np.int64), tree.nodes[leaves, L.COUNT].astype(np.int64)
    capacity = max(1, int((per_position[starts + counts] - per_position[starts]).max(initial=1)))
    planes, value_dtype = L.index_planes(csr.shape[1]), csr.data.dtype.newbyteorder("<")
    width = leaf_cells + capacity
    create(group, L.LEAF_INDEX, shape=(len(leaves), planes, width), dtype=np.uint8, chunks=(1, planes, width), level=level)
    create(group, L.LEAF_VALUES, shape=(len(leaves), capacity), dtype=value_dtype, chunks=(1, capacity), level=level)
    index_planes = np.zeros((planes, width), dtype=np.uint8)  # only the used part is set and reset
    value_row = np.zeros(capacity, dtype=value_dtype)
    sizes, files = np.zeros(len(leaves), dtype=np.int64), {}
    prefix = f"{Path(folder).parent.name}/{L.GROUP}"
    for k, (start, count) in enumerate(zip(starts, counts)):
        block = csr[tree.order[start : start + count]]
        gaps = block.indices.astype(np.int64)
        gaps[1:] -= block.indices[:-1]
        firsts = block.indptr[:-1][np.diff(block.indptr) > 0]
        gaps[firsts] = block.indices[firsts]  # each cell's first gene is absolute
        index_planes[:, :count] = L.to_planes(np.diff(block.indptr), planes)
        index_planes[:, leaf_cells : leaf_cells + block.nnz] = L.to_planes(gaps, planes)
        value_row[: block.nnz] = block.data
        key = chunk_key(k, 0, 0)
        size, digest = _write_chunk(folder / L.LEAF_INDEX / key, index_planes, level, zlib.Z_RLE)
        files[f"{prefix}/{L.LEAF_INDEX}/{key}"] = (size, digest)
        rel, (size2, digest2) = write_row(folder / L.LEAF_VALUES, k, value_row, level)
        files[f"{prefix}/{L.LEAF_VALUES}/{rel}"] = (size2, digest2)
        sizes[k] = size + size2
        index_planes[:, : leaf_cells + block.nnz] = 0
        value_row[: block.nnz] = 0
    create(group, L.LEAF_BYTES, sizes.astype(np.int32), level=level)
    return {"capacity": capacity, "planes": planes, "value_dtype": value_dtype.name, "files": files}


def _write_chunk(path: Path, data: np.ndarray, level: int, strategy: int = zlib.Z_DEFAULT_STRATEGY) -> tuple[int, str]:
    packed = encode_gzip(np.ascontiguousarray(data), level, strategy)
    path.write_bytes(packed)
    return len(packed), hashlib.sha256(packed).hexdigest()
