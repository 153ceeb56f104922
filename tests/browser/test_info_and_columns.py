"""Dataset information under the title (text only, http(s) links only), awkward continuous
columns (all missing, one value, outliers), a legend of many long categories, touch gestures."""

from __future__ import annotations

import json

import numpy as np
import pytest
from browser_helpers import REPO, build_bundle, colour_pixels, save_artifact, wait_until

from helpers import run_cli

pytestmark = pytest.mark.browser

HOSTILE_DESC = "<img src=x onerror=alert(1)>"
CITATION = "Doe et al. <b>2025</b> & friends"
DOI = "10.1038/ncomms14049"
LONG_NAME = "cluster 00 with a very long descriptive cell type name, e.g. CD4+ central memory T cell"
N_CATS = 36


@pytest.fixture(scope="session")
def awkward_h5ad(tmp_path_factory):
    import anndata as ad
    import pandas as pd

    rng = np.random.default_rng(1)
    n, g = 800, 10
    X = rng.poisson(1.0, size=(n, g)).astype(np.float32)
    score = rng.normal(size=n)
    score[:5] = 60.0  # a few outliers: without a cap every other cell is the lowest colour
    score[10:60] = np.nan
    cats = [LONG_NAME.replace("00", f"{k:02d}") if k % 4 == 0 else f"cluster {k:02d} T" for k in range(N_CATS)]
    obs = pd.DataFrame(
        {
            "all_nan": np.full(n, np.nan),
            "constant": np.full(n, 3.0),
            "score": score,
            "cell_type": pd.Categorical(np.array(cats)[np.arange(n) % N_CATS]),
        },
        index=[f"c{i}" for i in range(n)],
    )
    a = ad.AnnData(X=X, obs=obs, var=pd.DataFrame(index=[f"G{i}" for i in range(g)]))
    a.obsm["X_umap"] = (rng.normal(size=(n, 2)) + (np.arange(n) % N_CATS)[:, None] * 0.3).astype(np.float32)
    path = tmp_path_factory.mktemp("awkward") / "awkward.h5ad"
    a.write_h5ad(path)
    return path


@pytest.fixture(scope="session")
def info_bundle(awkward_h5ad):
    return build_bundle(
        awkward_h5ad,
        awkward_h5ad.parent / "info",
        "--title",
        "Awkward",
        "--description",
        HOSTILE_DESC,
        "--citation",
        CITATION,
        "--doi",
        DOI,
        "--link",
        "Paper=https://example.org/p",
        "--link",
        "Code <b>=http://example.org/c?a=1&b=2",
    )


@pytest.fixture(scope="session")
def info_site(info_bundle, serve):
    return serve(info_bundle)


def test_cli_refuses_javascript_links(awkward_h5ad, tmp_path):
    out = tmp_path / "js"
    r = run_cli("build", awkward_h5ad, out, "-q", "--link", "x=javascript:alert(1)", check=False, cwd=REPO, timeout=120)
    assert r.returncode != 0 and "http" in r.stderr and not out.exists()


