"""Bundles with comparison data for the comparison tests, built as a user builds them: the CLI's
``xgexport build`` with a small comparison tree (so that small datasets have rows below the
root and leaves of a few cells: every route of the planner runs) and joint rows for the first
two DE columns (``--de-within``, names taken from ``xgexport inspect --json``)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli

REPO = Path(__file__).resolve().parent.parent


def cli(*args: object) -> str:
    result = run_cli(*args, check=False, cwd=REPO, timeout=600)
    if result.returncode != 0:
        raise RuntimeError(f"xgexport {args[0]} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def build_with_compare(source: Path, out: Path, *extra: str, leaf_cells: int | None = 8, row_cells: int = 40,
                       joint: bool = True) -> Path:  # fmt: skip
    """``xgexport build source out`` with comparison data; ``leaf_cells=None``: the defaults
    (64, 1,024); a tiny dataset (≤ 60 cells) gets leaves of 2 cells and rows from 5."""
    plan = json.loads(cli("inspect", source, "--json"))
    de = [d["name"] for d in plan["de"]]
    if leaf_cells is not None:
        if plan["n_cells"] <= 60:
            leaf_cells, row_cells = 2, 5
        extra = (*extra, "--compare-leaf-cells", str(leaf_cells), "--compare-row-cells", str(row_cells))
    if joint and len(de) > 1:
        extra = (*extra, "--de-within", f"{de[0]}:{de[1]}")
    cli("build", source, out, "--overwrite", "-q", *extra)
    return out
