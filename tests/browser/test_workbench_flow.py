"""The biologist's loop in Chromium, with the mouse and keyboard: lasso a group, label it in a new
label set, keep it as a cell set, find both after a reload, download the group's ids and a figure
in which the others are pale; the labels' CSV names exactly the lassoed cells."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import READY, export_file, save_artifact, wait_until
from selection_helpers import clear_polygon, display, inside, screen_positions

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def selected(page) -> set[int]:
    return set(page.evaluate("window.xgexport.getSelection()"))


def lasso(page, bundle, fractions):
    """Draw a lasso through points given as fractions of the canvas; returns the cells inside it."""
    box = page.locator("#canvas").bounding_box()
    q, lo, hi, y_down = display(bundle, "X_umap")
    screen = screen_positions(
        q, lo, hi, page.evaluate("window.xgexport.getState().camera"), box["width"], box["height"], y_down
    )
    poly = clear_polygon(screen, [(box["width"] * x, box["height"] * y) for x, y in fractions])
    page.locator("#tool-lasso").click()
    page.mouse.move(box["x"] + poly[0][0], box["y"] + poly[0][1])
    page.mouse.down()
    for v in poly[1:]:
        page.mouse.move(box["x"] + v[0], box["y"] + v[1], steps=10)
    page.mouse.up()
    page.locator("#tool-pan").click()
    return set(np.nonzero(inside(screen[:, 0], screen[:, 1], poly))[0].tolist())


def test_lasso_label_keep_reload_export(rec, pbmc_site, pbmc_bundle):
    names = [str(n) for n in zarr.open_group(str(pbmc_bundle / "data"), mode="r")["obs_names"][:]]
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    page.locator(".us-status[data-state=saved]").wait_for()
    group = lasso(page, pbmc_bundle, [(0.30, 0.25), (0.62, 0.20), (0.72, 0.55), (0.45, 0.80), (0.25, 0.60)])
    assert 50 < len(group) < 650
    wait_until(lambda: selected(page) == group)

    # a new label set with one label; its Assign button names how many cells it will label
    page.locator(".ls-new input").fill("curated")
    page.keyboard.press("Enter")
    page.locator(".ls-current .name-form input").fill("T cells")
    page.keyboard.press("Enter")
    assign = page.locator(".ls-label .ls-assign")
    assert assign.text_content() == f"Assign {len(group)}"
    assign.click()
    wait_until(lambda: page.locator(".ls-label .us-count").text_content() == str(len(group)))
    assert page.evaluate("window.xgexport.getState().color") == "obs:curated"
    assert dict(
        zip(page.locator(".legend-label").all_text_contents(), page.locator(".legend-count").all_text_contents())
    ) == {"T cells": str(len(group))}
    # the category browser lists the label set like the bundle's columns
    block = page.locator("#category-section details[data-column='curated']")
    block.wait_for()
    assert "label set" in block.locator("summary").text_content()

    # keep the group as a cell set too, clear the selection, select the set again
    page.locator(".cs-new input").fill("my lasso")
    page.locator(".cs-new button").click()
    wait_until(lambda: page.locator(".cs-item .us-count").count() == 1)
    assert page.locator(".cs-item .us-count").text_content() == f"{len(group)} cells"
    page.locator("#title").click()
    page.keyboard.press("Escape")
    wait_until(lambda: not selected(page))
    assert page.locator(".cs-new button").is_disabled()
    page.get_by_role("button", name="Select the cells of my lasso").click()
    wait_until(lambda: selected(page) == group)

    # the selected cells' ids, and a figure in which the others are pale
    page.locator("#export-open").click()
    with page.expect_download() as dl:
        page.locator("#export-ids").click()
    ids = [
        r[0]
        for r in csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8")))
        if r and not r[0].startswith("#")
    ]
    assert ids[0] == "cell_id" and ids[1:] == [names[i] for i in sorted(group)]
    root = ET.fromstring(export_file(page, "#export-svg"))
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    pale = sum(
        1 for g in plot.iter(f"{SVG}g") if g.get("fill") == "rgb(221, 224, 228)" for c in g if c.tag == f"{SVG}circle"
    )
    assert pale == 700 - len(group)
    save_artifact("workbench_flow.png", page.screenshot())

    # after a reload: the label set (shown, as the link says), its counts and the cell set
    page.locator(".us-status[data-state=saved]").wait_for()
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.evaluate("window.xgexport.getState().color") == "obs:curated"
    assert page.locator(".legend-count").all_text_contents() == [str(len(group))]
    assert page.locator(".cs-item .cs-name").all_text_contents() == ["my lasso"]
    text = page.evaluate("async () => await window.xgexport.exportAnnotations()")
    rows = list(csv.reader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert rows[0] == ["cell_id", "curated"]
    assert {names.index(r[0]) for r in rows[1:] if r[1] == "T cells"} == group
    assert {r[1] for r in rows[1:]} == {"T cells", ""}
    rec.assert_clean([pbmc_site.origin])
