"""Exports timed as whole process trees (proctree), scanpy's t-test, and what the checks need
from the inputs and bundles (genes of a given expressing fraction, a category's cells, a
gene's chunk size, agreement of the bundle's t with scanpy's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from proctree import folder_bytes, run_measured

HERE = Path(__file__).parent
REPO = HERE.parent
DE_COLUMNS = ["cluster", "sample", "group1", "group2"]  # the 4 categorical columns of the inputs


def xgexport_build(source: Path, out: Path, de_columns: list[str] | None, log: Path) -> dict:
    """`xgexport build` with DE for ``de_columns`` (None: --no-de; empty: its default, every
    categorical column), default options otherwise."""
    de = ["--no-de"] if de_columns is None else [arg for c in de_columns for arg in ("--de-obs", c)]
    command = [sys.executable, "-m", "xgexport.cli", "build", str(source), str(out), "-q", *de]
    result = run_measured(command, log, env={**os.environ, "PYTHONPATH": str(REPO)})
    return _with_size(result, out, log)


def cirro_prepare(program: Path, source: Path, out: Path, de_columns: list[str], log: Path) -> dict:
    """`cirro prepare_data` (its default zarr output) with markers for the same columns."""
    command = [str(program), "prepare_data", str(source), "--out", str(out)]
    command += [arg for c in de_columns for arg in ("--groups", c)]
    result = run_measured(command, log, env=dict(os.environ))
    return _with_size(result, Path(f"{out}.zarr") if not str(out).endswith(".zarr") else out, log)


def _with_size(result: dict, out: Path, log: Path) -> dict:
    if result["rc"] != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log.exists() else []
        raise RuntimeError(f"{out.name}: exit {result['rc']}: {' '.join(tail)} (log {log})")
    return {**result, "bytes": folder_bytes(out)}


def scanpy_ttest(source: Path, column: str, scores: Path) -> dict:
    done = subprocess.run([sys.executable, str(HERE / "scanpy_ttest.py"), str(source), column, str(scores)],
                          capture_output=True, text=True)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"scanpy t-test failed: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_small(path: Path):
    import warnings

    import anndata as ad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ad.read_h5ad(path)


def genes_near(path: Path, fraction: float = 0.3, k: int = 3) -> list[tuple[str, int, float]]:
    """``k`` genes whose share of expressing cells is closest to ``fraction``: (name, index, share),
    in the matrix xgexport exports by default (scanpy's convention: .raw when present)."""
    adata = read_small(path)
    matrix, names = (adata.raw.X, adata.raw.var_names) if adata.raw is not None else (adata.X, adata.var_names)
    counts = matrix.getnnz(axis=0) if hasattr(matrix, "getnnz") else np.count_nonzero(matrix, axis=0)
    share = np.asarray(counts).ravel() / adata.n_obs
    best = np.argsort(np.abs(share - fraction), kind="stable")[:k]
    return [(str(names[g]), int(g), round(float(share[g]), 3)) for g in best]


def csc_copy(path: Path) -> Path:
    """The same data with X as CSC, beside ``path``: cellxgene reads a gene from a CSR matrix by
    scanning every row (it warns "Performance may be improved by using CSC"), so it gets the
    layout it asks for; a dense X is left as it is."""
    adata = read_small(path)
    if not hasattr(adata.X, "tocsc") or adata.X.format == "csc":
        return path
    out = path.with_name(path.stem + "_csc.h5ad")
    if not out.exists():
        adata.X = adata.X.tocsc()
        adata.write_h5ad(out)
    return out


def category_cells(path: Path, column: str, category: int = 0) -> tuple[list[int], list[int]]:
    """Cell indices of one category of a categorical obs column, and of the rest."""
    codes = read_small(path).obs[column].cat.codes.to_numpy()
    return np.flatnonzero(codes == category).tolist(), np.flatnonzero((codes != category) & (codes >= 0)).tolist()


def chunk_bytes(bundle: Path, gene_index: int) -> int:
    """Size of gene ``gene_index``'s chunk file (docs/FORMAT.md: X/c.<g>.0, one chunk per gene)."""
    return (bundle / "data" / "X" / f"c.{gene_index}.0").stat().st_size


def t_agreement(bundle: Path, column: str, scores: Path) -> float:
    """Largest relative difference of the bundle's t against scanpy's scores (first category)."""
    from xgexport import load_de

    theirs = json.loads(scores.read_text())
    df = load_de(bundle, column)
    ours = df[df["category"] == theirs["category"]].set_index("gene")["t"]
    mine = ours.loc[theirs["names"]].to_numpy(np.float64)
    other = np.asarray(theirs["scores"], dtype=np.float64)
    return float(np.max(np.abs(mine - other) / np.maximum(np.abs(mine), 1e-3)))


def same_bytes(bundles: list[Path]) -> bool:
    """Identical manifests (size and sha256 of every file) = byte-identical bundles."""
    manifests = {(b / "manifest.json").read_bytes() for b in bundles}
    return len(manifests) == 1
