"""Hostile strings stay text; the viewer embedded cross-origin is driven with postMessage."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from browser_helpers import READY, build_bundle, host_page, save_artifact, wait_until

pytestmark = pytest.mark.browser

XSS_IMG = '<img src=x onerror="window.__xss=1;alert(1)">'
XSS_SCRIPT = "<script>window.__xss=2;alert(2)</script>"
TITLE = 'Evil <script>alert("t")</script> & <b>bold</b>'
COLUMN = "<img src=x onerror=alert(3)>cluster"
GENE = "<b>GENE</b>1"


@pytest.fixture(scope="session")
def hostile_site(tmp_path_factory, serve):
    import anndata as ad
    import pandas as pd

    rng = np.random.default_rng(0)
    n, g = 300, 12
    X = rng.poisson(1.0, size=(n, g)).astype(np.float32)
    groups = np.array([XSS_IMG, XSS_SCRIPT, "plain & simple"])[np.arange(n) % 3]
    X[groups == XSS_IMG, 0] += 5  # a marker gene for the first group
    obs = pd.DataFrame(
        {COLUMN: pd.Categorical(groups), "score<svg onload=alert(4)>": rng.normal(size=n)},
        index=[f"cell<i>{i}</i>" for i in range(n)],
    )
    var = pd.DataFrame(index=[GENE] + [f"G{i}<script>" for i in range(1, g)])
    adata = ad.AnnData(X=X, obs=obs, var=var)
    adata.obsm["X_umap"] = rng.normal(size=(n, 2)).astype(np.float32) + (np.arange(n) % 3)[:, None] * 4
    base = tmp_path_factory.mktemp("hostile")
    src = base / "hostile.h5ad"
    adata.write_h5ad(src)
    out = build_bundle(src, base / "out", "--title", TITLE)
    return serve(out)


def test_hostile_strings_are_text(rec, hostile_site):
    page = rec.goto_ready(hostile_site.url() + "#color=" + "obs%3A" + COLUMN.replace("<", "%3C").replace(">", "%3E"))
    assert page.title() == TITLE
    assert page.locator("#title").text_content() == TITLE
    assert page.locator(".legend-name").text_content() == COLUMN
    labels = page.locator(".legend-label").all_text_contents()
    assert XSS_IMG in labels and XSS_SCRIPT in labels
    # the column selector shows names as text
    assert COLUMN in page.locator("#color-select").text_content()
    # gene search lists the HTML-looking gene as text, and colouring by it works
    page.locator("#gene-input").fill("<b>")
    page.locator("#gene-list li").first.wait_for()
    assert page.locator("#gene-list li").first.text_content() == GENE
    page.locator("#gene-input").press("Enter")
    page.wait_for_selector(READY, state="attached")
    wait_until(lambda: page.evaluate("window.xgexport.getState().color") == f"gene:{GENE}", 10)
    # markers table with the hostile category and gene names
    page.locator("#markers summary").click()
    page.locator("#de-table .gene-link").first.wait_for()
    assert page.locator("#de-category option").all_text_contents()[:2] != []
    assert any(t == XSS_IMG for t in page.locator("#de-category option").all_text_contents())
    page.locator("#de-dotplot").click()
    page.locator("#dotplot .dp-cat").first.wait_for()
    assert any(XSS_IMG in t for t in page.locator("#dotplot .dp-cat").all_text_contents())
    save_artifact("hostile.png", page.screenshot())
    # nothing executed and no element came from the data
    assert page.evaluate("window.__xss") is None
    assert page.locator("img").count() == 0
    # only the page's own module, viewer/main.js, and the first view's arrays' metadata as JSON
    # text (xgexport/site.py inline_json: the hostile category names are in it, escaped, and end nothing)
    scripts = "(all) => all.map((s) => [s.getAttribute('src'), s.type, s.id])"
    assert page.locator("script").evaluate_all(scripts) == [
        [None, "application/json", "first-view"],
        ["viewer/main.js", "module", ""],
    ]
    inline = page.locator("#first-view").text_content()
    categories = [json.loads(text)["attributes"].get("categories") for text in json.loads(inline).values()]
    assert "<" not in inline and {XSS_IMG, XSS_SCRIPT, "plain & simple"} in [set(c or []) for c in categories], (
        categories
    )
    assert page.locator("b, i, svg [onload]").count() == 0
    rec.assert_clean([hostile_site.origin])


def test_iframe_embed_postmessage(rec, pbmc_site, serve, tmp_path_factory):
    host_dir = tmp_path_factory.mktemp("hostpage")
    viewer_url = pbmc_site.url("?embed=1#color=obs%3Alouvain")
    (host_dir / "index.html").write_text(host_page(viewer_url, pbmc_site.origin))
    host = serve(host_dir)
    assert host.origin != pbmc_site.origin
    page = rec.page
    page.goto(host.url())

    def views():
        return page.evaluate("window.views")

    def wait_view(pred, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            v = views()
            if v and pred(v[-1]):
                return v[-1]
            time.sleep(0.05)
        raise AssertionError(f"no matching view message; got {views()[-3:]}")

    first = wait_view(lambda v: v["color"] == "obs:louvain")
    assert first["embedding"] == "X_umap" and set(first["camera"]) == {"cx", "cy", "zoom"}
    frame = page.frame_locator("#viewer")
    # embed mode: plot, legend and gene search only
    assert frame.locator("#canvas").is_visible()
    assert frame.locator("#legend").is_visible()
    assert frame.locator("#gene-input").is_visible()
    assert frame.locator(".topbar").is_hidden() and frame.locator("#title").is_hidden()
    assert frame.locator("#genes-panel").is_hidden()
    assert frame.locator("#markers").is_hidden()
    assert frame.locator("#color-select").is_hidden()

    page.evaluate("send({type: 'xgexport:set', color: 'gene:CD3E'})")
    wait_view(lambda v: v["color"] == "gene:CD3E")
    page.evaluate("send({type: 'xgexport:set', embedding: 'X_pca', camera: {cx: 0, cy: 0, zoom: 2}})")
    v = wait_view(lambda v: v["embedding"] == "X_pca" and v["camera"]["zoom"] == 2)
    assert v["camera"] == {"cx": 0, "cy": 0, "zoom": 2}
    # invalid messages are ignored
    n = len(views())
    for bad in [
        "{type: 'xgexport:set', color: {toString: 1}}",
        "{type: 'xgexport:set', embedding: 42, camera: {cx: 'a', cy: 0, zoom: 1}}",
        "{type: 'xgexport:set', camera: {cx: 0, cy: 0, zoom: -1}}",
        "{type: 'other', color: 'obs:phase'}",
        "'xgexport:set'",
        "[1, 2]",
        "null",
    ]:
        page.evaluate(f"send({bad})")
    time.sleep(0.5)  # an ignored message leaves nothing to wait for: longer than the view's 100 ms (api.js)
    assert len(views()) == n and views()[-1]["color"] == "gene:CD3E"
    # a hostile colour name is a message, never markup
    page.evaluate("send({type: 'xgexport:set', color: 'obs:<img src=x onerror=alert(5)>'})")
    status = frame.locator("#status")
    status.wait_for(state="visible")
    assert "<img src=x onerror=alert(5)>" in status.text_content()
    assert frame.locator("img").count() == 0
    save_artifact("embed_iframe.png", page.screenshot())
    rec.assert_clean([pbmc_site.origin, host.origin])
