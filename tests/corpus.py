"""A corpus of awkward and broken inputs for ``xgexport build``, each with what must happen.

Every case writes its input (and, for output-path cases, its output situation) into a folder
of its own and says what the build must do:

- ``exports``: exit 0 and a bundle that passes ``xgexport verify``;
- ``fails``: exit non-zero, one line on stderr starting with ``error:`` that contains
  ``message`` (what is wrong / how to fix it), nothing left in or beside OUT.

``hostile`` lists dataset strings that must never become file or folder names in the bundle.

Use it from tests (``CASES``) or by hand: ``python tests/corpus.py /tmp/corpus`` writes every
case's input and prints the build command line for it.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import anndata
import h5py
import numpy as np
import pandas as pd
import scipy.sparse as sp

from factories import synthetic_adata, write

# Strings that look like paths, zarr metadata or markup: what a careless exporter would turn
# into a file name or paste into a page.
PATH_LIKE = ("../x", "a/b", ".zarray", "zarr.json", "c/0", "x/..", "a\\b")
# Not valid as obs column names in an .h5ad (anndata cannot read such a file back: "/etc/passwd"
# and "." break the writer, ".." collides with "../x"), but fine as gene names, categories, ids.
PATH_LIKE_VALUES = (*PATH_LIKE, "/etc/passwd", ".", "..", "")
HTML = ('<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "&amp; \"quoted\" 'single'")
NON_ASCII = ("Gène-α", "細胞型", "naïve CD4⁺ T", "Ω-λ", "😀 emoji", "Zürich")


@dataclass(frozen=True)
class Made:
    """What a case's maker produced: the build's INPUT and OUT, and any extra options."""

    input: Path
    out: Path
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "exports" | "fails"
    make: Callable[[Path], Made]
    message: str = ""  # for "fails": a substring the one-line error must contain
    hostile: tuple[str, ...] = ()  # strings that must not appear in any bundle path
    also: tuple[str, ...] = ()  # more substrings the error line must contain
    note: str = ""
    skip_reason: Callable[[], str | None] = field(default=lambda: None)


# ---------------------------------------------------------------------------------------------
# building blocks


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def simple(folder: Path, adata: anndata.AnnData, *args: str, name: str = "input.h5ad") -> Made:
    return Made(write(adata, folder / name), folder / "out", tuple(args))


def _exports(name: str, build: Callable[[], anndata.AnnData], *args: str, hostile=(), note="") -> Case:
    return Case(name, "exports", lambda folder: simple(folder, build(), *args), hostile=tuple(hostile), note=note)


def _fails(name: str, build: Callable[[], anndata.AnnData], message: str, *args: str, also=()) -> Case:
    return Case(name, "fails", lambda folder: simple(folder, build(), *args), message=message, also=tuple(also))


# ---------------------------------------------------------------------------------------------
# not an AnnData at all


def make_missing(folder: Path) -> Made:
    return Made(folder / "does-not-exist.h5ad", folder / "out")


def make_empty(folder: Path) -> Made:
    path = folder / "empty.h5ad"
    path.write_bytes(b"")
    return Made(path, folder / "out")


def make_text(folder: Path) -> Made:
    path = folder / "notes.h5ad"
    path.write_text("cell,gene,value\nc1,CD3E,1.5\n", encoding="utf-8")
    return Made(path, folder / "out")


def make_truncated(folder: Path) -> Made:
    path = write(synthetic_adata(400, 200, sparse=False), folder / "truncated.h5ad")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return Made(path, folder / "out")


def make_truncated_tail(folder: Path) -> Made:
    """Only the last few bytes missing: the classic interrupted copy."""
    path = write(synthetic_adata(400, 200, sparse=False), folder / "cut.h5ad")
    data = path.read_bytes()
    path.write_bytes(data[:-100])
    return Made(path, folder / "out")


def make_plain_hdf5(folder: Path) -> Made:
    path = folder / "plain.h5ad"
    with h5py.File(path, "w") as f:
        f["values"] = np.arange(10)
    return Made(path, folder / "out")


def make_folder_input(folder: Path) -> Made:
    path = folder / "looks-like-a-file.h5ad"
    path.mkdir()
    (path / "readme.txt").write_text("not a zarr store")
    return Made(path, folder / "out")


# ---------------------------------------------------------------------------------------------
# structural edge cases


def zero_cells() -> anndata.AnnData:
    adata = anndata.AnnData(
        X=sp.csr_matrix((0, 5), dtype=np.float32),
        obs=pd.DataFrame(index=pd.Index([], dtype=str)),
        var=pd.DataFrame(index=[f"g{j}" for j in range(5)]),
    )
    adata.obsm["X_umap"] = np.zeros((0, 2))
    return adata


def zero_genes() -> anndata.AnnData:
    adata = synthetic_adata(20, 1)[:, []].copy()
    return adata


def no_x() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = None
    return adata


def no_x_but_layer() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.layers["counts"] = adata.X.copy()
    adata.X = None
    return adata


def one_cell() -> anndata.AnnData:
    return synthetic_adata(1, 8)


def one_gene() -> anndata.AnnData:
    return synthetic_adata(40, 1)


def csc_matrix() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = sp.csc_matrix(adata.X)
    return adata


def raw_with_more_genes() -> anndata.AnnData:
    adata = synthetic_adata(50, 30)
    adata.raw = adata
    return adata[:, :10].copy()


def zarr_store(folder: Path) -> Made:
    path = folder / "store.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthetic_adata().write_zarr(path)
    return Made(path, folder / "out")


# ---------------------------------------------------------------------------------------------
# damaged matrices: index arrays and shapes that lie (scipy trusts them and crashes natively)


def tampered(adata_maker: Callable[[], anndata.AnnData], edit: Callable[[h5py.File], None]) -> Callable[[Path], Made]:
    """A maker: a valid file written by anndata, then changed in place with h5py."""

    def make(folder: Path) -> Made:
        made = simple(folder, adata_maker())
        with h5py.File(made.input, "r+") as handle:
            edit(handle)
        return made

    return make


def set_value(dataset: str, position: int, value) -> Callable[[h5py.File], None]:
    def edit(handle: h5py.File) -> None:
        values = handle[dataset][:]
        values[position] = value
        handle[dataset][:] = values

    return edit


def set_shape(group: str, shape: tuple[int, int]) -> Callable[[h5py.File], None]:
    def edit(handle: h5py.File) -> None:
        handle[group].attrs["shape"] = np.array(shape, dtype=np.int64)

    return edit


def with_layer() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.layers["counts"] = adata.X.copy()
    return adata


def with_raw() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.raw = adata
    return adata


def make_corrupt_chunk(folder: Path) -> Made:
    """gzip-compressed X/data with bytes flipped inside its first chunk: h5py's read fails."""
    path = folder / "chunk.h5ad"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthetic_adata(400, 50).write_h5ad(path, compression="gzip")
    with h5py.File(path, "r") as handle:
        info = handle["X/data"].id.get_chunk_info(0)
    data = bytearray(path.read_bytes())
    for position in range(info.byte_offset + info.size // 2, info.byte_offset + info.size // 2 + 16):
        data[position] ^= 0xFF
    path.write_bytes(bytes(data))
    return Made(path, folder / "out", ("-q",))


def _damaged(name: str, maker, edit, message: str, *args: str, also=()) -> Case:
    """A damaged matrix. Its blocks are checked as the matrix pass reads them, after the plan's
    progress lines: -q leaves the error line alone on stderr."""
    return Case(name, "fails", lambda folder: _with_args(tampered(maker, edit)(folder), ("-q", *args)),
                message=message, also=tuple(also))  # fmt: skip


def _with_args(made: Made, args: tuple[str, ...]) -> Made:
    return Made(made.input, made.out, made.args + tuple(args))


# ---------------------------------------------------------------------------------------------
# values


def nan_in_x() -> anndata.AnnData:
    adata = synthetic_adata(sparse=False)
    adata.X[3, 4] = np.nan
    adata.X[7, :] = np.nan
    return adata


def inf_in_x() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = adata.X.toarray()
    adata.X[0, 0] = np.inf
    adata.X[5, 2] = -np.inf
    adata.X = sp.csr_matrix(adata.X)
    return adata


def nan_in_sparse_x() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X.data[::7] = np.nan
    return adata


def integer_counts() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = sp.csr_matrix(_rng(1).poisson(30, size=adata.shape).astype(np.int32))
    return adata


def integer_dense_int64() -> anndata.AnnData:
    adata = synthetic_adata(sparse=False)
    adata.X = _rng(2).poisson(3, size=adata.shape).astype(np.int64)
    return adata


def float16_dense() -> anndata.AnnData:
    adata = synthetic_adata(sparse=False)
    adata.X = adata.X.astype(np.float16)
    return adata


def bool_sparse() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = sp.csr_matrix(adata.X.toarray() > 0.5)
    return adata


def all_zero_sparse() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.X = sp.csr_matrix(adata.shape, dtype=np.float32)
    return adata


def all_zero_dense() -> anndata.AnnData:
    adata = synthetic_adata(sparse=False)
    adata.X = np.zeros(adata.shape, dtype=np.float32)
    return adata


# ---------------------------------------------------------------------------------------------
# embeddings


def nan_in_embedding() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.obsm["X_umap"][2] = np.nan
    adata.obsm["X_umap"][5, 1] = np.inf
    adata.obsm["X_umap"][6, 0] = -np.inf
    return adata


def all_nan_embedding() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.obsm["X_umap"][:] = np.nan
    return adata


def no_obsm() -> anndata.AnnData:
    adata = synthetic_adata()
    del adata.obsm["X_umap"]
    return adata


def no_usable_embedding() -> anndata.AnnData:
    adata = synthetic_adata()
    del adata.obsm["X_umap"]
    adata.obsm["X_scvi"] = _rng(4).normal(size=(adata.n_obs, 10))
    adata.obsm["pseudotime"] = _rng(4).normal(size=(adata.n_obs, 1))
    return adata


def one_column_only() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.obsm["X_diffmap1"] = adata.obsm.pop("X_umap")[:, :1]
    return adata


def odd_embeddings() -> anndata.AnnData:
    """Beside a UMAP: a one-column, a 3-column, a constant, a DataFrame and an integer obsm."""
    adata = synthetic_adata()
    n = adata.n_obs
    adata.obsm["X_dpt"] = _rng(5).normal(size=(n, 1))
    adata.obsm["X_umap_3d"] = _rng(6).normal(size=(n, 3))
    adata.obsm["X_constant"] = np.full((n, 2), 1.5)
    adata.obsm["spatial_df"] = pd.DataFrame(_rng(7).normal(size=(n, 2)), index=adata.obs_names, columns=["x", "y"])
    adata.obsm["spatial"] = _rng(8).integers(0, 1000, size=(n, 2))
    return adata


def three_columns_only() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.obsm["X_umap"] = _rng(6).normal(size=(adata.n_obs, 3))
    return adata


# ---------------------------------------------------------------------------------------------
# names


def path_like_names() -> anndata.AnnData:
    adata = synthetic_adata(60, len(PATH_LIKE_VALUES) + 3)
    adata.var_names = [*list(PATH_LIKE_VALUES), "CD3E", "c", "0"]
    for i, name in enumerate(PATH_LIKE):
        if i % 2:
            adata.obs[name] = pd.Categorical(_rng(i).choice(list(PATH_LIKE_VALUES), size=adata.n_obs))
        else:
            adata.obs[name] = _rng(i).normal(size=adata.n_obs)
    adata.obs_names = [f"../cell/{i}" for i in range(adata.n_obs)]
    adata.obsm["zarr.json"] = adata.obsm["X_umap"] + 1
    return adata


def make_path_like(folder: Path) -> Made:
    made = simple(folder, path_like_names())
    with warnings.catch_warnings():  # the input must be valid: anndata itself reads it back
        warnings.simplefilter("ignore")
        back = anndata.read_h5ad(made.input)
    assert list(back.obs.columns[1:]) == list(PATH_LIKE), back.obs.columns
    return made


def html_names() -> anndata.AnnData:
    adata = synthetic_adata(60, len(HTML) + 2)
    adata.var_names = [*list(HTML), "</title><script>alert(2)</script>", "CD3E"]
    adata.obs[HTML[0]] = pd.Categorical(_rng(1).choice(list(HTML), size=adata.n_obs))
    adata.obs[HTML[1]] = _rng(2).normal(size=adata.n_obs)
    adata.obs["cluster"] = pd.Categorical(_rng(3).choice(list(HTML), size=adata.n_obs))
    adata.obsm["<b>X_umap</b>"] = adata.obsm["X_umap"].copy()
    adata.uns["title"] = HTML[0]
    return adata


def duplicate_genes() -> anndata.AnnData:
    adata = synthetic_adata(60, 6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.var_names = ["CD3E", "CD3E", "MS4A1", "MS4A1", "MS4A1", "NKG7"]
    return adata


def shared_and_missing_symbols() -> anndata.AnnData:
    """CELLxGENE-style var: Ensembl ids, a categorical feature_name where two ids share a symbol
    and two have none."""
    adata = synthetic_adata(60, 8)
    adata.var_names = [f"ENSG{i:011d}" for i in range(8)]
    symbols = ["TBCE", "TBCE", None, "CD3E", "MATR3", "MATR3", "", "NKG7"]
    adata.var["feature_name"] = pd.Categorical(symbols)
    return adata


def non_ascii_names() -> anndata.AnnData:
    adata = synthetic_adata(60, len(NON_ASCII))
    adata.var_names = list(NON_ASCII)
    adata.obs["élément"] = pd.Categorical(_rng(1).choice(list(NON_ASCII), size=adata.n_obs))
    adata.obs["température °C"] = _rng(2).normal(size=adata.n_obs)
    adata.obs_names = [f"細胞-{i}" for i in range(adata.n_obs)]
    return adata


def empty_string_names() -> anndata.AnnData:
    adata = synthetic_adata(30, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.var_names = ["", " ", "x"]
    adata.obs["blank"] = pd.Categorical(["", " ", "a"] * 10)
    return adata


def obs_not_a_table() -> anndata.AnnData:
    """anndata writes an obs column named "" over the obs group itself: a broken file."""
    adata = synthetic_adata(30, 3)
    adata.obs[""] = pd.Categorical(["", "a"] * 15)
    return adata


# ---------------------------------------------------------------------------------------------
# obs columns


def one_category_per_cell() -> anndata.AnnData:
    adata = synthetic_adata(50, 10)
    adata.obs["barcode_cat"] = pd.Categorical([f"bc{i}" for i in range(adata.n_obs)])
    return adata


def one_category_per_cell_many() -> anndata.AnnData:
    adata = synthetic_adata(1200, 8)
    adata.obs["barcode_cat"] = pd.Categorical([f"bc{i}" for i in range(adata.n_obs)])
    adata.obs["barcode_text"] = [f"t{i}" for i in range(adata.n_obs)]
    return adata


def nearly_unique_per_cell() -> anndata.AnnData:
    """Ids with a few repeats, as categories and as text; beside a real grouping of 25 values."""
    adata = synthetic_adata(200, 10)
    ids = [f"bc{i}" for i in range(200)]
    ids[1] = ids[2] = "bc0"  # one value of 3 cells among 198: still an id
    adata.obs["barcode_cat"] = pd.Categorical(ids)
    adata.obs["barcode_text"] = ids
    adata.obs["donor"] = pd.Categorical([f"d{i % 25}" for i in range(200)])  # 8 cells each: a grouping
    return adata


def single_category() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.obs["batch"] = pd.Categorical(["only"] * adata.n_obs)
    adata.obs["cluster"] = pd.Categorical(["c0"] * adata.n_obs)
    return adata


def missing_categories() -> anndata.AnnData:
    adata = synthetic_adata()
    values = np.array(_rng(1).choice(["x", "y", "z"], size=adata.n_obs), dtype=object)
    values[::4] = None
    adata.obs["with_missing"] = pd.Categorical(values)
    adata.obs["all_missing"] = pd.Categorical([None] * adata.n_obs, categories=[])
    adata.obs["unused_category"] = pd.Categorical(["p"] * adata.n_obs, categories=["p", "q", "never"])
    text = values.copy()
    text[1::4] = np.nan
    adata.obs["text_with_missing"] = text
    return adata


def typed_columns() -> anndata.AnnData:
    adata = synthetic_adata()
    n = adata.n_obs
    rng = _rng(2)
    adata.obs["is_doublet"] = rng.random(n) < 0.3
    adata.obs["n_genes"] = rng.integers(100, 5000, size=n)
    adata.obs["pct_mito"] = rng.random(n).astype(np.float32)
    adata.obs["pct_nan"] = np.where(rng.random(n) < 0.5, np.nan, rng.random(n))
    adata.obs["all_nan"] = np.full(n, np.nan)
    adata.obs["with_inf"] = np.where(rng.random(n) < 0.2, np.inf, rng.random(n))
    adata.obs["free_text"] = [f"note {i % 7}: ok" for i in range(n)]
    adata.obs["nullable_int"] = pd.array([None if i % 5 == 0 else i for i in range(n)], dtype="Int64")
    adata.obs["nullable_bool"] = pd.array([None if i % 6 == 0 else bool(i % 2) for i in range(n)], dtype="boolean")
    adata.obs["int_categories"] = pd.Categorical(rng.integers(0, 4, size=n))
    adata.obs["ordered"] = pd.Categorical(
        rng.choice(["low", "mid", "high"], size=n), categories=["low", "mid", "high"], ordered=True
    )
    return adata


def odd_colors() -> anndata.AnnData:
    """uns colours that are not hex, and too few of them: the palette fills in."""
    adata = synthetic_adata()
    adata.obs["other"] = pd.Categorical(_rng(9).choice(["u", "v", "w"], size=adata.n_obs))
    adata.uns["cluster_colors"] = np.array(["red", "#12345", "not a colour"])
    adata.uns["other_colors"] = np.array(["#ff0000"])
    return adata


def huge_uns() -> anndata.AnnData:
    adata = synthetic_adata()
    adata.uns["notes"] = "lorem ipsum " * 2_000_000  # 24 MB of text
    adata.uns["nested"] = {"deep": {"deeper": {"text": "<script>alert(3)</script>"}}}
    return adata


# ---------------------------------------------------------------------------------------------
# output paths


def out_is_file(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    out = folder / "out.txt"
    out.write_text("my notes\n")
    return Made(made.input, out)


def out_under_file(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    parent = folder / "file.txt"
    parent.write_text("a file, not a folder\n")
    return Made(made.input, parent / "sub")


def out_not_empty(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    out = folder / "home"
    out.mkdir()
    (out / "thesis.tex").write_text("precious\n")
    return Made(made.input, out, ("--overwrite",))


def out_read_only(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    parent = folder / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    return Made(made.input, parent / "out")


def _root_skip() -> str | None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "running as root: permission bits do not stop root, so a chmod 555 folder is writable"
    return None


PROC_OUT = Path("/proc/xgexport-corpus-out")


def out_in_proc(folder: Path) -> Made:
    """/proc refuses new folders even to root: a truly unwritable place on Linux."""
    made = simple(folder, synthetic_adata())
    return Made(made.input, PROC_OUT)


def _no_proc() -> str | None:
    if not Path("/proc/self").is_dir():
        return "no Linux /proc here"
    return None


def out_dangling_link(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    link = folder / "out"
    link.symlink_to(folder / "moved-away")
    return Made(made.input, link)


def out_looping_link(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    link = folder / "out"
    link.symlink_to(link)
    return Made(made.input, link)


def out_nonexistent_parents(folder: Path) -> Made:
    made = simple(folder, synthetic_adata())
    return Made(made.input, folder / "deep" / "er" / "out")


# ---------------------------------------------------------------------------------------------
# options that do not fit the input


def _option_case(name: str, args: tuple[str, ...], message: str) -> Case:
    return Case(name, "fails", lambda folder: simple(folder, synthetic_adata(), *args), message=message)


ALL_HOSTILE = PATH_LIKE + HTML + NON_ASCII

CASES: tuple[Case, ...] = (
    # not an AnnData
    Case("missing-path", "fails", make_missing, message="no such file"),
    Case("empty-file", "fails", make_empty, message="empty"),
    Case("text-file", "fails", make_text, message="not an HDF5 file"),
    Case("truncated-half", "fails", make_truncated, message="truncated"),
    Case("truncated-tail", "fails", make_truncated_tail, message="truncated"),
    Case("plain-hdf5", "fails", make_plain_hdf5, message="not an AnnData"),
    Case("folder-input", "fails", make_folder_input, message="not an AnnData zarr store"),
    # structure
    _fails("zero-cells", zero_cells, "0 cells"),
    _fails("zero-genes", zero_genes, "no genes"),
    _fails("no-x", no_x, "no expression matrix", also=("adata.X",)),
    _fails("no-x-but-layer", no_x_but_layer, "--layer", also=("counts",)),
    _exports("no-x-layer-chosen", no_x_but_layer, "--layer", "counts"),
    _exports("one-cell", one_cell),
    _exports("one-gene", one_gene),
    _exports("csc-matrix", csc_matrix),
    _exports("raw-with-more-genes", raw_with_more_genes),
    Case("zarr-store", "exports", zarr_store),
    # damaged matrices: one line, never a native crash of scipy
    _damaged(
        "x-index-beyond-genes",
        synthetic_adata,
        set_value("X/indices", 5, 10**6),
        "X is damaged",
        also=("indices point outside the 25 genes",),
    ),
    _damaged("x-index-negative", synthetic_adata, set_value("X/indices", 5, -3), "indices point outside"),
    _damaged(
        "x-indptr-beyond-values", synthetic_adata, set_value("X/indptr", 10, 10**6), "X is damaged", also=("indptr",)
    ),
    _damaged("x-indptr-decreasing", synthetic_adata, set_value("X/indptr", 10, 0), "indptr is not increasing"),
    _damaged("x-indptr-ends-beyond-values", synthetic_adata, set_value("X/indptr", -1, 10**6), "indptr runs from 0"),
    _damaged(
        "csc-index-beyond-cells", csc_matrix, set_value("X/indices", 3, 10**6), "indices point outside the 60 cells"
    ),
    _damaged("raw-index-beyond-genes", with_raw, set_value("raw/X/indices", 7, 25), "raw is damaged"),
    _damaged(
        "layer-index-beyond-genes",
        with_layer,
        set_value("layers/counts/indices", 0, 99),
        "layer 'counts' is damaged",
        "--layer",
        "counts",
    ),
    _damaged(
        "x-shape-billion-genes",
        synthetic_adata,
        set_shape("X", (60, 10**9)),
        "X has shape 60 × 1000000000",
        also=("var has 25 genes",),
    ),
    _damaged("x-shape-more-cells", synthetic_adata, set_shape("X", (10**9, 25)), "obs has 60 cells"),
    _damaged("csc-shape-billion-genes", csc_matrix, set_shape("X", (60, 10**9)), "var has 25 genes"),
    _damaged(
        "layer-shape-billion-genes",
        with_layer,
        set_shape("layers/counts", (60, 10**9)),
        "layer 'counts' has shape",
        "--layer",
        "counts",
    ),
    Case(
        "x-chunk-corrupt",
        "fails",
        make_corrupt_chunk,
        message="X: stored values cannot be read",
        also=("the file is damaged",),
    ),
    # values
    _exports("nan-in-x", nan_in_x),
    _exports("inf-in-x", inf_in_x),
    _exports("nan-in-sparse-x", nan_in_sparse_x),
    _exports("integer-counts-csr", integer_counts),
    _exports("integer-counts-dense-int64", integer_dense_int64),
    _exports("float16-dense-x", float16_dense),
    _exports("bool-sparse-x", bool_sparse),
    _exports("all-zero-sparse", all_zero_sparse),
    _exports("all-zero-dense", all_zero_dense),
    # embeddings
    _exports("nan-in-embedding", nan_in_embedding),
    _fails("all-nan-embedding", all_nan_embedding, "no usable embedding", also=("X_umap (60, 2) all NaN/inf",)),
    _fails("all-nan-embedding-requested", all_nan_embedding, "no cell has finite coordinates", "--embedding", "X_umap"),
    _fails("no-obsm", no_obsm, "no usable embedding", also=("obsm has: nothing", "sc.tl.umap")),
    _fails(
        "no-usable-embedding", no_usable_embedding, "no usable embedding", also=("X_scvi", "pseudotime", "sc.tl.umap")
    ),
    _fails("one-column-obsm-only", one_column_only, "no usable embedding", also=("X_diffmap1", "sc.tl.umap")),
    _exports("one-and-three-column-obsm", odd_embeddings),
    _exports("three-column-obsm-only", three_columns_only),
    _fails("embedding-one-column-requested", odd_embeddings, "needs at least 2 columns", "--embedding", "X_dpt"),
    _exports("embedding-latent-requested", no_usable_embedding, "--embedding", "X_scvi"),
    # names
    Case("path-like-names", "exports", make_path_like, hostile=PATH_LIKE_VALUES),
    _exports("html-names", html_names, "--title", HTML[0], "--description", HTML[1], hostile=(*HTML, "<b>X_umap</b>")),
    _exports("duplicate-gene-names", duplicate_genes),
    _exports("shared-and-missing-symbols", shared_and_missing_symbols),
    _exports("non-ascii-names", non_ascii_names, "--title", "Données — 細胞", hostile=NON_ASCII),
    _exports("empty-string-names", empty_string_names),
    _fails("obs-not-a-table", obs_not_a_table, "obs is not a table"),
    Case(
        "non-ascii-file-name",
        "exports",
        lambda folder: simple(folder, synthetic_adata(), name="données é 細胞.h5ad"),
    ),
    # obs columns
    _exports("one-category-per-cell", one_category_per_cell),
    _exports("one-category-per-cell-many", one_category_per_cell_many),
    _exports("nearly-unique-per-cell", nearly_unique_per_cell, "-v"),
    _exports("single-category", single_category),
    _exports("missing-in-categoricals", missing_categories),
    _exports("bool-int-float-text-columns", typed_columns),
    _exports("odd-uns-colors", odd_colors),
    _exports("huge-uns-string", huge_uns),
    # outputs
    Case("out-is-a-file", "fails", out_is_file, message="is a file"),
    Case("out-under-a-file", "fails", out_under_file, message="is a file, not a folder"),
    Case("out-not-empty-not-bundle", "fails", out_not_empty, message="not an xgexport bundle"),
    Case("out-read-only", "fails", out_read_only, message="cannot write", skip_reason=_root_skip),
    Case("out-in-proc", "fails", out_in_proc, message="cannot create a folder", skip_reason=_no_proc),
    Case("out-nonexistent-parents", "exports", out_nonexistent_parents),
    Case("out-dangling-symlink", "fails", out_dangling_link, message="which does not exist or loops"),
    Case("out-looping-symlink", "fails", out_looping_link, message="symbolic link"),
    # options
    _option_case("unknown-layer", ("--layer", "spliced"), "no layer 'spliced'"),
    _option_case("unknown-embedding", ("--embedding", "X_tsne"), "no such obsm entry"),
    _option_case("unknown-obs", ("--obs", "celltype"), "no such obs column"),
)


def by_name(name: str) -> Case:
    return next(case for case in CASES if case.name == name)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    for case in CASES:
        folder = target / case.name
        folder.mkdir(parents=True, exist_ok=True)
        made = case.make(folder)
        expectation = case.expect if case.expect == "exports" else f"fails: {case.message!r}"
        print(f"{case.name:34} xgexport build {made.input} {made.out} {' '.join(made.args)}   # {expectation}")
