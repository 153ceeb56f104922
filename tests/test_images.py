"""Tissue images of uns['spatial'] exported under the spatial spots: the pixels, their placement
in full-resolution coordinates, determinism, odd images skipped with a reason, verify."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from factories import synthetic_adata, write
from helpers import DATASETS, run_cli
from xgexport.build import build
from xgexport.images import encode_png, shrink
from xgexport.options import BuildOptions, RunOptions
from xgexport.report import Reporter

VISIUM = DATASETS / "squidpy_visium-test-data.h5ad"
FAST = BuildOptions(de=False, compare=False)


def images_of(bundle: Path) -> list[dict]:
    return json.loads((bundle / "data" / "zarr.json").read_text())["attributes"]["xgexport"].get("images", [])


def pixels(path: Path) -> np.ndarray:
    return pixels_of(path.read_bytes())


def pixels_of(data: bytes) -> np.ndarray:
    """A PNG decoder for 8-bit RGB/RGBA, every filter type (the spec's, not the writer's code):
    the check does not trust the writer and needs no imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, idat, header = 8, b"", None
    while at < len(data):
        (length,), tag = struct.unpack(">I", data[at : at + 4]), data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        assert struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0] == zlib.crc32(tag + body)
        header = struct.unpack(">IIBBBBB", body) if tag == b"IHDR" else header
        idat += body if tag == b"IDAT" else b""
        at += 12 + length
    assert header is not None
    width, height, depth, colour = header[:4]
    channels = {2: 3, 6: 4}[colour]
    assert depth == 8
    raw, stride = zlib.decompress(idat), width * channels
    out = np.zeros((height, stride), dtype=np.int64)
    for r in range(height):
        kind, line = raw[r * (stride + 1)], np.frombuffer(raw, np.uint8, stride, r * (stride + 1) + 1).astype(np.int64)
        up = out[r - 1] if r else np.zeros(stride, np.int64)
        for i in range(stride):
            left = out[r, i - channels] if i >= channels else 0
            corner = up[i - channels] if i >= channels else 0
            pred = {0: 0, 1: left, 2: up[i], 3: (left + up[i]) // 2}.get(kind)
            if kind == 4:
                p = left + up[i] - corner
                pa, pb, pc = abs(p - left), abs(p - up[i]), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up[i] if pb <= pc else corner
            out[r, i] = (line[i] + pred) % 256
    return out.astype(np.uint8).reshape(height, width, channels)


def spatial_adata(images: dict, scalefactors: dict | None = None, n: int = 30, libraries: int = 1) -> object:
    """n spots on a 1000 × 800 full-resolution section with the given images (one library, or
    ``libraries`` copies named lib0, lib1, … and no library column)."""
    a = synthetic_adata(n, 5, seed=3)
    rng = np.random.default_rng(3)
    a.obsm["spatial"] = np.column_stack([rng.uniform(0, 1000, n), rng.uniform(0, 800, n)])
    factors = {"tissue_hires_scalef": 0.5, "tissue_lowres_scalef": 0.1, "spot_diameter_fullres": 40.0}
    factors = factors if scalefactors is None else scalefactors
    a.uns["spatial"] = {f"lib{i}": {"images": dict(images), "scalefactors": dict(factors)} for i in range(libraries)}
    return a


def run_build(tmp_path: Path, adata, name: str = "out", options: BuildOptions = FAST) -> Path:
    out = tmp_path / name
    build(write(adata, tmp_path / f"{name}.h5ad"), out, options=options, run=RunOptions(), reporter=Reporter(0))
    return out


def test_visium_lowres_is_exported_where_the_spots_are(tmp_path):
    """The test file's hires image is noise from −4 to 4 (not 0..1): skipped with that reason, and
    lowres is exported as its exact pixels, placed by tissue_lowres_scalef."""
    out = tmp_path / "out"
    result = run_cli("build", VISIUM, out, "--no-compare")
    assert (
        "skipped uns['spatial']['V1_Adult_Mouse_Brain'] image hires: float pixels from -4.03614 to 4.34025"
        in result.stderr
    )
    import h5py

    with h5py.File(VISIUM) as f:
        library = f["uns/spatial/V1_Adult_Mouse_Brain"]
        lowres = library["images/lowres"][()]
        scalef = float(library["scalefactors/tissue_lowres_scalef"][()])
        spot = float(library["scalefactors/spot_diameter_fullres"][()])
        spots = f["obsm/spatial"][()].astype(float)
    (info,) = images_of(out)
    assert info["file"] == "images/0.png" and info["library"] == "V1_Adult_Mouse_Brain"
    assert info["resolution"] == "lowres" and (info["width"], info["height"]) == (49, 88)
    assert info["scale"] == pytest.approx(scalef) and info["spot_diameter"] == pytest.approx(spot)
    np.testing.assert_array_equal(pixels(out / info["file"]), np.rint(lowres.astype(np.float64) * 255).astype(np.uint8))
    x0, y0, x1, y1 = info["extent"]
    assert (x1 - x0) * scalef == pytest.approx(49) and (y1 - y0) * scalef == pytest.approx(88)
    # pixel centres at integer image coordinates: the spot at full-res (x, y) is image pixel (x·s, y·s)
    assert x0 == pytest.approx(-0.5 / scalef) and y0 == pytest.approx(-0.5 / scalef)
    cols, rows = spots[:, 0] * scalef, spots[:, 1] * scalef
    assert cols.max() < 49 and rows.max() < 88  # every spot lies on the image
    embedding = next(e for e in json.loads((out / "data/zarr.json").read_text())["attributes"]["xgexport"]["embeddings"]
                     if e["key"] == "spatial")  # fmt: skip
    assert info["embedding"] == embedding["id"]
    assert "images/0.png" in json.loads((out / "manifest.json").read_text())["files"]


def test_large_images_are_area_averaged_and_the_scale_follows(tmp_path):
    rng = np.random.default_rng(0)
    hires = rng.integers(0, 256, size=(1001, 4500, 3), dtype=np.uint8)  # long side 4500 → factor 3
    out = run_build(tmp_path, spatial_adata({"hires": hires}))
    (info,) = images_of(out)
    got = pixels(out / info["file"])
    assert got.shape == (334, 1500, 3) and (info["width"], info["height"]) == (1500, 334)
    blocks = hires[:999].astype(float).reshape(333, 3, 1500, 3, 3).mean(axis=(1, 3))
    np.testing.assert_array_equal(got[:333], np.rint(blocks).astype(np.uint8))
    np.testing.assert_array_equal(got[333], np.rint(hires[999:].astype(float).reshape(2, 1500, 3, 3).mean(axis=(0, 2))))
    assert info["scale"] == pytest.approx(0.5 / 3)
    assert info["extent"] == pytest.approx([-1.0, -1.0, (4500 - 0.5) / 0.5, (1002 - 0.5) / 0.5])


def test_two_builds_give_the_same_image_bytes(tmp_path):
    rng = np.random.default_rng(1)
    a = spatial_adata({"hires": rng.random((300, 200, 3)), "lowres": rng.random((60, 40, 3))})
    source = write(a, tmp_path / "in.h5ad")
    first, second = tmp_path / "one", tmp_path / "two"
    for out in (first, second):
        build(source, out, options=FAST, run=RunOptions(), reporter=Reporter(0))
    assert (first / "images/0.png").read_bytes() == (second / "images/0.png").read_bytes()
    assert (first / "data/zarr.json").read_bytes() == (second / "data/zarr.json").read_bytes()
    assert images_of(first)[0]["resolution"] == "hires"


@pytest.mark.parametrize(
    ("images", "factors", "reason"),
    [
        ({"hires": np.full((20, 20, 3), np.nan)}, None, "hires: it has NaN or infinite pixels"),
        ({"hires": np.zeros((20, 20, 2))}, None, "shape (20, 20, 2) is not rows × columns"),
        ({"hires": np.zeros((20, 20, 3))}, {}, "no positive scalefactors/tissue_hires_scalef"),
        ({"hires": np.zeros((20, 20, 3), dtype=np.int64)}, None, "pixel type int64"),
        ({"hires": np.full((20, 20, 3), 3.0)}, None, "float pixels from 3 to 3 (expected 0..1)"),
    ],
)
def test_odd_images_are_skipped_with_a_reason(tmp_path, images, factors, reason):
    out = tmp_path / "out"
    source = write(spatial_adata(images, factors), tmp_path / "in.h5ad")
    result = run_cli("build", source, out, "--no-de", "--no-compare", "-v")
    assert reason in result.stderr and "Traceback" not in result.stderr
    assert images_of(out) == [] and not (out / "images").exists()
    run_cli("verify", out)


def test_grey_and_16_bit_images_become_rgb(tmp_path):
    grey = np.arange(400, dtype=np.uint16).reshape(20, 20) * 150
    out = run_build(tmp_path, spatial_adata({"hires": grey}))
    got = pixels(out / "images/0.png")
    assert got.shape == (20, 20, 3)
    np.testing.assert_array_equal(got[..., 1], np.rint(grey / 257).astype(np.uint8))


def test_several_libraries_need_a_library_column(tmp_path):
    image = np.zeros((20, 30, 3), dtype=np.uint8)
    a = spatial_adata({"hires": image}, libraries=2)
    out = tmp_path / "none"
    result = run_cli("build", write(a, tmp_path / "a.h5ad"), out, "--no-de", "--no-compare", "-v")
    assert "2 libraries, but no categorical obs column (library_id" in result.stderr
    assert images_of(out) == []
    a.obs["library_id"] = pd.Categorical(np.where(np.arange(a.n_obs) % 3 == 0, "lib0", "lib1"))
    out = run_build(tmp_path, a, "mapped")
    infos = images_of(out)
    obs = json.loads((out / "data/zarr.json").read_text())["attributes"]["xgexport"]["obs"]
    column = next(o["id"] for o in obs if o["name"] == "library_id")
    assert [(i["library"], i["obs_id"], i["file"]) for i in infos] == [
        ("lib0", column, "images/0.png"),
        ("lib1", column, "images/1.png"),
    ]


def test_no_images_leaves_them_out_and_says_so(tmp_path):
    out = tmp_path / "out"
    result = run_cli("build", VISIUM, out, "--no-images", "--no-compare", "--no-de", "-v")
    assert "skipped uns['spatial'] images: left out (--no-images)" in result.stderr
    assert images_of(out) == [] and not (out / "images").exists()


def test_verify_catches_a_changed_image(tmp_path):
    out = tmp_path / "out"
    run_cli("build", VISIUM, out, "--no-compare", "--no-de")
    data = bytearray((out / "images/0.png").read_bytes())
    data[-20] ^= 1
    (out / "images/0.png").write_bytes(bytes(data))
    result = run_cli("verify", out, check=False)
    assert result.returncode == 1 and "images/0.png" in result.stderr


def test_png_writer_round_trips_rgba_and_shrink_keeps_means():
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    np.testing.assert_array_equal(pixels_of(encode_png(rgba)), rgba)
    flat = np.full((5, 5, 3), 100.0)
    np.testing.assert_array_equal(shrink(flat, 2), np.full((3, 3, 3), 100, dtype=np.uint8))


def test_inspect_names_the_tissue_images_and_the_skipped_ones(tmp_path):
    result = run_cli("inspect", VISIUM)
    assert "tissue image: V1_Adult_Mouse_Brain (hires or lowres)" in result.stdout
    source = write(spatial_adata({"hires": np.zeros((20, 20, 2))}), tmp_path / "odd.h5ad")
    result = run_cli("inspect", source)
    assert "tissue image:" not in result.stdout
    assert "uns['spatial']['lib0'] image: hires: shape (20, 20, 2)" in result.stdout


def test_an_image_beyond_the_memory_budget_is_skipped_not_the_build(tmp_path):
    out = tmp_path / "out"
    source = write(spatial_adata({"hires": np.zeros((2000, 2000, 3), dtype=np.uint8)}), tmp_path / "big.h5ad")
    result = run_cli("build", source, out, "--no-de", "--no-compare", "--max-memory", "200M")
    assert (
        "skipped uns['spatial']['lib0'] image hires: converting it needs about 286 MB, more than --max-memory"
        in result.stderr
    )
    assert images_of(out) == []
    run_cli("build", source, out, "--no-de", "--no-compare", "--max-memory", "400M", "--overwrite")
    assert len(images_of(out)) == 1


def test_images_without_spatial_coordinates_are_skipped_with_the_reason(tmp_path):
    a = spatial_adata({"hires": np.zeros((20, 20, 3), dtype=np.uint8)})
    a.obsm["X_coords"] = a.obsm.pop("spatial")
    result = run_cli("build", write(a, tmp_path / "in.h5ad"), tmp_path / "out", "--no-de", "--no-compare", "-v")
    assert "skipped uns['spatial'] images: no exported obsm['spatial'] to place them on" in result.stderr
    assert images_of(tmp_path / "out") == []
