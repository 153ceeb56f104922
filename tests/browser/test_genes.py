"""Genes as people find and read them: search ranking, unknown names, genes sharing a symbol,
missing symbols, zero expression, and names that would reorder the text around them."""

from __future__ import annotations

import time

import pytest

from browser_helpers import READY, build_bundle, save_artifact

FIRST, SECOND = "ENSG00000284770", "ENSG00000285053"  # both "TBCE", as in GENCODE
IDS = [FIRST, SECOND, "ENSG00000000003", "ENSG00000000005", "ENSG00000000419", "ENSG00000000457",
       "ENSG00000000460", "ENSG00000000938"]


@pytest.fixture(scope="session")
def dup_site(tmp_path_factory, serve):
    """Ensembl ids with a feature_name column: two genes share "TBCE", one symbol is missing (NaN,
    written as the text "nan"), one is empty. The first TBCE marks cluster a, the second cluster b."""
    import sys

    import numpy as np
    import pandas as pd

    from browser_helpers import REPO

    sys.path.insert(0, str(REPO / "tests"))
    from corpus import base_adata, write

    a = base_adata(300, 8, seed=3, sparse=False)
    cluster = a.obs["cluster"].to_numpy()
    X = np.asarray(a.X)
    alternate = np.arange(len(cluster)) % 2  # some spread, so that the t-test ranks these genes
    X[:, 0] = np.where(cluster == "a", 2.0 + alternate, 0.0)
    X[:, 1] = np.where(cluster == "b", 2.0 + 0.5 * alternate, 0.0)
    a.X = X
    a.var_names = IDS
    a.var["feature_name"] = pd.Categorical(["TBCE", "TBCE", "TSPAN6", np.nan, "DPM1", "", "C1orf112", "FGR"])
    base = tmp_path_factory.mktemp("dup")
    return serve(build_bundle(write(a, base / "dup.h5ad"), base / "out"))

pytestmark = pytest.mark.browser


def wait_until(fn, timeout=10.0):
    end = time.monotonic() + timeout
    while not (value := fn()):
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)
    return value


def suggestions(page, text):
    box = page.locator("#gene-input")
    box.click()
    box.fill(text)
    page.locator("#gene-list li").first.wait_for()
    return [li.locator("span").first.text_content() for li in page.locator("#gene-list li").all()]


def test_search_ranks_exact_then_prefix_by_length_then_natural_order(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    assert suggestions(page, "CD3") == ["CD3D", "CD3E", "CD3G", "CD33", "CD37", "CD300A"]
    assert suggestions(page, "cd3e")[0] == "CD3E"  # exact, any case
    rec.assert_clean([pbmc_site.origin])


def test_unknown_gene_and_enter_says_so(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    box = page.locator("#gene-input")
    box.click()
    box.fill("NOTAGENE")
    box.press("Enter")
    status = page.locator("#gene-status")
    wait_until(lambda: "NOTAGENE" in status.text_content())
    assert "No gene" in status.text_content()
    assert page.evaluate("window.xgexport.getState().color") == "obs:louvain"
    # typing again clears the message
    box.fill("CD3")
    wait_until(lambda: status.text_content() == "")
    rec.assert_clean([pbmc_site.origin])


def test_genes_sharing_a_symbol_are_told_apart_and_linked_by_id(rec, dup_site):
    page = rec.goto_ready(dup_site.url("#color=obs%3Acluster"))
    # both TBCE genes are offered, each with its id
    box = page.locator("#gene-input")
    box.click()
    box.fill("TBCE")
    page.locator("#gene-list li").nth(1).wait_for()
    options = page.locator("#gene-list li").all_text_contents()
    assert len(options) == 2 and all(o.startswith("TBCE") for o in options)
    assert any(SECOND in o for o in options) and any(FIRST in o for o in options)
    page.locator("#gene-list li", has_text=SECOND).click()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == f"gene:{SECOND}")
    page.wait_for_selector(READY, state="attached")
    assert box.input_value() == f"TBCE ({SECOND})"
    assert page.locator(".legend-name").text_content() == f"TBCE ({SECOND})"
    wait_until(lambda: f"gene%3A{SECOND}" in page.evaluate("location.hash"))
    # the shared link opens the same gene: its values are the second gene's (cluster b only)
    link = page.url
    page2 = rec.context.new_page()
    page2.goto(link)
    page2.wait_for_selector(READY, state="attached")
    assert page2.evaluate("window.xgexport.getState()")["color"] == f"gene:{SECOND}"
    assert page2.locator("#gene-input").input_value() == f"TBCE ({SECOND})"
    assert page2.locator(".cb-max").text_content() == "2.5"
    page2.close()
    # a symbol alone names the first gene with it; an id names exactly that gene
    assert page.evaluate("window.xgexport.setColor('gene:TBCE')")["color"] == f"gene:{FIRST}"
    assert page.locator(".cb-max").text_content() == "3"
    # markers of cluster b list the second TBCE by symbol and id; clicking it colours by it
    page.evaluate("window.xgexport.setColor('obs:cluster')")
    page.locator("#markers summary").click()
    page.locator("#de-category").select_option(label="b")
    top = page.locator("#de-table tbody tr").first.locator(".gene-link")
    wait_until(lambda: top.text_content() == f"TBCE ({SECOND})")
    top.click()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == f"gene:{SECOND}")
    # the dot plot labels both TBCE columns with their ids
    page.locator("#de-dotplot").click()
    page.locator("#dotplot .dp-gene").first.wait_for()
    labels = page.locator("#dotplot .dp-gene").evaluate_all("(ts) => ts.map((t) => t.firstChild.nodeValue)")
    assert f"TBCE ({FIRST})" in labels and f"TBCE ({SECOND})" in labels
    save_artifact("duplicate_symbols.png", page.screenshot())
    rec.assert_clean([dup_site.origin])


