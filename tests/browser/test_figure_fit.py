"""The figure panels (violin, heatmap, dot plot) laid out for the window a reader has: at the
desktop window (1366 × 768, both side panels open) every violin, legend line and title lies in
the panel's visible box, a matrix wider than the panel scrolls with its legend below it in view,
the saved figure holds every element, and closing a side panel redraws the figure wider (a
change of height alone does not redraw it)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from browser_helpers import BOXES, UNCLIPPED, download_of, outside, save_artifact, wait_until

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


# the smallest font of an <svg>'s text as drawn (its own size; the figures are shown at 1:1)
SMALLEST_FONT = "(sel) => Math.min(...[...document.querySelectorAll(`${sel} text`)].map((t) => parseFloat(getComputedStyle(t).fontSize)))"


def open_violin(page, gene="CST3"):
    page.locator("#gene-input").fill(gene)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.xgexport.getState().color === 'gene:{gene}'")
    page.locator("#open-violin").click()
    page.wait_for_function("() => document.querySelectorAll('#violin g.violin').length === 11")


def test_violins_and_legend_fit_the_panel_and_follow_its_width(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_violin(page)
    assert page.locator("#violin-column option:checked").text_content() == "louvain"
    violins = page.evaluate(BOXES, ["#violin .violin-svg", "g.violin"])
    assert len(violins["boxes"]) == 11
    assert not outside(violins), outside(violins)
    legend = page.evaluate(BOXES, ["#violin .violin-svg", ".v-legend, .fig-title, .fig-subtitle"])
    assert len(legend["boxes"]) == 10  # the column's name, 7 lines, the title and the subtitle
    assert not outside(legend), outside(legend)
    width, client, _ = violins["scroll"]
    assert width <= client, "the violin panel scrolls sideways"
    assert not page.evaluate(UNCLIPPED, "#violin .violin-svg")
    assert page.evaluate(SMALLEST_FONT, "#violin .violin-svg") >= 10
    save_artifact("violin_fit_both_panels.png", page.locator("#violin").screenshot())
    # a change of height alone does not draw the figure again; closing the genes panel does, wider
    page.evaluate("() => { document.querySelector('#violin .violin-svg').dataset.mark = 'first'; }")
    page.set_viewport_size({"width": 1366, "height": 740})
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.locator("#violin .violin-svg").get_attribute("data-mark") == "first"
    before = page.locator("#violin .violin-svg").bounding_box()["width"]
    step = float(page.locator("#violin g.violin").nth(1).locator(".v-frac").get_attribute("x")) - float(
        page.locator("#violin g.violin").nth(0).locator(".v-frac").get_attribute("x")
    )
    page.locator("#genes-panel .side-close").click()
    shown = "() => document.querySelector('#violin .violin-svg')?.getBoundingClientRect().width ?? 0"
    wait_until(lambda: page.evaluate(shown) > before + 100)
    page.wait_for_timeout(400)  # the side panel's transition, if any, has ended
    wider = float(page.locator("#violin g.violin").nth(1).locator(".v-frac").get_attribute("x")) - float(
        page.locator("#violin g.violin").nth(0).locator(".v-frac").get_attribute("x")
    )
    assert wider > step
    assert page.locator("#violin .violin-svg").get_attribute("data-mark") is None
    violins = page.evaluate(BOXES, ["#violin .violin-svg", "g.violin, .v-legend"])
    assert not outside(violins), outside(violins)
    save_artifact("violin_fit_one_panel.png", page.locator("#violin").screenshot())
    rec.assert_clean([pbmc_site.origin])


def test_violin_files_hold_the_whole_figure(rec, pbmc_site, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_violin(page)
    dl = download_of(page, "#violin-svg")
    root = ET.fromstring(Path(dl.path()).read_bytes())
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    shown = page.locator("#violin .violin-svg").bounding_box()
    assert (width, height) == (round(shown["width"]), round(shown["height"]))
    texts = "".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Box: quartiles; white bar: median" in texts and "CST3 by louvain" in texts
    dl = download_of(page, "#violin-png")
    px = pixel_reader(Path(dl.path()).read_bytes())
    assert px.shape[:2] == (2 * height, 2 * width)
    assert not page.evaluate(UNCLIPPED, "#violin .violin-svg")
    rec.assert_clean([pbmc_site.origin])


def open_markers(page, per=None):
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-dotplot").click()
    page.locator("#dotplot svg circle").first.wait_for()
    if per is not None and page.locator("#dp-per").input_value() != str(per):
        genes = page.locator("#dotplot .dp-gene").count()
        page.locator("#dp-per").select_option(str(per))
        wait_until(lambda: page.locator("#dotplot .dp-gene").count() > genes)


HEAT_LEGEND = {"mean expression", "z-score per gene across", "the categories shown", ""}  # "": the colour bar


def legend_boxes(page, sel, view):
    """The heatmap's colour legend (its three lines and its bar) or the dot plot's legend group."""
    if view == "dot":
        return page.evaluate(BOXES, [sel, ".dp-legend"])
    found = page.evaluate(BOXES, [sel, "text, rect[fill='url(#hm-diverging)']"])
    found["boxes"] = [b for b in found["boxes"] if b["text"] in HEAT_LEGEND]
    assert len(found["boxes"]) == 4
    return found


def heatmap(page):
    page.locator("#dp-view-heat").click()
    page.locator("#dotplot .heatmap-svg").wait_for()


@pytest.mark.parametrize("view", ["heat", "dot"])
def test_matrix_legend_and_subtitle_fit_the_panel(rec, pbmc_site, view):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_markers(page, per=3)
    sel = "#dotplot .heatmap-svg" if view == "heat" else "#dotplot .dotplot-svg"
    if view == "heat":
        heatmap(page)
    assert not page.evaluate(UNCLIPPED, sel)
    assert page.evaluate(SMALLEST_FONT, sel) >= 10
    found = legend_boxes(page, sel, view)
    assert not outside(found), (found, outside(found))
    assert found["scroll"][2] == 0
    if view == "heat":
        # the title and subtitle: their drawn length within the figure's width and in view
        lengths = page.locator(f"{sel} .fig-title, {sel} .fig-subtitle").evaluate_all(
            "(ts) => ts.map((t) => [t.getComputedTextLength(), t.getBoundingClientRect().width])"
        )
        svg_width = float(page.locator(sel).get_attribute("width"))
        assert len(lengths) == 2 and all(w <= svg_width - 12 for _, w in lengths), (lengths, svg_width)
        head = page.evaluate(BOXES, [sel, ".fig-title, .fig-subtitle"])
        assert not outside(head), outside(head)
        save_artifact("heatmap_fit_louvain.png", page.locator("#dotplot").screenshot())
    else:
        save_artifact("dotplot_fit_louvain.png", page.locator("#dotplot").screenshot())
    rec.assert_clean([pbmc_site.origin])


@pytest.mark.parametrize("view", ["heat", "dot"])
def test_many_genes_scroll_with_the_legend_in_view(rec, pbmc_site, view):
    """11 categories × 5 markers each: the matrix is wider than the panel and scrolls; its
    legend is below it, in view without scrolling, and the file holds all of it."""
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_markers(page, per=5)
    sel = "#dotplot .heatmap-svg" if view == "heat" else "#dotplot .dotplot-svg"
    if view == "heat":
        heatmap(page)
    found = legend_boxes(page, sel, view)
    width, client, left = found["scroll"]
    assert width > client and left == 0, "the matrix is wider than the panel: it scrolls"
    assert not outside(found), outside(found)
    cells = page.evaluate(BOXES, [sel, ".hm-cell" if view == "heat" else ".dots circle"])
    assert min(b["top"] for b in found["boxes"]) > max(c["bottom"] for c in cells["boxes"]), (
        "the legend is below the matrix"
    )
    assert not page.evaluate(UNCLIPPED, sel)
    if view == "heat":
        head = page.evaluate(BOXES, [sel, ".fig-title, .fig-subtitle"])
        assert not outside(head), outside(head)
        dl = download_of(page, "#heatmap-svg")
        root = ET.fromstring(Path(dl.path()).read_bytes())
        assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
        assert int(root.get("width")) == round(page.locator(sel).bounding_box()["width"])
    save_artifact(
        f"{'heatmap' if view == 'heat' else 'dotplot'}_fit_many_genes.png", page.locator("#dotplot").screenshot()
    )
    # both side panels closed: the panel is wide enough for the legend beside the matrix, redrawn so
    page.locator("#genes-panel .side-close").click()
    page.locator("#cells-panel .side-close").click()
    cell = ".hm-cell" if view == "heat" else ".dots circle"
    beside = f"""() => {{
        const svg = document.querySelector('{sel}');
        const right = Math.max(...[...svg.querySelectorAll('{cell}')].map((c) => c.getBoundingClientRect().right));
        const title = [...svg.querySelectorAll('text')].find((t) => /^(mean expression|% expressing)$/.test(t.textContent));
        return title.getBoundingClientRect().left > right;
    }}"""
    page.wait_for_function(beside)
    found = legend_boxes(page, sel, view)
    assert not outside(found), outside(found)
    assert found["scroll"][0] <= found["scroll"][1], "the matrix and its legend fit: nothing scrolls sideways"
    rec.assert_clean([pbmc_site.origin])


def open_scatter(page, first="CD79A", second="CD79B"):
    page.locator("#gene-input").fill(first)
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.xgexport.getState().color === 'gene:{first}'")
    page.locator("#blend-input").fill(second)
    page.locator("#blend-input").press("Enter")
    page.wait_for_function(f"() => window.xgexport.getState().color === 'genes:{first},{second}'")
    page.locator("#open-scatter").click()
    page.locator("#scatter .scatter-svg").wait_for()


@pytest.mark.parametrize("width", [1366, 1180])
def test_gene_against_gene_fits_the_panel_and_follows_its_width(rec, pbmc_site, width):
    """At the desktop window (1366) and a smaller laptop's (1180), both side panels open: the plot,
    its legend (every count) and the title lie in the panel's visible box, with no sideways
    scroll; closing the genes panel redraws the figure with the legend beside the plot."""
    rec.page.set_viewport_size({"width": width, "height": 800})
    page = rec.goto_ready(pbmc_site.url())
    open_scatter(page)
    sel = "#scatter .scatter-svg"
    found = page.evaluate(BOXES, [sel, "text, .sc-dots"])
    assert len(found["boxes"]) > 15
    assert not outside(found, horizontal_only=True), outside(found, horizontal_only=True)
    scroll_width, client, _ = found["scroll"]
    assert scroll_width <= client, "the gene against gene panel scrolls sideways"
    assert not page.evaluate(UNCLIPPED, sel)
    assert page.evaluate(SMALLEST_FONT, sel) >= 10
    save_artifact(f"scatter_fit_{width}.png", page.locator("#scatter").screenshot())
    page.locator("#genes-panel .side-close").click()
    shown = f"() => document.querySelector('{sel}')?.getBoundingClientRect().width ?? 0"
    before = found["view"]["right"] - found["view"]["left"]
    wait_until(lambda: page.evaluate(shown) > 0 and float(page.locator(sel).get_attribute("data-fit")) > before + 100)
    plot = page.locator(f"{sel} rect[stroke]").bounding_box()
    counts = page.locator(f"{sel} text", has_text="Cells expressing").bounding_box()
    assert counts["x"] > plot["x"] + plot["width"], "the legend is beside the plot in the wider panel"
    assert not page.evaluate(UNCLIPPED, sel)
    rec.assert_clean([pbmc_site.origin])
