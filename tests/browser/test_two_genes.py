"""Two genes: a second gene typed into "Blend with a second gene" colours every cell by the pair
(grey: neither, red: the first, blue: the second, dark purple: both), counted in the legend and
the SVG export against numpy; kept in the link; and one gene against the other as a scatter
(Pearson's r against numpy, a dot per cell where the values put it) with PNG and SVG files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import READY, download_of, export_file, save_artifact
from selection_helpers import gene_values

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def blend(page, first, second):
    page.goto(page.url.split("#")[0] + f"#color=gene%3A{first}")
    page.wait_for_selector(READY, state="attached")
    page.locator("#blend-input").fill(second)
    page.locator("#blend-input").press("Enter")
    page.wait_for_function(f"() => window.xgexport.getState().color === 'genes:{first},{second}'")
    page.wait_for_selector(READY, state="attached")


def test_blend_counts_colours_and_link(rec, pbmc_site, pbmc_bundle, browser):
    page = rec.goto_ready(pbmc_site.url())
    assert page.locator("#two-genes").is_hidden()  # no gene yet
    blend(page, "CD79A", "CST3")
    a, b = gene_values(pbmc_bundle, "CD79A"), gene_values(pbmc_bundle, "CST3")
    want = {
        "neither": int(((a == 0) & (b == 0)).sum()),
        "CD79A only": int(((a != 0) & (b == 0)).sum()),
        "CST3 only": int(((a == 0) & (b != 0)).sum()),
        "both": int(((a != 0) & (b != 0)).sum()),
    }
    rows = {
        r.locator(".legend-label").text_content(): int(r.locator(".legend-count").text_content().replace(",", ""))
        for r in page.locator(".blend-item").all()
    }
    assert rows == want
    assert page.locator(".legend-name").text_content() == "CD79A and CST3"
    save_artifact("two_genes_blend.png", page.screenshot())
    # the SVG export colours each cell as the plot does: grey for neither, grey-to-red for the first only
    root = ET.fromstring(export_file(page, "#export-svg"))
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    fills = Counter()
    for g in plot.iter(f"{SVG}g"):
        if g.get("fill"):
            fills[g.get("fill")] += sum(1 for c in g if c.tag == f"{SVG}circle")
    rgb = {f: [int(v) for v in f[4:-1].split(",")] for f in fills}
    assert fills["rgb(224, 224, 224)"] == want["neither"]
    first_only = sum(
        n
        for f, n in fills.items()
        if f != "rgb(224, 224, 224)" and rgb[f][0] > rgb[f][1] and abs(rgb[f][1] - rgb[f][2]) <= 1
    )
    assert first_only == want["CD79A only"]
    assert sum(fills.values()) == 700
    # its legend: the map of shades the cells are drawn in (8 × 8, the second gene up, the first
    # across, as the legend panel shows it), each gene's axis named, then the four counts
    legend = [r for r in root if r.tag == f"{SVG}rect" and r.get("width") == "12"]
    assert len(legend) == 64
    cells = {(round(float(r.get("x"))), round(float(r.get("y")))): r.get("fill") for r in legend}
    x0, y0 = min(x for x, _ in cells), min(y for _, y in cells)
    corner = {
        k: cells[(x0 + 12 * c, y0 + 12 * r)]
        for k, (r, c) in {"both": (0, 7), "second": (0, 0), "first": (7, 7), "neither": (7, 0)}.items()
    }
    assert corner == {
        "neither": "rgb(224, 224, 224)",
        "first": "rgb(214, 39, 40)",
        "second": "rgb(31, 110, 212)",
        "both": "rgb(72, 20, 96)",
    }
    assert set(fills) <= set(cells.values())  # every shade on the plot is in the legend's map
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "CST3 ↑" in texts and "CD79A →" in texts and "CD79A only" in texts
    save_artifact("two_genes_blend_export.png", export_file(page, "#export-png"))
    # the link opens the same blend
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(page.url)
    other.wait_for_selector(READY, state="attached")
    assert other.evaluate("window.xgexport.getState().color") == "genes:CD79A,CST3"
    assert other.locator(".blend-item").count() == 4
    other.context.close()
    # a wrong second gene says so and keeps the colouring
    page.locator("#blend-input").fill("NOSUCHGENE")
    page.locator("#blend-input").press("Enter")
    page.wait_for_function("() => document.getElementById('blend-status').textContent.includes('NOSUCHGENE')")
    assert page.evaluate("window.xgexport.getState().color") == "genes:CD79A,CST3"
    rec.assert_clean([pbmc_site.origin])


def test_gene_against_gene_scatter(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url())
    blend(page, "CD79A", "CD79B")
    page.locator("#open-scatter").click()
    svg = page.locator("#scatter .scatter-svg")
    svg.wait_for()
    a, b = gene_values(pbmc_bundle, "CD79A"), gene_values(pbmc_bundle, "CD79B")
    assert float(svg.get_attribute("data-r")) == pytest.approx(np.corrcoef(a, b)[0, 1], rel=1e-9)
    assert page.locator("#scatter .sc-r").text_content() == f"Pearson r = {np.corrcoef(a, b)[0, 1]:.3f}"
    dots = page.locator("#scatter .sc-dots circle").evaluate_all(
        "(cs) => cs.map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"
    )
    assert len(dots) == 700
    g = {k: float(svg.get_attribute(f"data-{k}")) for k in ("x0", "x1", "y0", "y1", "left", "top", "size")}
    x = g["left"] + (a - g["x0"]) / (g["x1"] - g["x0"]) * g["size"]
    y = g["top"] + (1 - (b - g["y0"]) / (g["y1"] - g["y0"])) * g["size"]
    assert np.allclose(
        np.array(dots), np.column_stack([x, y]), atol=0.006
    )  # cells in order, each where its values put it
    save_artifact("two_genes_scatter.png", page.locator("#scatter").screenshot())
    dl = download_of(page, "#scatter-svg")
    assert dl.suggested_filename == "PBMC_68k_reduced_CD79B_against_CD79A.svg"
    texts = [t.text for t in ET.fromstring(Path(dl.path()).read_bytes()).iter(f"{SVG}text")]
    assert texts[0] == "CD79B against CD79A" and "Cells expressing" in texts and "both" in texts
    dl = download_of(page, "#scatter-png")
    png = Path(dl.path()).read_bytes()
    save_artifact("two_genes_scatter_export.png", png)
    px = pixel_reader(png)
    assert (px[..., :3].max(axis=-1) < 120).sum() > 2000  # dots and text
    page.keyboard.press("Escape")
    assert page.locator("#scatter").is_hidden()
    rec.assert_clean([pbmc_site.origin])
