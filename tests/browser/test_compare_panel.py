"""The comparison panel as people use it: groups chosen with the mouse, the keyboard or a finger,
the table, the volcano plot and the CSV checked against the API's numbers, the link that opens
the same comparison, refusals in words, and a bundle without comparison data."""

from __future__ import annotations

import csv
import io
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import DATASETS, READY, REPO, build_bundle, save_artifact

sys.path.insert(0, str(REPO / "tests"))
from compare_bundle import build_with_compare

pytestmark = pytest.mark.browser

PBMC = DATASETS / "scanpy_pbmc68k_reduced.h5ad"


@pytest.fixture(scope="module")
def compare_bundle(tmp_path_factory):
    return build_with_compare(PBMC, tmp_path_factory.mktemp("cmp-panel") / "bundle", "--title", "PBMC 68k (reduced)")


@pytest.fixture(scope="module")
def compare_site(compare_bundle, serve):
    return serve(compare_bundle)


@pytest.fixture(scope="module")
def rows_only_site(compare_bundle, tmp_path_factory, serve):
    """Statistics rows without the spatial tree and the leaves (a build that leaves cell-level
    comparison data out but keeps the categories' rows)."""
    import shutil

    bundle = tmp_path_factory.mktemp("cmp-rows") / "bundle"
    shutil.copytree(compare_bundle, bundle)
    for name in ("nodes", "leaf_bytes", "leaves"):
        shutil.rmtree(bundle / "data" / "compare" / name)
    return serve(bundle)


def open_panel(page):
    page.locator("#compare summary").click()
    page.locator("#compare-body[data-state=ready]").wait_for()


def check_only(page, role, labels):
    """Tick exactly these categories in group `role`'s checklist, by clicking."""
    group = page.locator(f'.cmp-group[data-role="{role}"]')
    # by value, not by position: the checklist is drawn again when its column changes, and a
    # list of positions taken before that may point past the new list's end
    for label in labels:
        box = group.locator(f'.cmp-checklist input[value="{label}"]')
        if not box.is_checked():
            box.click()
    checked = group.locator(".cmp-checklist input:checked")
    for value in [v for v in checked.evaluate_all("(boxes) => boxes.map((b) => b.value)") if v not in labels]:
        group.locator(f'.cmp-checklist input[value="{value}"]').click()


def run_and_wait(page):
    page.locator("#cmp-run").click()
    page.wait_for_function(
        "() => !document.querySelector('.cmp-results').hidden && document.querySelectorAll('#cmp-table tbody tr').length > 0"
    )


def api_rows(page, a, b="rest"):
    return page.evaluate(
        "async ([a, b]) => { const r = await window.xgexport.compare(a, b); return {rows: r, info: r.comparison}; }",
        [a, b],
    )


