"""Helpers shared by the browser tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
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
