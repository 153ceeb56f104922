"""3-D embeddings in Chromium (issue #13): the first three principal components of the PBMC file
as a 3-column obsm entry, turned with the mouse (the pixels land where a numpy projection of the
bundle's coordinates puts them), a finger and Shift+arrows; the rotation in the link; a lasso
drawn after turning selects the cells a numpy projection of the same polygon encloses, and
reopening the link selects them again; side-by-side views turn together."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zarr
from browser_helpers import READY, export_file, save_artifact, wait_until
from selection_helpers import Q, clear_polygon, gene_values, inside, obs, screen_positions
from threed_helpers import DEG_PER_PX, KEY, depth, embedding_group, projected, state

pytestmark = pytest.mark.browser

URL = f"#embedding={KEY}&color=obs%3Alouvain&labels=0"  # no names over the cells: pixels are cells
SVG = "{http://www.w3.org/2000/svg}"
TOP = 45  # px of the plot under the selection chip ("No cells selected")


def placed_polygon(screen, cx, cy, w, h):
    """A pentagon about (cx, cy), the first size at which a placement keeps cells off its edges."""
    shape = [(-0.12, -0.2), (0.02, -0.22), (0.06, 0.05), (-0.05, 0.15), (-0.15, 0.0)]
    for scale in (1.0, 0.8, 1.2, 0.65, 1.4, 0.5):
        try:
            return clear_polygon(screen, [(cx + scale * dx * w, cy + scale * dy * h) for dx, dy in shape])
        except AssertionError:
            continue
    raise AssertionError("no pentagon keeps the cells off its edges")


def canvas_pixels(page, pixel_reader):
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return pixel_reader(page.locator("#canvas").screenshot())


def coverage(px, screen, radius=5):
    """The share of the canvas's drawn (non-white) pixels within `radius` px of a predicted cell."""
    h, w = px.shape[:2]
    drawn = px[:, :, :3].astype(int).sum(axis=2) < 740
    drawn[:TOP] = False  # the selection chip over the plot's top left (a side view's name)
    drawn[:, :2] = drawn[:, -2:] = drawn[-2:] = False  # a side view's border
    near = np.zeros((h, w), dtype=bool)
    for x, y in np.rint(screen).astype(int):
        near[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1] = True
    return (drawn & near).sum() / max(drawn.sum(), 1)


def screen_of(page, bundle, yaw, pitch):
    box = page.locator("#canvas").bounding_box()
    q, lo, hi = projected(bundle, yaw, pitch)
    return screen_positions(q, lo, hi, state(page)["camera"], box["width"], box["height"]), box


def drag(page, box, start, offset, steps=12):
    page.mouse.move(box["x"] + start[0], box["y"] + start[1])
    page.mouse.down()
    page.mouse.move(box["x"] + start[0] + offset[0], box["y"] + start[1] + offset[1], steps=steps)
    page.mouse.up()


