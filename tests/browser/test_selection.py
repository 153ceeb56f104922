"""Selecting cells as people do it, in Chromium: a lasso and a rectangle drawn with the mouse
(Shift adds, Alt removes, both intersect), a finger, the keyboard's Escape; the selection
checked in Python against the bundle's display coordinates; the deep link and Back."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import READY, colour_pixels, save_artifact, wait_until
from selection_helpers import clear_polygon, display, inside, obs, screen_positions, to_display

pytestmark = pytest.mark.browser

COUNTED = "html[data-xg-counts=ready]"


def state(page):
    return page.evaluate("window.xgexport.getState()")


def selected(page) -> set[int]:
    return set(page.evaluate("window.xgexport.getSelection()"))


def settle(page, previous=None):
    """Wait until the selection's link changed from `previous` and its counts are shown."""
    wait_until(lambda: state(page)["selection"] != previous)
    page.wait_for_selector(COUNTED, state="attached")
    return state(page)["selection"]


class Plot:
    """The plot's canvas in page coordinates, and each cell's position on it."""

    def __init__(self, page, bundle, key="X_umap"):
        self.page = page
        self.box = page.locator("#canvas").bounding_box()
        self.q, self.lo, self.hi, y_down = display(bundle, key)
        camera = state(page)["camera"]
        self.screen = screen_positions(self.q, self.lo, self.hi, camera, self.box["width"], self.box["height"], y_down)

    def draw(self, tool, vertices, keys=()):
        """Choose the tool, then drag through the vertices (canvas px) holding `keys`."""
        self.page.locator(f"#tool-{tool}").click()
        mouse = self.page.mouse
        at = lambda v: (self.box["x"] + v[0], self.box["y"] + v[1])  # noqa: E731
        for k in keys:
            self.page.keyboard.down(k)
        mouse.move(*at(vertices[0]))
        mouse.down()
        for v in vertices[1:]:
            mouse.move(*at(v), steps=12)
        mouse.up()
        for k in keys:
            self.page.keyboard.up(k)

    def enclosed(self, poly) -> set[int]:
        """Cells whose screen position lies inside a polygon of canvas pixels."""
        return set(np.nonzero(inside(self.screen[:, 0], self.screen[:, 1], poly))[0].tolist())


def link_polygon(text, lo, hi):
    """The polygon of a `lasso:<key>:x,y,…` step, in display units."""
    numbers = [float(v) for v in text.split(":")[-1].split(",")]
    return to_display(np.array(numbers).reshape(-1, 2), lo, hi)


