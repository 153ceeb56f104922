"""The viewer in headless Chromium, against bundles built by the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import (
    READY,
    REPO,
    colour_pixels,
    copy_bundle,
    drawn_after,
    frames,
    hex_rgb,
    save_artifact,
    wait_until,
)

pytestmark = pytest.mark.browser


def canvas_pixels(page, pixel_reader, artifact=None):
    png = page.locator("#canvas").screenshot()
    if artifact:
        save_artifact(artifact, png)
    return pixel_reader(png)


def state(page):
    return page.evaluate("window.xgexport.getState()")


def set_color(page, spec):
    return page.evaluate("async (s) => await window.xgexport.setColor(s)", spec)


def obs_attrs(bundle, meta, name):
    col = next(o for o in meta["obs"] if o["name"] == name)
    return json.loads((bundle / "data" / "obs" / col["id"] / "codes" / "zarr.json").read_text())["attributes"]


def test_first_view_draws_categories(rec, pbmc_site, pbmc_bundle, pbmc_meta, pixel_reader):
    page = rec.goto_ready(pbmc_site.url())
    assert page.locator("#title").text_content() == "PBMC 68k (reduced)"
    assert page.title() == "PBMC 68k (reduced)"
    assert page.locator("#counts").text_content() == "700 cells · 765 genes"
    s = state(page)
    assert s["embedding"] == "X_umap" and s["xgState"] == "ready"
    default_col = next(o for o in pbmc_meta["obs"] if f"obs:{o['id']}" == pbmc_meta["defaults"]["color"])
    assert s["color"] == f"obs:{default_col['name']}"
    save_artifact("first_view.png", page.screenshot())
    px = canvas_pixels(page, pixel_reader, "first_view_canvas.png")
    attrs = obs_attrs(pbmc_bundle, pbmc_meta, default_col["name"])
    # every category with a fair number of cells shows up in its own colour
    for label, colour, count in zip(attrs["categories"], attrs["colors"], attrs["counts"]):
        if count >= 20:
            assert colour_pixels(px, hex_rgb(colour)) > 20, f"category {label} ({colour}) not drawn"
    # legend lists the categories with counts
    items = page.locator(".legend-item")
    assert items.count() == len(attrs["categories"])
    assert items.first.locator(".legend-count").text_content() == f"{attrs['counts'][0]:,}"
    # only what the first view needs: no gene expression or DE was fetched (the matrix's
    # metadata, X/zarr.json, is read once the page is idle, for the first gene)
    assert not [u for u in rec.requests if "/data/X/c." in u or "/data/de/" in u]
    rec.assert_clean([pbmc_site.origin])


def test_legend_hides_and_highlights(rec, pbmc_site, pbmc_bundle, pbmc_meta, pixel_reader):
    page = rec.goto_ready(pbmc_site.url() + "#color=obs%3Abulk_labels")
    attrs = obs_attrs(pbmc_bundle, pbmc_meta, "bulk_labels")
    k = int(np.argmax(attrs["counts"]))
    colour = hex_rgb(attrs["colors"][k])
    before = colour_pixels(canvas_pixels(page, pixel_reader), colour)
    assert before > 100
    drawn = frames(page)
    page.locator(".legend-toggle").nth(k).click()
    drawn_after(page, drawn)
    assert colour_pixels(canvas_pixels(page, pixel_reader), colour) == 0
    assert page.locator(".legend-item").nth(k).get_attribute("class").count("is-hidden") == 1
    page.locator(".legend-toggle").nth(k).click()  # show again
    other = (k + 1) % len(attrs["categories"])
    drawn = frames(page)
    page.locator(".legend-toggle").nth(other).click(modifiers=["Shift"])  # highlight one
    drawn_after(page, drawn)
    px = canvas_pixels(page, pixel_reader, "legend_highlight.png")
    assert colour_pixels(px, colour) == 0, "non-highlighted categories should be grey"
    assert colour_pixels(px, hex_rgb(attrs["colors"][other])) > 10
    rec.assert_clean([pbmc_site.origin])


def test_gene_search_and_colouring(rec, pbmc_site, pixel_reader):
    page = rec.goto_ready(pbmc_site.url())
    before = canvas_pixels(page, pixel_reader)
    gene_input = page.locator("#gene-input")
    gene_input.click()
    gene_input.fill("cd3")
    page.locator("#gene-list li").first.wait_for()
    labels = page.locator("#gene-list li").all_text_contents()
    assert any(t.startswith("CD3E") for t in labels)
    page.locator("#gene-list li", has_text="CD3E").first.click()
    page.wait_for_function("() => true")  # let the click handler run
    wait_until(lambda: state(page)["color"] == "gene:CD3E" and state(page)["xgState"] == "ready")
    after = canvas_pixels(page, pixel_reader, "gene_CD3E_canvas.png")
    changed = np.abs(before[..., :3].astype(int) - after[..., :3]).max(axis=-1) > 30
    assert changed.sum() > 500
    # viridis from dark purple (lowest expression) to yellow, and light grey cells without CD3E
    assert colour_pixels(after, (68, 1, 84), tol=25) > 50
    assert colour_pixels(after, (224, 224, 224), tol=8) > 500
    assert page.locator(".colorbar").count() == 1
    assert "#color=gene%3ACD3E" in page.evaluate("location.hash").replace(
        "color=gene:CD3E", "color=gene%3ACD3E"
    ) or "gene%3ACD3E" in page.evaluate("location.hash")
    # an unknown gene is a readable error and keeps the current colouring
    with pytest.raises(Exception, match="no gene named"):
        set_color(page, "gene:NOT_A_GENE")
    assert state(page)["color"] == "gene:CD3E"
    assert page.locator("#status").is_visible()
    save_artifact("gene_CD3E.png", page.screenshot())
    rec.assert_clean([pbmc_site.origin])


def test_fast_gene_changes_keep_the_last(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    result = page.evaluate("""async () => {
        const specs = ['gene:LYZ', 'gene:MS4A1', 'gene:NKG7', 'gene:GNLY'];
        const outcomes = await Promise.allSettled(specs.map((s) => window.xgexport.setColor(s)));
        return [outcomes.map((o) => o.status), window.xgexport.getState()];
    }""")
    statuses, s = result
    assert statuses[-1] == "fulfilled"
    assert s["color"] == "gene:GNLY" and s["xgState"] == "ready"
    rec.assert_clean([pbmc_site.origin])


def test_deep_link_restores_view(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url() + "#embedding=X_pca&color=gene%3AMS4A1&view=1.5,-0.5,3")
    s = state(page)
    assert s["embedding"] == "X_pca"
    assert s["color"] == "gene:MS4A1"
    assert s["camera"] == {"cx": 1.5, "cy": -0.5, "zoom": 3}
    assert page.locator("#embedding-select").input_value() == "X_pca"
    assert page.locator("#gene-input").input_value() == "MS4A1"
    page2 = rec.context.new_page()
    page2.goto(pbmc_site.url() + "#color=obs:phase")
    page2.wait_for_selector(READY, state="attached")
    assert page2.evaluate("window.xgexport.getState()")["color"] == "obs:phase"
    assert page2.locator("#color-select").input_value() == "obs:phase"
    rec.assert_clean([pbmc_site.origin])


def test_pan_zoom_reset_and_hash(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    box = page.locator("#canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    start = state(page)["camera"]
    page.mouse.move(cx, cy)
    page.mouse.wheel(0, -400)
    wait_until(lambda: state(page)["camera"]["zoom"] > 1.5)
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 120, cy + 40, steps=4)
    page.mouse.up()
    moved = state(page)["camera"]
    assert moved["cx"] < start["cx"] and moved["cy"] > start["cy"]
    wait_until(
        lambda: (
            "view=" in page.evaluate("location.hash")
            and abs(float(page.evaluate("location.hash").split("view=")[1].split(",")[2]) - moved["zoom"]) < 1e-3
        )
    )
    page.locator("#reset-view").click()
    assert state(page)["camera"] == start
    rec.assert_clean([pbmc_site.origin])


def test_hover_shows_cell(rec, pbmc_site, pbmc_bundle):
    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    disp = root["embeddings/0/display"]
    q = disp[:].astype(float)
    lo, hi = np.array(disp.attrs["min"]), np.array(disp.attrs["max"])
    xy = lo + q / 65535 * (hi - lo)
    names = list(root["obs_names"][:])
    # the cell farthest from its nearest neighbour: unambiguous under the cursor
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    i = int(np.argmax(d.min(1)))
    page = rec.goto_ready(pbmc_site.url() + "#color=obs%3Alouvain")
    cam = state(page)["camera"]
    box = page.locator("#canvas").bounding_box()
    w, h = box["width"], box["height"]
    s = min(w / (hi[0] - lo[0]), h / (hi[1] - lo[1])) * 0.92 * cam["zoom"]
    sx = box["x"] + w / 2 + (xy[i, 0] - cam["cx"]) * s
    sy = box["y"] + h / 2 - (xy[i, 1] - cam["cy"]) * s
    page.mouse.move(sx - 5, sy - 5)
    page.mouse.move(sx, sy)
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    wait_until(lambda: names[i] in tip.text_content())
    assert "louvain" in tip.text_content()
    rec.assert_clean([pbmc_site.origin])


def test_markers_panel_and_dotplot(rec, pbmc_site, pixel_reader):
    page = rec.goto_ready(pbmc_site.url() + "#color=obs%3Alouvain")
    page.locator("#markers summary").click()
    # highlighting a legend entry of the DE column ("only") selects that category
    page.locator(".legend-only").nth(2).click()
    wait_until(lambda: page.locator("#de-category").input_value() == "2")
    assert page.locator("#de-column option:checked").text_content() == "louvain"
    rows = page.locator("#de-table tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 10
    first_gene = rows.first.locator(".gene-link").text_content()
    # p values are formatted like 1.2e-15, percentages as integers
    p_text = rows.first.locator("td").nth(3).text_content()
    assert "e-" in p_text or p_text.replace(".", "").isdigit()
    # sort by log fold change, descending
    page.locator("#de-table th button[data-key=lfc]").click()
    lfc = [float(t) for t in page.locator("#de-table tbody tr td:nth-child(3)").all_text_contents()]
    assert lfc == sorted(lfc, reverse=True)
    # filter
    page.locator("#de-filter").fill(first_gene)
    assert all(first_gene.lower() in t.lower() for t in page.locator("#de-table .gene-link").all_text_contents())
    # click a gene: the plot is coloured by it
    page.locator("#de-table .gene-link", has_text=first_gene).first.click()
    wait_until(lambda: state(page)["color"] == f"gene:{first_gene}" and state(page)["xgState"] == "ready")
    # CSV download
    with page.expect_download() as dl:
        page.locator("#de-csv").click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.startswith("direction,rank,gene,gene_id,logfoldchange,pval_adj")
    assert "\nup," in text and "\ndown," in text
    # dot plot
    page.locator("#de-dotplot").click()
    page.locator("#dotplot svg circle").first.wait_for()
    assert page.locator("#dotplot svg circle").count() > 20
    assert page.locator("#dotplot .dp-cat").count() == 11
    save_artifact("markers_dotplot.png", page.screenshot())
    page.locator("#dotplot .dp-gene").first.click()
    wait_until(lambda: state(page)["color"].startswith("gene:") and state(page)["xgState"] == "ready")
    rec.assert_clean([pbmc_site.origin])


def test_missing_and_corrupt_chunks(rec, pbmc_bundle, pbmc_meta, serve, tmp_path_factory):
    broken = copy_bundle(pbmc_bundle, tmp_path_factory.mktemp("broken") / "b")
    names = list(zarr.open_group(str(broken / "data"), mode="r")["var/names"][:])
    (broken / "data" / "X" / f"c.{names.index('MS4A1')}.0").unlink()
    (broken / "data" / "X" / f"c.{names.index('LYZ')}.0").write_bytes(b"\x1f\x8b\x08\x00garbage" * 20)
    phase = next(o for o in pbmc_meta["obs"] if o["name"] == "phase")
    (broken / "data" / "obs" / phase["id"] / "codes" / "c.0").unlink()
    site = serve(broken)
    page = rec.goto_ready(site.url())
    with pytest.raises(Exception, match="MS4A1"):
        set_color(page, "gene:MS4A1")
    status = page.locator("#status")
    assert status.is_visible() and "MS4A1" in status.text_content() and "404" in status.text_content()
    assert state(page)["xgState"] == "ready"
    set_color(page, "gene:CD3E")
    assert state(page)["color"] == "gene:CD3E"
    with pytest.raises(Exception, match="corrupt"):
        set_color(page, "gene:LYZ")
    assert "LYZ" in status.text_content()
    with pytest.raises(Exception, match="phase"):
        set_color(page, "obs:phase")
    save_artifact("broken_chunk.png", page.screenshot())
    assert state(page)["color"] == "gene:CD3E"
    set_color(page, "obs:louvain")
    assert state(page)["xgState"] == "ready"
    rec.assert_clean([site.origin], allow_console=("404",))


def test_unloadable_bundle_shows_error(rec, pbmc_bundle, serve, tmp_path_factory):
    base = tmp_path_factory.mktemp("bad")
    nodata = base / "nodata"
    nodata.mkdir()
    (nodata / "index.html").write_text((pbmc_bundle / "index.html").read_text())
    import shutil

    shutil.copytree(pbmc_bundle / "viewer", nodata / "viewer")
    future = copy_bundle(pbmc_bundle, base / "future")
    z = json.loads((future / "data" / "zarr.json").read_text())
    z["attributes"]["xgexport"]["format_version"] = 99
    (future / "data" / "zarr.json").write_text(json.dumps(z))
    for folder, expected in [(nodata, "data/zarr.json"), (future, "version 99")]:
        site = serve(folder)
        page = rec.page
        page.goto(site.url())
        page.wait_for_selector("html[data-xg-state=error]", state="attached", timeout=10000)
        fatal = page.locator("#fatal")
        assert fatal.is_visible()
        assert expected in fatal.text_content()
    save_artifact("error_version.png", page.screenshot())
    assert not rec.page_errors


def test_sub_path_and_no_range(rec, pbmc_bundle, serve, tmp_path_factory):
    """The bundle works from a sub-path (relative URLs only)."""
    parent = tmp_path_factory.mktemp("host")
    copy_bundle(pbmc_bundle, parent / "data" / "study1")
    site = serve(parent)
    page = rec.goto_ready(site.url("data/study1/") + "#color=gene%3ACD3E")
    assert state(page)["color"] == "gene:CD3E"
    assert all(u.startswith(site.url("data/study1/")) for u in rec.requests)
    rec.assert_clean([site.origin])


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none'"
)


def test_page_is_static_and_csp_clean(pbmc_bundle):
    import re

    page = (pbmc_bundle / "index.html").read_text()
    assert f'content="{CSP}"' in page
    assert "<title>PBMC 68k (reduced)</title>" in page
    assert not re.search(r"\sstyle=", page), "inline style attributes are blocked by the CSP"
    scripts = re.findall(r"<script\b[^>]*>", page)
    # the module, and the first view's arrays' metadata as JSON text (not run: not a script type)
    assert scripts == [
        '<script type="application/json" id="first-view">',
        '<script type="module" src="viewer/main.js" fetchpriority="high">',
    ]
    assert not re.search(r"\son[a-z]+=", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page), "only relative URLs"
    viewer = pbmc_bundle / "viewer"
    modules = sorted(viewer.rglob("*.js"))
    assert len(modules) > 10 and (viewer / "plot").is_dir() and (viewer / "panels").is_dir()
    for js in modules:
        text = js.read_text()
        assert "innerHTML" not in text and "insertAdjacentHTML" not in text and "eval(" not in text, js.name
        assert not re.search(r"""(fetch|import)\(\s*["']https?:""", text), js.name
        # every static import is relative and its file is in the bundle (subfolders are copied)
        for target in re.findall(r"""^import\b[^;]*?from\s+["']([^"']+)["']""", text, flags=re.M):
            assert target.startswith(("./", "../")), (js.name, target)
            assert (js.parent / target).resolve().is_file(), (js.relative_to(viewer), target)
    template = REPO / "viewer_template"
    shipped = {p.relative_to(viewer).as_posix() for p in viewer.rglob("*") if p.is_file()}
    expected = {
        p.relative_to(template).as_posix()
        for p in template.rglob("*")
        if p.suffix in (".js", ".css") and "__pycache__" not in p.parts
    }
    assert shipped == expected
