"""Gene names: which var column gives display names, the names written, and what to say about
them (missing symbols, symbols shared by several genes, repeated ids)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .errors import InputError

SYMBOL_COLUMNS = ("feature_name", "gene_symbols", "gene_symbol", "gene_name", "symbol", "symbols")
ENSEMBL_ID = re.compile(r"^ENS[A-Z]*G\d{6,}")


def choose_symbols(genes: pd.DataFrame, column: str | None, matrix: str) -> tuple[str | None, str]:
    table = "raw.var" if matrix == "raw" else "var"
    if column is not None:
        if column not in genes.columns:
            have = ", ".join(map(str, genes.columns[:12])) or "none"
            raise InputError(f"--gene-symbols {column!r}: no such column in {table} (columns: {have})")
        return column, f"chosen with --gene-symbols {column}"
    index = genes.index.astype(str)
    if len(index) and np.mean([bool(ENSEMBL_ID.match(x)) for x in index[:200]]) > 0.5:
        for candidate in SYMBOL_COLUMNS:
            if candidate in genes.columns:
                return candidate, f"the {table} index holds Ensembl ids and {table}[{candidate!r}] has symbols"
    return None, f"the {table} index"


def gene_symbols(genes: pd.DataFrame, column: str) -> np.ndarray:
    """Display names from a var column; a missing or blank one is the gene's id (the var
    index), never the text "nan"."""
    ids = genes.index.astype(str)
    values = genes[column].astype(object)
    return np.array(
        [str(v) if v is not None and v == v and str(v).strip() else i for v, i in zip(values, ids)], dtype=object
    )


def gene_name_warnings(genes: pd.DataFrame, column: str | None, table: str) -> list[str]:
    """Missing and repeated gene names, each said once with a few examples (common with
    feature_name: two Ensembl ids, one symbol)."""
    warnings = []
    if column is not None:
        values = genes[column]
        missing = int(values.isna().sum()) + int((values.dropna().astype(str).str.strip() == "").sum())
        if missing:
            warnings.append(f"{missing} gene(s) have no symbol in {table}[{column!r}]: their ids are shown instead")
        shared, examples = _repeated(gene_symbols(genes, column))
        if shared:
            warnings.append(
                f"{shared} symbol(s) in {table}[{column!r}] are shared by more than one gene (e.g. {examples}); "
                f"each gene is kept, told apart by its id ({table} index)"
            )
    shared, examples = _repeated(genes.index.astype(str))
    if shared:
        warnings.append(f"{shared} gene id(s) in the {table} index are repeated (e.g. {examples}); each gene is kept")
    return warnings


def _repeated(names) -> tuple[int, str]:
    counts = pd.Series(np.asarray(names, dtype=object)).value_counts()
    shared = counts[counts > 1]
    return len(shared), ", ".join(f"{name} ×{n}" for name, n in shared.head(3).items()) + (
        ", …" if len(shared) > 3 else ""
    )
