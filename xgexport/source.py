"""Reading an AnnData file (.h5ad or .zarr) without loading its matrices.

Metadata (obs, var, the needed obsm columns, a few uns entries) is read into memory; a
matrix is only ever read block by block through :class:`MatrixReader`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .budget import MemoryBudgetError, check_metadata, stored_bytes
from .errors import InputError, first_line
from .input_identity import check_unchanged, identity_of

if TYPE_CHECKING:
    import pandas as pd

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class MatrixReader:
    """Block access to one stored matrix (X, raw/X or a layer), never the whole of it.

    ``kind`` is ``csr``, ``csc`` or ``dense``. CSR and dense are read by cell (row) blocks,
    CSC by gene (column) blocks: each in the order it is stored. Sparse index arrays are
    checked as they are read, before scipy sees them: scipy trusts them, and out-of-range
    values crash it in native code (a segfault or a double free, not an exception).
    """

    name: str
    kind: str
    shape: tuple[int, int]
    dtype: np.dtype
    node: Any  # h5py/zarr group (sparse) or dataset/array (dense)
    where: str = ""  # the input's path, for messages

    @property
    def nnz_estimate(self) -> int:
        if self.kind == "dense":
            return self.shape[0] * self.shape[1]
        return int(self.node["indptr"][-1])

    def read_rows(self, start: int, stop: int) -> sp.csr_matrix:
        """Cells [start, stop) × all genes of a CSR or dense matrix, as CSR with sorted indices."""
        n_cols = self.shape[1]
        if self.kind == "dense":
            block = _sparse_dtype(np.asarray(self._read(lambda: self.node[start:stop])))
            return sp.csr_matrix(block.reshape(stop - start, n_cols))
        data, indices, indptr = self._sparse_slice(start, stop, n_cols, "cells")
        block = sp.csr_matrix((data, indices, indptr), shape=(stop - start, n_cols))
        block.sum_duplicates()  # also sorts indices: downstream code relies on it
        return block

    def read_cols(self, start: int, stop: int) -> sp.csc_matrix:
        """All cells × genes [start, stop) of a CSC matrix, as CSC with sorted indices."""
        data, indices, indptr = self._sparse_slice(start, stop, self.shape[0], "genes")
        block = sp.csc_matrix((data, indices, indptr), shape=(self.shape[0], stop - start))
        block.sum_duplicates()
        return block

    def _sparse_slice(self, start: int, stop: int, n_minor: int, axis: str):
        """data, indices and local indptr of rows (CSR) or columns (CSC) [start, stop), checked:
        indptr non-decreasing within the stored values, 0 ≤ indices < n_minor."""
        indptr = np.asarray(self._read(lambda: self.node["indptr"][start : stop + 1]), dtype=np.int64)
        lo, hi = int(indptr[0]), int(indptr[-1])
        if lo < 0 or hi > self.node["indices"].shape[0] or np.any(indptr[1:] < indptr[:-1]):
            raise self._damaged(f"its indptr is not increasing within the stored values ({axis} {start}–{stop})")
        indices = np.asarray(self._read(lambda: self.node["indices"][lo:hi]))
        if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= n_minor):
            raise self._damaged(
                f"its indices point outside the {n_minor} {'genes' if axis == 'cells' else 'cells'} "
                f"(values {int(indices.min())}..{int(indices.max())} in {axis} {start}–{stop})"
            )
        data = _sparse_dtype(np.asarray(self._read(lambda: self.node["data"][lo:hi])))
        return data, indices, indptr - lo

    def _read(self, read):
        try:
            return read()
        except OSError as exc:  # h5py: a damaged chunk ("inflate() failed", …)
            raise InputError(
                f"{self.where}: {self.name}: stored values cannot be read ({first_line(exc)}); the file is "
                "damaged: copy it again or re-save it with adata.write_h5ad()"
            ) from None

    def check_unchanged(self, identity: tuple | None) -> None:
        """See :func:`check_unchanged`; h5py nodes know their open file, zarr ones their path."""
        if identity is not None:
            check_unchanged(getattr(self.node, "file", None), Path(self.where), identity)

    def _damaged(self, what: str) -> InputError:
        return InputError(
            f"{self.where}: {self.name} is damaged: {what}; copy the file again, or write it anew "
            "from its source with adata.write_h5ad()"
        )


@dataclass(frozen=True)
class Source:
    """An opened AnnData store: metadata in memory, matrices as readers."""

    path: Path
    root: Any  # h5py.File or zarr.Group
    obs: pd.DataFrame
    var: pd.DataFrame
    raw_var: pd.DataFrame | None
    obsm_shapes: dict[str, tuple[int, ...]]
    layer_names: tuple[str, ...]
    has_x: bool
    legacy: Any  # an anndata.AnnData (backed) for files older than the encoding spec, else None
    identity: tuple[int, int, int] = (0, 0, 0)  # of the input as opened: see identity_of
    metadata_bytes: int = 0  # memory that obs and var take (budget.stored_bytes)

    @property
    def n_cells(self) -> int:
        return len(self.obs)

    def matrix(self, which: str) -> MatrixReader:
        """The reader for ``X``, ``raw`` or a layer name, whose shape matches obs and var: a
        shape attribute is only a claim, and every per-gene or per-cell allocation trusts it."""
        reader = _matrix_reader(
            _matrix_label(which), _matrix_node(self.root, which), self._legacy_shape(which), self.path
        )
        table = "raw.var" if which == "raw" else "var"
        genes = self.raw_var if which == "raw" else self.var
        assert genes is not None  # _matrix_node found raw, so raw.var was read
        if reader.shape != (self.n_cells, len(genes)):
            raise InputError(
                f"{self.path}: {reader.name} has shape {reader.shape[0]} × {reader.shape[1]}, but obs has "
                f"{self.n_cells} cells and {table} has {len(genes)} genes; the file is inconsistent: "
                "re-save it with adata.write_h5ad()"
            )
        _check_sparse_lengths(reader)
        return reader

    def _legacy_shape(self, which: str) -> tuple[int, int] | None:
        if which not in ("X", "raw"):
            return None
        if which == "X":
            return (self.n_cells, len(self.var))
        if self.raw_var is not None:
            return (self.n_cells, len(self.raw_var))
        return None

    def embedding(self, key: str, dims: int = 2) -> np.ndarray:
        """The first ``dims`` columns of obsm[key] as float64 (cells × dims)."""
        if self.legacy is not None:
            values = np.asarray(self.legacy.obsm[key])
            return np.asarray(values[:, :dims], dtype=np.float64)
        node = self.root["obsm"][key]
        if _encoding(node) == "dataframe":
            frame = _read_elem(node)
            return frame.iloc[:, :dims].to_numpy(dtype=np.float64)
        return np.asarray(node[:, :dims], dtype=np.float64)

    def uns_value(self, key: str) -> Any:
        """One uns entry, or None when it is absent or unreadable."""
        try:
            if self.legacy is not None:
                return self.legacy.uns.get(key)
            uns = self.root["uns"]
            if key not in uns:
                return None
            return _read_elem(uns[key])
        except Exception:  # a broken uns entry must not stop an export
            return None


def open_source(path: Path, max_memory: int | None = None) -> Source:
    """Open an .h5ad file or an AnnData .zarr store for reading; with ``max_memory``, refuse
    one whose obs and var alone would not fit, before reading them.

    Raises InputError with a one-line explanation for anything that is not a readable AnnData.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder; check the path")
    root = _open_zarr(path) if path.is_dir() else _open_h5ad(path)
    try:
        sizes = [stored_bytes(root[name]) for name in ("obs", "var") if name in root]
        if max_memory is not None and len(sizes) == 2:
            check_metadata(path, sizes[0], sizes[1], max_memory)
        source = _read_metadata(path, root)
        return replace(source, identity=identity_of(root, path), metadata_bytes=sum(sizes))
    except (InputError, MemoryBudgetError):
        raise
    except Exception as exc:  # anndata/h5py raise many kinds for damaged files
        raise InputError(
            f"{path}: could not read the AnnData metadata (obs/var): {first_line(exc)}; "
            "is the file complete and written by anndata?"
        ) from exc


