"""Reading a bundle's comparison data as the viewer does: whole chunk files, each once (cached),
with the bytes read counted from the sizes the writer recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import zarr

from ..errors import BundleError
from ..stats import Moments
from . import layout as L


class CompareData:
    """The ``data`` group of a bundle with its ``compare`` group; rows and leaves on demand."""

    def __init__(self, bundle_or_group):
        self.root = _open_root(bundle_or_group)
        if L.GROUP not in self.root:
            raise BundleError(
                "this bundle has no comparison data (it was built without it, or by a version of "
                "xgexport before format version 2): only its precomputed DE tables can be read"
            )
        self.group: Any = self.root[L.GROUP]
        self.attrs: dict[str, Any] = dict(self.group.attrs)
        if self.attrs.get("version") != L.VERSION:
            raise BundleError(
                f"comparison data of version {self.attrs.get('version')!r} is not readable by this xgexport"
            )
        self.meta: dict[str, Any] = dict(self.root.attrs.get("xgexport", {}))
        self.n_cells, self.n_genes = int(self.attrs["n_cells"]), int(self.attrs["n_genes"])
        self.row_info = self.group[L.ROW_INFO][:]
        self.nodes = self.group[L.NODES][:].astype(np.int64)
        self.leaf_bytes = self.group[L.LEAF_BYTES][:].astype(np.int64)
        self._rows: dict[int, Moments] = {}
        self._leaves: dict[int, sp.csr_matrix] = {}
        self._order = None
        self.bytes_read = 0
        self.files_read = 0

    @property
    def order(self) -> np.ndarray:
        """The tree order, computed from the display coordinates as a reader must, and checked."""
        if self._order is None:
            display = self.root[f"embeddings/{self.attrs['embedding']}/display"][:]
            order = L.tree_order(display)
            if L.order_checksum(order) != self.attrs["order_checksum"]:
                raise BundleError("the comparison tree does not match the embedding's display coordinates")
            self._order = order
        return self._order

    def row(self, r: int) -> Moments:
        if r not in self._rows:
            stats = self.group[L.ROWS][r]
            n = np.array([float(self.row_info[r, L.ROW_N])])
            self._rows[r] = Moments(n, stats[L.MEAN][None, :], stats[L.M2][None, :], stats[L.N_POS][None, :])
            self._count(int(self.row_info[r, L.ROW_BYTES]))
        return self._rows[r]

    def leaf(self, node: int) -> sp.csr_matrix:
        """The cells of a leaf (in tree order) × all genes, values as stored."""
        k = int(self.nodes[node, L.LEAF])
        if k not in self._leaves:
            self._leaves[k] = decode_leaf(
                self.group[L.LEAVES][k], np.dtype(self.attrs["value_dtype"]).newbyteorder("<"),
                int(self.nodes[node, L.COUNT]), int(self.attrs["leaf_cells"]), self.n_genes,
            )  # fmt: skip
            self._count(int(self.leaf_bytes[k]))
        return self._leaves[k]

    def cells_of(self, node: int) -> np.ndarray:
        """The cells of a node, in tree order."""
        start, count = self.nodes[node, L.START], self.nodes[node, L.COUNT]
        return self.order[start : start + count]

    def codes(self, obs_id: str) -> np.ndarray:
        return self.root[f"obs/{obs_id}/codes"][:].astype(np.int64)

    def _count(self, size: int, files: int = 1) -> None:
        self.bytes_read += size
        self.files_read += files


def decode_leaf(
    record: np.ndarray, value_dtype: np.dtype, n_cells: int, leaf_cells: int, n_genes: int
) -> sp.csr_matrix:
    """A leaf's record (values, then counts per cell and gene gaps, each cell's first
    absolute, as byte planes) as CSR."""
    planes = L.index_planes(n_genes)
    capacity = (len(record) - planes * leaf_cells) // (value_dtype.itemsize + planes)
    _, start = L.leaf_record(capacity, value_dtype.itemsize, planes, leaf_cells)
    values = record[:start].view(value_dtype)
    index = L.from_planes(record[start:].reshape(planes, leaf_cells + capacity))
    counts = index[:n_cells]
    nnz = int(counts.sum())
    gaps = index[leaf_cells : leaf_cells + nnz].astype(np.int64)
    indptr = np.concatenate([[0], np.cumsum(counts)])
    running = np.cumsum(gaps)
    starts = indptr[:-1][counts > 0]
    base = running[starts] - gaps[starts]  # what the running sum held before each cell began
    genes = running - np.repeat(base, counts[counts > 0])
    return sp.csr_matrix((values[:nnz], genes, indptr), shape=(n_cells, n_genes))


def _open_root(bundle_or_group) -> Any:  # zarr types nodes and attributes as JSON unions
    if isinstance(bundle_or_group, zarr.Group):
        return bundle_or_group
    path = Path(bundle_or_group)
    for candidate in (path / "data", path):
        if (candidate / "zarr.json").is_file():
            return zarr.open_group(str(candidate), mode="r")
    raise BundleError(f"{path}: not an xgexport bundle (no data/zarr.json)")
