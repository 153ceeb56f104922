"""``xgexport build --embed pca|umap``: a 2-D layout computed by the build for an input that has
none (6 of the 16 real files we tried), instead of refusing it.

PCA is streamed: three passes over the matrix in its stored order (cell blocks for CSR and
dense, gene blocks for CSC), never the whole matrix in memory:

1. each cell's total, and whether every stored value is a non-negative integer (raw counts);
2. each gene's mean and variance of the values PCA uses: for raw counts log1p(x / total ·
   10,000) (scanpy's ``normalize_total(target_sum=1e4)`` then ``log1p``), otherwise the values
   as stored (log-normalized or scaled already); non-finite values count as 0;
3. the most variable genes' values (up to 2,000; fewer when --max-memory needs it), gathered as
   a sparse matrix. Their covariance, centred implicitly so that zeros stay sparse, gives the
   components (numpy's ``eigh``); a cell's coordinates are its centred values times them.

Each component's sign is fixed (its largest loading positive) and coordinates are rounded to
1e-7 of their largest magnitude, so the same input gives the same bytes. UMAP (umap-learn, the
optional extra ``umap``) runs on the first 50 components with a fixed ``random_state``.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp

from .augmented import augment
from .errors import InputError
from .options import BuildOptions
from .plan import choose_matrix
from .source import MatrixReader, Source

METHODS = {"pca": "X_pca", "umap": "X_umap"}  # --embed → the obsm key it adds
MAX_GENES = 2000
TARGET_SUM = 1e4
UMAP_COMPONENTS = 50
BYTES_PER_VALUE = 24  # a stored value in flight: data, index, float64 copies
UMAP_MISSING = (
    "--embed umap needs the umap-learn package: pip install 'xgexport[umap]' (or pip install umap-learn); "
    "--embed pca needs nothing more"
)


def add_embedding(source: Source, options: BuildOptions, max_memory: int) -> tuple[Source, str | None]:
    """The source with the computed layout as an obsm entry, and a sentence saying what it is."""
    method = options.embed
    if not method:
        return source, None
    key = METHODS[method]
    if key in source.obsm_shapes:
        raise InputError(f"--embed {method}: the input has obsm[{key!r}] already, shown without --embed")
    umap = _umap_module() if method == "umap" else None
    matrix, _reason = choose_matrix(source, options.layer)
    reader = source.matrix(matrix)
    if reader.shape[0] < 3:
        raise InputError(f"--embed {method}: {reader.shape[0]} cells are too few to lay out")
    coords, what = pca(reader, max_memory, UMAP_COMPONENTS if umap else 2)
    if umap is not None:
        neighbours = min(15, reader.shape[0] - 1)
        coords = umap.UMAP(n_components=2, n_neighbors=neighbours, random_state=0).fit_transform(coords)
        what = f"UMAP (umap-learn, 15 neighbours, random_state 0) of the first {coords.shape[1]} components of " + what
    return augment(source, obsm={key: _rounded(np.asarray(coords, dtype=np.float64)[:, :2])}), f"computed {key}: {what}"


def _umap_module():
    try:
        import umap
    except ImportError:
        raise InputError(UMAP_MISSING) from None
    return umap


def pca(reader: MatrixReader, max_memory: int, n_components: int, block_values: int = 0) -> tuple[np.ndarray, str]:
    """Cells × components of the matrix's PCA (see the module's doc), and what was computed.
    ``block_values``: stored values per block read (default: from ``max_memory``)."""
    block_values = block_values or max(10_000, max_memory // 8 // BYTES_PER_VALUE)
    totals, counts, nnz = _first_pass(reader, block_values)
    transform = _Transform(totals if counts else None)
    mean, var = _gene_moments(reader, block_values, transform)
    genes = _chosen_genes(var, nnz, max_memory // 4 // BYTES_PER_VALUE)
    if len(genes) < 2:
        raise InputError("--embed: fewer than 2 genes vary across the cells: nothing to lay out")
    values = _gather(reader, block_values, transform, genes)
    n_cells = reader.shape[0]
    centre = mean[genes]
    covariance = np.asarray((values.T @ values).todense()) / n_cells - np.outer(centre, centre)
    _eigenvalues, vectors = np.linalg.eigh(covariance)
    k = min(n_components, len(genes))
    vectors = vectors[:, ::-1][:, :k]
    strongest = np.argmax(np.abs(vectors), axis=0)
    vectors *= np.where(vectors[strongest, np.arange(k)] < 0, -1.0, 1.0)
    coords = values @ vectors - centre @ vectors
    values_used = "log1p(counts / cell total × 10,000)" if counts else "the stored values"
    return coords, f"PCA of the {len(genes)} most variable genes, on {values_used}"


def _blocks(reader: MatrixReader, block_values: int) -> Iterator[tuple[bool, int, int, sp.spmatrix]]:
    """(by_cells, start, stop, block) over the matrix in its stored order."""
    n_cells, n_genes = reader.shape
    by_cells = reader.kind != "csc"
    count = n_cells if by_cells else n_genes
    per_item = max(1, reader.nnz_estimate // max(1, count))
    step = max(1, block_values // per_item)
    for start in range(0, count, step):
        stop = min(start + step, count)
        yield by_cells, start, stop, reader.read_rows(start, stop) if by_cells else reader.read_cols(start, stop)


def _cells_of_values(by_cells: bool, start: int, block) -> np.ndarray:
    if by_cells:
        return np.repeat(np.arange(start, start + block.shape[0]), np.diff(block.indptr))
    return block.indices


def _genes_of_values(by_cells: bool, start: int, block) -> np.ndarray:
    if by_cells:
        return block.indices
    return np.repeat(np.arange(start, start + block.shape[1]), np.diff(block.indptr))


def _first_pass(reader: MatrixReader, block_values: int) -> tuple[np.ndarray, bool, np.ndarray]:
    """Per cell its total, whether the matrix is raw counts, per gene its stored values."""
    n_cells, n_genes = reader.shape
    totals, nnz = np.zeros(n_cells), np.zeros(n_genes, dtype=np.int64)
    integer, largest = True, 0.0
    for by_cells, start, _stop, block in _blocks(reader, block_values):
        data = np.nan_to_num(block.data.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        if data.size:
            integer = integer and bool(np.all(data >= 0) and np.all(data == np.round(data)))
            largest = max(largest, float(data.max()))
        totals += np.bincount(_cells_of_values(by_cells, start, block), weights=data, minlength=n_cells)
        nnz += np.bincount(_genes_of_values(by_cells, start, block), minlength=n_genes)
    return totals, integer and largest > 1, nnz


class _Transform:
    """The values PCA uses, per stored value: log-normalized counts, or the values as stored."""

    def __init__(self, totals: np.ndarray | None):
        self.scale = (
            None if totals is None else np.divide(TARGET_SUM, totals, out=np.zeros_like(totals), where=totals > 0)
        )

    def __call__(self, by_cells: bool, start: int, block) -> np.ndarray:
        data = np.nan_to_num(block.data.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        if self.scale is not None:
            data = np.log1p(data * self.scale[_cells_of_values(by_cells, start, block)])
        return data


def _gene_moments(reader: MatrixReader, block_values: int, transform: _Transform) -> tuple[np.ndarray, np.ndarray]:
    n_cells, n_genes = reader.shape
    total, squares = np.zeros(n_genes), np.zeros(n_genes)
    for by_cells, start, _stop, block in _blocks(reader, block_values):
        data = transform(by_cells, start, block)
        genes = _genes_of_values(by_cells, start, block)
        total += np.bincount(genes, weights=data, minlength=n_genes)
        squares += np.bincount(genes, weights=data * data, minlength=n_genes)
    mean = total / n_cells
    return mean, np.maximum(squares / n_cells - mean * mean, 0.0)


def _chosen_genes(var: np.ndarray, nnz: np.ndarray, max_values: int) -> np.ndarray:
    """The most variable genes (ties by index), as many as MAX_GENES and the memory allow."""
    order = np.argsort(-var, kind="stable")
    order = order[var[order] > 0][:MAX_GENES]
    fits = np.cumsum(nnz[order]) <= max_values
    return np.sort(order[fits])


def _gather(reader: MatrixReader, block_values: int, transform: _Transform, genes: np.ndarray) -> sp.csr_matrix:
    """Cells × chosen genes, transformed, as one sparse matrix."""
    position = np.full(reader.shape[1], -1, dtype=np.int64)
    position[genes] = np.arange(len(genes))
    rows, cols, values = [], [], []
    for by_cells, start, _stop, block in _blocks(reader, block_values):
        data = transform(by_cells, start, block)
        column = position[_genes_of_values(by_cells, start, block)]
        keep = column >= 0
        rows.append(_cells_of_values(by_cells, start, block)[keep])
        cols.append(column[keep])
        values.append(data[keep])
    shape = (reader.shape[0], len(genes))
    return sp.csr_matrix((np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=shape)


def _rounded(coords: np.ndarray) -> np.ndarray:
    """Coordinates on a grid of 1e-7 of their largest magnitude: the last bits of a sum that
    BLAS may order differently never reach the bundle."""
    scale = float(np.max(np.abs(coords))) if coords.size else 0.0
    if not np.isfinite(scale) or scale == 0:
        return coords
    step = scale * 1e-7
    return np.round(coords / step) * step
