"""Side-by-side views: the toolbar's split button keeps the current colouring in a view of its own
while the main plot changes colouring; one camera for all (a drag in a side view moves every
view); closed with its ×; at most four views; kept in the link; stacked on a phone."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import READY, colour_pixels, hex_rgb, save_artifact
from selection_helpers import obs

pytestmark = pytest.mark.browser


def pixels(page, selector, pixel_reader):
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return pixel_reader(page.locator(selector).screenshot())


def test_split_views_share_one_camera_and_the_link(rec, pbmc_site, pbmc_bundle, pixel_reader, browser):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    main_before = page.locator("#canvas").bounding_box()
    page.locator("#split-add").click()
    page.locator(".split-view").wait_for()
    assert page.locator(".split-name").text_content() == "louvain"
    page.wait_for_function("() => location.hash.includes('split=obs%3Alouvain')")
    # the main plot gives half its width to the new view
    main = page.locator("#canvas").bounding_box()
    side = page.locator(".split-canvas").bounding_box()
    assert (
        main["width"] == pytest.approx(main_before["width"] / 2, abs=2) and side["x"] >= main["x"] + main["width"] - 1
    )
    # the main plot coloured by a gene: the side view keeps louvain's colours
    page.evaluate("window.xgexport.setColor('gene:CD79A')")
    page.wait_for_selector(READY, state="attached")
    _, attrs = obs(pbmc_bundle, "louvain")
    side_px = pixels(page, ".split-canvas", pixel_reader)
    main_px = pixels(page, "#canvas", pixel_reader)
    for colour, n in zip(attrs["colors"], attrs["counts"]):
        assert colour_pixels(side_px, hex_rgb(colour)) > 2 * n, colour
    assert colour_pixels(main_px, hex_rgb(attrs["colors"][0])) < 20
    save_artifact("split_two_views.png", page.screenshot())
    # one camera: a drag with the mouse in the side view moves both
    camera = page.evaluate("window.xgexport.getState().camera")
    page.mouse.move(side["x"] + 200, side["y"] + 300)
    page.mouse.down()
    page.mouse.move(side["x"] + 260, side["y"] + 330, steps=6)
    page.mouse.up()
    moved = page.evaluate("window.xgexport.getState().camera")
    assert moved["cx"] < camera["cx"] and moved["cy"] > camera["cy"] and moved["zoom"] == camera["zoom"]
    assert not np.array_equal(main_px, pixels(page, "#canvas", pixel_reader))  # the main plot moved too
    # the link: a new page shows both views, each its own colouring, one camera
    page.wait_for_function(
        "() => location.hash.includes('split=obs%3Alouvain') && location.hash.includes('color=gene')"
    )
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(page.url)
    other.wait_for_selector(READY, state="attached")
    other.locator(".split-view").wait_for()
    state = other.evaluate("window.xgexport.getState()")
    assert state["color"] == "gene:CD79A" and state["split"] == ["obs:louvain"]
    assert state["camera"] == pytest.approx(page.evaluate("window.xgexport.getState().camera"), rel=1e-5)
    other.context.close()
    # up to four views; then the button is off
    page.locator("#split-add").click()
    page.locator("#split-add").click()
    page.wait_for_function("() => document.querySelectorAll('.split-view').length === 3")
    assert page.locator("#split-add").is_disabled()
    save_artifact("split_four_views.png", page.screenshot())
    # closed with its × (keyboard): the link forgets it
    for _ in range(3):
        page.locator(".split-close").first.focus()
        page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelectorAll('.split-view').length === 0 && !location.hash.includes('split=')"
    )
    assert page.locator("#canvas").bounding_box()["width"] == pytest.approx(main_before["width"], abs=2)
    rec.assert_clean([pbmc_site.origin])


def test_split_views_stack_on_a_phone(browser, pbmc_site):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    page = context.new_page()
    page.goto(pbmc_site.url("#color=gene%3ACD79A&split=obs%3Alouvain"))
    page.wait_for_selector(READY, state="attached")
    page.locator(".split-view").wait_for()
    main = page.locator("#canvas").bounding_box()
    side = page.locator(".split-canvas").bounding_box()
    assert side["y"] >= main["y"] + main["height"] - 1 and side["width"] == pytest.approx(main["width"], abs=2)
    assert main["height"] > 200 and side["height"] > 200
    # the toolbar still fits the phone's width
    tb = page.locator("#toolbar").bounding_box()
    assert tb["x"] >= 0 and tb["x"] + tb["width"] <= 390
    save_artifact("split_phone.png", page.screenshot())
    context.close()
