"""Shared fixtures: the real datasets and a CLI runner that builds bundles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"


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


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.fail(f"the shared datasets are missing: {DATASETS}")
    return DATASETS


@pytest.fixture(scope="session")
def example_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "bundle"
    run_cli("build", "example", out, "-q")
    return out
