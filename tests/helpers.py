"""Helpers for the tests (a module of its own: two conftest.py files cannot both be imported
as "conftest")."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Real .h5ad files from public repositories (provenance and licences in tests/data/README.md):
# kept in the repository so that a clone runs its tests alone.
DATASETS = ROOT / "tests" / "data"
# BuildOptions of a small second bundle of the example (no DE, one embedding, one column), for
# the collections that test_collection and test_publish_scope build: conftest's example_build.
SECOND_DATASET = {"title": "Plain second dataset", "de": False, "embeddings": ("X_pca",), "obs": ("n_genes",)}


def run_cli(
    *args: object,
    check: bool = True,
    timeout: float = 300,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Run this checkout's command line in a subprocess, as a user would (from any ``cwd``);
    with ``check``, a non-zero exit fails the test with the command's stderr."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environment.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-m", "xgexport.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=environment,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"xgexport {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


def one_error(result: subprocess.CompletedProcess) -> str:
    """The one line a refused command prints: exit 1, ``error: …``, no traceback, not a bug."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "unexpected" not in lines[0] and "report it" not in lines[0], lines[0]
    return lines[0]


def tree(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` with its sha256: a folder's state, to compare before and after."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(out: Path) -> list[str]:
    """Names of the hidden staging folders a build of ``out`` leaves beside it (.<name>.xgexport-…)."""
    try:
        return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.xgexport-"))
    except OSError:  # the parent is a file or does not exist
        return []


def built_once(out: Path, make: Callable[[Path], object]) -> Path:
    """``out``, made by ``make(out)`` unless an earlier call made it: the parallel workers of a
    run (conftest's ``shared_tmp``) wait on one exclusive lock, so the first builds and the others
    read. A marker written after ``make`` returned tells a finished ``out`` from a failed one."""
    done = out.with_name(out.name + ".done")
    with open(out.with_name(out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        if not done.exists():
            if out.exists():  # a worker failed half-way: start again
                shutil.rmtree(out)
            make(out)
            done.touch()
    return out
