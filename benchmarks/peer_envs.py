"""The peers, each in its own virtual environment under benchmarks/work/ (git-ignored).

Installed from the package index with pip the first time; a later run reuses the environment
when the pinned packages import. When an install fails (no index, no wheel for this Python, a
conflict), this says why and the benchmark skips that peer.

Versions, checked on Python 3.11.7 (2026-11-30):

- cellxgene 1.3.0 (the last release of the desktop cellxgene) pins numpy==2.0.1,
  flatbuffers==2.0.7 and s3fs==0.4.2 and asks Flask>=3, anndata>=0.8, pandas>=2.2.2, numba;
  pip resolves all of them from wheels on Python 3.11 (Flask 3.1, anndata 0.12, numba 0.6x).
- cirrocumulus 1.1.61 computes markers with scanpy (or pegasus) but does not depend on either:
  `cirro prepare_data` stops with "Please install pegasuspy or scanpy" without one, so scanpy
  is installed beside it (the version of the main environment, for the same t-test code).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCANPY = "scanpy==1.11.5"


@dataclass(frozen=True)
class Peer:
    name: str
    packages: tuple[str, ...]
    probe: str  # a Python statement that succeeds when the environment is usable
    command: str  # its command-line program inside the environment


PEERS = {
    "cellxgene": Peer(
        "cellxgene",
        ("cellxgene==1.3.0",),
        "import server.cli.cli, importlib.metadata as m; assert m.version('cellxgene') == '1.3.0'",
        "cellxgene",
    ),
    "cirrocumulus": Peer(
        "cirrocumulus",
        ("cirrocumulus==1.1.61", SCANPY),
        "import cirrocumulus.prepare_data, scanpy, importlib.metadata as m; "
        "assert m.version('cirrocumulus') == '1.1.61'",
        "cirro",
    ),
}


def venv_dir(work: Path, peer: Peer) -> Path:
    return work / f"venv-{peer.name}"


def usable(work: Path, peer: Peer) -> bool:
    python = venv_dir(work, peer) / "bin" / "python"
    if not python.exists():
        return False
    return subprocess.run([str(python), "-c", peer.probe], capture_output=True).returncode == 0


def last_lines(text: str, n: int = 3) -> str:
    lines = [line for line in text.splitlines() if line.strip() and "is ignored" not in line]
    return " | ".join(lines[-n:])


def ensure_peer(work: Path, name: str) -> Path | None:
    """Path of the peer's program, installing it first if needed; None (and why) when it cannot."""
    peer = PEERS[name]
    folder = venv_dir(work, peer)
    program = folder / "bin" / peer.command
    if usable(work, peer):
        return program
    print(f"{name}: installing {' '.join(peer.packages)} into {folder} (pip, from the package index)", flush=True)
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", *peer.packages],
    ]
    for step in steps:
        try:
            done = subprocess.run(step, capture_output=True, text=True, timeout=1800)
        except (OSError, subprocess.TimeoutExpired) as err:
            print(f"{name}: skipped, could not install ({err})", flush=True)
            return None
        if done.returncode != 0:
            print(f"{name}: skipped, install failed: {last_lines(done.stderr + done.stdout)}", flush=True)
            return None
    if not usable(work, peer):
        print(f"{name}: skipped, installed but `{peer.probe}` fails in {folder}", flush=True)
        return None
    return program
