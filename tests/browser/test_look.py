"""The plot's appearance as a person changes it: point size and opacity sliders, the colour map
of continuous values (viridis, grey to red; blue-white-red centred on 0 for values below 0), kept
in the link and restored from it, and drawn the same in the PNG export."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import READY, export_file, save_artifact

pytestmark = pytest.mark.browser


def painted(px: np.ndarray) -> int:
    """Pixels that are not the white background."""
    return int((px[..., :3].min(axis=-1) < 235).sum())


def canvas_pixels(page, pixel_reader):
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return pixel_reader(page.locator("#canvas").screenshot())


def wait_hash(page, text):
    page.wait_for_function(f"() => location.hash.includes({text!r})", timeout=5000)


def open_appearance(page):
    page.locator("#appearance summary").click()
    page.locator("#look-size").wait_for()


def test_size_and_opacity_by_mouse_and_keyboard_kept_in_the_link(rec, pbmc_site, pixel_reader, browser):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_appearance(page)
    before = painted(canvas_pixels(page, pixel_reader))
    assert page.locator("#look-size").input_value() == "0"
    assert "(auto)" in page.locator("#look-size ~ output, #look-opacity + output").last.text_content()
    # the size slider: clicked near its right end with the mouse (a factor of about 3)
    box = page.locator("#look-size").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    look = page.evaluate("window.xgexport.getState().look")
    assert look["size"] > 2.5, look
    bigger = painted(canvas_pixels(page, pixel_reader))
    assert bigger > 1.8 * before, (before, bigger)
    # then two steps down with the keyboard: ×2^(1.5) → ×2^(1.0) or so
    page.locator("#look-size").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    look = page.evaluate("window.xgexport.getState().look")
    assert look["size"] == pytest.approx(2 ** (float(page.locator("#look-size").input_value())), rel=0.005)
    # opacity: the slider to its left end with Home (5%): the points fade to near white
    page.locator("#look-opacity").focus()
    page.keyboard.press("Home")
    assert page.evaluate("window.xgexport.getState().look.opacity") == pytest.approx(0.05)
    faint = canvas_pixels(page, pixel_reader)
    page.keyboard.press("End")
    opaque = canvas_pixels(page, pixel_reader)
    # at 5% only where dozens of cells pile up is a pixel dark; at 100% every cell is
    dark = lambda px: int((px[..., :3].min(axis=-1) < 150).sum())  # noqa: E731
    assert dark(faint) < 0.1 * dark(opaque) and int((faint[..., :3].min(axis=-1) < 253).sum()) > 0.5 * painted(
        opaque
    ), (dark(faint), dark(opaque))
    wait_hash(page, "opacity=1")
    url = page.url
    assert "size=" in url
    save_artifact("look_size_opacity.png", page.locator("#plot-area").screenshot())
    # the link restores the look: a new page, the same sliders and the same drawing
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(url)
    other.wait_for_selector(READY, state="attached")
    assert other.evaluate("window.xgexport.getState().look") == page.evaluate("window.xgexport.getState().look")
    other.locator("#appearance summary").click()
    assert other.locator("#look-size").input_value() == page.locator("#look-size").input_value()
    assert other.locator("#look-opacity").input_value() == "100"
    # "Automatic" puts both back; the link loses them
    page.locator("#look-reset").click()
    assert page.evaluate("window.xgexport.getState().look") == {"size": 1, "opacity": None, "cmap": "viridis", "labels": True,
                                                                 "image": 1, "lib": None, "spots": True}  # fmt: skip
    page.wait_for_function(
        "() => !location.hash.includes('size=') && !location.hash.includes('opacity=')", timeout=5000
    )
    other.context.close()
    rec.assert_clean([pbmc_site.origin])


def colours_of(px):
    return {tuple(int(v) for v in p) for p in px[..., :3].reshape(-1, 3)}


def test_colour_maps_on_plot_legend_and_png(rec, pbmc_site, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3An_counts&opacity=1"))
    open_appearance(page)
    assert page.locator(".colorbar").get_attribute("data-cmap") == "viridis"
    viridis_px = canvas_pixels(page, pixel_reader)
    page.locator("#look-cmap").select_option("grey")
    wait_hash(page, "cmap=grey")
    assert page.locator(".colorbar").get_attribute("data-cmap") == "grey"
    grey_px = canvas_pixels(page, pixel_reader)
    save_artifact("look_grey_to_red.png", page.locator("#plot-area").screenshot())

    # viridis has blue-green-yellow points; grey-to-red has none with blue above red
    def bluish(px):
        rgb = px[..., :3].astype(int)
        return int(((rgb[..., 2] > rgb[..., 0] + 40) & (rgb[..., 2] < 200)).sum())

    def reddish(px):
        rgb = px[..., :3].astype(int)
        return int(((rgb[..., 0] > rgb[..., 2] + 60) & (rgb[..., 0] > rgb[..., 1] + 40)).sum())

    assert bluish(viridis_px) > 500 and reddish(viridis_px) == 0
    assert reddish(grey_px) > 500 and bluish(grey_px) == 0
    # the PNG draws the points and the colour bar with the same map
    png = export_file(page, "#export-png")
    save_artifact("look_grey_to_red_export.png", png)
    fig = pixel_reader(png)
    box = page.locator("#canvas").bounding_box()
    legend = fig[:, 2 * (32 + int(box["width"])) :]
    assert reddish(legend) > 200 and bluish(legend) == 0
    assert reddish(fig[:, : 2 * (32 + int(box["width"]))]) > 500
    rec.assert_clean([pbmc_site.origin])


def test_values_below_zero_get_a_map_centred_on_zero(rec, pbmc_site, pbmc_bundle, pbmc_meta):
    import zarr

    page = rec.goto_ready(pbmc_site.url("#color=obs%3AS_score&cmap=grey"))
    col = next(o for o in pbmc_meta["obs"] if o["name"] == "S_score")
    values = zarr.open_group(str(pbmc_bundle / "data"), mode="r")[f"obs/{col['id']}/values"][:]
    assert values.min() < 0 < values.max()
    assert page.locator(".colorbar").get_attribute("data-cmap") == "diverging"
    lo = float(page.locator(".cb-min").text_content().lstrip("≤"))
    hi = float(page.locator(".cb-max").text_content().rstrip("+"))
    assert lo == pytest.approx(-hi, rel=0.02)  # symmetric about 0: white is 0
    assert (
        "centred" in page.locator(".legend .note").text_content()
        or "0: white" in page.locator(".legend .note").text_content()
    )
    save_artifact("look_diverging.png", page.locator("#plot-area").screenshot())
    rec.assert_clean([pbmc_site.origin])
