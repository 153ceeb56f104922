"""Opening a category's markers reads one small file, de/<id>/markers (issue #15): what the panel
requests and how many bytes, that the numbers it shows are the bundle's (load_de), and that a
bundle written before that table (full rows only) still shows the same markers."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pytest
from browser_helpers import copy_bundle, save_artifact, wait_until

import xgexport

pytestmark = pytest.mark.browser

CATEGORY = 3  # louvain "3": 70 cells
FULL_ROWS = ("mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange", "t", "pval", "pval_adj")


@pytest.fixture(scope="session")
def legacy_site(pbmc_bundle, tmp_path_factory, serve):
    """The pbmc bundle as builds wrote it before de/<id>/markers: no such arrays, no marker_fields."""
    out = copy_bundle(pbmc_bundle, tmp_path_factory.mktemp("legacy") / "pbmc")
    for group in (g for g in (out / "data" / "de").iterdir() if g.is_dir()):
        shutil.rmtree(group / "markers")
        meta = json.loads((group / "zarr.json").read_text(encoding="utf-8"))
        del meta["attributes"]["marker_fields"]
        (group / "zarr.json").write_text(json.dumps(meta), encoding="utf-8")
    return serve(out)


def louvain(meta) -> str:
    return next(d["id"] for d in meta["de"] if d["name"] == "louvain")


def de_paths(rec, site, since: int = 0) -> list[str]:
    return [urlparse(u).path.lstrip("/") for u in rec.requests[since:] if u.startswith(site.url("data/de/"))]


def open_category(rec, site, k: int):
    page = rec.goto_ready(site.url("#color=obs%3Alouvain"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-category").select_option(str(k))
    wait_until(lambda: page.locator("#markers .note").first.text_content().startswith(f"{k} ("))
    return page


def shown(page, tab: str) -> list[list[str]]:
    """The table's rows (gene, log2FC, p adj, % in, % out) on tab "up" or "down", in rank order."""
    page.locator(f".tab[data-tab={tab}]").click()
    wait_until(lambda: page.locator(f".tab[data-tab={tab}]").get_attribute("aria-pressed") == "true")
    return page.locator("#de-table tbody tr").evaluate_all(
        "(trs) => trs.map((tr) => [...tr.cells].slice(1).map((td) => td.firstChild.textContent))"
    )


def test_opening_a_category_reads_one_small_file(rec, pbmc_site, pbmc_bundle, pbmc_meta):
    de = louvain(pbmc_meta)
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    assert page.locator("#de-category").input_value() == "0"
    # the group's and the table's metadata, then the category's one file: no full row
    assert sorted(de_paths(rec, pbmc_site)) == sorted(
        [f"data/de/{de}/zarr.json", f"data/de/{de}/markers/zarr.json", f"data/de/{de}/markers/c.0.0.0.0"]
    )
    read = sum((pbmc_bundle / p).stat().st_size for p in de_paths(rec, pbmc_site))
    assert read < 10_000  # 50 + 50 genes, 9 fields, and two zarr.json: the same at 20,000 genes
    # the next category: one request, its file
    before = len(rec.requests)
    page.locator("#de-category").select_option("6")
    wait_until(lambda: page.locator("#markers .note").first.text_content().startswith("6 ("))
    assert de_paths(rec, pbmc_site, before) == [f"data/de/{de}/markers/c.6.0.0.0"]
    # the CSV (every gene) is what reads the full rows
    before = len(rec.requests)
    with page.expect_download():
        page.locator("#de-csv").click()
    read = {Path(p).parent.name for p in de_paths(rec, pbmc_site, before)}
    assert read == set(FULL_ROWS)
    rec.assert_clean([pbmc_site.origin])


def test_the_panels_numbers_are_load_de(rec, pbmc_site, pbmc_bundle):
    """Each row: the gene ranked there by load_de's t, with load_de's values through the viewer's
    own formatting; and Dataset.deMarkers gives load_de's numbers exactly."""
    frame = xgexport.load_de(pbmc_bundle, "louvain")
    rows = frame[frame.category == str(CATEGORY)]
    finite = rows[np.isfinite(rows.t)]
    up = finite[finite.t > 0].sort_values("t", ascending=False, kind="stable")[:50]
    down = finite[finite.t < 0].sort_values("t", kind="stable")[:50]
    page = open_category(rec, pbmc_site, CATEGORY)
    for tab, top in (("up", up), ("down", down)):
        values = {key: [float(v) for v in top[key]] for key in ("logfoldchange", "pval_adj", "frac_in", "frac_out")}
        expected = page.evaluate(
            """async ([genes, r]) => { const { formatP, pct } = await import("./viewer/format.js");
              return genes.map((g, i) => [g, r.logfoldchange[i].toFixed(2), formatP(r.pval_adj[i]),
                pct(r.frac_in[i]), pct(r.frac_out[i])]); }""",
            [list(top.gene), values],
        )
        assert shown(page, tab) == expected, tab
    got = page.evaluate(
        "async (k) => { const { openDataset } = await import('./viewer/data.js');"
        " const ds = await openDataset('data/'); const id = ds.deColumns.find((d) => d.name === 'louvain').id;"
        " return ds.deMarkers(id, k); }",
        CATEGORY,
    )
    names = list(frame.gene[: len(rows)])
    for top, markers in ((up, got["up"]), (down, got["down"])):
        assert [names[m["gene"]] for m in markers] == list(top.gene)
        for key in FULL_ROWS:
            assert [m[key] for m in markers] == [float(v) for v in top[key]], key
    save_artifact("markers_one_file.png", page.screenshot())
    rec.assert_clean([pbmc_site.origin])


def test_a_bundle_without_the_table_shows_the_same_markers_from_the_full_rows(rec, pbmc_site, legacy_site):
    page = open_category(rec, pbmc_site, CATEGORY)
    new = {tab: shown(page, tab) for tab in ("up", "down")}
    page = open_category(rec, legacy_site, CATEGORY)
    old = {tab: shown(page, tab) for tab in ("up", "down")}
    assert old == new and len(old["up"]) == 50 and len(old["down"]) == 50
    read = {Path(p).parent.name for p in de_paths(rec, legacy_site) if p.endswith(".0")}
    assert read == {"top_up", "top_down", *FULL_ROWS}
    assert not [p for p in de_paths(rec, legacy_site) if "/markers" in p]
    rec.assert_clean([pbmc_site.origin, legacy_site.origin])
