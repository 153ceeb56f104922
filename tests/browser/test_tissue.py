"""Tissue images under spatial spots: the image drawn where numpy says (pixel checks against the
exported PNG), spots on it, its opacity, the library chooser, true spot size, ?embed=1, the link
and the PNG/SVG exports."""

from __future__ import annotations

import json
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
import zarr
from browser_helpers import (
    DATASETS,
    READY,
    REPO,
    build_bundle,
    drawn_after,
    export_file,
    frames,
    hex_rgb,
    save_artifact,
    wait_until,
)

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
    return np.column_stack(
        [box["width"] / 2 + (xy[:, 0] - cam["cx"]) * s, box["height"] / 2 + (xy[:, 1] - cam["cy"]) * s]
    ), s


def png_pixels(page, pixel_reader, path):
    """An exported image's pixels (PNG or WebP), decoded by the browser."""
    return pixel_reader(path.read_bytes(), f"image/{path.suffix[1:]}")[..., :3].astype(int)


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
    out = build_bundle(
        DATASETS / "squidpy_visium-test-data.h5ad", tmp_path_factory.mktemp("visium") / "out", "--no-compare"
    )
    return serve(out), out


@pytest.fixture(scope="session")
def visium_webp(tmp_path_factory, serve):
    """The same file with its image as a lossy WebP (--image-format webp)."""
    out = tmp_path_factory.mktemp("visium_webp") / "out"
    build_bundle(DATASETS / "squidpy_visium-test-data.h5ad", out, "--no-compare", "--image-format", "webp")
    return serve(out), out


@pytest.mark.parametrize("bundle", ["visium", "visium_webp"])
def test_visium_image_lies_under_the_spots(rec, bundle, request, pixel_reader):
    site, out = request.getfixturevalue(bundle)
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Aleiden&opacity=1&labels=0&spots=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    (info,) = meta_of(out)["images"]
    assert info["file"].endswith(".webp" if bundle == "visium_webp" else ".png")
    image = png_pixels(page, pixel_reader, out / info["file"])
    xy, lo, hi = spots_of(out)
    shot = canvas(page, pixel_reader, f"tissue_{bundle}.png")
    # image pixels far from every spot (beyond a drawn spot's radius) show the PNG's colour there
    rows, cols = np.mgrid[0 : info["height"], 0 : info["width"]]
    centres = image_centres(info, rows.ravel(), cols.ravel())
    screen, _ = to_screen(page, lo, hi, centres)
    spot_screen, _ = to_screen(page, lo, hi, xy)
    far = np.sqrt(((screen[:, None, :] - spot_screen[None, :, :]) ** 2).sum(-1)).min(1) > 12  # spots: ≤ 7 px
    inside = (
        (screen[:, 0] > 2)
        & (screen[:, 1] > 2)
        & (screen[:, 0] < shot.shape[1] - 2)
        & (screen[:, 1] < shot.shape[0] - 2)
    )
    badge = (screen[:, 0] < 160) & (screen[:, 1] < 40)  # the selection count sits over the plot's corner
    picks = np.nonzero(far & inside & ~badge)[0]
    assert len(picks) > 100
    got = shot[
        np.floor(screen[picks, 1]).astype(int), np.floor(screen[picks, 0]).astype(int)
    ]  # pixel j spans [j, j + 1)
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


BACKGROUND = (240, 222, 232)  # lib0: pale pink tissue with dark squares; lib1: pale yellow
SQUARES = ((20, 120, 60), (30, 40, 150))
SCALEF = 0.65  # full resolution → hires pixels
SQUARE = 120  # hires pixels


