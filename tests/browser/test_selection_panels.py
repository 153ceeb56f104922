"""The cells panel's selection tools in Chromium, used as people use them: brushing a histogram
with the mouse (and its fields with the keyboard), clicking categories in the category browser
(Shift, Alt), hundreds of categories, the gene's histogram; Subset and Reset; hidden legend
categories. Checked against the bundle's values in Python."""

from __future__ import annotations

import re

import numpy as np
import pytest
from browser_helpers import next_frames, save_artifact
from selection_helpers import bin_edges, obs
from test_selection import COUNTED, Plot, selected, settle, state, wait_until

pytestmark = pytest.mark.browser

SELECTED_RGB = (0x2F, 0x5F, 0xB3)  # the histogram's selected bars (panels/histogram.js)


def histogram(page, name):
    # a histogram is loaded once its block is scrolled into view, as a person would scroll to it
    page.locator(f'.hist-block[data-column="{name}"]').scroll_into_view_if_needed()
    canvas = page.locator(f'.hist-block[data-column="{name}"] canvas')
    canvas.scroll_into_view_if_needed()
    canvas.wait_for()
    return canvas


def brush(page, canvas, first, last, slots=40, keys=()):
    """Drag across a histogram from the middle of slot `first` to the middle of slot `last`."""
    box = canvas.bounding_box()
    x = lambda s: box["x"] + (s + 0.5) * box["width"] / slots  # noqa: E731
    y = box["y"] + box["height"] / 2
    for k in keys:
        page.keyboard.down(k)
    page.mouse.move(x(first), y)
    page.mouse.down()
    page.mouse.move(x((first + last) / 2), y, steps=3)
    page.mouse.move(x(last), y, steps=3)
    page.mouse.up()
    for k in keys:
        page.keyboard.up(k)


def range_step(text):
    lo, hi = text.split(":")[-1].split(",")
    return float(lo), (float(hi) if hi else None)


