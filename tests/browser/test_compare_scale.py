"""Comparisons at 100,000 cells × 20,000 genes in Chromium: the page keeps answering (no task over
50 ms on the main thread, seen by a PerformanceObserver for "longtask") while a lasso is compared
with the rest through the panel; a group without spatial coherence (random cells) asks before
reading its ~60 MB, and Cancel stops the reading."""

from __future__ import annotations

import sys
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import zarr
from browser_helpers import READY, REPO, build_bundle

sys.path.insert(0, str(REPO / "tests"))

pytestmark = pytest.mark.browser

N_CELLS, N_GENES, PER_CELL = 100_000, 20_000, 100

LONG_TASKS = """() => {
  window.__long = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__long.push(Math.round(e.duration)); })
    .observe({ type: "longtask" });
}"""


def synthetic(path):
    """20 clusters on a plane; 100 genes per cell drawn by popularity, gamma values (float32); a
    batch column assigned at random (scattered over the plane)."""
    rng = np.random.default_rng(3)
    cluster = rng.integers(0, 20, size=N_CELLS)
    xy = rng.uniform(-30, 30, size=(20, 2))[cluster] + rng.normal(0, 1.5, size=(N_CELLS, 2))
    weights = 1.0 / np.arange(1, N_GENES + 1) ** 0.8
    genes = np.empty((N_CELLS, PER_CELL), dtype=np.int32)
    p = weights / weights.sum()
    for a in range(0, N_CELLS, 5000):
        picks = rng.choice(N_GENES, size=(5000, 3 * PER_CELL), p=p)
        for i, row in enumerate(picks):
            distinct = np.unique(row)
            if len(distinct) < PER_CELL:
                distinct = np.union1d(distinct, rng.choice(N_GENES, 2 * PER_CELL, replace=False))
            genes[a + i] = np.sort(rng.choice(distinct, PER_CELL, replace=False))
    values = rng.gamma(2.0, 0.6, size=N_CELLS * PER_CELL).astype(np.float32)
    matrix = sp.csr_matrix((values, genes.ravel(), np.arange(N_CELLS + 1) * PER_CELL), shape=(N_CELLS, N_GENES))
    obs = pd.DataFrame({"cluster": pd.Categorical([f"cluster {c}" for c in cluster]),
                        "batch": pd.Categorical(rng.choice(["b0", "b1", "b2"], size=N_CELLS))},
                       index=[f"c{i}" for i in range(N_CELLS)])  # fmt: skip
    adata = ad.AnnData(matrix, obs=obs, var=pd.DataFrame(index=[f"G{j}" for j in range(N_GENES)]))
    adata.obsm["X_umap"] = xy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.write_h5ad(path)
    return path


@pytest.fixture(scope="module")
def big(tmp_path_factory, serve):
    folder = tmp_path_factory.mktemp("cmp-100k")
    source = synthetic(folder / "input.h5ad")
    # statistics rows for "cluster" only: "batch" is compared cell by cell, as any scattered group
    bundle = build_bundle(source, folder / "bundle", "--de-obs", "cluster")
    root = zarr.open_group(str(bundle / "data"), mode="r")
    return {"site": serve(bundle), "display": root["embeddings/0/display"][:].astype(np.float64),
            "cluster": root["obs/0/codes"][:]}  # fmt: skip


def lasso_of(big, k=3, share=0.08):
    """The cells nearest cluster k's median (as a lasso around it would take), in display units."""
    centre = np.median(big["display"][big["cluster"] == k], axis=0)
    distance = np.hypot(*(big["display"] - centre).T)
    return np.flatnonzero(distance <= np.percentile(distance, share * 100)).tolist()


def test_the_page_keeps_answering_during_a_comparison_at_100k_cells(browser, big):
    """Up to three fresh pages (a loaded machine stretches tasks): in at least one, two
    comparisons through the panel, a cluster and then a lasso (the selection) against the rest,
    from the click to the drawn table and volcano, run without a long task. A step that really
    blocks (a 60 ms loop, say) shows in every attempt."""
    cells = lasso_of(big)
    attempts = []
    for _ in range(3):
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        page = context.new_page()
        page.goto(big["site"].url())
        page.wait_for_selector(READY, state="attached", timeout=60000)
        page.locator("#compare summary").click()
        page.locator("#compare-body[data-state=ready]").wait_for()
        # the gene index, the worker and the tree's order, before measuring; then the lasso
        page.evaluate("() => window.xgexport.compare([0, 1], 'rest')")
        page.evaluate("(cells) => window.xgexport.setSelection(cells)", cells)
        page.wait_for_function("(n) => window.xgexport.getState().selected === n", arg=len(cells))
        page.wait_for_timeout(500)
        page.evaluate(LONG_TASKS)
        page.locator("#cmp-run").click()  # the default: the first cluster against the rest
        page.wait_for_function("() => document.querySelectorAll('#cmp-table tbody tr').length > 0", timeout=60000)
        page.locator('.cmp-group[data-role="A"] .cmp-kind').select_option("selection")
        page.locator("#cmp-run").click()
        page.wait_for_function(
            "() => document.querySelector('.cmp-summary').textContent.startsWith('A: the selection')", timeout=60000
        )
        page.wait_for_timeout(500)
        assert f"the selection ({len(cells):,} cells)" in page.locator(".cmp-summary").text_content()
        attempts.append(page.evaluate("window.__long"))
        context.close()
        if not attempts[-1]:
            break
    assert min(attempts, key=lambda a: max(a, default=0)) == [], f"long tasks (ms) in each attempt: {attempts}"


def test_a_scattered_group_asks_first_and_cancel_stops_reading(rec, big):
    page = rec.goto_ready(big["site"].url("#color=obs%3Acluster"), timeout=60000)
    page.locator("#compare summary").click()
    page.locator("#compare-body[data-state=ready]").wait_for()
    group = page.locator('.cmp-group[data-role="A"]')
    group.locator(".cmp-column").select_option("obs:batch")
    group.locator(".cmp-checklist input[value=b0]").check()
    page.locator("#cmp-run").click()
    confirm = page.locator(".cmp-confirm")
    confirm.wait_for()
    text = confirm.text_content()
    megabytes = float(text.split("reads ")[1].split(" MB")[0])
    assert megabytes > 40, text
    leaves = lambda: len([u for u in rec.requests if "/data/compare/leaves/c" in u])  # noqa: E731
    confirm.locator("button", has_text="Cancel").click()
    page.locator(".cmp-status", has_text="Cancelled").wait_for()
    page.wait_for_timeout(500)
    assert leaves() == 0  # nothing was read
    # asked again: read, then cancel while reading
    page.locator("#cmp-run").click()
    page.locator("#cmp-proceed").click()
    page.wait_for_function("() => document.querySelector('.cmp-progress progress')?.value > 0", timeout=60000)
    page.locator("#cmp-cancel").click()
    page.locator(".cmp-status", has_text="Cancelled").wait_for()
    page.wait_for_timeout(300)
    stopped = leaves()
    page.wait_for_timeout(1500)
    assert leaves() == stopped  # nothing more asked for
    assert 0 < stopped < 1500, "cancelled before reading everything"
    assert page.locator(".cmp-results").is_hidden()
    rec.assert_clean([big["site"].origin])