@pytest.fixture(scope="session")
def pattern(tmp_path_factory, serve):
    """Two libraries on one 4000 × 3000 full-resolution frame, 2600 × 1950 hires images (shrunk
    to 1300 × 975 by the build): lib0 has dark squares with a spot at each centre, lib1 is plain."""
    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    hires = np.empty((1950, 2600, 3), dtype=np.uint8)
    hires[:] = BACKGROUND
    centres = []
    for i, cy in enumerate(range(300, 1950, 400)):
        for j, cx in enumerate(range(300, 2600, 500)):
            hires[cy - SQUARE // 2 : cy + SQUARE // 2, cx - SQUARE // 2 : cx + SQUARE // 2] = SQUARES[(i + j) % 2]
            centres.append((cx, cy))
    plain = np.empty_like(hires)
    plain[:] = (250, 240, 190)
    # a spot at each square's centre (pixel centres are at integer image coordinates: the centre
    # of the 120 pixels from cx − 60 to cx + 59 is cx − 0.5), and as many on lib1
    on_squares = (np.array(centres, dtype=float) - 0.5) / SCALEF
    rng = np.random.default_rng(4)
    others = np.column_stack([rng.uniform(100, 3900, len(centres)), rng.uniform(100, 2900, len(centres))])
    xy = np.vstack([on_squares, others])
    a = synthetic_adata(len(xy), 5, seed=4)
    a.obsm["spatial"] = xy
    a.obs["library_id"] = pd.Categorical(["lib0"] * len(centres) + ["lib1"] * len(centres))
    a.uns["library_id_colors"] = ["#e377c2", "#ff7f0e"]
    factors = {"tissue_hires_scalef": SCALEF, "tissue_lowres_scalef": 0.1, "spot_diameter_fullres": 150.0}
    a.uns["spatial"] = {"lib0": {"images": {"hires": hires}, "scalefactors": factors},
                        "lib1": {"images": {"hires": plain}, "scalefactors": factors}}  # fmt: skip
    base = tmp_path_factory.mktemp("pattern")
    out = build_bundle(write(a, base / "pattern.h5ad"), base / "out", "--no-compare")
    return serve(out), out


def pixel_at(shot, screen):
    return shot[int(np.floor(screen[0, 1])), int(np.floor(screen[0, 0]))]


def test_squares_and_spots_line_up_and_libraries_switch(rec, pattern, pixel_reader):
    site, out = pattern
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Alibrary_id&opacity=1&labels=0&spots=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    infos = meta_of(out)["images"]
    assert [(i["library"], i["width"], i["height"]) for i in infos] == [("lib0", 1300, 975), ("lib1", 1300, 975)]
    xy, lo, hi = spots_of(out)
    shot = canvas(page, pixel_reader, "tissue_pattern_lib0.png")
    spots, s = to_screen(page, lo, hi, xy)
    lib0 = slice(0, len(xy) // 2)
    pink, orange = hex_rgb("#e377c2"), hex_rgb("#ff7f0e")
    # each lib0 spot sits at the centre of a square: its colour there, the square's 20 px around it
    for k, (x, y) in enumerate(spots[lib0]):
        assert np.abs(shot[int(y), int(x)] - pink).max() <= 3, k
        side = SQUARE / SCALEF * s / 2 * 0.6  # 60 % of the way to the square's edge, on screen
        ring = [
            shot[int(y), int(x + side)],
            shot[int(y), int(x - side)],
            shot[int(y + side), int(x)],
            shot[int(y - side), int(x)],
        ]
        square = min(SQUARES, key=lambda c: np.abs(ring[0] - c).max())
        assert all(np.abs(p - square).max() <= 3 for p in ring), (k, ring)
    # lib1's cells are not drawn while lib0 is shown
    assert (np.abs(shot - orange).max(-1) <= 3).sum() == 0
    # nor found by hovering: a lib1 cell far from lib0's spots shows no tooltip
    far = len(xy) // 2 + int(
        np.argmax(np.sqrt(((spots[len(xy) // 2 :, None] - spots[None, lib0]) ** 2).sum(-1)).min(1))
    )
    box = page.locator("#canvas").bounding_box()
    hover = (box["x"] + spots[far, 0], box["y"] + spots[far, 1])
    page.mouse.move(hover[0] - 3, hover[1] - 3)
    page.mouse.move(*hover)
    page.wait_for_timeout(300)
    assert page.locator("#tooltip").is_hidden()
    # choose lib1 as a person does: its plain image, its cells, and the link says so
    page.locator("#appearance summary").click()
    page.select_option("#tissue-library", "lib1")
    wait_until(lambda: page.evaluate("location.hash").find("lib=lib1") >= 0)
    wait_until(lambda: page.evaluate("document.documentElement.dataset.xgImage") == "1")  # no eval under the CSP
    shot = canvas(page, pixel_reader, "tissue_pattern_lib1.png")
    assert (np.abs(shot - pink).max(-1) <= 3).sum() == 0
    assert (np.abs(shot - orange).max(-1) <= 3).sum() > 20
    gap, _ = to_screen(page, lo, hi, (np.array([[300.0, 700.0]]) - 0.5) / SCALEF)  # between squares
    assert np.abs(pixel_at(shot, gap) - (250, 240, 190)).max() <= 2
    page.mouse.move(hover[0] - 3, hover[1] - 3)
    page.mouse.move(*hover)
    page.locator("#tooltip").wait_for(state="visible")
    wait_until(lambda: f"cell{far}" in page.locator("#tooltip").text_content())  # the name once obs_names are read
    rec.assert_clean([site.origin])


def test_opacity_true_spot_size_and_the_link(rec, pattern, pixel_reader):
    site, out = pattern
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Alibrary_id&opacity=1&labels=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    xy, lo, hi = spots_of(out)
    background, _ = to_screen(page, lo, hi, (np.array([[550.0, 500.0]]) - 0.5) / SCALEF)  # pink, no spot
    assert np.abs(pixel_at(canvas(page, pixel_reader), background) - BACKGROUND).max() <= 2
    page.locator("#appearance summary").click()
    page.locator("#tissue-opacity").fill("40")
    wait_until(lambda: "img=0.4" in page.evaluate("location.hash"))
    page.wait_for_timeout(100)
    want = 0.4 * np.array(BACKGROUND) + 0.6 * 255  # over the page's white
    assert np.abs(pixel_at(canvas(page, pixel_reader), background) - want).max() <= 2
    # spots at their true size by default: 150 full-resolution units across, scaled with the zoom
    assert page.locator("#tissue-spots").is_checked() and "spots" not in page.evaluate("location.hash")
    shot = canvas(page, pixel_reader, "tissue_true_size.png")
    spots, s = to_screen(page, lo, hi, xy)
    x, y = spots[0]  # on a square wider than the spot: the spot is every pixel of another colour
    under = shot[int(y), int(x + 0.58 * 150 * s)]
    row = np.abs(shot[int(y)] - under).max(-1) > 6
    left, right = int(x), int(x)
    while row[left - 1]:
        left -= 1
    while row[right + 1]:
        right += 1
    assert right - left + 1 == pytest.approx(150 * s, abs=3)
    # the automatic size instead: in the link as spots=0
    drawn = frames(page)
    page.locator("#tissue-spots").uncheck()
    wait_until(lambda: "spots=0" in page.evaluate("location.hash"))
    drawn_after(page, drawn)
    small = canvas(page, pixel_reader)
    assert np.abs(small[int(y), int(x + 0.4 * 150 * s)] - shot[int(y), int(x + 0.4 * 150 * s)]).max() > 6
    # the link brings all of it back
    link = page.evaluate("location.href")
    page2 = rec.goto_ready(link)
    page2.wait_for_selector(IMAGE_SHOWN, state="attached")
    look = page2.evaluate("window.xgexport.getState().look")
    assert (look["image"], look["spots"], page2.locator("#tissue-spots").is_checked()) == (0.4, False, False)
    rec.assert_clean([site.origin])


def test_embedded_viewer_draws_the_image_of_the_link(rec, pattern, pixel_reader):
    site, out = pattern
    page = rec.goto_ready(site.url("?embed=1#embedding=spatial&lib=lib1&labels=0&spots=0"))
    wait_until(lambda: page.evaluate("document.documentElement.dataset.xgImage") == "1")  # no eval under the CSP
    _, lo, hi = spots_of(out)
    gap, _ = to_screen(page, lo, hi, (np.array([[300.0, 700.0]]) - 0.5) / SCALEF)
    assert np.abs(pixel_at(canvas(page, pixel_reader, "tissue_embed.png"), gap) - (250, 240, 190)).max() <= 2
    rec.assert_clean([site.origin])


def test_png_and_svg_exports_hold_the_image(rec, pattern, pixel_reader):
    site, out = pattern
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Alibrary_id&labels=0&img=0.8&spots=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    _, lo, hi = spots_of(out)
    square, _ = to_screen(page, lo, hi, (np.array([[300.0 + 40, 300.0]]) - 0.5) / SCALEF)  # inside the first square
    png = export_file(page, "#export-png")
    save_artifact("tissue_export.png", png)
    px = pixel_reader(png)[..., :3].astype(int)
    want = 0.8 * np.array(SQUARES[0]) + 0.2 * 255
    at = px[int(2 * (56 + square[0, 1])), int(2 * (16 + square[0, 0]))]  # 2×, after the margin and the title band
    assert np.abs(at - want).max() <= 3, at
    root = ET.fromstring(export_file(page, "#export-svg"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "library_id · spatial · lib0 · 25 cells" in texts  # the library drawn is named, with its cells
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    (image,) = list(plot.iter(f"{SVG}image"))
    assert image.get("href").startswith("data:image/png;base64,") and float(image.get("opacity")) == 0.8
    info = meta_of(out)["images"][0]
    corners, _ = to_screen(page, lo, hi, np.array([info["extent"][:2], info["extent"][2:]]))
    got = [float(image.get(k)) for k in ("x", "y", "width", "height")]
    want = [*corners[0], *(corners[1] - corners[0])]
    assert got == pytest.approx(want, abs=0.01)
    circles = sum(1 for _ in plot.iter(f"{SVG}circle"))
    assert circles == len(spots_of(out)[0]) // 2  # lib0's cells only
    rec.assert_clean([site.origin])


def test_side_by_side_views_draw_the_image_and_the_library(rec, pattern, pixel_reader):
    site, out = pattern
    page = rec.goto_ready(
        site.url("#embedding=spatial&color=obs%3Alibrary_id&split=obs%3Alibrary_id&opacity=1&labels=0&img=0.5")
    )
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    side = page.locator(".split-canvas")
    side.wait_for()
    page.wait_for_timeout(200)
    xy, lo, hi = spots_of(out)
    box = side.bounding_box()
    cam = page.evaluate("window.xgexport.getState().camera")
    s = min(box["width"] / (hi[0] - lo[0]), box["height"] / (hi[1] - lo[1])) * 0.92 * cam["zoom"]
    at = lambda p: (int(box["height"] / 2 + (p[1] - cam["cy"]) * s), int(box["width"] / 2 + (p[0] - cam["cx"]) * s))  # noqa: E731
    png = side.screenshot()
    save_artifact("tissue_split.png", png)
    shot = pixel_reader(png)[..., :3].astype(int)
    background = (np.array([550.0, 500.0]) - 0.5) / SCALEF
    assert np.abs(shot[at(background)] - (0.5 * np.array(BACKGROUND) + 0.5 * 255)).max() <= 2
    assert (np.abs(shot - hex_rgb("#ff7f0e")).max(-1) <= 3).sum() == 0  # lib1's cells stay hidden
    assert np.abs(shot[at(xy[0])] - hex_rgb("#e377c2")).max() <= 3
    rec.assert_clean([site.origin])


def test_visium_spots_at_their_true_size(rec, visium, pixel_reader):
    """Visium spots are 55 µm across at 100 µm centre to centre: at their true size (89.4 full-resolution
    pixels, the file's spot_diameter_fullres) each is a disc of its cluster's colour that far out."""
    site, out = visium
    page = rec.goto_ready(
        site.url("#embedding=spatial&color=obs%3Aleiden&opacity=1&labels=0")
    )  # true size: the default
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    (info,) = meta_of(out)["images"]
    xy, lo, hi = spots_of(out)
    shot = canvas(page, pixel_reader, "tissue_visium_true_size.png")
    spots, s = to_screen(page, lo, hi, xy)
    assert page.evaluate("window.xgexport.getState().look.spots") is True
    # every spot's centre and a point 40 % of its diameter to the right are its cluster's colour
    root = zarr.open_group(str(out / "data"), mode="r")
    column = next(o for o in meta_of(out)["obs"] if o["name"] == "leiden")
    codes = root[f"obs/{column['id']}/codes"]
    colours = np.array([hex_rgb(c) for c in codes.attrs["colors"]])[codes[:]]
    off = 0.4 * info["spot_diameter"] * s
    inside = (spots[:, 0] + off < shot.shape[1]) & (spots[:, 1] < shot.shape[0])
    at = shot[np.floor(spots[inside, 1]).astype(int), np.floor(spots[inside, 0] + off).astype(int)]
    assert (np.abs(at - colours[inside]).max(1) <= 3).mean() > 0.9
    rec.assert_clean([site.origin])


def drag_rectangle(page, corner, other):
    """The rectangle tool, dragged with the mouse between two canvas points (CSS px)."""
    box = page.locator("#canvas").bounding_box()
    page.locator("#tool-rect").click()
    page.mouse.move(box["x"] + corner[0], box["y"] + corner[1])
    page.mouse.down()
    page.mouse.move(box["x"] + other[0], box["y"] + other[1], steps=10)
    page.mouse.up()


def test_a_rectangle_on_one_library_selects_none_of_the_hidden_ones(rec, pattern, browser):
    """Both libraries' spots share one coordinate frame; over lib0's image only lib0's spots are
    drawn, so a rectangle over the whole tissue selects lib0's cells alone, and the link says so."""
    site, out = pattern
    page = rec.goto_ready(site.url("#embedding=spatial&color=obs%3Alibrary_id&labels=0"))
    page.wait_for_selector(IMAGE_SHOWN, state="attached")
    box = page.locator("#canvas").bounding_box()
    half = len(spots_of(out)[0]) // 2  # lib0's cells come first
    drag_rectangle(page, (2, 2), (box["width"] - 2, box["height"] - 2))
    wait_until(lambda: len(page.evaluate("window.xgexport.getSelection()")) > 0)
    assert page.evaluate("window.xgexport.getSelection()") == list(range(half))
    link = page.evaluate("location.hash")
    assert "only%3Alibrary_id%3Alib0" in link or "only:library_id:lib0" in link, link
    # the link, opened elsewhere, selects the same cells
    other = browser.new_page(viewport=page.viewport_size)
    other.goto(site.url(link))
    other.wait_for_selector(READY, state="attached")
    wait_until(lambda: len(other.evaluate("window.xgexport.getSelection()")) > 0)
    assert other.evaluate("window.xgexport.getSelection()") == list(range(half))
    other.close()
    # on lib1's image, the same rectangle selects lib1's cells alone
    page.locator("#appearance summary").click()
    page.select_option("#tissue-library", "lib1")
    wait_until(lambda: page.evaluate("location.hash").find("lib=lib1") >= 0)
    wait_until(lambda: page.evaluate("document.documentElement.dataset.xgImage") == "1")  # no eval under the CSP
    drag_rectangle(page, (2, 2), (box["width"] - 2, box["height"] - 2))
    wait_until(lambda: page.evaluate("window.xgexport.getSelection()") == list(range(half, 2 * half)))


def test_selection_links_read_not_and_only_in_that_order(rec, pattern):
    site, _ = pattern
    page = rec.goto_ready(site.url("#embedding=spatial"))
    parsed = page.evaluate(
        """async (texts) => { const { parseStep, formatStep } = await import("./viewer/selection/link.js");
             return texts.map((t) => { try { const s = parseStep(t); return [formatStep(s), s.clause.not ?? null, s.clause.only ?? null]; }
                                       catch (e) { return e.message; } }); }""",
        ["rect:spatial:0,0,1,1:not:library_id:lib1", "rect:spatial:0,0,1,1:only:library_id:lib0",
         "add:rect:spatial:0,0,1,1:not:cluster:a%2Cb:only:library_id:lib0",
         "rect:spatial:0,0,1,1:only:library_id:lib0:not:cluster:a", "rect:spatial:0,0,1,1:also:x:y",
         "rect:spatial:0,0,1,1:not:x:y:not:x:z"],
    )  # fmt: skip
    assert parsed[0] == [
        "rect:spatial:0,0,1,1:not:library_id:lib1",
        {"column": "library_id", "categories": ["lib1"]},
        None,
    ]
    assert parsed[1] == [
        "rect:spatial:0,0,1,1:only:library_id:lib0",
        None,
        {"column": "library_id", "categories": ["lib0"]},
    ]
    assert parsed[2][0] == "add:rect:spatial:0,0,1,1:not:cluster:a%2Cb:only:library_id:lib0"
    assert parsed[2][1] == {"column": "cluster", "categories": ["a,b"]}
    assert all("needs 2 fields" in p for p in parsed[3:]), parsed[3:]