def test_lasso_selects_exactly_the_cells_inside_and_modifiers_combine(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    plot = Plot(page, pbmc_bundle)
    w, h = plot.box["width"], plot.box["height"]
    # a pentagon over the middle of the plot, placed so that no cell sits within 2 px of an edge
    first = clear_polygon(
        plot.screen,
        [(w * 0.30, h * 0.25), (w * 0.62, h * 0.20), (w * 0.72, h * 0.55), (w * 0.45, h * 0.80), (w * 0.25, h * 0.60)],
    )
    plot.draw("lasso", first)
    steps = settle(page)
    want = plot.enclosed(first)
    assert 50 < len(want) < 650
    assert selected(page) == want
    # the link's polygon (data coordinates, six digits) encloses the same display coordinates
    assert len(steps) == 1 and steps[0].startswith("lasso:X_umap:")
    poly = link_polygon(steps[0], plot.lo, plot.hi)
    assert 5 <= len(poly) <= 200
    assert set(np.nonzero(inside(plot.q[:, 0], plot.q[:, 1], poly))[0].tolist()) == want
    assert page.locator("#selection-bar").get_attribute("data-count") == str(len(want))
    assert page.locator(".sel-count").text_content() == f"{len(want)} of 700 cells selected"
    px = pixel_reader(page.locator("#canvas").screenshot())
    save_artifact("selection_lasso.png", page.screenshot())
    # selected cells keep their colours, the others are pale grey
    assert colour_pixels(px, (221, 224, 228), tol=14) > 300

    # Shift adds a second region, Alt removes a third, Shift+Alt keeps what a fourth also holds
    # (the clusters of this UMAP at 1366×768 lie clear of these shapes' edges, give or take a shift)
    second = clear_polygon(
        plot.screen, [(w * 0.01, h * 0.47), (w * 0.21, h * 0.47), (w * 0.21, h * 0.83), (w * 0.01, h * 0.83)]
    )
    plot.draw("lasso", second, keys=["Shift"])
    steps = settle(page, steps)
    want |= plot.enclosed(second)
    assert selected(page) == want and steps[1].startswith("add:lasso:")
    third = clear_polygon(
        plot.screen, [(w * 0.01, h * 0.64), (w * 0.16, h * 0.64), (w * 0.16, h * 0.86), (w * 0.01, h * 0.86)]
    )
    plot.draw("rect", [third[0], third[2]], keys=["Alt"])
    steps = settle(page, steps)
    removed = plot.enclosed(third)
    assert removed & want
    want -= removed
    assert selected(page) == want and steps[2].startswith("subtract:rect:")
    fourth = clear_polygon(
        plot.screen, [(w * 0.005, h * 0.45), (w * 0.46, h * 0.45), (w * 0.46, h * 0.99), (w * 0.005, h * 0.99)]
    )
    plot.draw("lasso", fourth, keys=["Shift", "Alt"])
    settle(page, steps)
    want &= plot.enclosed(fourth)
    assert selected(page) == want and want
    save_artifact("selection_combined.png", page.screenshot())

    # Escape clears; Back brings the last selection back, Forward clears it again
    page.keyboard.press("Escape")
    wait_until(lambda: state(page)["selected"] == 0)
    assert page.locator(".sel-count").text_content() == "No cells selected"
    page.go_back()
    wait_until(lambda: selected(page) == want)
    page.go_forward()
    wait_until(lambda: state(page)["selected"] == 0)
    rec.assert_clean([pbmc_site.origin])


def test_a_link_restores_the_selection(rec, pbmc_site, pbmc_bundle):
    q, lo, hi, _ = display(pbmc_bundle)
    xy = lo + q / 65535 * (hi - lo)
    codes, attrs = obs(pbmc_bundle, "louvain")
    values, _ = obs(pbmc_bundle, "n_genes")
    k = attrs["categories"].index("3")
    # a square in data coordinates, then every cell of louvain 3 added, then n_genes ≥ 1200 removed
    x0, x1 = np.percentile(xy[:, 0], [20, 60])
    y0, y1 = np.percentile(xy[:, 1], [20, 70])
    square = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
    text = ",".join(f"{v:.6g}" for p in square for v in p)
    url = pbmc_site.url(
        f"#color=obs%3Alouvain&sel=lasso:X_umap:{text}&sel=add:cat:louvain:3&sel=subtract:range:n_genes:1200,"
    )
    page = rec.goto_ready(url)
    page.wait_for_selector(COUNTED, state="attached")
    poly = to_display([[float(f"{v:.6g}") for v in p] for p in square], lo, hi)
    want = inside(q[:, 0], q[:, 1], poly) | (codes == k)
    want &= ~(values >= 1200)
    assert selected(page) == set(np.nonzero(want)[0].tolist())
    assert state(page)["selection"] == [f"lasso:X_umap:{text}", "add:cat:louvain:3", "subtract:range:n_genes:1200,"]
    # the category browser counts the selected cells of each category
    page.locator('.cat-column[data-column="louvain"] summary').click()
    row = page.locator(f'.cat-column[data-column="louvain"] .cat-row[data-code="{k}"]')
    row.wait_for()
    page.wait_for_selector(COUNTED, state="attached")
    assert row.locator(".cat-count").text_content() == f"{int(want[codes == k].sum())} / {int((codes == k).sum())}"
    # a broken step says so and shows no selection
    page.goto("about:blank")
    page.goto(pbmc_site.url("#color=obs%3Alouvain&sel=cat:louvain:no_such_cluster"))
    page.wait_for_selector(READY, state="attached")
    wait_until(lambda: page.locator("#status").is_visible())
    assert "no_such_cluster" in page.locator("#status").text_content()
    assert state(page)["selected"] == 0
    rec.assert_clean([pbmc_site.origin])


@pytest.fixture(scope="session")
def starmap_site(tmp_path_factory, serve):
    from browser_helpers import DATASETS, build_bundle

    out = build_bundle(
        DATASETS / "scvi-tools_starmap-mpfc_from-loom.h5ad", tmp_path_factory.mktemp("starmap") / "out", "--no-de"
    )
    return serve(out), out


def test_lasso_on_spatial_coordinates_drawn_y_down(rec, starmap_site):
    """STARmap's cells in tissue coordinates (y down, as an image): what the lasso encloses on
    the screen is what it selects, also after zooming in."""
    site, bundle = starmap_site
    page = rec.goto_ready(site.url())
    assert state(page)["embedding"] == "spatial"
    page.mouse.move(
        *(lambda b: (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2))(page.locator("#canvas").bounding_box())
    )
    zoom = state(page)["camera"]["zoom"]
    page.mouse.wheel(0, -400)
    wait_until(lambda: state(page)["camera"]["zoom"] > zoom)
    plot = Plot(page, bundle, "spatial")
    w, h = plot.box["width"], plot.box["height"]
    poly = clear_polygon(
        plot.screen,
        [(w * 0.35, h * 0.30), (w * 0.60, h * 0.38), (w * 0.52, h * 0.62), (w * 0.38, h * 0.55)],
        margin=0.75,
    )
    plot.draw("lasso", poly)
    steps = settle(page)
    want = plot.enclosed(poly)
    assert len(want) > 20 and selected(page) == want
    assert steps[0].startswith("lasso:spatial:")
    save_artifact("selection_spatial.png", page.screenshot())
    rec.assert_clean([site.origin])
