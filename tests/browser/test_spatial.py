"""Spatial coordinates are drawn as scanpy and squidpy draw them: y down (image rows), aspect kept;
other embeddings keep y up."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from browser_helpers import DATASETS, READY, REPO, build_bundle, hex_rgb, save_artifact, wait_until

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def section(tmp_path_factory, serve):
    """A 'tissue' whose top rows (small y, as in an image) are the category 'top'."""
    import sys

    import pandas as pd

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    rng = np.random.default_rng(2)
    n = 400
    a = synthetic_adata(n, 5, seed=2, sparse=False)
    xy = np.column_stack([rng.uniform(0, 2000, n), rng.uniform(0, 1000, n)])  # wide section
    a.obs["region"] = pd.Categorical(np.where(xy[:, 1] < 300, "top", "rest"))
    a.uns["region_colors"] = ["#1f77b4", "#d62728"]  # categories sort as rest, top: rest blue, top red
    a.obsm["spatial"] = xy
    a.obsm["X_umap"] = xy.copy()
    base = tmp_path_factory.mktemp("section")
    out = build_bundle(write(a, base / "section.h5ad"), base / "out")
    return serve(out), out


def red_rows(page, pixel_reader, name):
    png = page.locator("#canvas").screenshot()
    save_artifact(name, png)
    px = pixel_reader(png)
    red = np.abs(px[..., :3].astype(int) - hex_rgb("#d62728")).max(-1) <= 8
    blue = np.abs(px[..., :3].astype(int) - hex_rgb("#1f77b4")).max(-1) <= 8
    assert red.sum() > 200 and blue.sum() > 200
    return np.nonzero(red)[0].mean(), np.nonzero(blue)[0].mean(), np.nonzero(red | blue)


def test_spatial_is_drawn_y_down_and_umap_y_up(rec, section, pixel_reader):
    site, out = section
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Aregion"))
    red_y, blue_y, (ys, xs) = red_rows(page, pixel_reader, "spatial_y_down.png")
    assert red_y < blue_y, "small y (the image's top rows) must be at the top of the plot"
    # aspect kept: the 2000 x 1000 section is twice as wide as high on screen
    assert (xs.max() - xs.min()) / (ys.max() - ys.min()) == pytest.approx(2.0, rel=0.08)
    # hover maps the screen back to the right cell with y down
    root = zarr.open_group(str(out / "data"), mode="r")
    emb = next(e for e in root.attrs["xgexport"]["embeddings"] if e["key"] == "spatial")
    disp = root[f"embeddings/{emb['id']}/display"]
    lo, hi = np.array(disp.attrs["min"]), np.array(disp.attrs["max"])
    xy = lo + disp[:].astype(float) / 65535 * (hi - lo)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    i = int(np.argmax(d.min(1)))
    cam = page.evaluate("window.xgexport.getState().camera")
    box = page.locator("#canvas").bounding_box()
    s = min(box["width"] / (hi[0] - lo[0]), box["height"] / (hi[1] - lo[1])) * 0.92 * cam["zoom"]
    sx = box["x"] + box["width"] / 2 + (xy[i, 0] - cam["cx"]) * s
    sy = box["y"] + box["height"] / 2 + (xy[i, 1] - cam["cy"]) * s  # y down
    page.mouse.move(sx - 4, sy - 4)
    page.mouse.move(sx, sy)
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    name = str(root["obs_names"][:][i])
    wait_until(lambda: name in tip.text_content(), 5)
    # dragging down moves the section down, like a map
    before = page.evaluate("window.xgexport.getState().camera")
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, box["y"] + 260, steps=3)
    page.mouse.up()
    moved_red_y, _, _ = red_rows(page, pixel_reader, "spatial_dragged.png")
    assert moved_red_y > red_y + 40
    assert page.evaluate("window.xgexport.getState().camera")["cy"] < before["cy"]
    # the same coordinates as a UMAP: y up, as scanpy draws embeddings
    page.evaluate("window.xgexport.setEmbedding('X_umap')")
    page.wait_for_selector(READY, state="attached")
    red_y, blue_y, _ = red_rows(page, pixel_reader, "umap_y_up.png")
    assert red_y > blue_y
    rec.assert_clean([site.origin])


def test_visium_section_screenshot(rec, serve, tmp_path_factory):
    base = tmp_path_factory.mktemp("visium")
    site = serve(build_bundle(DATASETS / "squidpy_visium-test-data.h5ad", base / "out"))
    page = rec.goto_ready(site.url("#embedding=spatial"))
    save_artifact("visium_spatial.png", page.screenshot())
    assert page.evaluate("window.xgexport.getState().embedding") == "spatial"
    rec.assert_clean([site.origin])