def test_dataset_information_is_text_and_links_are_safe(rec, info_site):
    page = rec.goto_ready(info_site.url())
    about = page.locator("#about")
    assert about.is_visible()
    assert page.locator(".about-description").text_content() == HOSTILE_DESC
    assert CITATION in page.locator(".about-citation").text_content()
    doi = page.locator(".about-citation a")
    assert doi.get_attribute("href") == f"https://doi.org/{DOI}"
    assert DOI in doi.text_content()
    links = page.locator(".about-links a")
    assert links.all_text_contents() == ["Paper", "Code <b>"]
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        "https://example.org/p",
        "http://example.org/c?a=1&b=2",
    ]
    for a in page.locator("#about a").all():
        assert a.get_attribute("target") == "_blank"
        assert set(a.get_attribute("rel").split()) >= {"noopener", "noreferrer"}
    matrix = page.locator(".about-matrix").text_content()
    assert "X" in matrix and "raw counts" in matrix
    assert page.locator("img, b").count() == 0
    save_artifact("info_panel.png", page.screenshot())

    # the guard in the viewer itself, whatever a bundle says
    out = page.evaluate(
        """async () => {
            const { safeHref, doiHref, renderInfo } = await import("./viewer/panels/info.js");
            const bad = ["javascript:alert(1)", " JavaScript:alert(1)", "java\\tscript:alert(1)", "data:text/html,<b>x",
                         "vbscript:x", "//evil.example/x", "/relative", "file:///etc/passwd", "", null, 42, {}];
            const box = document.createElement("div");
            renderInfo(box, {
                description: "d", doi: "javascript:alert(1)",
                links: bad.map((url) => ({ label: "L", url })).concat([{ label: "ok", url: "https://example.org/" }, "x", null]),
            });
            return {
                bad: bad.map(safeHref),
                good: [safeHref("https://example.org/a b"), safeHref("HTTP://Example.org/")],
                doi: [doiHref("doi:10.1/x"), doiHref("https://doi.org/10.1/x y"), doiHref("javascript:alert(1)"), doiHref("10.1/<b>")],
                anchors: [...box.querySelectorAll("a")].map((a) => a.getAttribute("href")),
                text: box.textContent,
            };
        }"""
    )
    assert out["bad"] == [None] * 12
    assert out["good"] == ["https://example.org/a%20b", "http://example.org/"]
    assert out["doi"][0] == "https://doi.org/10.1/x" and out["doi"][1] is None  # a DOI has no spaces
    assert out["doi"][2] is None and out["doi"][3] == "https://doi.org/10.1/%3Cb%3E"
    assert out["anchors"] == ["https://example.org/"]
    assert "doi:javascript:alert(1)" in out["text"]
    rec.assert_clean([info_site.origin])


def test_javascript_link_in_a_bundle_is_not_a_link(rec, info_bundle, serve, tmp_path_factory):
    """A bundle written by something else: the viewer checks the scheme again."""
    import shutil

    d = tmp_path_factory.mktemp("jslink") / "b"
    shutil.copytree(info_bundle, d)
    zj = d / "data" / "zarr.json"
    meta = json.loads(zj.read_text())
    x = meta["attributes"]["xgexport"]
    x["description"] = "A " * 200  # long: collapsible
    x["links"] = [{"label": "evil", "url": "javascript:window.__xss=1"}, {"label": "ok", "url": "https://example.org/"}]
    zj.write_text(json.dumps(meta))
    site = serve(d)
    page = rec.goto_ready(site.url())
    details = page.locator("#about details")
    assert details.count() == 1 and details.get_attribute("open") is None
    assert page.locator(".about-summary").text_content() == "About this dataset"
    page.locator(".about-summary").click()
    assert page.locator(".about-description").is_visible()
    assert page.locator("#about a[href^=javascript], #about a[href^=JavaScript]").count() == 0
    assert page.locator(".about-bad-link").text_content() == "evil"
    assert [a.get_attribute("href") for a in page.locator(".about-links a").all()] == ["https://example.org/"]
    page.locator(".about-bad-link").click()
    assert page.evaluate("window.__xss") is None
    rec.assert_clean([site.origin])


def _plot_pixels(page, pixel_reader):
    return pixel_reader(page.locator("#canvas").screenshot())


@pytest.mark.parametrize("column", ["all_nan", "constant", "score"])
def test_awkward_continuous_columns_draw(rec, info_site, pixel_reader, column):
    page = rec.goto_ready(info_site.url(f"#color=obs%3A{column}"))
    assert page.evaluate("window.xgexport.getState().color") == f"obs:{column}"
    px = _plot_pixels(page, pixel_reader)
    grey = colour_pixels(px, (214, 214, 214), tol=4)
    legend = page.locator("#legend").text_content()
    if column == "all_nan":
        assert grey > 3000  # every cell drawn grey
        assert "all 800 cells are missing" in legend and page.locator("#legend .colorbar").count() == 0
    elif column == "constant":
        assert grey < 100  # (a few antialiased edge pixels at most)
        assert page.locator("#legend .legend-single").text_content() == "3"
        assert "Every cell with a value has 3" in legend
    else:
        assert grey > 50  # the 50 missing cells, underneath the others
        assert page.locator(".cb-max").text_content().endswith("+")  # capped at the 99th percentile
        assert "99th percentile" in legend and "(values" in legend and "60" in legend
        assert "50 cells without a value are grey" in legend
        save_artifact("continuous_capped.png", page.screenshot())
    # switching through all of them keeps working
    for other in ["all_nan", "constant", "score", "cell_type"]:
        page.evaluate(f"window.xgexport.setColor('obs:{other}')")
    rec.assert_clean([info_site.origin])


