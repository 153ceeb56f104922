"""Tissue images as WebP (`--image-format webp`, Pillow's libwebp): the real Visium file's image
written as a lossy WebP that the format names (media type, file), the manifest lists and
`verify` checks, read back with zarr-python; the same bytes from fresh interpreters; one line
for a quality without WebP and for WebP without Pillow."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zarr

from helpers import DATASETS, one_error, run_cli
from xgexport import images
from xgexport.publish.content import content_type

Image = pytest.importorskip("PIL.Image")

VISIUM = DATASETS / "squidpy_visium-test-data.h5ad"


def images_of(bundle: Path) -> list[dict]:
    return json.loads((bundle / "data" / "zarr.json").read_text())["attributes"]["xgexport"].get("images", [])


def decoded(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(float)


def test_visium_image_as_webp_is_named_listed_verified_and_close_to_the_png(tmp_path):
    png, webp = tmp_path / "png", tmp_path / "webp"
    run_cli("build", VISIUM, png, "--no-compare", "--no-de")
    result = run_cli("build", VISIUM, webp, "--no-compare", "--no-de", "--image-format", "webp")
    (as_png,) = images_of(png)
    (as_webp,) = images_of(webp)
    assert as_png["file"] == "images/0.png" and as_png["media_type"] == "image/png"
    assert as_webp["file"] == "images/0.webp" and as_webp["media_type"] == "image/webp"
    # the same image in the same place: only the file and its media type differ
    assert {k: v for k, v in as_webp.items() if k not in ("file", "media_type")} == {
        k: v for k, v in as_png.items() if k not in ("file", "media_type")
    }
    data = (webp / "images/0.webp").read_bytes()
    assert data[:4] == b"RIFF" and data[8:16] == b"WEBPVP8 "  # lossy VP8, no alpha, no metadata chunks
    assert not (webp / "images/0.png").exists()
    # zarr-python reads the description the viewer reads
    attrs = zarr.open_group(str(webp / "data"), mode="r").attrs["xgexport"]
    assert attrs["images"][0]["media_type"] == "image/webp"
    # the manifest lists it with its size and sha256, and verify checks it
    manifest = json.loads((webp / "manifest.json").read_text())
    entry = manifest["files"]["images/0.webp"]
    assert entry["size"] == len(data) and entry["sha256"] == hashlib.sha256(data).hexdigest()
    assert run_cli("verify", webp).returncode == 0
    assert content_type("images/0.webp") == "image/webp"  # as publish and serve send it
    # lossy, but the tissue is the tissue: every pixel near the PNG's
    a, b = decoded(png / "images/0.png"), decoded(webp / "images/0.webp")
    assert a.shape == b.shape == (as_png["height"], as_png["width"], 3)
    error = np.abs(a - b)
    assert error.mean() < 3 and np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.98, (error.mean(), error.max())
    assert "Traceback" not in result.stderr
    # a changed byte is caught
    (webp / "images/0.webp").write_bytes(data[:-10] + bytes([data[-10] ^ 1]) + data[-9:])
    changed = run_cli("verify", webp, check=False)
    assert changed.returncode == 1 and "images/0.webp" in changed.stderr


def test_quality_changes_the_size_and_two_builds_give_the_same_bytes(tmp_path):
    outs = {}
    for name, quality in (("low", "20"), ("high", "95"), ("high2", "95")):
        outs[name] = tmp_path / name
        run_cli(
            "build", VISIUM, outs[name], "--no-compare", "--no-de", "--image-format", "webp", "--image-quality", quality
        )
    size = {k: (v / "images/0.webp").stat().st_size for k, v in outs.items()}
    assert size["low"] < size["high"]
    assert (outs["high"] / "images/0.webp").read_bytes() == (outs["high2"] / "images/0.webp").read_bytes()
    assert (outs["high"] / "manifest.json").read_bytes() == (outs["high2"] / "manifest.json").read_bytes()


ENCODE = """
import hashlib, sys
import numpy as np
from xgexport.images import encode_webp
rng = np.random.default_rng(7)
y, x = np.mgrid[0:600, 0:800]
rgb = np.stack([128 + 90 * np.sin(x / 37 + c) * np.cos(y / 53 - c) for c in range(3)], axis=2)
rgb = np.clip(rgb + rng.normal(0, 10, rgb.shape), 0, 255).astype(np.uint8)
rgba = np.dstack([rgb, (np.arange(800)[None, :] * np.ones((600, 1)) % 256).astype(np.uint8)])
print(hashlib.sha256(encode_webp(rgb, 90)).hexdigest(), hashlib.sha256(encode_webp(rgba, 60)).hexdigest())
"""


def test_webp_bytes_are_the_same_from_fresh_interpreters():
    """libwebp's output depends only on the pixels and the quality: three new processes (one of
    them on a single core) give the same bytes, so the bundle's sha256 is reproducible."""
    repo = str(Path(__file__).resolve().parents[1])
    runs = []
    for prefix in ([], [], ["taskset", "-c", "0"]):
        done = subprocess.run(
            [*prefix, sys.executable, "-c", ENCODE], capture_output=True, text=True, check=True, cwd=repo, timeout=120
        )
        runs.append(done.stdout.split())
    assert runs[0] == runs[1] == runs[2] and len(runs[0]) == 2


def test_encode_webp_round_trips_rgba_within_its_loss():
    y, x = np.mgrid[0:64, 0:48]
    shade = 120 + 60 * np.sin(x / 9) * np.cos(y / 13)  # colours of one hue at changing brightness, as a stain
    smooth = np.stack([shade, shade * 0.8, shade * 1.1, 255 - 2 * x], axis=2).clip(0, 255).astype(np.uint8)
    with Image.open(io.BytesIO(images.encode_webp(smooth, 95))) as image:
        assert image.mode == "RGBA" and image.size == (48, 64)
        back = np.asarray(image).astype(float)
    assert np.abs(back - smooth).mean() < 4


def test_quality_without_webp_is_one_line(tmp_path):
    result = run_cli("build", VISIUM, tmp_path / "b", "--image-quality", "80", check=False)
    assert one_error(result) == "error: --image-quality is WebP's: add --image-format webp (PNG is lossless)"
    assert not (tmp_path / "b").exists()


def test_webp_without_pillow_is_one_line_before_anything_is_written(tmp_path):
    fake = tmp_path / "site"
    (fake / "PIL").mkdir(parents=True)
    (fake / "PIL" / "__init__.py").write_text("raise ImportError('No module named PIL')\n")
    result = run_cli(
        "build", VISIUM, tmp_path / "b", "--image-format", "webp", check=False, env={"PYTHONPATH": str(fake)}
    )
    assert one_error(result) == f"error: {images.WEBP_MISSING}"
    assert not (tmp_path / "b").exists()
