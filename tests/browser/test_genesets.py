"""Gene sets in Chromium: typed or pasted lists (unknown names reported), the marker panel's top
genes, colouring by the set's mean expression (checked against the bundle in numpy), CSV (cellxgene's
tidy format) and GMT out and in, kept across a reload with the link's colouring."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import READY, save_artifact, wait_until

pytestmark = pytest.mark.browser


def fmt(v):
    """format.js formatNumber: four significant digits."""
    return f"{float(f'{v:.4g}'):g}" if 1e-3 <= abs(v) < 1e5 else f"{v:.2e}"


def open_gene_sets(page):
    page.locator(".us-status[data-state=saved]").wait_for()
    if page.locator("#genesets").get_attribute("open") is None:
        page.locator("#genesets summary").click()


def make_set(page, name, text):
    page.locator(".gs-new input").fill(name)
    page.locator(".gs-new textarea").fill(text)
    page.get_by_role("button", name="Create gene set").click()


def test_typed_set_colours_by_mean_expression(rec, pbmc_site, pbmc_bundle):
    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    names = list(root["var/names"][:])
    page = rec.goto_ready(pbmc_site.url())
    open_gene_sets(page)
    make_set(page, "T markers", "CD3E, cd3d\nCD8A NOTAGENE\tIL7R CD3E")
    wait_until(lambda: page.evaluate("window.xgexport.getState().color") == "geneset:T markers")
    page.wait_for_selector(READY, state="attached")
    report = page.locator(".gs-report").text_content()
    assert "4 genes" in report and "1 name is not a gene of this dataset: \u2068NOTAGENE\u2069" in report
    assert page.locator(".gs-genes .chip").all_text_contents() == ["CD3E", "CD3D", "CD8A", "IL7R"]
    # the colouring is the mean of the four genes per cell, as stored in the bundle
    X = root["X"]
    mean = np.mean([X[names.index(g), :].astype(np.float64) for g in ("CD3E", "CD3D", "CD8A", "IL7R")], axis=0)
    positive = mean[mean > 0]
    assert page.locator(".legend-name").text_content() == "T markers (gene set)"
    assert page.locator("#legend .cb-min").text_content() == fmt(positive.min())
    assert page.locator("#legend .cb-max").text_content().rstrip("+") == fmt(positive.max())
    assert f"0: no gene of the set expressed ({int((mean == 0).sum())} cells)" in page.locator("#legend").text_content()
    # every gene was read once, one request each
    requests = [u for u in rec.requests if "/data/X/c." in u]
    assert sorted(int(u.rsplit("/c.", 1)[1].split(".")[0]) for u in requests) == sorted(
        names.index(g) for g in ("CD3E", "CD3D", "CD8A", "IL7R")
    )
    save_artifact("geneset_colour.png", page.screenshot())

    # removing a gene recolours; the link keeps the colouring across a reload
    page.get_by_role("button", name="Remove IL7R from the set").click()
    wait_until(lambda: page.locator(".gs-genes .chip").count() == 3)
    page.wait_for_selector(READY, state="attached")
    page.locator(".us-status[data-state=saved]").wait_for()
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.evaluate("window.xgexport.getState().color") == "geneset:T markers"
    mean3 = np.mean([X[names.index(g), :].astype(np.float64) for g in ("CD3E", "CD3D", "CD8A")], axis=0)
    assert page.locator("#legend .cb-max").text_content().rstrip("+") == fmt(mean3[mean3 > 0].max())
    assert page.locator("#color-select").input_value() == "geneset:T markers"
    rec.assert_clean([pbmc_site.origin])


def test_top_markers_become_a_set_and_files_round_trip(rec, pbmc_site, pbmc_bundle, pbmc_meta, tmp_path):
    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    names = list(root["var/names"][:])
    de = next(d for d in pbmc_meta["de"] if d["name"] == "louvain")
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    open_gene_sets(page)
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-category").select_option("2")
    page.get_by_role("button", name="From the marker panel: top 20").click()
    wait_until(lambda: page.locator(".us-item").count() == 1)
    top = [names[j] for j in root[f"de/{de['id']}/top_up"][2, :20]]
    assert page.locator(".us-item .us-name").text_content() == "2 (louvain) top 20"
    assert page.locator(".gs-genes .chip").all_text_contents() == top

    with page.expect_download() as dl:
        page.get_by_role("button", name="Export GMT of the gene sets").click()
    gmt = Path(dl.value.path()).read_text(encoding="utf-8")
    assert gmt == "\t".join(["2 (louvain) top 20", "Top genes up in 2 vs the rest (louvain)", *top]) + "\n"
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export CSV of the gene sets").click()
    rows = list(
        csv.reader(
            io.StringIO(
                "".join(
                    line
                    for line in Path(dl.value.path()).read_text(encoding="utf-8").splitlines(keepends=True)
                    if not line.startswith("#")
                )
            )
        )
    )
    assert rows[0] == ["gene_set_name", "gene_set_description", "gene_symbol", "gene_description"]
    assert [r[2] for r in rows[1:]] == top and {r[0] for r in rows[1:]} == {"2 (louvain) top 20"}

    # GMT in: unknown genes reported, names made unique
    src = tmp_path / "sets.gmt"
    src.write_text(
        f"2 (louvain) top 20\tagain\t{top[0]}\t{top[1]}\nB cells\thttp://example.org\tCD79A\tMS4A1\tNOPE1\tNOPE2\n"
    )
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import… gene sets").click()
    chooser.value.set_files(str(src))
    wait_until(lambda: page.locator(".us-item").count() == 3)
    text = page.locator(".gs-report").text_content()
    assert (
        "Imported 2 gene sets (GMT)" in text
        and "2 names are not genes of this dataset: \u2068NOPE1\u2069, \u2068NOPE2\u2069" in text
    )
    assert page.locator(".us-item .us-name").all_text_contents() == [
        "2 (louvain) top 20",
        "2 (louvain) top 20 (2)",
        "B cells",
    ]
    # the CSV we wrote comes back the same
    csv_path = tmp_path / "sets.csv"
    csv_path.write_text(Path(dl.value.path()).read_text(encoding="utf-8"))
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import… gene sets").click()
    chooser.value.set_files(str(csv_path))
    wait_until(lambda: page.locator(".us-item").count() == 4)
    page.locator(".us-item .us-name").nth(3).click()
    wait_until(lambda: page.locator(".gs-genes .chip").all_text_contents() == top)
    rec.assert_clean([pbmc_site.origin])
