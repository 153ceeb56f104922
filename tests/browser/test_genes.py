"""Genes as people find and read them: search ranking, unknown names, genes sharing a symbol,
missing symbols, zero expression, and names that would reorder the text around them."""

from __future__ import annotations

import pytest
from browser_helpers import READY, build_bundle, next_frames, save_artifact, wait_until

FIRST, SECOND = "ENSG00000284770", "ENSG00000285053"  # both "TBCE", as in GENCODE
IDS = [
    FIRST,
    SECOND,
    "ENSG00000000003",
    "ENSG00000000005",
    "ENSG00000000419",
    "ENSG00000000457",
    "ENSG00000000460",
    "ENSG00000000938",
]


@pytest.fixture(scope="session")
def dup_site(tmp_path_factory, serve):
    """Ensembl ids with a feature_name column: two genes share "TBCE", one symbol is missing (NaN,
    written as the text "nan"), one is empty. The first TBCE marks cluster a, the second cluster b."""
    import sys

    import numpy as np
    import pandas as pd
    from browser_helpers import REPO

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    a = synthetic_adata(300, 8, seed=3, sparse=False)
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
        wait_until(lambda gene=gene: page.evaluate("window.xgexport.getState()")["color"] == f"gene:{gene}")
        assert page.locator(".legend-name").text_content() == gene
    # "nan" is not a gene's name here: nothing is suggested for it
    page.locator("#gene-input").fill("nan")
    next_frames(page)  # the gene index is loaded: suggestions follow the input at once
    assert page.locator("#gene-list li").count() == 0
    rec.assert_clean([dup_site.origin])


def test_zero_expression_is_light_grey_underneath_and_the_legend_says_so(rec, pbmc_site, pbmc_bundle, pixel_reader):
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


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, never closed


@pytest.fixture(scope="session")
def rlo_site(tmp_path_factory, serve):
    """A gene and a category whose names carry an unclosed right-to-left override."""
    import sys

    import numpy as np
    import pandas as pd
    from browser_helpers import REPO

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    a = synthetic_adata(40, 3, seed=5, sparse=False)
    X = np.asarray(a.X)
    X[:, 0] = 1.25
    a.X = X
    a.var_names = [f"{RLO}GENE", "G1", "G2"]
    a.obs["group"] = pd.Categorical(np.where(np.arange(40) % 2, f"{RLO}left", "right"))
    a.obsm["X_umap"] = np.stack([np.arange(40) % 8, np.arange(40) // 8], axis=1).astype(float) * 10
    base = tmp_path_factory.mktemp("rlo")
    return serve(build_bundle(write(a, base / "rlo.h5ad"), base / "out"))


CHAR_X = """(span) => {
    const node = span.firstChild;
    const out = [];
    for (let i = 0; i < node.length; i++) {
        const r = document.createRange();
        r.setStart(node, i);
        r.setEnd(node, i + 1);
        out.push(r.getBoundingClientRect().left);
    }
    return out;
}"""


def test_right_to_left_names_do_not_reverse_the_values_beside_them(rec, rlo_site):
    page = rec.goto_ready(rlo_site.url("#color=obs%3Agroup"))
    page.evaluate(f"window.xgexport.setColor('gene:{RLO}GENE')")
    page.wait_for_selector(READY, state="attached")
    # the cell at the plot's centre of a regular 8 x 5 grid: hover each cell position until one shows
    canvas = page.locator("#canvas").bounding_box()
    cam = page.evaluate("window.xgexport.getState().camera")
    w, h = canvas["width"], canvas["height"]
    s = min(w / 70, h / 40) * 0.92 * cam["zoom"]
    x, y = 30, 20  # a cell of the grid (3rd column, 3rd row)
    sx = canvas["x"] + w / 2 + (x - cam["cx"]) * s
    sy = canvas["y"] + h / 2 - (y - cam["cy"]) * s
    page.mouse.move(sx - 3, sy - 3)
    page.mouse.move(sx, sy)
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    wait_until(lambda: "1.25" in tip.text_content())
    value = tip.locator("div", has_text="1.25").locator(":scope > :last-child")
    assert value.text_content() == "1.25"
    xs = value.evaluate(CHAR_X)
    assert xs == sorted(xs), f"'1.25' is drawn reversed: x positions {xs}"
    # the context line (group) with its right-to-left category stays in order too
    save_artifact("rtl_tooltip.png", page.screenshot())
    # the marker note names the category beside counts
    page.evaluate("window.xgexport.setColor('obs:group')")
    page.locator("#markers summary").click()
    page.locator("#de-category").select_option(label=f"{RLO}left")
    note = page.locator("#markers .note").first
    wait_until(lambda: "cells" in note.text_content())
    # "(20 cells)": the digits of the count stay in reading order after the category's name
    xs = note.evaluate("""(p) => {
        const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
            const node = walker.currentNode;
            const at = node.data.indexOf("20 cells");
            if (at < 0) continue;
            return [at, at + 1].map((i) => {
                const r = document.createRange();
                r.setStart(node, i);
                r.setEnd(node, i + 1);
                return r.getBoundingClientRect().left;
            });
        }
        return null;
    }""")
    assert xs and xs[0] < xs[1], f"the count is drawn reversed: {xs}"
    rec.assert_clean([rlo_site.origin])