def test_a_mouse_drag_turns_the_cloud_as_the_projection_predicts(rec, threed_site, threed_bundle, pixel_reader):
    page = rec.goto_ready(threed_site.url(URL))
    assert state(page)["rotation"] == {"yaw": 0, "pitch": 0} and "rot=" not in page.evaluate("location.hash")
    front, box = screen_of(page, threed_bundle, 0, 0)
    assert coverage(canvas_pixels(page, pixel_reader), front) > 0.97
    save_artifact("threed_front.png", page.screenshot())
    # pan is still the default drag: it moves the camera, not the rotation
    camera = state(page)["camera"]
    drag(page, box, (300, 300), (40, 0))
    assert state(page)["camera"]["cx"] < camera["cx"] and state(page)["rotation"] == {"yaw": 0, "pitch": 0}
    page.locator("#reset-view").click()
    # Rotate: 180 px to the right is a quarter turn about the vertical axis
    page.locator("#tool-rotate").click()
    assert page.locator("#tool-rotate").get_attribute("aria-pressed") == "true"
    drag(page, box, (200, 300), (90 / DEG_PER_PX, 0))
    wait_until(lambda: "rot=90,0" in page.evaluate("location.hash"))
    assert state(page)["rotation"] == {"yaw": 90, "pitch": 0}
    quarter, _ = screen_of(page, threed_bundle, 90, 0)
    # a quarter turn: a cell's screen x is now its third coordinate (nearer the viewer: right)
    z = embedding_group(threed_bundle)["display_z"][:].astype(float)
    assert np.corrcoef(quarter[:, 0], z)[0, 1] > 0.999
    px = canvas_pixels(page, pixel_reader)
    assert coverage(px, quarter) > 0.97
    assert coverage(px, front) < 0.8  # the pixels moved: the front view no longer explains them
    save_artifact("threed_quarter_turn.png", page.screenshot())
    # and down: the pitch; the camera stayed where it was
    camera = state(page)["camera"]
    drag(page, box, (300, 200), (0, -40 / DEG_PER_PX))
    wait_until(lambda: state(page)["rotation"] == {"yaw": 90, "pitch": -40})
    assert state(page)["camera"] == camera
    tilted, _ = screen_of(page, threed_bundle, 90, -40)
    assert coverage(canvas_pixels(page, pixel_reader), tilted) > 0.97
    save_artifact("threed_tilted.png", page.screenshot())
    # the SVG export: every cell where the plot shows it, drawn back to front
    save_artifact("threed_export.png", export_file(page, "#export-png"))
    root = ET.fromstring(export_file(page, "#export-svg"))
    assert [t.text for t in root.iter(f"{SVG}text")][1] == "louvain · PCA 3-D (yaw 90°, pitch -40°) · 700 cells"
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    circles = np.array([[float(c.get("cx")), float(c.get("cy"))] for c in plot.iter(f"{SVG}circle")])
    assert len(circles) == 700
    nearest = np.argmin(((circles[:, None, :] - tilted[None, :, :]) ** 2).sum(axis=2), axis=1)  # plot coordinates
    assert np.abs(circles - tilted[nearest]).max() < 1.0
    assert np.corrcoef(np.arange(700), np.argsort(np.argsort(depth(threed_bundle, 90, -40)[nearest])))[0, 1] > 0.99
    # Show all cells: the front again, out of the link
    page.locator("#reset-view").click()
    wait_until(lambda: state(page)["rotation"] == {"yaw": 0, "pitch": 0})
    wait_until(lambda: "rot=" not in page.evaluate("location.hash"))
    rec.assert_clean([threed_site.origin])