def test_missing_symbols_use_the_id(rec, dup_site):
    page = rec.goto_ready(dup_site.url())
    for gene in (IDS[3], IDS[5]):  # symbol "nan", symbol ""
        labels = suggestions(page, gene)
        assert labels[0] == gene
        assert "nan" not in " ".join(page.locator("#gene-list li").all_text_contents())
        page.locator("#gene-list li").first.click()
        wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == f"gene:{gene}")
        assert page.locator(".legend-name").text_content() == gene
    # "nan" is not a gene's name here: nothing is suggested for it
    page.locator("#gene-input").fill("nan")
    time.sleep(0.3)
    assert page.locator("#gene-list li").count() == 0
    rec.assert_clean([dup_site.origin])


def test_zero_expression_is_light_grey_underneath_and_the_legend_says_so(rec, pbmc_site, pbmc_bundle, pixel_reader):
    import numpy as np
    import zarr

    from browser_helpers import colour_pixels

    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    names = list(root["var/names"][:])
    values = root["X"][names.index("CD3E"), :]
    n_zero = int((values == 0).sum())
    assert 100 < n_zero < 690
    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD3E"))
    px = pixel_reader(page.locator("#canvas").screenshot())
    save_artifact("gene_zero_grey.png", page.screenshot())
    grey = colour_pixels(px, (224, 224, 224), tol=8)
    purple = colour_pixels(px, (68, 1, 84), tol=25)
    assert grey > 20 * n_zero // 10, "cells without CD3E are light grey"
    assert purple < grey / 4, "the lowest expression, not the zeros, is dark purple"
    legend = page.locator("#legend").text_content()
    assert f"{n_zero:,} cells" in legend and "not expressed" in legend and "underneath" in legend
    # the colour scale starts at the smallest value above zero
    positive = values[values > 0]
    assert page.locator(".cb-min").text_content() == f"{float(positive.min()):.4g}"
    rec.assert_clean([pbmc_site.origin])


def test_gene_legend_counts_cells_without_a_value(rec, serve, tmp_path_factory):
    from browser_helpers import DATASETS

    base = tmp_path_factory.mktemp("nan")
    site = serve(build_bundle(DATASETS / "cellxgene_pbmc3k-100x100-nan.h5ad", base / "out"))
    page = rec.goto_ready(site.url("#color=gene%3ATNFRSF4"))  # 21 NaN of 100 cells; scaled data
    legend = page.locator("#legend").text_content()
    assert "21 cells without a value" in legend
    assert "not expressed" not in legend  # scaled data: zero is not "not expressed"
    rec.assert_clean([site.origin])
