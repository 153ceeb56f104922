"""--max-memory bounds what grows with cells and genes, not only the matrix blocks.

The DE tables (categories × genes, per DE column) used to come on top of the matrix budget: a
200-category column over 5,000 genes took half again the budget. Peak memory is measured as
the peak resident size of the build process (``--jobs 1``: one process) minus that of a build
of a tiny dataset (the interpreter and libraries, which the budget does not cover).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from factories import synthetic_adata, write
from helpers import run_cli

MIB = 1024**2


def dataset(path: Path, n_cells: int, n_genes: int, per_cell: int, n_groups: int, obs_columns: int = 0) -> Path:
    adata = synthetic_adata(n_cells, n_genes, per_cell=per_cell, n_groups=n_groups, obs_columns=obs_columns)
    return write(adata, path, compression="gzip")


def peak_build(input_path: Path, out: Path, *args: str) -> tuple[subprocess.CompletedProcess, int]:
    """Run a build in a child of a fresh helper process, so that the children's peak resident
    size is this build's alone; returns (result, peak bytes)."""
    helper = (
        "import resource, subprocess, sys; "
        "r = subprocess.run([sys.executable, '-m', 'xgexport.cli', *sys.argv[1:]], capture_output=True, text=True); "
        "sys.stderr.write(r.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
    )
    result = subprocess.run(
        [sys.executable, "-c", helper, "build", str(input_path), str(out), "-q", "--jobs", "1", *args],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return result, int(result.stdout.split()[-1]) * 1024  # ru_maxrss is in KiB on Linux


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("budget")
    return {
        "tiny": dataset(folder / "tiny.h5ad", 300, 50, 5, 3),
        "wide_de": dataset(folder / "wide_de.h5ad", 2000, 5000, 20, 200),
    }


def test_de_tables_count_against_the_budget(inputs, tmp_path):
    _, baseline = peak_build(inputs["tiny"], tmp_path / "tiny")
    budget = 110 * MIB
    result, peak = peak_build(inputs["wide_de"], tmp_path / "wide", "--max-memory", "110M")
    assert result.returncode == 0, result.stderr
    used = peak - baseline
    print(
        f"baseline {baseline / MIB:.0f} MiB, build {peak / MIB:.0f} MiB: {used / MIB:.0f} MiB of data for a {budget / MIB:.0f} MiB budget"
    )
    assert used <= budget, f"{used / MIB:.0f} MiB used with --max-memory 110M"


def test_a_dataset_that_cannot_fit_is_refused_before_anything_is_written(inputs, tmp_path):
    out = tmp_path / "out"
    started = time.monotonic()
    result, _ = peak_build(inputs["wide_de"], out, "--max-memory", "64M")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --max-memory 64M is too small for this dataset"), lines
    assert "DE tables about" in lines[0] and "'cluster': 200 categories × 5000 genes" in lines[0], lines[0]
    assert "--de-max-categories" in lines[0]
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == []
    assert time.monotonic() - started < 30


def test_obs_too_large_for_the_budget_is_not_read(tmp_path):
    """obs/var are read whole (pandas): their stored size is checked first."""
    path = dataset(tmp_path / "tall.h5ad", 400_000, 10, 1, 4, obs_columns=20)
    started = time.monotonic()
    for command in ("build", "inspect"):
        args = [command, path, *([tmp_path / "out"] if command == "build" else []), "--max-memory", "64M"]
        result = run_cli(*args, check=False)
        assert result.returncode == 1, result.stderr
        assert "reading obs and var takes about" in result.stderr and "--max-memory" in result.stderr, result.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "out").exists()