def test_keys_a_finger_and_the_link(rec, threed_site, threed_bundle, pixel_reader, browser):
    page = rec.goto_ready(threed_site.url(URL))
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    wait_until(lambda: state(page)["rotation"] == {"yaw": 30, "pitch": -15})
    page.keyboard.press("ArrowRight")  # without Shift: not a turn
    assert state(page)["rotation"] == {"yaw": 30, "pitch": -15}
    # one finger with the Rotate tool turns; pointer events as a touch screen sends them
    page.locator("#tool-rotate").click()
    page.evaluate("""() => {
        const canvas = document.getElementById("canvas");
        const r = canvas.getBoundingClientRect();
        const send = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, { pointerId: 7, pointerType: "touch",
            isPrimary: true, bubbles: true, cancelable: true, clientX: r.left + x, clientY: r.top + y, buttons: type === "pointerup" ? 0 : 1 }));
        send("pointerdown", 300, 300);
        for (let k = 1; k <= 10; k++) send("pointermove", 300 + 6 * k, 300 + 2 * k);
        send("pointerup", 360, 320);
    }""")
    wait_until(lambda: state(page)["rotation"] == {"yaw": 60, "pitch": -5})
    wait_until(lambda: "rot=60,-5" in page.evaluate("location.hash"))
    url = page.url
    # the link: another page shows the same rotation, the same pixels
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(url)
    other.wait_for_selector(READY, state="attached")
    assert state(other)["rotation"] == {"yaw": 60, "pitch": -5} and state(other)["embedding"] == KEY
    screen, box = screen_of(other, threed_bundle, 60, -5)
    assert coverage(canvas_pixels(other, pixel_reader), screen) > 0.97
    # hover: the cell under the pointer is the one the turned view shows there (the most isolated)
    d = np.sqrt(((screen[:, None, :] - screen[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    i = int(np.argmax(d.min(1)))
    assert d[i].min() > 8
    other.mouse.move(box["x"] + screen[i, 0] - 4, box["y"] + screen[i, 1] - 4)
    other.mouse.move(box["x"] + screen[i, 0], box["y"] + screen[i, 1])
    tip = other.locator("#tooltip")
    tip.wait_for(state="visible")
    name = str(zarr.open_array(threed_bundle / "data" / "obs_names", mode="r")[:][i])
    wait_until(lambda: name in tip.text_content(), 5)
    # Back and Forward through embeddings keep the rotation in the link, not a history entry per frame
    assert page.evaluate("history.length") <= 3
    other.context.close()
    rec.assert_clean([threed_site.origin])


def test_lasso_after_turning_selects_what_numpy_encloses_and_the_link_reselects(
    rec, threed_site, threed_bundle, browser
):
    page = rec.goto_ready(threed_site.url(URL))
    box = page.locator("#canvas").bounding_box()
    page.locator("#tool-rotate").click()
    drag(page, box, (200, 300), (70 / DEG_PER_PX, -25 / DEG_PER_PX))
    wait_until(lambda: state(page)["rotation"] == {"yaw": 70, "pitch": -25})
    screen, _ = screen_of(page, threed_bundle, 70, -25)
    w, h = box["width"], box["height"]
    cx, cy = np.median(screen, axis=0)
    poly = placed_polygon(screen, cx, cy, w, h)
    want = set(np.nonzero(inside(screen[:, 0], screen[:, 1], poly))[0].tolist())
    assert 50 < len(want) < 650
    page.locator("#tool-lasso").click()
    page.mouse.move(box["x"] + poly[0][0], box["y"] + poly[0][1])
    page.mouse.down()
    for x, y in poly[1:] + poly[:1]:
        page.mouse.move(box["x"] + x, box["y"] + y, steps=12)
    page.mouse.up()
    wait_until(lambda: state(page)["selection"])
    steps = state(page)["selection"]
    assert len(steps) == 1 and steps[0].startswith(f"lasso:{KEY}:") and ":rot:70,-25" in steps[0]
    assert set(page.evaluate("window.xgexport.getSelection()")) == want
    save_artifact("threed_lasso.png", page.screenshot())
    # the link's polygon, projected by numpy under the step's rotation, encloses the same cells
    numbers = [float(v) for v in steps[0].split(":")[2].split(",")]
    q, lo, hi = projected(threed_bundle, 70, -25)
    link_poly = (np.array(numbers).reshape(-1, 2) - lo) / (hi - lo) * Q
    assert set(np.nonzero(inside(q[:, 0], q[:, 1], link_poly))[0].tolist()) == want
    # reopened at the front: the step keeps its rotation, so the same cells are selected
    wait_until(lambda: "sel=lasso" in page.evaluate("location.hash"))
    url = page.url.replace("rot=70,-25", "rot=0,0")
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(url)
    other.wait_for_selector(READY, state="attached")
    wait_until(lambda: state(other)["selected"] == len(want))
    assert set(other.evaluate("window.xgexport.getSelection()")) == want
    assert state(other)["rotation"] == {"yaw": 0, "pitch": 0}
    other.context.close()
    # Subset, then Show all cells: the whole cloud from the front, and the camera stays while it turns
    page.locator("#selection-bar button", has_text="Subset").click()
    wait_until(lambda: state(page)["subset"])
    page.locator("#reset-view").click()
    wait_until(lambda: state(page)["rotation"] == {"yaw": 0, "pitch": 0})
    camera = state(page)["camera"]
    assert camera["zoom"] == 1
    page.locator("body").click(position={"x": 5, "y": 5})
    for _ in range(3):
        page.keyboard.press("Shift+ArrowLeft")
    wait_until(lambda: state(page)["rotation"] == {"yaw": -45, "pitch": 0})
    assert state(page)["camera"] == camera
    rec.assert_clean([threed_site.origin])


def test_side_by_side_views_turn_together(rec, threed_site, threed_bundle, pixel_reader):
    page = rec.goto_ready(threed_site.url(URL + "&rot=45,-30"))
    page.locator("#split-add").click()
    page.locator(".split-view").wait_for()
    page.evaluate("window.xgexport.setColor('gene:CD79A')")
    page.wait_for_selector(READY, state="attached")
    # drawn back to front, so the legend does not promise the highest values on top
    note = page.locator("#legend .note").all_inner_texts()
    assert any("nearer cells are drawn on top (3-D)" in t for t in note) and not any("higher values" in t for t in note)
    page.locator("#tool-rotate").click()
    side = page.locator(".split-canvas").bounding_box()
    # a drag in the side view turns both (one camera, one rotation)
    drag(page, side, (150, 300), (-30 / DEG_PER_PX, 0))
    wait_until(lambda: state(page)["rotation"] == {"yaw": 15, "pitch": -30})
    q, lo, hi = projected(threed_bundle, 15, -30)
    camera = state(page)["camera"]
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    side_px = pixel_reader(page.locator(".split-canvas").screenshot())
    screen = screen_positions(q, lo, hi, camera, side["width"], side["height"])
    assert coverage(side_px, screen) > 0.97
    main = page.locator("#canvas").bounding_box()
    main_screen = screen_positions(q, lo, hi, camera, main["width"], main["height"])
    assert coverage(canvas_pixels(page, pixel_reader), main_screen) > 0.97
    save_artifact("threed_split.png", page.screenshot())
    # the gene's cells without expression stay underneath (as the legend says), the others back to front
    root = ET.fromstring(export_file(page, "#export-svg"))
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    fills = [
        [int(v) for v in g.get("fill")[4:-1].split(",")]
        for g in plot.iter(f"{SVG}g")
        for c in g
        if c.tag == f"{SVG}circle"
    ]
    grey = np.ptp(np.array(fills), axis=1) < 8  # viridis is never grey; "not expressed" is, paler or not
    assert grey.sum() == (gene_values(threed_bundle, "CD79A") == 0).sum()
    assert not grey[grey.sum() :].any()  # every grey circle before the first coloured one
    assert "nearer cells are drawn on top (3-D)" in " ".join(t.text or "" for t in root.iter(f"{SVG}text"))  # wrapped
    rec.assert_clean([threed_site.origin])


def test_link_rotations_are_normalised_and_a_bad_one_is_the_front(rec, threed_site):
    page = rec.goto_ready(threed_site.url(URL + "&rot=270,100"))
    assert state(page)["rotation"] == {"yaw": -90, "pitch": 90}
    wait_until(lambda: "rot=-90,90" in page.evaluate("location.hash"))
    page.goto(threed_site.url(URL + "&rot=abc"))
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert state(page)["rotation"] == {"yaw": 0, "pitch": 0}
    # a 2-D embedding has no rotation, and no Rotate tool
    page.evaluate("window.xgexport.setEmbedding('X_umap')")
    page.wait_for_selector(READY, state="attached")
    assert state(page)["rotation"] is None and page.locator("#tool-rotate").is_hidden()
    rec.assert_clean([threed_site.origin])


def test_labels_sit_at_the_turned_3d_medians(rec, threed_site, threed_bundle):
    page = rec.goto_ready(threed_site.url(f"#embedding={KEY}&color=obs%3Alouvain&rot=50,-35"))
    page.locator(".plot-label").first.wait_for()
    codes, _ = obs(threed_bundle, "louvain")
    group = embedding_group(threed_bundle)
    xy, z = group["display"], group["display_z"]
    q = np.column_stack([xy[:], z[:]]).astype(np.float64)
    lo = np.array([*xy.attrs["min"], z.attrs["min"]])
    hi = np.array([*xy.attrs["max"], z.attrs["max"]])
    medians = lo + np.array([np.median(q[codes == k], axis=0) for k in range(codes.max() + 1)]) / Q * (hi - lo)
    c = (lo + hi) / 2
    p = lo + q / Q * (hi - lo)
    r = np.sqrt(((p - c) ** 2).sum(axis=1).max()) * 1.001
    y, t = np.radians(50), np.radians(-35)
    rot = np.array([[np.cos(y), 0, np.sin(y)], [np.sin(t) * np.sin(y), np.cos(t), -np.sin(t) * np.cos(y)]])
    turned = (medians - c) @ rot.T + c[:2]
    box = page.locator("#canvas").bounding_box()
    want = screen_positions(
        (turned - (c[:2] - r)) / (2 * r) * Q, c[:2] - r, c[:2] + r, state(page)["camera"], box["width"], box["height"]
    )
    spans = page.locator(".plot-label:not([hidden])")
    assert spans.count() >= 5
    for k in range(spans.count()):
        b = spans.nth(k).bounding_box()
        code = int(spans.nth(k).get_attribute("data-code"))
        centre = (b["x"] - box["x"] + b["width"] / 2, b["y"] - box["y"] + b["height"] / 2)
        assert np.hypot(*(np.array(centre) - want[code])) < 2, code
    save_artifact("threed_labels.png", page.screenshot())
    rec.assert_clean([threed_site.origin])