def open_matrix(path: str | Path, which: str, shape: tuple[int, int], identity: tuple | None = None) -> MatrixReader:
    """The reader of one matrix of a file already checked by :func:`open_source`, without
    reading obs/var again: build tasks open the file once each, and decoding 100,000 cell
    names per task cost more than a block's reading. With ``identity`` (the Source's), the
    file opened must still be the one the build started from."""
    path = Path(path)
    root = _open_zarr(path) if path.is_dir() else _open_h5ad(path)
    if identity is not None:
        check_unchanged(root, path, identity)
    reader = _matrix_reader(_matrix_label(which), _matrix_node(root, which), shape, path)
    _check_sparse_lengths(reader)
    return reader


def _matrix_node(root, which: str):
    if which == "X":
        return root["X"]
    if which == "raw":
        return root["raw.X"] if "raw.X" in root else root["raw"]["X"]
    return root["layers"][which]


def _matrix_label(which: str) -> str:
    return which if which in ("X", "raw") else f"layer {which!r}"


def _open_h5ad(path: Path):
    import h5py

    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty; it is not an .h5ad file")
    with open(path, "rb") as handle:
        signature = handle.read(8)
    if signature != HDF5_SIGNATURE:
        raise InputError(
            f"{path}: not an HDF5 file, so not an .h5ad (it starts with {signature[:4]!r}); "
            "export it from scanpy/anndata with adata.write_h5ad()"
        )
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise InputError(
            f"{path}: the HDF5 file cannot be opened ({first_line(exc)}); it may be truncated or "
            "damaged: copy it again or re-save it with adata.write_h5ad()"
        ) from exc


def _open_zarr(path: Path):
    import zarr

    try:
        return zarr.open_group(str(path), mode="r")
    except Exception as exc:
        raise InputError(
            f"{path}: a folder that is not an AnnData zarr store ({first_line(exc)}); "
            "give an .h5ad file or a store written by adata.write_zarr()"
        ) from exc