def test_many_long_categories_scroll_with_full_names(rec, info_site):
    page = rec.goto_ready(info_site.url("#color=obs%3Acell_type"))
    items = page.locator(".legend-item")
    assert items.count() == N_CATS
    lst = page.locator(".legend-list")
    box = lst.bounding_box()
    assert box["y"] + box["height"] <= 768  # the list fits the window and scrolls
    assert lst.evaluate("(e) => e.scrollHeight > e.clientHeight")
    assert page.locator("#markers summary").is_visible()  # the marker panel is not pushed out
    label = page.locator(".legend-label").first
    assert label.get_attribute("title") == LONG_NAME
    assert label.evaluate("(e) => e.scrollWidth > e.clientWidth")  # cut with an ellipsis
    last = items.last
    last.scroll_into_view_if_needed()
    assert last.is_visible()
    save_artifact("legend_many.png", page.screenshot())
    rec.assert_clean([info_site.origin])


def test_embed_in_small_frame(rec, info_site):
    page = rec.page
    page.set_viewport_size({"width": 600, "height": 400})
    rec.goto_ready(info_site.url("?embed=1#color=obs%3Acell_type"))
    canvas = page.locator("#canvas").bounding_box()
    panel = page.locator("#cells-panel").bounding_box()
    assert canvas["width"] >= 380 and canvas["height"] >= 390  # the plot keeps the frame's height
    assert panel["x"] + panel["width"] <= canvas["x"] + 1  # legend beside the plot
    assert page.locator("#about").is_hidden()
    assert page.locator("#backdrop").is_hidden()  # nothing dims the plot: the panel is beside it, not a drawer
    page.locator(".legend-toggle").first.click()  # the legend is usable
    assert page.locator(".legend-item").first.get_attribute("class").count("is-hidden") == 1
    save_artifact("embed_600x400.png", page.screenshot())
    rec.assert_clean([info_site.origin])


TOUCH_JS = """async (steps) => {
    const canvas = document.getElementById("canvas");
    const rect = canvas.getBoundingClientRect();
    const out = [];
    for (const [type, id, x, y] of steps) {
        if (type === "state") {
            await new Promise((r) => requestAnimationFrame(() => r()));
            out.push(window.xgexport.getState().camera);
            continue;
        }
        canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: "touch", isPrimary: id === 1, bubbles: true, cancelable: true,
            clientX: rect.left + x, clientY: rect.top + y, button: type === "pointermove" ? -1 : 0,
            buttons: type === "pointerup" ? 0 : 1,
        }));
    }
    return out;
}"""


def test_touch_pinch_zoom_and_one_finger_pan(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    steps = [
        ["state", 0, 0, 0],
        # two fingers 200 px apart spread to 400 px: zoom x2, the middle moves right by 100 px
        ["pointerdown", 1, 300, 300],
        ["pointerdown", 2, 500, 300],
        ["pointermove", 2, 600, 300],
        ["pointermove", 2, 700, 300],
        ["state", 0, 0, 0],
        ["pointerup", 2, 700, 300],
        # the remaining finger pans without a jump
        ["pointermove", 1, 340, 300],
        ["state", 0, 0, 0],
        ["pointerup", 1, 340, 300],
        ["pointermove", 1, 500, 500],  # no finger down: nothing moves
        ["state", 0, 0, 0],
    ]
    start, pinched, panned, after = page.evaluate(TOUCH_JS, steps)
    assert pinched["zoom"] == pytest.approx(start["zoom"] * 2, rel=1e-6)
    assert panned["zoom"] == pinched["zoom"] and panned["cy"] == pytest.approx(pinched["cy"])
    assert panned["cx"] < pinched["cx"]  # dragged right: the view moves left in data space
    assert after == panned
    # the view is in the URL like a mouse drag's
    wait_until(lambda: "view=" in page.evaluate("location.hash"), 5)
    rec.assert_clean([pbmc_site.origin])