def red_point(page, pixel_reader):
    """The CSS position (in the page) of a point drawn in the volcano's "higher in A" red."""
    canvas = page.locator(".volcano-canvas")
    canvas.scroll_into_view_if_needed()
    pixels = pixel_reader(canvas.screenshot())
    box = canvas.bounding_box()
    scale = pixels.shape[1] / box["width"]
    red = np.argwhere(np.abs(pixels[..., :3].astype(int) - [0xC0, 0x39, 0x2B]).max(axis=-1) <= 3)
    assert len(red), "no point drawn in the 'higher in A' colour"
    y, x = red[len(red) // 2]
    return box["x"] + x / scale, box["y"] + y / scale


def test_categories_by_mouse_table_volcano_csv_and_link(rec, compare_site, browser, pixel_reader):
    page = rec.goto_ready(compare_site.url("#color=obs%3Alouvain"))
    open_panel(page)
    check_only(page, "A", {"1", "2"})
    assert page.locator('.cmp-group[data-role="B"] .cmp-kind').input_value() == "rest"
    run_and_wait(page)
    summary = page.locator(".cmp-summary").text_content()
    assert "louvain = 1 or 2" in summary and "the rest, all 460 cells not in A" in summary
    expected = api_rows(page, {"obs": "louvain", "categories": ["1", "2"]})
    rows = expected["rows"]
    up = sorted((r for r in rows if r["t"] > 0), key=lambda r: -r["t"])
    shown = page.locator("#cmp-table .gene-link").all_text_contents()
    assert shown[:10] == [r["gene"] for r in up[:10]]  # var names are the symbols here
    assert len(shown) == min(100, len(up))
    # the filter reaches every gene, not only the first hundred
    last = up[-1]["gene"]
    page.locator("#cmp-filter").fill(last)
    assert last in page.locator("#cmp-table .gene-link").all_text_contents()
    page.locator("#cmp-filter").fill("")
    # the CSV: every gene, every statistic, in full precision
    with page.expect_download() as download:
        page.locator("#cmp-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    table = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert len(table) == len(rows) == 765
    by_gene = {r["gene"]: r for r in rows}
    for line in table:
        ref = by_gene[line["gene_id"]]
        for key in ("t", "pval", "pval_adj", "logfoldchange", "mean_a", "mean_b", "frac_a", "frac_b"):
            value = float("nan") if line[key] == "NA" else float(line[key])
            assert value == ref[key] or (math.isnan(value) and ref[key] is None), (line["gene_id"], key)
    assert "# A: louvain = 1 or 2" in text
    # a gene in the table colours the plot
    page.locator("#cmp-table .gene-link", has_text=up[0]["gene"]).first.click()
    page.wait_for_function("(g) => window.xgexport.getState().color === 'gene:' + g", arg=up[0]["gene"])
    # a point of the volcano names its gene, and a click colours the plot by it
    x, y = red_point(page, pixel_reader)
    page.mouse.move(x, y)
    tip = page.locator(".volcano-tip")
    tip.wait_for(state="visible")
    gene = tip.locator("b").text_content()
    assert gene in {r["gene"] for r in up}
    page.mouse.click(x, y)
    page.wait_for_function("(g) => window.xgexport.getState().color === 'gene:' + g", arg=gene)
    save_artifact("compare_panel.png", page.screenshot())
    save_artifact("compare_volcano.png", page.locator(".cmp-results").screenshot())
    # the link opens the same comparison
    href = page.locator("#cmp-link").get_attribute("href")
    assert "compare=obs%3Alouvain%3A1,2%3Brest" in href and "color=gene%3A" + gene in href, href
    other = browser.new_context().new_page()
    other.goto(href)
    other.wait_for_function("() => document.querySelectorAll('#cmp-table tbody tr').length > 0", timeout=20000)
    assert other.locator("#compare").get_attribute("open") is not None
    assert other.locator(".cmp-summary").text_content() == summary
    other.context.close()
    rec.assert_clean([compare_site.origin])


def test_by_keyboard_and_escape_closes(rec, compare_site):
    page = rec.goto_ready(compare_site.url("#color=obs%3Abulk_labels"))
    page.locator("#compare summary").focus()
    page.keyboard.press("Enter")
    page.locator("#compare-body[data-state=ready]").wait_for()
    page.locator('.cmp-group[data-role="A"] .cmp-kind').focus()
    page.keyboard.press("Tab")  # the column
    assert page.evaluate("document.activeElement.classList.contains('cmp-column')")
    page.keyboard.press("Tab")  # the filter
    page.keyboard.type("CD14")
    # the matching categories (and the one ticked by default, kept in view): Space ticks only CD14+ Monocyte
    for _ in range(page.locator('.cmp-group[data-role="A"] .cmp-checklist input').count()):
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.value, document.activeElement.checked]")
        if focused[1] != (focused[0] == "CD14+ Monocyte"):
            page.keyboard.press("Space")
    boxes = page.locator('.cmp-group[data-role="A"] .cmp-checklist input')
    assert [b.get_attribute("value") for b in boxes.all() if b.is_checked()] == ["CD14+ Monocyte"]
    page.locator('.cmp-group[data-role="B"] .cmp-kind').focus()
    page.keyboard.press("Tab")  # B's choices keep "the rest"; on to Compare
    page.locator("#cmp-run").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#cmp-table tbody tr').length > 0")
    assert "bulk_labels = " in page.locator(".cmp-summary").text_content()
    assert "CD14+ Monocyte" in page.locator(".cmp-summary").text_content()
    first = page.locator("#cmp-table .gene-link").first
    first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(g) => window.xgexport.getState().color === 'gene:' + g", arg=first.text_content())
    page.keyboard.press("Escape")
    assert page.locator("#compare").get_attribute("open") is None
    rec.assert_clean([compare_site.origin])


def test_touch_tap_on_the_volcano_colours_by_the_gene(browser, compare_site, pixel_reader):
    context = browser.new_context(viewport={"width": 900, "height": 1000}, has_touch=True, is_mobile=False)
    page = context.new_page()
    page.goto(compare_site.url("#color=obs%3Alouvain"))
    page.wait_for_selector(READY, state="attached")
    page.locator("#compare summary").tap()
    page.locator("#compare-body[data-state=ready]").wait_for()
    page.locator("#cmp-run").tap()
    page.wait_for_function("() => document.querySelectorAll('#cmp-table tbody tr').length > 0")
    page.locator(".volcano-canvas").scroll_into_view_if_needed()
    x, y = red_point(page, pixel_reader)
    before = page.evaluate("window.xgexport.getState().color")
    page.touchscreen.tap(x, y)
    page.wait_for_function(
        "(c) => window.xgexport.getState().color !== c && window.xgexport.getState().color.startsWith('gene:')",
        arg=before,
    )
    context.close()


def test_groups_refused_in_words_and_b_as_categories(rec, compare_site):
    page = rec.goto_ready(compare_site.url("#color=obs%3Alouvain"))
    open_panel(page)
    check_only(page, "A", {"1"})
    page.locator('.cmp-group[data-role="B"] .cmp-kind').select_option("obs")
    page.locator('.cmp-group[data-role="B"] .cmp-column').select_option("obs:louvain")
    check_only(page, "B", {"1", "2"})
    page.locator("#cmp-run").click()
    page.locator(".cmp-status .error").wait_for()
    assert "share 123 cells" in page.locator(".cmp-status").text_content()
    check_only(page, "B", {"2"})
    run_and_wait(page)
    summary = page.locator(".cmp-summary").text_content()
    assert "louvain = 1" in summary and "against B: louvain = 2 (117 cells)" in summary
    rec.assert_clean([compare_site.origin])


def version_1_bundle(out: Path) -> Path:
    """A bundle of format version 1 as an older xgexport wrote it: a version 2 bundle without
    data/compare/ (--no-compare) differs from it only in the version number."""
    import hashlib
    import json

    build_bundle(PBMC, out, "--title", "PBMC 68k (reduced)", "--no-compare")
    zarr_json = out / "data" / "zarr.json"
    meta = json.loads(zarr_json.read_text())
    assert meta["attributes"]["xgexport"]["format_version"] == 2
    meta["attributes"]["xgexport"]["format_version"] = 1
    zarr_json.write_text(json.dumps(meta, indent=2, sort_keys=True))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["format_version"] = 1
    data = zarr_json.read_bytes()
    manifest["files"]["data/zarr.json"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return out


@pytest.fixture(scope="module")
def v1_site(tmp_path_factory, serve):
    bundle = version_1_bundle(tmp_path_factory.mktemp("cmp-v1") / "bundle")
    from xgexport.verify import verify

    assert verify(bundle) == []  # verify reads version 1 too
    return serve(bundle)


def test_a_version_1_bundle_opens_and_says_why_it_compares_nothing(rec, v1_site):
    pbmc_site = v1_site
    page = rec.goto_ready(pbmc_site.url())
    assert "PBMC 68k (reduced)" in page.title()
    page.locator("#compare summary").click()
    note = page.locator(".cmp-note")
    page.wait_for_function("() => document.querySelector('.cmp-note')?.textContent.includes('no comparison data')")
    assert "format version 2" in note.text_content() and "Marker genes" in note.text_content()
    assert "xgexport build --no-compare" in note.text_content()  # the publisher learns how it came to be
    assert page.locator("#cmp-run").is_hidden() and page.locator(".cmp-pickers").is_hidden()
    message = page.evaluate(
        "async () => { try { await window.xgexport.compare({obs: 'louvain', categories: ['1']}); } catch (e) { return e.message; } }"
    )
    assert "no comparison data" in message
    # one look for data/compare/zarr.json (not found), nothing else of data/compare
    assert [u for u in rec.requests if "/data/compare/" in u] == [pbmc_site.url("data/compare/zarr.json")] * len(
        [u for u in rec.requests if "/data/compare/" in u]
    )
    rec.assert_clean([pbmc_site.origin], allow_console=("404",))


def test_without_cell_level_data_only_categories_are_compared(rec, rows_only_site):
    page = rec.goto_ready(rows_only_site.url("#color=obs%3Alouvain"))
    open_panel(page)
    assert "only categories of its DE columns" in page.locator(".cmp-note").text_content()
    check_only(page, "A", {"3"})
    run_and_wait(page)
    assert "louvain = 3 (70 cells)" in page.locator(".cmp-summary").text_content()
    message = page.evaluate(
        "async () => { try { await window.xgexport.compare([1, 2, 3]); } catch (e) { return e.message; } }"
    )
    assert "no cell-level comparison data" in message
    rec.assert_clean([rows_only_site.origin], allow_console=("404",))


def test_a_lasso_drawn_with_the_mouse_against_the_rest_and_its_link(rec, compare_site, browser):
    page = rec.goto_ready(compare_site.url("#color=obs%3Alouvain"))
    box = page.locator("#canvas").bounding_box()
    w, h = box["width"], box["height"]
    page.locator("#tool-lasso").click()
    corners = [(0.30, 0.25), (0.62, 0.20), (0.72, 0.55), (0.45, 0.80), (0.25, 0.60)]
    page.mouse.move(box["x"] + w * corners[0][0], box["y"] + h * corners[0][1])
    page.mouse.down()
    for x, y in corners[1:]:
        page.mouse.move(box["x"] + w * x, box["y"] + h * y, steps=12)
    page.mouse.up()
    page.wait_for_function("() => window.xgexport.getState().selected > 0")
    cells = page.evaluate("window.xgexport.getSelection()")
    assert 50 < len(cells) < 650
    open_panel(page)  # a selection exists: A is the selection, B the rest
    assert page.locator('.cmp-group[data-role="A"] .cmp-kind').input_value() == "selection"
    run_and_wait(page)
    summary = page.locator(".cmp-summary").text_content()
    assert (
        f"A: the selection ({len(cells)} cells) against B: the rest, all {700 - len(cells)} cells not in A" in summary
    )
    by_api = api_rows(page, cells)
    assert by_api["info"]["route"] == "spatial"
    with page.expect_download() as download:
        page.locator("#cmp-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    table = {
        r["gene_id"]: r
        for r in csv.DictReader(io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#"))))
    }
    for row in by_api["rows"]:
        assert float(table[row["gene"]]["t"]) == row["t"]
    # the link carries the lasso and the comparison: it opens both
    href = page.locator("#cmp-link").get_attribute("href")
    assert "sel=lasso:" in href and "compare=selection%3Brest" in href, href
    other = browser.new_context().new_page()
    other.goto(href)
    other.wait_for_function("() => document.querySelectorAll('#cmp-table tbody tr').length > 0", timeout=20000)
    assert sorted(other.evaluate("window.xgexport.getSelection()")) == sorted(cells)
    assert other.locator(".cmp-summary").text_content() == summary
    other.context.close()
    rec.assert_clean([compare_site.origin])