def _read_metadata(path: Path, root) -> Source:
    import pandas as pd  # here, not at the top: build workers read matrices only

    keys = set(root.keys())
    if "obs" not in keys or "var" not in keys:
        raise InputError(f"{path}: no obs/var tables inside; it is not an AnnData file")
    if "encoding-type" not in root.attrs and _encoding(root["obs"]) is None:
        return _read_legacy(path, root)
    obs = _read_elem(root["obs"])
    var = _read_elem(root["var"])
    for name, table in (("obs", obs), ("var", var)):
        if not isinstance(table, pd.DataFrame):
            raise InputError(
                f"{path}: {name} is not a table (it holds a {type(table).__name__}); the file is damaged, "
                f"e.g. a column named '' was written over {name}: rename it and save again"
            )
    raw_var = _read_elem(root["raw"]["var"]) if "raw" in keys and "X" in root["raw"] else None
    obsm_shapes: dict[str, tuple[int, ...]] = {}
    if "obsm" in keys:
        for key in sorted(root["obsm"].keys()):
            node = root["obsm"][key]
            if _encoding(node) == "dataframe":
                frame = _read_elem(node)
                obsm_shapes[key] = frame.shape
            elif hasattr(node, "shape"):
                obsm_shapes[key] = tuple(node.shape)
    layers = tuple(sorted(root["layers"].keys())) if "layers" in keys else ()
    return Source(
        path=path,
        root=root,
        obs=obs,
        var=var,
        raw_var=raw_var,
        obsm_shapes=obsm_shapes,
        layer_names=layers,
        has_x="X" in keys,
        legacy=None,
    )


def _read_legacy(path: Path, root) -> Source:
    """Files written before anndata's encoding spec (anndata < 0.7): small by nature."""
    import anndata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = anndata.read_h5ad(path, backed="r")
    raw_var = adata.raw.var if adata.raw is not None else None
    return Source(
        path=path,
        root=root,
        obs=adata.obs,
        var=adata.var,
        raw_var=raw_var,
        obsm_shapes={k: tuple(np.shape(v)) for k, v in sorted(adata.obsm.items())},
        layer_names=tuple(sorted(adata.layers.keys())),
        has_x="X" in root,
        legacy=adata,
    )


def _matrix_reader(name: str, node, legacy_shape: tuple[int, int] | None, path: Path) -> MatrixReader:
    encoding = _encoding(node)
    attrs = node.attrs
    if encoding in ("csr_matrix", "csc_matrix") or "h5sparse_format" in attrs:
        fmt = encoding[:3] if encoding else str(_decode(attrs["h5sparse_format"]))
        shape_attr = attrs["shape"] if "shape" in attrs else attrs["h5sparse_shape"]
        shape = (int(shape_attr[0]), int(shape_attr[1]))
        return MatrixReader(name, fmt, shape, np.dtype(node["data"].dtype), node, str(path))
    if hasattr(node, "shape") and len(node.shape) == 2:
        if node.dtype.names:
            raise InputError(f"{name} is a structured array, not a matrix")
        shape = (int(node.shape[0]), int(node.shape[1]))
        return MatrixReader(name, "dense", shape, np.dtype(node.dtype), node, str(path))
    if hasattr(node, "shape") and len(node.shape) == 1 and legacy_shape and legacy_shape[1] == 1:
        raise InputError(f"{name} is one-dimensional; one-gene datasets must be stored 2-D")
    raise InputError(f"{name} has an encoding xgexport cannot read ({encoding or 'unknown'})")


def _check_sparse_lengths(reader: MatrixReader) -> None:
    """The sizes of a sparse matrix's three arrays agree with its shape (metadata and two
    values only; each block's contents are checked as it is read)."""
    if reader.kind == "dense":
        return
    node = reader.node
    n_major = reader.shape[0] if reader.kind == "csr" else reader.shape[1]
    n_indptr, n_indices, n_data = node["indptr"].shape[0], node["indices"].shape[0], node["data"].shape[0]
    if min(reader.shape) < 0 or n_indptr != n_major + 1:
        raise reader._damaged(
            f"its indptr has {n_indptr} entries for {n_major} {'cells' if reader.kind == 'csr' else 'genes'}"
        )
    if n_indices != n_data:
        raise reader._damaged(f"it has {n_indices} indices for {n_data} values")
    first, last = int(node["indptr"][0]), int(node["indptr"][-1])
    if first != 0 or not 0 <= last <= n_data:
        raise reader._damaged(f"its indptr runs from {first} to {last}, not from 0 to at most {n_data}")


def _sparse_dtype(values: np.ndarray) -> np.ndarray:
    """float16 (scipy.sparse cannot hold it) as float32: exact, and what the bundle stores."""
    return values.astype(np.float32) if values.dtype == np.float16 else values


def _read_elem(node):
    from anndata.io import read_elem

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_elem(node)


def _encoding(node) -> str | None:
    value = node.attrs.get("encoding-type") if hasattr(node, "attrs") else None
    return _decode(value) if value is not None else None


def _decode(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
