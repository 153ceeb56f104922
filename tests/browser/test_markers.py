"""The marker panel: which category it opens on, what it reads and when, how it talks to the
legend, its table's formatting and flags, and the full CSV checked against the bundle."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import BOXES, REPO, build_bundle, next_frames, outside, save_artifact, wait_until

pytestmark = pytest.mark.browser

LONG = "TBC1D22A-AS1-LONGNAME"


@pytest.fixture(scope="session")
def rare_site(tmp_path_factory, serve):
    """Cluster "0 rare" has one cell (skipped by DE) and sorts first; gene ONLY_A is expressed in
    cluster a alone (its fold change is set by the pseudo-count); a long gene name."""
    import sys

    import pandas as pd

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    a = synthetic_adata(240, 6, seed=7, sparse=False)
    labels = np.array(["a", "b", "c"])[np.arange(240) % 3].astype(object)
    labels[0] = "0 rare"
    a.obs["cluster"] = pd.Categorical(labels)
    X = np.asarray(a.X)
    X[:, 0] = np.where(labels == "a", 1.0 + (np.arange(240) % 4) * 0.5, 0.0)
    X[:, 1] = np.where(labels == "a", 0.5 + (np.arange(240) % 3) * 0.2, 0.3 + (np.arange(240) % 2) * 0.1)
    a.X = X
    a.var_names = ["ONLY_A", LONG] + [f"G{i}" for i in range(4)]
    base = tmp_path_factory.mktemp("rare")
    return serve(build_bundle(write(a, base / "rare.h5ad"), base / "out"))


def test_opens_on_the_first_tested_category_and_flags_pseudo_count_fold_changes(rec, rare_site):
    page = rec.goto_ready(rare_site.url("#color=obs%3Acluster"))
    page.locator("#markers summary").click()
    rows = page.locator("#de-table tbody tr")
    rows.first.wait_for()
    assert page.locator("#de-category option:checked").text_content() == "a"
    rare = page.locator("#de-category option").first
    assert rare.is_disabled() and "too few cells" in rare.text_content()
    # ONLY_A: expressed in a, not at all in the rest: flagged, explained
    only = page.locator("#de-table tbody tr", has=page.locator(".gene-link", has_text="ONLY_A"))
    lfc = only.locator("td").nth(2)
    assert "lfc-flag" in lfc.get_attribute("class") and "†" in lfc.text_content()
    assert "pseudo-count" in lfc.get_attribute("title")
    assert page.locator(".table-note").is_visible() and "†" in page.locator(".table-note").text_content()
    # the other genes are not flagged; one precision per column; names on one line
    assert page.locator("#de-table .lfc-flag").count() == 1
    for text in page.locator("#de-table tbody td:nth-child(3)").all_text_contents():
        assert text.replace(" †", "").replace("-", "", 1).split(".")[1].__len__() == 2, text
    lines = page.locator("#de-table .gene-link").evaluate_all("(bs) => bs.map((b) => b.getClientRects().length)")
    assert lines and set(lines) == {1}
    long_link = page.locator("#de-table .gene-link", has_text="TBC1D22A")
    if long_link.count():
        assert LONG in long_link.get_attribute("title")
    save_artifact("markers_flagged.png", page.screenshot())
    rec.assert_clean([rare_site.origin])


def test_legend_and_marker_panel_follow_each_other_without_reading_while_closed(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    de_requests = lambda: [u for u in rec.requests if "/data/de/" in u]  # noqa: E731
    page.locator(".legend-toggle").nth(2).click()  # hide category 2
    page.locator(".legend-only").nth(4).click()  # highlight category 4
    wait_until(lambda: "is-highlight" in (page.locator(".legend-item").nth(4).get_attribute("class") or ""))
    next_frames(page)
    assert de_requests() == [], "the closed marker panel read DE rows"
    # opened: the highlighted category, not the hidden one
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    assert page.locator("#de-category").input_value() == "4"
    # choosing a category in the panel highlights it in the plot
    page.locator("#de-category").select_option("6")
    wait_until(lambda: "is-highlight" in (page.locator(".legend-item").nth(6).get_attribute("class") or ""))
    assert page.locator(".legend-item.is-highlight").count() == 1
    # coloured by a gene, choosing a category brings its grouping back, highlighted
    page.evaluate("window.xgexport.setColor('gene:CD3E')")
    page.locator("#de-category").select_option("1")
    wait_until(lambda: page.evaluate("window.xgexport.getState().color") == "obs:louvain")
    wait_until(lambda: "is-highlight" in (page.locator(".legend-item").nth(1).get_attribute("class") or ""))
    rec.assert_clean([pbmc_site.origin])


def test_csv_has_every_gene_and_statistic_as_stored(rec, pbmc_site, pbmc_bundle, pbmc_meta):
    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    de = next(d for d in pbmc_meta["de"] if d["name"] == "louvain")
    names = list(root["var/names"][:])
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-category").select_option("3")
    wait_until(lambda: "(70 cells)" in page.locator("#markers .note").first.text_content())
    with page.expect_download() as dl:
        page.locator("#de-csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "direction",
        "rank",
        "gene",
        "gene_id",
        "logfoldchange",
        "pval_adj",
        "pval",
        "t",
        "mean_in",
        "mean_out",
        "frac_in",
        "frac_out",
        "lfc_flag",
    ]
    assert len(rows) == len(names) == 765  # every gene, not the top 50
    stats = {
        s: root[f"de/{de['id']}/{s}"][3, :]
        for s in ("mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange", "t", "pval", "pval_adj")
    }
    t_sorted = []
    for r in rows:
        j = names.index(r["gene_id"])
        for s in ("mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange"):
            stored = stats[s][j]
            if np.isnan(stored):
                assert r[s] == "NA"
                continue
            assert np.float32(float(r[s])) == stored, (s, r[s], stored)
            digits = r[s].lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0")
            assert len(digits) <= 9, r[s]  # a float32 needs at most 9 significant digits: no noise
        for s in ("t", "pval", "pval_adj"):
            assert (r[s] == "NA" and np.isnan(stats[s][j])) or float(r[s]) == stats[s][j], (s, r[s])
        t_sorted.append(stats["t"][j])
        assert r["direction"] == ("up" if stats["t"][j] > 0 else "down" if stats["t"][j] < 0 else "")
    finite = [t for t in t_sorted if not np.isnan(t)]
    assert finite == sorted(finite, reverse=True)
    assert [int(r["rank"]) for r in rows] == list(range(1, 766))
    # no float32 noise such as 0.10000000149011612
    assert not any(len(r["frac_in"]) > 12 for r in rows)
    rec.assert_clean([pbmc_site.origin])


@pytest.fixture(scope="session")
def clonotype_site(tmp_path_factory, serve):
    """scirpy-like: 150 clonotypes, 20 of them single cells (skipped by DE), the rest 2 to 34 cells."""
    import sys

    import pandas as pd

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    sizes = [2 + (130 - k) // 4 for k in range(130)] + [1] * 20
    labels = np.repeat([f"clonotype {k:03d}" for k in range(150)], sizes)
    n = len(labels)
    a = synthetic_adata(n, 30, seed=11, sparse=False)
    a.obs["clone_id"] = pd.Categorical(labels)
    a.obs = a.obs.drop(columns=["cluster"])
    rng = np.random.default_rng(0)
    X = np.asarray(a.X)
    codes = a.obs["clone_id"].cat.codes.to_numpy()
    X[:, :] += (codes[:, None] % 30 == np.arange(30)[None, :]) * rng.uniform(1, 3, size=(n, 30))  # a marker each
    a.X = X.astype(np.float32)
    base = tmp_path_factory.mktemp("clones")
    return serve(build_bundle(write(a, base / "clones.h5ad"), base / "out")), sizes


@pytest.mark.alone
def test_dot_plot_of_many_categories_is_small_fast_and_chosen(rec, clonotype_site):
    site, sizes = clonotype_site
    page = rec.goto_ready(site.url("#color=obs%3Aclone_id"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    before = len([u for u in rec.requests if "/data/de/" in u])
    start = time.monotonic()
    page.locator("#de-dotplot").click()
    page.locator("#dotplot svg circle").first.wait_for()
    elapsed = time.monotonic() - start
    requests = len([u for u in rec.requests if "/data/de/" in u]) - before
    row_labels = lambda: page.locator("#dotplot .dp-cat").evaluate_all("(ts) => ts.map((t) => t.firstChild.nodeValue)")  # noqa: E731
    cats = row_labels()
    largest = sorted(range(130), key=lambda k: (-sizes[k], k))[:30]
    assert cats == [f"clonotype {k:03d}" for k in sorted(largest)]  # the 30 largest, in order
    assert all(c.strip() for c in cats)
    note = page.locator(".dp-note").text_content()
    assert "20 categories were skipped" in note and "30 of 130" in note
    box = page.locator("#dotplot svg").bounding_box()
    assert box["width"] < 1800 and box["height"] < 1000
    assert page.locator("#dotplot svg circle").count() <= 30 * 60 + 4
    print(f"dot plot: {elapsed:.2f} s, {requests} requests")
    assert elapsed < 4, f"{elapsed:.1f} s"
    assert requests <= 100, requests
    save_artifact("dotplot_many.png", page.screenshot())
    # 30 genes are wider than the panel: the matrix scrolls sideways, its legend under it does not need to
    legend = page.evaluate(BOXES, ["#dotplot .dotplot-svg", ".dp-legend"])
    assert legend["scroll"][0] > legend["scroll"][1] and not outside(legend, horizontal_only=True), legend
    page.locator("#dotplot .dp-legend").scroll_into_view_if_needed()
    assert page.evaluate("document.querySelector('#dotplot .dotplot-body').scrollLeft") == 0
    save_artifact("dotplot_many_legend.png", page.locator("#dotplot").screenshot())
    # one more category from the checklist
    page.locator("#dp-categories summary").click()
    page.locator("#dp-categories input[value='129']").check()
    wait_until(lambda: page.locator("#dotplot .dp-cat").count() == 31)
    assert "clonotype 129" in row_labels()
    page.locator("#dp-categories summary").click()
    # a gene by name, then removed again
    genes = page.locator("#dotplot .dp-gene").count()
    page.locator("#dp-add-gene").fill("gene29")
    page.locator("#dp-add-gene").press("Enter")
    wait_until(
        lambda: (
            page.locator("#dotplot .dp-gene").count() == genes + 1
            or "gene29" in " ".join(page.locator("#dp-genes .chip").all_text_contents())
        )
    )
    assert any("gene29" in t for t in page.locator("#dp-genes .chip").all_text_contents())
    count = page.locator("#dotplot .dp-gene").count()
    page.locator("#dp-genes .chip").first.locator(".chip-remove").click()
    wait_until(lambda: page.locator("#dotplot .dp-gene").count() == count - 1)
    # one marker per category
    page.locator("#dp-per").select_option("1")
    wait_until(lambda: page.locator("#dotplot .dp-gene").count() <= 31)
    save_artifact("dotplot_chosen.png", page.screenshot())
    rec.assert_clean([site.origin])
