"""Selection through the JavaScript API, a finger and the keyboard; a perturbation screen's 500
guides in the category browser (names that are markup, right-to-left or the link's own
separators); the gene's histogram; the selection's geometry and the crossfilter's counts
against numpy on the real pbmc68k coordinates and values."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from browser_helpers import DATASETS, build_bundle, next_frames, save_artifact
from selection_helpers import bin_edges, clear_polygon, display, inside, obs, to_display
from test_selection import Plot, selected, settle, state, wait_until

pytestmark = pytest.mark.browser

N_GUIDES = 500
HOSTILE = ["<img src=x onerror=alert(1)>", "\u202eevil", "a,b:c%d&e=f#g", "sg 001"]


@pytest.fixture(scope="session")
def screen_bundle(tmp_path_factory):
    """scanpy's 10k mouse cells with a perturbation screen's guide column (500 guides, some with
    hostile names) and a 2-D PCA of log1p counts as the embedding."""
    import anndata as ad

    with warnings.catch_warnings():  # the file's gene ids repeat; anndata says so, not a problem here
        warnings.simplefilter("ignore", UserWarning)
        a = ad.read_h5ad(DATASETS / "scanpy_mouse10x-10k-subset_from-zarr.h5ad")
    rng = np.random.default_rng(7)
    names = HOSTILE + [f"sg{k:03d}" for k in range(len(HOSTILE), N_GUIDES)]
    a.obs["guide"] = np.array(names, dtype=object)[rng.integers(0, N_GUIDES, a.n_obs)]
    a.obs["guide"] = a.obs["guide"].astype("category")
    x = np.log1p(a.X.toarray() if hasattr(a.X, "toarray") else a.X)
    x -= x.mean(axis=0)
    u, s, _ = np.linalg.svd(x[:, : min(300, x.shape[1])], full_matrices=False)
    a.obsm["X_umap"] = (u[:, :2] * s[:2]).astype(np.float32)
    path = tmp_path_factory.mktemp("screen") / "screen.h5ad"
    a.write_h5ad(path)
    return build_bundle(path, path.parent / "bundle", "--title", "Screen", "--no-de")


@pytest.fixture(scope="session")
def screen_site(screen_bundle, serve):
    return serve(screen_bundle)


def test_api_select_polygon_get_and_set_selection(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    q, lo, hi, _ = display(pbmc_bundle)
    xy = lo + q / 65535 * (hi - lo)
    tri = [
        [float(np.percentile(xy[:, 0], 10)), float(np.percentile(xy[:, 1], 10))],
        [float(np.percentile(xy[:, 0], 90)), float(np.percentile(xy[:, 1], 30))],
        [float(np.percentile(xy[:, 0], 40)), float(np.percentile(xy[:, 1], 95))],
    ]
    n = page.evaluate("(p) => window.xgexport.selectPolygon(p)", tri)
    rounded = [[float(f"{v:.6g}") for v in p] for p in tri]
    want = inside(q[:, 0], q[:, 1], to_display(rounded, lo, hi))
    assert n == want.sum() and selected(page) == set(np.nonzero(want)[0].tolist())
    assert page.evaluate("window.xgexport.getSelection()") == sorted(np.nonzero(want)[0].tolist())
    # another embedding, subtract mode: PCA coordinates of the same cells
    pq, plo, phi, _ = display(pbmc_bundle, "X_pca")
    pxy = plo + pq / 65535 * (phi - plo)
    box = [
        [float(pxy[:, 0].min()) - 1, float(np.median(pxy[:, 1]))],
        [float(pxy[:, 0].max()) + 1, float(np.median(pxy[:, 1]))],
        [float(pxy[:, 0].max()) + 1, float(pxy[:, 1].max()) + 1],
        [float(pxy[:, 0].min()) - 1, float(pxy[:, 1].max()) + 1],
    ]
    n = page.evaluate("(p) => window.xgexport.selectPolygon(p, {embedding: 'X_pca', mode: 'subtract'})", box)
    rounded = [[float(f"{v:.6g}") for v in p] for p in box]
    want &= ~inside(pq[:, 0], pq[:, 1], to_display(rounded, plo, phi))
    assert n == want.sum() and selected(page) == set(np.nonzero(want)[0].tolist())
    assert state(page)["embedding"] == "X_umap"  # selecting on another embedding does not switch
    # setSelection: exactly these cells; the link carries them and gives them back
    cells = [0, 1, 2, 5, 6, 7, 8, 400, 699]
    assert page.evaluate("(c) => window.xgexport.setSelection(c)", cells) == len(cells)
    assert page.evaluate("window.xgexport.getSelection()") == cells
    hash_ = page.evaluate("location.hash")
    assert "sel=cells:" in hash_
    page.goto("about:blank")
    page.goto(pbmc_site.url(hash_))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    assert page.evaluate("window.xgexport.getSelection()") == cells
    # wrong arguments are errors that say what is wrong; nothing changes
    for call, message in [
        ("window.xgexport.selectPolygon([[0, 0], [1, 1]])", "3 to"),
        ("window.xgexport.selectPolygon([[0, 0], [1, 'x'], [2, 2]])", "finite"),
        ("window.xgexport.selectPolygon([[0, 0], [1, 1], [2, 0]], {embedding: 'X_nope'})", "X_nope"),
        ("window.xgexport.selectPolygon([[0, 0], [1, 1], [2, 0]], {mode: 'xor'})", "mode"),
        ("window.xgexport.setSelection([0, 700])", "700"),
        ("window.xgexport.setSelection([1.5])", "1.5"),
        ("window.xgexport.setSelection('0,1')", "array"),
    ]:
        with pytest.raises(Exception, match=message):
            page.evaluate(f"async () => await {call}")
    assert page.evaluate("window.xgexport.getSelection()") == cells
    assert page.evaluate("window.xgexport.setSelection([])") == 0
    assert page.evaluate("window.xgexport.getSelection()") == [] and state(page)["selection"] is None
    rec.assert_clean([pbmc_site.origin])


TOUCH = """async (steps) => {
    const canvas = document.getElementById("canvas");
    const rect = canvas.getBoundingClientRect();
    for (const [type, id, x, y] of steps) {
        canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: "touch", isPrimary: id === 1, bubbles: true, cancelable: true,
            clientX: rect.left + x, clientY: rect.top + y, button: type === "pointermove" ? -1 : 0,
            buttons: type === "pointerup" ? 0 : 1,
        }));
        await new Promise((r) => setTimeout(r, 5));
    }
}"""


def test_touch_lasso_and_toggles_a_second_finger_zooms_instead(browser, pbmc_site, pbmc_bundle):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(pbmc_site.url("#color=obs%3Alouvain"))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    page.locator("#tool-lasso").tap()
    plot = Plot(page, pbmc_bundle)
    w, h = plot.box["width"], plot.box["height"]
    square = clear_polygon(
        plot.screen, [(w * 0.05, h * 0.05), (w * 0.95, h * 0.05), (w * 0.95, h * 0.5), (w * 0.05, h * 0.5)]
    )
    path = [
        square[0],
        *[(square[0][0] + (square[1][0] - square[0][0]) * t / 8, square[0][1]) for t in range(1, 9)],
        square[2],
        square[3],
    ]
    steps = [["pointerdown", 1, *path[0]], *[["pointermove", 1, *p] for p in path[1:]], ["pointerup", 1, *path[-1]]]
    page.evaluate(TOUCH, steps)
    settle(page)
    want = plot.enclosed(square)
    assert want and selected(page) == want
    # on a touch screen the toolbar's toggle subtracts (no Alt key)
    page.locator("#select-subtract").tap()
    lower = clear_polygon(
        plot.screen, [(w * 0.05, h * 0.3), (w * 0.95, h * 0.3), (w * 0.95, h * 0.9), (w * 0.05, h * 0.9)]
    )
    path = [lower[0], lower[1], lower[2], lower[3]]
    before = state(page)["selection"]
    page.evaluate(
        TOUCH, [["pointerdown", 1, *path[0]], *[["pointermove", 1, *p] for p in path[1:]], ["pointerup", 1, *path[-1]]]
    )
    settle(page, before)
    assert selected(page) == want - plot.enclosed(lower)
    save_artifact("selection_touch_390x844.png", page.screenshot())
    # a second finger during a lasso: a pinch zoom, and no selection made
    before = state(page)
    page.evaluate(
        TOUCH,
        [
            ["pointerdown", 1, 100, 300],
            ["pointermove", 1, 140, 320],
            ["pointerdown", 2, 300, 300],
            ["pointermove", 2, 360, 300],
            ["pointermove", 2, 420, 300],
            ["pointerup", 2, 420, 300],
            ["pointerup", 1, 140, 320],
        ],
    )
    after = state(page)
    assert after["camera"]["zoom"] > before["camera"]["zoom"] * 1.2
    assert after["selection"] == before["selection"]
    context.close()


def test_escape_drops_a_lasso_being_drawn_and_hover_still_works(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    plot = Plot(page, pbmc_bundle)
    page.locator("#tool-lasso").click()
    bx, by = plot.box["x"], plot.box["y"]
    page.mouse.move(bx + 50, by + 50)
    page.mouse.down()
    page.mouse.move(bx + 400, by + 60, steps=5)
    page.mouse.move(bx + 380, by + 500, steps=5)
    assert page.locator(".lasso-layer path").get_attribute("d").startswith("M")
    page.keyboard.press("Escape")
    page.mouse.move(bx + 60, by + 480, steps=5)
    page.mouse.up()
    next_frames(page)
    assert state(page)["selected"] == 0 and page.locator(".lasso-layer path").get_attribute("d") == ""
    # hovering a cell in lasso mode still shows its tooltip
    i = int(np.argmin(np.hypot(plot.screen[:, 0] - plot.box["width"] / 2, plot.screen[:, 1] - plot.box["height"] / 2)))
    page.mouse.move(bx + plot.screen[i, 0], by + plot.screen[i, 1])
    wait_until(lambda: page.locator("#tooltip").is_visible())
    rec.assert_clean([pbmc_site.origin])


def test_five_hundred_guides_with_hostile_names(rec, screen_site, screen_bundle):
    page = rec.goto_ready(screen_site.url())
    codes, attrs = obs(screen_bundle, "guide")
    block = page.locator('.cat-column[data-column="guide"]')
    block.locator("summary").click()
    block.locator(".cat-row").first.wait_for()
    # a virtual list: a screenful of rows in the page, not 500
    assert 8 <= block.locator(".cat-row").count() <= 30
    scroller = block.locator(".cat-scroll")
    scroller.evaluate("e => { e.scrollTop = e.scrollHeight; }")
    last = int(np.argsort(-np.array(attrs["counts"]), kind="stable")[-1])
    wait_until(lambda: block.locator(f'.cat-row[data-code="{last}"]').count() == 1)
    # markup and controls in names stay text; the link escapes its own separators
    block.locator("input[type=search]").fill("onerror")
    row = block.locator(".cat-row").first
    assert row.locator(".cat-label").text_content() == HOSTILE[0] and page.locator("img").count() == 0
    block.locator("input[type=search]").fill("a,b:c")
    block.locator(".cat-row").first.click()
    steps = settle(page)
    k = attrs["categories"].index(HOSTILE[2])
    # in the link's text a name's own % : , are escaped (selection/link.js)
    assert steps == ["cat:guide:a%2Cb%3Ac%25d&e=f#g"] and selected(page) == set(np.nonzero(codes == k)[0].tolist())
    hash_ = page.evaluate("location.hash")
    assert "a%252Cb%253Ac%2525d" in hash_  # , : % escaped inside the name, then URL-encoded
    block.locator("input[type=search]").fill("sg49")
    assert block.locator(".cat-row").count() == 10  # sg490 … sg499
    block.locator(".cat-row").first.click(modifiers=["Shift"])
    settle(page, steps)
    save_artifact("selection_guides.png", page.screenshot())
    page.goto("about:blank")
    page.goto(screen_site.url(hash_))
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    assert selected(page) == set(np.nonzero(codes == k)[0].tolist())
    rec.assert_clean([screen_site.origin])


def test_gene_histogram_brushes_expression(rec, pbmc_site, pbmc_bundle):
    import zarr

    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD3E"))
    root = zarr.open_group(pbmc_bundle / "data", mode="r")
    expr = root["X"][list(root["var/names"][:]).index("CD3E"), :].astype(np.float64)
    canvas = page.locator("#gene-histogram canvas")
    canvas.wait_for()
    assert "CD3E" in page.locator("#gene-histogram .hist-name").text_content()
    box = canvas.bounding_box()
    # the bar of cells with 0 comes first; drag from the first bar of values to the last
    slot = (box["width"] - 4) / 41
    page.mouse.move(box["x"] + 4 + slot * 1.5, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 2, box["y"] + 20, steps=4)
    page.mouse.up()
    steps = settle(page)
    edges = bin_edges(expr[expr > 0].min(), expr.max())
    assert steps == [f"gene:CD3E:{edges[0]:.6g},"]  # every value above 0, open at the top
    assert selected(page) == set(np.nonzero(expr >= edges[0])[0].tolist())
    note = page.locator("#gene-histogram .hist-note").text_content()
    assert note == f"0: 0 of {int((expr == 0).sum())} cells"  # no cell with 0 is in a range above 0
    save_artifact("selection_gene_histogram.png", page.screenshot())
    rec.assert_clean([pbmc_site.origin])


GEOMETRY = """async ([polys, ranges]) => {
    const g = await import("./viewer/selection/geometry.js");
    const c = await import("./viewer/selection/clauses.js");
    const e = window.__emb;
    const index = g.rowIndex(e.xy);
    const out = [];
    for (const poly of polys) {
        const mask = new Uint8Array(e.xy.length / 2);
        g.fillPolygon(mask, index, poly);
        out.push(Array.from(mask));
    }
    return out;
}"""


def test_polygon_fill_matches_numpy_on_random_polygons(rec, pbmc_site, pbmc_bundle):
    """The scanline fill against the plain even-odd test, on real coordinates: self-crossing
    polygons, vertices on whole display rows, horizontal edges, edges through cells."""
    page = rec.goto_ready(pbmc_site.url())
    q, _, _, _ = display(pbmc_bundle)
    page.evaluate("(xy) => { window.__emb = { xy: Uint16Array.from(xy) }; }", q.astype(int).ravel().tolist())
    rng = np.random.default_rng(3)
    polys = []
    for k in range(40):
        m = int(rng.integers(3, 40))
        p = rng.uniform(-2000, 67535, size=(m, 2))
        if k % 3 == 0:
            p = np.round(p)  # vertices on rows and columns of cells
        if k % 4 == 0:
            p[1, 1] = p[0, 1]  # a horizontal edge
        if k % 5 == 0:
            p[2] = q[int(rng.integers(0, len(q)))]  # a vertex on a cell
        polys.append(p.tolist())
    masks = page.evaluate(GEOMETRY, [polys, []])
    for p, m in zip(polys, masks):
        assert np.array_equal(np.array(m, dtype=bool), inside(q[:, 0], q[:, 1], p))
    rec.assert_clean([pbmc_site.origin])


COUNT = """async ([dims, mask]) => {
    const w = new Worker("./viewer/selection/crossfilter-worker.js", { type: "module" });
    const got = {};
    const done = new Promise((resolve) => { w.onmessage = ({ data }) => { if (data.type === "counts") resolve(data); else got[data.id] = Array.from(data.counts); }; });
    for (const d of dims) {
        if (d.codes) w.postMessage({ type: "dim", id: d.id, codes: Int32Array.from(d.codes) });
        else w.postMessage({ type: "dim", id: d.id, values: Float32Array.from(d.values.map((v) => v === null ? NaN : v)), edges: Float64Array.from(d.edges), zero: d.zero });
    }
    w.postMessage({ type: "count", revision: 1, mask: Uint8Array.from(mask), base: null, ids: dims.map((d) => d.id), baseIds: [] });
    const r = await done;
    w.terminate();
    const selected = {};
    for (const [id, c] of Object.entries(r.selected)) selected[id] = Array.from(c);
    return { totals: got, selected };
}"""


@pytest.mark.parametrize("fraction", [0.05, 0.8])
def test_crossfilter_counts_match_numpy(rec, pbmc_site, pbmc_bundle, fraction):
    page = rec.goto_ready(pbmc_site.url())
    codes, _ = obs(pbmc_bundle, "bulk_labels")
    values, attrs = obs(pbmc_bundle, "n_counts")
    values = values.astype(np.float32)
    values[::37] = np.nan  # missing values get bin 0
    edges = bin_edges(attrs["min"], attrs["max"])
    mask = np.random.default_rng(1).random(len(codes)) < fraction  # a few cells, or most (the complement)
    dims = [
        {"id": "c", "codes": codes.tolist()},
        {"id": "v", "values": [None if np.isnan(v) else float(v) for v in values], "edges": edges, "zero": False},
    ]
    r = page.evaluate(COUNT, [dims, mask.astype(int).tolist()])
    want_codes = np.bincount(codes + 1, minlength=codes.max() + 2)
    v = values.astype(np.float64)
    bins = np.where(np.isnan(v), 0, 1 + np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2))
    want_values = np.bincount(bins, minlength=len(edges))
    assert r["totals"]["c"] == want_codes.tolist() and r["totals"]["v"] == want_values.tolist()
    assert r["selected"]["c"] == np.bincount(codes[mask] + 1, minlength=len(want_codes)).tolist()
    assert r["selected"]["v"] == np.bincount(bins[mask], minlength=len(edges)).tolist()
    rec.assert_clean([pbmc_site.origin])
