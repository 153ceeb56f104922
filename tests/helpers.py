"""Helpers for the tests (a module of its own: two conftest.py files cannot both be imported
as "conftest")."""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
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
    """Run this checkout's command line in a process of its own, as a user would (from any
    ``cwd``); with ``check``, a non-zero exit fails the test with the command's stderr. The
    process is forked from a pre-started one (cli_zygote.py) unless XG_TEST_FRESH_CLI=1 asks for
    a new interpreter each time (``python -m xgexport.cli``)."""
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), environment.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "xgexport.cli", *map(str, args)]
    if os.environ.get("XG_TEST_FRESH_CLI") == "1":
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=environment)
    else:
        result = _ZYGOTES.run(command, [str(a) for a in args], timeout, Path(cwd or os.getcwd()), environment)
    if check and result.returncode != 0:
        raise AssertionError(f"xgexport {' '.join(map(str, args))} failed:\n{result.stderr}")
    return result


class _Zygotes:
    """Pre-started command lines (cli_zygote.py), one per thread that runs commands at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[subprocess.Popen] = []

    def run(self, command: list[str], args: list[str], timeout: float, cwd: Path, env: dict[str, str]):
        with self.lock:
            zygote = self.idle.pop() if self.idle else self._start(env)
        with tempfile.TemporaryDirectory() as folder:
            out, err = Path(folder, "stdout"), Path(folder, "stderr")
            request = {"args": args, "cwd": str(cwd), "env": env, "stdout": str(out), "stderr": str(err)}
            assert zygote.stdin and zygote.stdout
            zygote.stdin.write(json.dumps(request) + "\n")
            zygote.stdin.flush()
            pid = json.loads(zygote.stdout.readline())["pid"]
            ready, _, _ = select.select([zygote.stdout], [], [], timeout)
            if not ready:
                os.killpg(pid, signal.SIGKILL)
            line = zygote.stdout.readline()
            with self.lock:
                self.idle.append(zygote)
            if not ready:
                raise subprocess.TimeoutExpired(command, timeout, out.read_text(), err.read_text())
            rc = json.loads(line)["rc"]
            return subprocess.CompletedProcess(command, rc, out.read_text(), err.read_text())

    @staticmethod
    def _start(env: dict[str, str]) -> subprocess.Popen:
        zygote = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "cli_zygote.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
        )  # fmt: skip
        atexit.register(zygote.kill)
        return zygote


_ZYGOTES = _Zygotes()


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
