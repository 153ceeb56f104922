"""Category names on the plot: at each category's median position (checked against numpy), on
by default, toggled in Appearance (and in the link), following pan and zoom, never overlapping,
hidden categories left out, and drawn in the PNG and SVG exports."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from browser_helpers import READY, export_file, overlapping_boxes, save_artifact
from selection_helpers import display, obs, screen_positions

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def medians(bundle, column="louvain"):
    """numpy's median of each category's cells (display positions in data units), float64."""
    q, lo, hi, y_down = display(bundle)
    codes, attrs = obs(bundle, column)
    xy = lo + q / 65535 * (hi - lo)
    return (
        {k: np.median(xy[codes == k], axis=0) for k in range(len(attrs["categories"])) if (codes == k).any()},
        attrs,
        (q, lo, hi, y_down),
    )


def shown_labels(page):
    """{code: (centre x, centre y, box)} of the names visible, in canvas CSS px."""
    page.evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    canvas = page.locator("#canvas").bounding_box()
    out = {}
    for span in page.locator(".plot-label:not([hidden])").all():
        b = span.bounding_box()
        out[int(span.get_attribute("data-code"))] = (
            b["x"] - canvas["x"] + b["width"] / 2,
            b["y"] - canvas["y"] + b["height"] / 2,
            b,
        )
    return out


def overlapping(labels):
    return overlapping_boxes([b for _, _, b in labels.values()])


def test_names_sit_on_the_medians_and_follow_pan_and_zoom(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    centre, attrs, (_q, lo, hi, y_down) = medians(pbmc_bundle)
    camera = page.evaluate("window.xgexport.getState().camera")
    box = page.locator("#canvas").bounding_box()
    labels = shown_labels(page)
    assert len(labels) >= 8, labels  # 11 clusters: most fit at the first zoom
    for code, (x, y, _span) in labels.items():
        assert page.locator(f'.plot-label[data-code="{code}"]').text_content() == attrs["categories"][code]
        in_display_units = (centre[code] - lo) / (hi - lo) * 65535
        want = screen_positions(in_display_units[None, :], lo, hi, camera, box["width"], box["height"], y_down)[0]
        assert abs(x - want[0]) < 1.5 and abs(y - want[1]) < 1.5, (code, (x, y), want)
    assert not overlapping(labels)
    save_artifact("labels_louvain.png", page.locator("#plot-area").screenshot())
    # a drag with the mouse: every name moves with the cells
    page.mouse.move(box["x"] + 300, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 350, box["y"] + 340, steps=5)
    page.mouse.move(box["x"] + 400, box["y"] + 360, steps=5)
    page.mouse.up()
    moved = shown_labels(page)
    common = [k for k in labels if k in moved]
    assert len(common) >= 6
    for k in common:
        assert moved[k][0] - labels[k][0] == pytest.approx(100, abs=1.5) and moved[k][1] - labels[k][
            1
        ] == pytest.approx(60, abs=1.5)
    # zoomed far out: the plot is small, names would pile up; the smaller clusters' names give way
    page.locator("#reset-view").click()
    for _ in range(5):
        page.locator("#zoom-out").click()
    crowded = shown_labels(page)
    assert 1 <= len(crowded) < len(labels) and not overlapping(crowded)
    counts = attrs["counts"]
    assert max(counts[k] for k in crowded) == max(counts)  # the largest cluster keeps its name
    save_artifact("labels_zoomed_out.png", page.locator("#plot-area").screenshot())
    rec.assert_clean([pbmc_site.origin])


def test_centres_equal_numpys_median(rec, pbmc_site, pbmc_bundle):
    """plot/labels.js's centres against numpy on the bundle's own display positions, exactly."""
    page = rec.goto_ready(pbmc_site.url())
    q, lo, hi, _ = display(pbmc_bundle)
    for column in ("louvain", "bulk_labels", "phase"):
        codes, attrs = obs(pbmc_bundle, column)
        got = page.evaluate(
            """async ([xy, codes, k, lo, hi]) => {
            const m = await import('./viewer/plot/labels.js');
            const e = { xy: Uint16Array.from(xy), bounds: { min: lo, max: hi }, hidden: 0 };
            return m.categoryCentres(e, Int32Array.from(codes), k);
        }""",
            [
                q.astype(int).ravel().tolist(),
                codes.astype(int).tolist(),
                len(attrs["categories"]),
                lo.tolist(),
                hi.tolist(),
            ],
        )
        xy = lo + q / 65535 * (hi - lo)
        for c in got:
            want = np.median(xy[codes == c["code"]], axis=0)
            assert c["n"] == int((codes == c["code"]).sum())
            assert c["x"] == pytest.approx(want[0], rel=1e-12, abs=1e-9) and c["y"] == pytest.approx(
                want[1], rel=1e-12, abs=1e-9
            )
        assert len(got) == len(set(codes[codes >= 0].tolist()))
    rec.assert_clean([pbmc_site.origin])


def test_toggle_hidden_categories_and_the_link(rec, pbmc_site, browser):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    first = shown_labels(page)
    code = max(first)  # hide one category in the legend with the mouse: its name goes
    page.locator(f'.legend-item[data-code="{code}"] .legend-toggle').click()
    after = shown_labels(page)
    assert code not in after and len(after) >= len(first) - 1
    # the toggle in Appearance: off, kept in the link; a new page opens without names
    page.locator("#appearance summary").click()
    page.locator("#look-labels").click()
    assert shown_labels(page) == {}
    page.wait_for_function("() => location.hash.includes('labels=0')", timeout=5000)
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(page.url)
    other.wait_for_selector(READY, state="attached")
    assert shown_labels(other) == {} and other.evaluate("window.xgexport.getState().look.labels") is False
    other.context.close()
    # on again with the keyboard
    page.locator("#look-labels").focus()
    page.keyboard.press("Space")
    assert len(shown_labels(page)) == len(after)
    # a gene colouring has no categories: no names
    page.evaluate("window.xgexport.setColor('gene:CD3E')")
    page.wait_for_selector(READY, state="attached")
    assert shown_labels(page) == {}
    rec.assert_clean([pbmc_site.origin])


def test_names_in_the_svg_and_png(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    labels = shown_labels(page)
    _, attrs, _ = medians(pbmc_bundle)
    root = ET.fromstring(export_file(page, "#export-svg"))
    halo = {t.text: t for t in root.iter(f"{SVG}text") if t.get("paint-order") == "stroke"}
    assert set(halo) == {attrs["categories"][k] for k in labels}
    for k, (x, y, _) in labels.items():
        t = halo[attrs["categories"][k]]
        assert t.get("text-anchor") == "middle" and t.get("stroke") == "#ffffff"
        assert float(t.get("x")) == pytest.approx(16 + x, abs=1.5) and float(t.get("y")) == pytest.approx(
            56 + y + 4, abs=2
        )
    png = export_file(page, "#export-png")
    save_artifact("labels_export.png", png)
    px = pixel_reader(png)
    for k, (x, y, b) in labels.items():  # dark text where each name is, at 2×
        x0, x1 = int(2 * (16 + x - b["width"] / 2)), int(2 * (16 + x + b["width"] / 2))
        y0, y1 = int(2 * (56 + y - 8)), int(2 * (56 + y + 8))
        assert (px[y0:y1, x0:x1, :3].max(axis=-1) < 70).sum() > 30, attrs["categories"][k]
    rec.assert_clean([pbmc_site.origin])
