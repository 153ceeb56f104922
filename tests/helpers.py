"""Helpers for the tests (a module of its own: two conftest.py files cannot both be imported
as "conftest")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Real .h5ad files from public repositories (provenance and licences in tests/data/README.md):
# kept in the repository so that a clone runs its tests alone.
DATASETS = ROOT / "tests" / "data"


def run_cli(*args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the real command line in a subprocess, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "xgexport.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"xgexport {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result
