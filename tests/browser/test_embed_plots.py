"""The plots of issue #13 where they make sense in `?embed=1` (a lab page's iframe shows what its
link asks for): category names on the plot, two genes blended beside a side view, the look; and
the figure exports from the embedded toolbar."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser_helpers import colour_pixels, export_download, hex_rgb, save_artifact
from selection_helpers import obs

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"


def test_embedded_labels_blend_side_view_and_export(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("?embed=1#color=obs%3Alouvain&size=1.5"))
    # the names of louvain's categories on the plot, as in the full viewer
    page.locator(".plot-label").first.wait_for()
    shown = page.locator(".plot-label:not([hidden])").all_text_contents()
    _, attrs = obs(pbmc_bundle, "louvain")
    assert len(shown) >= 5 and set(shown) <= set(attrs["categories"])
    assert page.evaluate("window.xgexport.getState().look.size") == 1.5
    # nothing selected: no empty chip over the plot; the lasso's toggles show it, a selection counts in it
    page.wait_for_function(
        "() => !!window.xgexport.getState && document.getElementById('tool-lasso') && !document.getElementById('tool-lasso').disabled"
    )
    assert page.locator("#selection-bar").is_hidden()
    save_artifact("embed_labels.png", page.screenshot())
    page.locator("#tool-lasso").click()
    page.locator("#selection-bar").wait_for(state="visible")
    page.locator("#tool-pan").click()
    page.locator("#selection-bar").wait_for(state="hidden")
    page.evaluate("window.xgexport.setSelection([1, 2, 3])")
    page.locator("#selection-bar").wait_for(state="visible")
    assert "3 of 700 cells selected" in page.locator("#selection-bar").text_content()
    # two genes blended, louvain beside them: the link's side view is shown in the frame
    page.goto(pbmc_site.url("?embed=1#color=genes%3ACD79A%2CCST3&split=obs%3Alouvain"))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    page.locator(".split-view").wait_for()
    assert page.locator(".split-name").text_content() == "louvain"
    assert "CD79A" in page.locator("#legend").text_content() and "CST3" in page.locator("#legend").text_content()
    side = pixel_reader(page.locator(".split-canvas").screenshot())
    for colour, n in zip(attrs["colors"], attrs["counts"]):
        assert colour_pixels(side, hex_rgb(colour)) > 2 * n, colour
    save_artifact("embed_blend_split.png", page.screenshot())
    # the embedded toolbar exports the figure: both views, with titles and legends
    root = ET.fromstring(Path(export_download(page, "#export-svg").path()).read_bytes())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "PBMC 68k (reduced)" and "louvain" in texts and any("CD79A" in t for t in texts)
    assert sum(1 for g in root.iter(f"{SVG}g") if g.get("clip-path")) == 2
    save_artifact("embed_blend_split_export.png", Path(export_download(page, "#export-png").path()).read_bytes())
    rec.assert_clean([pbmc_site.origin])
