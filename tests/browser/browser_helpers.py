"""Helpers shared by the browser tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "tests" / "data"
ARTIFACTS = REPO / "tests" / "artifacts"
READY = "html[data-xg-state=ready]"


def save_artifact(name: str, png: bytes) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(png)
    return path


def hex_rgb(text: str) -> np.ndarray:
    return np.array([int(text[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


def colour_pixels(pixels: np.ndarray, rgb, tol: int = 6) -> int:
    """How many pixels are within `tol` of `rgb` in every channel."""
    diff = np.abs(pixels[..., :3].astype(np.int16) - np.asarray(rgb, dtype=np.int16))
    return int((diff.max(axis=-1) <= tol).sum())


def copy_bundle(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def build_bundle(source: Path, out: Path, *extra: str) -> Path:
    """Run the exporter's CLI, as a user would."""
    cmd = [sys.executable, "-m", "xgexport.cli", "build", str(source), str(out), "--overwrite", "-q", *extra]
    result = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"xgexport build failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return out


def wait_until(fn, timeout: float = 20.0):
    """Poll fn until it returns something true (and return that); fail after `timeout` seconds.
    Generous because the suite runs on a shared 2-core machine: it bounds a hang, not a speed."""
    end = time.monotonic() + timeout
    while not (value := fn()):
        assert time.monotonic() < end, f"timed out after {timeout:g} s waiting for {getattr(fn, '__name__', fn)}"
        time.sleep(0.03)
    return value
