"""Tissue images under spatial spots: the image drawn where numpy says (pixel checks against the
exported PNG), spots on it, its opacity, the library chooser, true spot size, ?embed=1, the link
and the PNG/SVG exports."""

from __future__ import annotations

import base64
import json
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import zarr

from browser_helpers import DATASETS, REPO, build_bundle, hex_rgb, save_artifact, wait_until

pytestmark = pytest.mark.browser
IMAGE_SHOWN = "html[data-xg-image]"
SVG = "{http://www.w3.org/2000/svg}"


def meta_of(out):
    return json.loads((out / "data" / "zarr.json").read_text())["attributes"]["xgexport"]


def spots_of(out, key="spatial"):
    """The spots' data coordinates as the viewer draws them (display coordinates) and the bounds."""
    root = zarr.open_group(str(out / "data"), mode="r")
    emb = next(e for e in meta_of(out)["embeddings"] if e["key"] == key)
    disp = root[f"embeddings/{emb['id']}/display"]
    lo, hi = np.array(disp.attrs["min"]), np.array(disp.attrs["max"])
    return lo + disp[:].astype(float) / 65535 * (hi - lo), lo, hi


def to_screen(page, lo, hi, xy):
    """Canvas pixel (CSS px, from the canvas' corner) of data points, y down (camera.js)."""
    cam = page.evaluate("window.xgexport.getState().camera")
    box = page.locator("#canvas").bounding_box()
    s = min(box["width"] / (hi[0] - lo[0]), box["height"] / (hi[1] - lo[1])) * 0.92 * cam["zoom"]
    xy = np.atleast_2d(xy)
    return np.column_stack([box["width"] / 2 + (xy[:, 0] - cam["cx"]) * s, box["height"] / 2 + (xy[:, 1] - cam["cy"]) * s]), s


def png_pixels(page, pixel_reader, path):
    return pixel_reader(path.read_bytes())[..., :3].astype(int)


def image_centres(info, rows, cols):
    """Data coordinates of the centres of image pixels (rows, cols), from the documented extent."""
    x0, y0, x1, y1 = info["extent"]
    return np.column_stack([x0 + (np.asarray(cols) + 0.5) * (x1 - x0) / info["width"],
                            y0 + (np.asarray(rows) + 0.5) * (y1 - y0) / info["height"]])  # fmt: skip


def canvas(page, pixel_reader, name=None):
    png = page.locator("#canvas").screenshot()
    if name:
        save_artifact(name, png)
    return pixel_reader(png)[..., :3].astype(int)


@pytest.fixture(scope="session")
def visium(tmp_path_factory, serve):
    out = build_bundle(DATASETS / "squidpy_visium-test-data.h5ad", tmp_path_factory.mktemp("visium") / "out", "--no-compare")
    return serve(out), out


def test_visium_image_lies_under_the_spots(rec, visium, pixel_reader):
    site, out = visium
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Aleiden&opacity=1&labels=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    (info,) = meta_of(out)["images"]
    image = png_pixels(page, pixel_reader, out / info["file"])
    xy, lo, hi = spots_of(out)
    shot = canvas(page, pixel_reader, "tissue_visium.png")
    # image pixels far from every spot (beyond a drawn spot's radius) show the PNG's colour there
    rows, cols = np.mgrid[0 : info["height"], 0 : info["width"]]
    centres = image_centres(info, rows.ravel(), cols.ravel())
    screen, s = to_screen(page, lo, hi, centres)
    spot_screen, _ = to_screen(page, lo, hi, xy)
    far = np.sqrt(((screen[:, None, :] - spot_screen[None, :, :]) ** 2).sum(-1)).min(1) > 12  # spots: ≤ 7 px
    inside = (screen[:, 0] > 2) & (screen[:, 1] > 2) & (screen[:, 0] < shot.shape[1] - 2) & (screen[:, 1] < shot.shape[0] - 2)
    badge = (screen[:, 0] < 160) & (screen[:, 1] < 40)  # the selection count sits over the plot's corner
    picks = np.nonzero(far & inside & ~badge)[0]
    assert len(picks) > 100
    got = shot[np.floor(screen[picks, 1]).astype(int), np.floor(screen[picks, 0]).astype(int)]  # pixel j spans [j, j + 1)
    r, c = rows.ravel()[picks], cols.ravel()[picks]
    error = np.abs(got - image[r, c])
    # a screen pixel's centre is within half a screen pixel of the image pixel's: linear filtering
    # mixes in a few percent of a neighbour (an image pixel is ~9 screen pixels here)
    assert error.max() <= 6 and error.mean() < 1.5, (error.max(), error.mean())
    for dr, dc in ((0, 1), (1, 0), (0, -1), (-1, 0)):  # one image pixel off would be far worse
        shifted = np.abs(got - image[np.clip(r + dr, 0, info["height"] - 1), np.clip(c + dc, 0, info["width"] - 1)])
        assert shifted.mean() > 3 * error.mean(), (dr, dc, shifted.mean(), error.mean())
    # and each spot, drawn opaque, shows its cluster's colour at the place numpy computes
    codes = zarr.open_group(str(out / "data"), mode="r")
    column = next(o for o in meta_of(out)["obs"] if o["name"] == "leiden")
    attrs = codes[f"obs/{column['id']}/codes"]
    colours = np.array([hex_rgb(c) for c in attrs.attrs["colors"]])[attrs[:]]
    at = shot[np.floor(spot_screen[:, 1]).astype(int), np.floor(spot_screen[:, 0]).astype(int)]
    assert (np.abs(at - colours).max(1) <= 3).mean() > 0.9  # a few overlap a neighbour drawn later
    rec.assert_clean([site.origin])
