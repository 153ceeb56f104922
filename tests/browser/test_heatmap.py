"""The marker heatmap: the dot plot's categories and top markers drawn as mean expression
z-scored per gene (checked against numpy on the bundle's stored DE means), a click on a gene's
cell colours the plot by it, and PNG and SVG files with title and legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import download_of, save_artifact
from selection_helpers import meta

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def open_heatmap(page):
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-dotplot").click()
    page.locator("#dotplot svg circle").first.wait_for()
    page.locator("#dp-view-heat").click()
    page.locator("#dotplot .heatmap-svg").wait_for()
    assert page.locator("#dp-view-heat").get_attribute("aria-pressed") == "true"


def test_heatmap_is_z_scored_means_and_clicks_colour_the_plot(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_heatmap(page)
    g = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    de = next(d for d in meta(pbmc_bundle)["de"] if d["name"] == "louvain")
    categories = [str(c) for c in g[f"de/{de['id']}"].attrs["categories"]]
    mean_in = g[f"de/{de['id']}/mean_in"][:].astype(np.float64)
    names = [str(n) for n in g["var/names"][:]]
    cats = page.locator("#dotplot .heatmap-svg .dp-cat").evaluate_all("(ts) => ts.map((t) => t.firstChild.nodeValue)")
    genes = page.locator("#dotplot .heatmap-svg .dp-gene").evaluate_all("(ts) => ts.map((t) => t.firstChild.nodeValue)")
    assert cats == categories and len(genes) >= 11  # louvain's 11 categories, 2 markers each at most
    rows = [categories.index(c) for c in cats]
    cols = [names.index(n) for n in genes]
    block = mean_in[np.ix_(rows, cols)]
    z = (block - block.mean(axis=0)) / block.std(axis=0, ddof=1)
    cells = page.locator("#dotplot .hm-cell").evaluate_all(
        "(rs) => rs.map((r) => [Number(r.dataset.cat), Number(r.dataset.gene), Number(r.dataset.z), r.getAttribute('fill')])"
    )
    assert len(cells) == len(cats) * len(genes)
    for k, j, zz, _ in cells:
        assert zz == pytest.approx(z[k, j], rel=1e-6, abs=1e-6)
    # each gene's highest category is the reddest cell of its column; its lowest the bluest
    for j in range(len(genes)):
        col = sorted((c for c in cells if c[1] == j), key=lambda c: c[2])
        red = lambda f: [int(v) for v in f[4:-1].split(",")]  # noqa: E731
        assert red(col[-1][3])[0] > red(col[-1][3])[2] and red(col[0][3])[2] > red(col[0][3])[0]
    save_artifact("heatmap_louvain.png", page.locator("#dotplot").screenshot())
    # a click on a cell with the mouse colours the plot by that gene
    page.locator('#dotplot .hm-cell[data-gene="2"][data-cat="0"]').click()
    page.wait_for_function(f"() => window.xgexport.getState().color === 'gene:{genes[2]}'")
    # and back to the dot plot
    page.locator("#dp-view-dot").click()
    page.locator("#dotplot .dotplot-svg circle").first.wait_for()
    assert page.locator("#dotplot .heatmap-svg").count() == 0 and page.locator("#heatmap-png").count() == 0
    rec.assert_clean([pbmc_site.origin])


def test_heatmap_files(rec, pbmc_site, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_heatmap(page)
    dl = download_of(page, "#heatmap-svg")
    assert dl.suggested_filename == "PBMC_68k_reduced_markers_louvain.svg"
    root = ET.fromstring(Path(dl.path()).read_bytes())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == "Top markers per louvain" and "PBMC 68k (reduced)" in texts[1]
    assert "mean expression" in texts and "z-score per gene across" in texts
    n_cells = sum(1 for r in root.iter(f"{SVG}rect") if r.get("class") == "hm-cell")
    assert n_cells == page.locator("#dotplot .hm-cell").count()
    dl = download_of(page, "#heatmap-png")
    png = Path(dl.path()).read_bytes()
    save_artifact("heatmap_export.png", png)
    px = pixel_reader(png).astype(int)
    assert px.shape[1] == 2 * int(root.get("width")) and px.shape[0] == 2 * int(root.get("height"))
    reds = ((px[..., 0] > 150) & (px[..., 2] < 110)).sum()
    blues = ((px[..., 2] > 150) & (px[..., 0] < 110)).sum()
    assert reds > 2000 and blues > 2000
    assert (px[:70, :, :3].max(axis=-1) < 90).sum() > 300  # the title
    rec.assert_clean([pbmc_site.origin])


def test_the_add_a_gene_box_stays_in_view_with_many_genes(rec, pbmc_site):
    """Three markers per category of louvain's 11 make ~20 chips, more than the chip box's two
    rows: the box to add a gene comes first, in view without scrolling the chips, and a gene
    typed there is added (before, it sat after the last chip, scrolled out of sight)."""
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_heatmap(page)
    page.locator("#dp-per").select_option("3")
    page.wait_for_function("() => document.querySelectorAll('#dp-genes .chip').length > 15")
    inside = page.evaluate(
        """() => { const w = document.querySelector('#dp-genes'), i = document.querySelector('#dp-add-gene');
        const a = w.getBoundingClientRect(), b = i.getBoundingClientRect();
        return w.scrollHeight > w.clientHeight && b.top >= a.top && b.bottom <= a.top + w.clientHeight; }"""
    )
    assert inside, "the chips overflow their box and the add-a-gene box is in view"
    chips = " ".join(page.locator("#dp-genes .chip").all_text_contents())
    gene = next(g for g in ("CD3E", "MS4A1", "GNLY", "PPBP", "CD8A") if g not in chips)
    page.locator("#dp-add-gene").fill(gene)
    page.locator("#dp-add-gene").press("Enter")
    page.wait_for_function(
        "(g) => [...document.querySelectorAll('#dp-genes .chip')].some((c) => c.textContent.includes(g))", arg=gene
    )
    rec.assert_clean([pbmc_site.origin])
