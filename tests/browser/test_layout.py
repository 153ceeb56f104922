"""The layout people see: a cells panel, the plot with its toolbar, a genes panel; each panel
scrolls on its own and can be hidden; on a phone they are drawers. Screenshots in tests/artifacts."""

from __future__ import annotations

import pytest
from browser_helpers import READY, save_artifact, wait_until

pytestmark = pytest.mark.browser


def boxes(page):
    return {
        name: page.locator(sel).bounding_box()
        for name, sel in [
            ("cells", "#cells-panel"),
            ("plot", "#canvas"),
            ("genes", "#genes-panel"),
            ("toolbar", "#toolbar"),
        ]
    }


@pytest.mark.parametrize("width,height", [(1366, 768), (1920, 1080)])
def test_desktop_three_columns(browser, pbmc_site, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(pbmc_site.url("#color=obs%3Alouvain"))
    page.wait_for_selector(READY, state="attached")
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    b = boxes(page)
    assert b["cells"]["x"] == 0 and b["cells"]["x"] + b["cells"]["width"] <= b["plot"]["x"] + 1
    assert b["genes"]["x"] >= b["plot"]["x"] + b["plot"]["width"] - 1
    assert b["genes"]["x"] + b["genes"]["width"] == pytest.approx(width, abs=1)
    assert b["plot"]["width"] >= width - 700 and b["plot"]["height"] >= height - 110
    # the legend keeps every one of louvain's 11 rows visible while the marker table is open
    rows = page.locator(".legend-item")
    assert rows.count() == 11
    legend = page.locator(".legend-list").bounding_box()
    last = rows.last.bounding_box()
    assert last["y"] + last["height"] <= legend["y"] + legend["height"] + 1
    # both panels scroll on their own: the page itself never does
    assert page.evaluate("document.scrollingElement.scrollHeight <= innerHeight")
    for sel in ("#cells-panel .side-body", "#genes-panel .side-body"):
        assert page.locator(sel).evaluate("(e) => getComputedStyle(e).overflowY") == "auto"
    # toolbar: pan, zoom in, zoom out, reset
    for tool in ("#tool-pan", "#zoom-in", "#zoom-out", "#reset-view"):
        assert page.locator(tool).is_visible()
    save_artifact(f"layout_{width}x{height}.png", page.screenshot())
    # hide the cells panel with its button: the plot takes the room; show it again
    plot_width = b["plot"]["width"]
    page.locator("#toggle-cells").click()
    assert page.locator("#cells-panel").is_hidden()
    assert page.locator("#toggle-cells").get_attribute("aria-expanded") == "false"
    wait_until(
        lambda: page.evaluate("document.getElementById('canvas').getBoundingClientRect().width") > plot_width + 200
    )
    page.locator("#genes-panel .side-close").click()
    assert page.locator("#genes-panel").is_hidden()
    save_artifact(f"layout_{width}x{height}_panels_hidden.png", page.screenshot())
    page.locator("#toggle-cells").click()
    page.locator("#toggle-genes").click()
    assert page.locator("#cells-panel").is_visible() and page.locator("#genes-panel").is_visible()
    context.close()


def test_zoom_buttons(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    start = page.evaluate("window.xgexport.getState().camera")
    page.locator("#zoom-in").click()
    page.locator("#zoom-in").click()
    zoomed = page.evaluate("window.xgexport.getState().camera")
    assert zoomed["zoom"] == pytest.approx(start["zoom"] * 2.25)
    assert zoomed["cx"] == pytest.approx(start["cx"]) and zoomed["cy"] == pytest.approx(start["cy"])
    page.locator("#zoom-out").click()
    assert page.evaluate("window.xgexport.getState().camera")["zoom"] == pytest.approx(start["zoom"] * 1.5)
    page.locator("#reset-view").click()
    assert page.evaluate("window.xgexport.getState().camera") == start
    rec.assert_clean([pbmc_site.origin])


def test_phone_drawers(browser, pbmc_site):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(pbmc_site.url("#color=obs%3Abulk_labels"))
    page.wait_for_selector(READY, state="attached")
    plot = page.locator("#canvas").bounding_box()
    assert plot["width"] == pytest.approx(390, abs=1) and plot["height"] > 844 - 130
    assert page.locator("#cells-panel").is_hidden() and page.locator("#genes-panel").is_hidden()
    assert page.locator("#toolbar").is_visible() and page.locator("#embedding-select").is_visible()
    save_artifact("layout_390x844.png", page.screenshot())
    # the cells drawer opens over the plot with a tap; the legend works inside it
    page.locator("#toggle-cells").tap()
    drawer = page.locator("#cells-panel")
    assert drawer.is_visible() and page.locator("#backdrop").is_visible()
    box = drawer.bounding_box()
    assert box["x"] == 0 and 300 <= box["width"] <= 360
    assert page.locator("#canvas").bounding_box()["width"] == pytest.approx(390, abs=1)  # over, not beside
    assert page.locator(".legend-item").count() == 10 and page.locator(".legend-item").nth(9).is_visible()
    save_artifact("layout_390x844_cells.png", page.screenshot())
    # opening the genes drawer closes the cells drawer; Escape closes it
    page.locator("#toggle-genes").tap()
    assert page.locator("#genes-panel").is_visible() and drawer.is_hidden()
    page.locator("#gene-input").tap()
    page.locator("#gene-input").fill("CD7")
    page.locator("#gene-list li").first.wait_for()
    save_artifact("layout_390x844_genes.png", page.screenshot())
    page.locator("#gene-input").press("Escape")  # closes the suggestions first
    page.keyboard.press("Escape")
    assert page.locator("#genes-panel").is_hidden() and page.locator("#backdrop").is_hidden()
    # the backdrop closes a drawer too
    page.locator("#toggle-cells").tap()
    page.locator("#backdrop").tap(position={"x": 380, "y": 400})
    assert drawer.is_hidden()
    context.close()
