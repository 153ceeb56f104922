"""The one factory of synthetic AnnData for the tests: log-normalized-looking values, a UMAP and
a clustering, from a seed (same arguments, same dataset).

Two shapes of matrix: by default a Poisson count for every cell and gene (small datasets whose
every value matters, as the corpus's); with ``per_cell`` exactly that many stored values per cell
at random genes, built as CSR directly, so that datasets of 50,000 cells stay cheap to make.
"""

from __future__ import annotations

import string
import warnings
from pathlib import Path

import anndata
import numpy as np
import pandas as pd
import scipy.sparse as sp


def synthetic_adata(
    n_cells: int = 60,
    n_genes: int = 25,
    *,
    seed: int = 0,
    sparse: bool = True,
    per_cell: int | None = None,
    n_groups: int = 3,
    obs_columns: int = 0,
    counts_layer: bool = False,
) -> anndata.AnnData:
    """Cells ``cell<i>``, genes ``gene<j>``, obs ``cluster`` with ``n_groups`` categories (a, b, c,
    … or g0, g1, … beyond 26), ``obs_columns`` continuous ``score<k>`` columns, obsm ``X_umap``;
    X is log1p of counts, which ``counts_layer`` also stores as ``layers["counts"]``."""
    rng = np.random.default_rng(seed)
    if per_cell is None:
        counts = rng.poisson(0.8, size=(n_cells, n_genes)).astype(np.float32)
        counts_matrix = sp.csr_matrix(counts) if sparse else counts
    else:
        nnz = n_cells * per_cell
        indices = np.sort(rng.integers(0, n_genes, size=(n_cells, per_cell)).astype(np.int32), axis=1).ravel()
        data = rng.poisson(2, size=nnz).astype(np.float32) + 1
        counts_matrix = sp.csr_matrix((data, indices, np.arange(0, nnz + 1, per_cell)), shape=(n_cells, n_genes))
        counts_matrix.sum_duplicates()
    values = counts_matrix.copy()
    if sp.issparse(values):
        values.data = np.log1p(values.data)
    else:
        values = np.log1p(values)
    labels = list(string.ascii_lowercase[:n_groups]) if n_groups <= 26 else [f"g{i}" for i in range(n_groups)]
    obs = pd.DataFrame(
        {"cluster": pd.Categorical(rng.choice(labels, size=n_cells))},
        index=[f"cell{i}" for i in range(n_cells)],
    )
    adata = anndata.AnnData(X=values, obs=obs, var=pd.DataFrame(index=[f"gene{j}" for j in range(n_genes)]))
    adata.obsm["X_umap"] = rng.normal(size=(n_cells, 2))
    for k in range(obs_columns):
        adata.obs[f"score{k}"] = rng.normal(size=n_cells)
    if counts_layer:
        adata.layers["counts"] = counts_matrix
    return adata


def write(adata: anndata.AnnData, path: Path, *, compression: str | None = None) -> Path:
    """Write an .h5ad, quietly (slashes in names, non-string categories, … are meant)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.write_h5ad(path, compression=compression)
    return path