def test_brushing_histograms_selects_the_cells_of_the_brushed_bars(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    values, attrs = obs(pbmc_bundle, "n_genes")
    edges = bin_edges(attrs["min"], attrs["max"])
    canvas = histogram(page, "n_genes")
    brush(page, canvas, 8, 14)
    steps = settle(page)
    lo, hi = range_step(steps[0])
    assert steps[0].startswith("range:n_genes:") and (lo, hi) == (edges[8], edges[15])
    v = values.astype(np.float64)
    want = (v >= lo) & (v < hi)
    assert 20 < want.sum() < 600
    assert selected(page) == set(np.nonzero(want)[0].tolist())
    # the brushed bars hold every selected cell: selected colour only inside the brush
    png = canvas.screenshot()
    save_artifact("selection_histogram_brush.png", png)
    px = pixel_reader(png)
    width = px.shape[1]
    columns = np.nonzero(np.abs(px[..., :3].astype(int) - SELECTED_RGB).max(axis=-1).min(axis=0) <= 10)[0]
    assert columns.size and columns.min() >= width * 8 / 40 - 2 and columns.max() <= width * 15 / 40 + 2
    # every category's count in the browser is the count of its selected cells
    codes, _cat_attrs = obs(pbmc_bundle, "louvain")
    page.locator('.cat-column[data-column="louvain"] summary').click()
    page.wait_for_selector(COUNTED, state="attached")
    rows = page.locator('.cat-column[data-column="louvain"] .cat-row')
    rows.first.wait_for()
    for i in range(rows.count()):
        k = int(rows.nth(i).get_attribute("data-code"))
        assert (
            rows.nth(i).locator(".cat-count").text_content()
            == f"{int(want[codes == k].sum())} / {int((codes == k).sum())}"
        )

    # Shift and Alt held: keep only the cells also in a percent_mito range (intersect)
    mito, mito_attrs = obs(pbmc_bundle, "percent_mito")
    medges = bin_edges(mito_attrs["min"], mito_attrs["max"])
    brush(page, histogram(page, "percent_mito"), 0, 19, keys=["Shift", "Alt"])
    steps = settle(page, steps)
    assert steps[1] == f"intersect:range:percent_mito:{medges[0]:.6g},{medges[20]:.6g}"
    want &= (mito.astype(np.float64) >= medges[0]) & (mito.astype(np.float64) < medges[20])
    assert selected(page) == set(np.nonzero(want)[0].tolist())
    # dragging that histogram again adjusts its own step, it does not stack another
    brush(page, histogram(page, "percent_mito"), 0, 24, keys=["Shift", "Alt"])
    steps = settle(page, steps)
    assert len(steps) == 2 and steps[1] == f"intersect:range:percent_mito:{medges[0]:.6g},{medges[25]:.6g}"
    # the keyboard: the fields under a histogram, Enter selects (replace)
    form = page.locator('.hist-block[data-column="n_counts"] form')
    form.scroll_into_view_if_needed()
    form.locator("input").nth(0).fill("3000")
    form.locator("input").nth(1).fill("4000")
    form.locator("input").nth(1).press("Enter")
    steps = settle(page, steps)
    counts, _ = obs(pbmc_bundle, "n_counts")
    assert steps == ["range:n_counts:3000,4000"]
    assert selected(page) == set(np.nonzero((counts >= 3000) & (counts < 4000))[0].tolist())
    save_artifact("selection_histograms.png", page.screenshot())
    rec.assert_clean([pbmc_site.origin])


def test_category_browser_clicks_modifiers_search_and_sort(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    codes, attrs = obs(pbmc_bundle, "bulk_labels")
    block = page.locator('.cat-column[data-column="bulk_labels"]')
    block.locator("summary").click()
    row = lambda label: block.locator(".cat-row", has=page.locator(".cat-label", has_text=label)).first  # noqa: E731
    cats = attrs["categories"]
    a, b = cats.index("CD14+ Monocyte"), cats.index("CD19+ B")
    row("CD14+ Monocyte").click()
    steps = settle(page)
    assert steps == ["cat:bulk_labels:CD14+ Monocyte"] and selected(page) == set(np.nonzero(codes == a)[0].tolist())
    assert row("CD14+ Monocyte").locator(".cat-count").text_content() == f"{(codes == a).sum()} / {(codes == a).sum()}"
    row("CD19+ B").click(modifiers=["Shift"])
    steps = settle(page, steps)
    assert steps == ["cat:bulk_labels:CD14+ Monocyte,CD19+ B"]  # one step for both: a short link
    assert selected(page) == set(np.nonzero((codes == a) | (codes == b))[0].tolist())
    row("CD14+ Monocyte").click(modifiers=["Alt"])
    steps = settle(page, steps)
    assert selected(page) == set(np.nonzero(codes == b)[0].tolist())
    # clicking the category that alone is selected clears the selection
    page.keyboard.press("Escape")
    wait_until(lambda: state(page)["selected"] == 0)
    row("CD19+ B").click()
    settle(page)
    row("CD19+ B").click()
    wait_until(lambda: state(page)["selected"] == 0)
    # search and sort
    block.locator("input[type=search]").fill("cd4")
    labels = block.locator(".cat-label").all_text_contents()
    assert labels and all("cd4" in t.lower() for t in labels)
    block.locator("input[type=search]").fill("")
    block.locator("select").select_option("name")
    next_frames(page)  # the list lays its rows out in an animation frame (catlist.js)
    shown = [
        block.locator(f'.cat-row[data-code="{k}"]').evaluate("e => parseFloat(e.style.top)") for k in range(len(cats))
    ]
    by_top = [cats[k] for k in np.argsort(shown)]
    natural = lambda t: [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", t.lower())]  # noqa: E731
    assert by_top == sorted(cats, key=natural)  # CD4+ before CD14+, as people read numbers
    # Enter on a focused row selects; the arrow keys move between rows
    block.locator(f'.cat-row[data-code="{cats.index(by_top[0])}"]').focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    settle(page)
    assert selected(page) == set(np.nonzero(codes == cats.index(by_top[1]))[0].tolist())
    rec.assert_clean([pbmc_site.origin])


def test_subset_shows_and_counts_only_the_selected_cells_and_reset_returns(rec, pbmc_site, pbmc_bundle, pixel_reader):
    # without the category names over the plot: the pixels checked here are the drawn cells
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain&labels=0"))
    codes, attrs = obs(pbmc_bundle, "louvain")
    k = attrs["categories"].index("4")
    page.evaluate("(k) => window.xgexport.setSelection(k)", np.nonzero(codes == k)[0].tolist())
    page.wait_for_selector(COUNTED, state="attached")
    page.locator("#selection-subset").click()
    wait_until(lambda: state(page)["subset"] is not None and state(page)["selected"] == 0)
    s = state(page)
    assert s["camera"]["zoom"] > 1.5  # fitted to the subset
    assert page.locator(".sel-count").text_content() == f"Subset: {(codes == k).sum()} of 700 cells shown"
    # only the subset is drawn: every coloured pixel is one of its cells
    plot = Plot(page, pbmc_bundle)
    inside = plot.screen[codes == k]
    px = pixel_reader(page.locator("#canvas").screenshot()).copy()
    save_artifact("selection_subset.png", page.screenshot())
    chip = page.locator("#selection-bar").bounding_box()  # over the plot's corner: not cells
    x0, y0 = chip["x"] - plot.box["x"], chip["y"] - plot.box["y"]
    px[int(y0) - 2 : int(y0 + chip["height"]) + 3, int(x0) - 2 : int(x0 + chip["width"]) + 3] = 255
    ys, xs = np.nonzero(px[..., :3].min(axis=-1) < 235)
    near = np.hypot(xs[:, None] - inside[None, :, 0], ys[:, None] - inside[None, :, 1]).min(axis=1)
    assert len(xs) > 100 and near.max() < 12
    # a lasso around everything selects only cells of the subset; the counts are of the subset
    w, h = plot.box["width"], plot.box["height"]
    plot.draw("rect", [(2, 2), (w - 2, h - 2)])
    settle(page)
    assert selected(page) == set(np.nonzero(codes == k)[0].tolist())
    page.locator('.cat-column[data-column="louvain"] summary').click()
    page.wait_for_selector(COUNTED, state="attached")
    other = page.locator('.cat-column[data-column="louvain"] .cat-row[data-code="0"] .cat-count')
    # the counts follow the new selection in a worker: wait for them, not for the old "ready"
    wait_until(lambda: other.text_content() == "0 / 0")
    # the link keeps the subset; Reset shows every cell and the whole embedding
    hash_ = page.evaluate("location.hash")
    assert "subset=cells:" in hash_
    page.locator("#selection-reset").click()
    wait_until(lambda: state(page)["subset"] is None)
    assert state(page)["camera"]["zoom"] == 1
    page.goto("about:blank")
    page.goto(pbmc_site.url(hash_))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    wait_until(lambda: state(page)["subset"] is not None)
    assert selected(page) == set(np.nonzero(codes == k)[0].tolist())
    rec.assert_clean([pbmc_site.origin])


def test_hidden_legend_categories_are_not_selected(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    codes, attrs = obs(pbmc_bundle, "louvain")
    k = int(np.argmax(attrs["counts"]))
    page.locator(f'.legend-item[data-code="{k}"] .legend-toggle').click()
    plot = Plot(page, pbmc_bundle)
    plot.draw(
        "lasso",
        [
            (1, 1),
            (plot.box["width"] - 1, 1),
            (plot.box["width"] - 1, plot.box["height"] - 1),
            (1, plot.box["height"] - 1),
        ],
    )
    steps = settle(page)
    assert selected(page) == set(np.nonzero(codes != k)[0].tolist())
    assert steps[0].endswith(f":not:louvain:{attrs['categories'][k]}")
    # the link gives the same cells
    hash_ = page.evaluate("location.hash")
    page.goto("about:blank")
    page.goto(pbmc_site.url(hash_))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    page.wait_for_selector(COUNTED, state="attached")
    assert selected(page) == set(np.nonzero(codes != k)[0].tolist())
    rec.assert_clean([pbmc_site.origin])


def test_counts_are_ready_only_when_a_column_opened_after_the_selection_shows_them(rec, pbmc_site, pbmc_bundle):
    """A column opened after the selection was counted is counted then: <html data-xg-counts>
    goes back to "counting" until its rows show the selected cells, so a script (or a test) that
    waits for "ready" reads right counts. Before, it stayed "ready" while the new column showed
    only its totals: the category browser test failed under load."""
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    codes, attrs = obs(pbmc_bundle, "bulk_labels")
    cells = list(range(0, 700, 3))
    page.evaluate("(cells) => window.xgexport.setSelection(cells)", cells)
    page.wait_for_function("(n) => window.xgexport.getState().selected === n", arg=len(cells))
    page.wait_for_selector(COUNTED, state="attached")
    page.evaluate(
        """() => { window.__counts = [];
        new MutationObserver(() => window.__counts.push(document.documentElement.dataset.xgCounts))
          .observe(document.documentElement, { attributes: true, attributeFilter: ["data-xg-counts"] }); }"""
    )
    block = page.locator('.cat-column[data-column="bulk_labels"]')
    block.locator("summary").click()
    wait_until(lambda: page.evaluate("window.__counts").count("ready") >= 1)
    assert page.evaluate("window.__counts")[0] == "counting"
    page.wait_for_selector(COUNTED, state="attached")
    chosen = np.zeros(len(codes), bool)
    chosen[cells] = True
    for k, name in enumerate(attrs["categories"]):
        row = block.locator(f'.cat-row[data-code="{k}"]')
        if row.count():  # the rows in view
            assert (
                row.locator(".cat-count").text_content() == f"{(chosen & (codes == k)).sum()} / {(codes == k).sum()}"
            ), name
    rec.assert_clean([pbmc_site.origin])
