"""Label sets in Chromium, used as people use them: made with the mouse and keyboard, kept across
reloads in IndexedDB under the bundle's identity (and only there), imported from our CSV and
cellxgene's with unknown ids reported, exported with every cell, names kept as text."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import zarr
from browser_helpers import READY, save_artifact, settled, wait_until

pytestmark = pytest.mark.browser


def saved(page):
    """The work is in IndexedDB (a save starts with the change that needs it)."""
    page.locator(".us-status[data-state=saved]").wait_for()


def new_label_set(page, name, labels):
    page.locator(".ls-new input").fill(name)
    page.locator(".ls-new input").press("Enter")
    page.locator(".ls-current").wait_for()
    for label in labels:
        box = page.locator(".ls-current .name-form input")
        box.fill(label)
        box.press("Enter")
    wait_until(lambda: page.locator(".ls-label").count() == len(labels))


@pytest.fixture(scope="session")
def two_bundles(pbmc_bundle, tmp_path_factory, serve):
    """One origin, two bundles: the same data, manifests that differ by their formatting only."""
    site = tmp_path_factory.mktemp("two")
    shutil.copytree(pbmc_bundle, site / "a")
    shutil.copytree(pbmc_bundle, site / "b")
    manifest = site / "b" / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()), indent=1))
    return serve(site)


def test_make_edit_and_keep_label_sets_across_reloads(rec, two_bundles):
    page = rec.goto_ready(two_bundles.url("a/"))
    saved(page)
    new_label_set(page, "my cell types", ["T cells", "B cells", "junk"])
    # the plot is coloured by the new set, which the legend and "Colour by" show like any column
    assert page.evaluate("window.xgexport.getState().color") == "obs:my cell types"
    assert page.locator(".legend-name").text_content() == "my cell types"
    assert page.locator(".legend-label").all_text_contents() == ["T cells", "B cells", "junk"]
    assert page.locator("#color-select optgroup[label='Your label sets'] option").all_text_contents() == [
        "my cell types"
    ]
    # rename a label with the keyboard
    page.locator(".ls-label").nth(1).get_by_role("button", name="Rename the label B cells").click()
    edit = page.locator(".ls-label .name-edit")
    edit.fill("B cells (naive)")
    edit.press("Enter")
    wait_until(lambda: page.locator(".legend-label").nth(1).text_content() == "B cells (naive)")
    # a name already taken is refused in place
    page.locator(".ls-label").nth(2).get_by_role("button", name="Rename the label junk").click()
    page.locator(".ls-label .name-edit").fill("T cells")
    page.locator(".ls-label .name-edit").press("Enter")
    assert "is taken" in page.locator(".name-error").text_content()
    page.locator(".ls-label .name-edit").press("Escape")
    assert page.locator(".ls-label-name").nth(2).text_content() == "junk"
    # recolour
    page.locator(".ls-color").first.fill("#00aa55")
    wait_until(lambda: "rgb(0, 170, 85)" in page.locator(".legend-item .swatch").first.get_attribute("style"))
    # delete asks twice
    delete = page.locator(".ls-label").nth(2).get_by_role("button", name="Delete the label junk")
    delete.click()
    assert page.locator(".ls-label").count() == 3
    page.locator(".ls-label").nth(2).locator("[data-armed=true]").click()
    wait_until(lambda: page.locator(".ls-label").count() == 2)
    saved(page)
    save_artifact("labelsets_panel.png", page.screenshot())

    page.reload()
    page.wait_for_selector(READY, state="attached")
    # the link's colour (the label set) is shown after the reload, with its labels and colours
    assert page.evaluate("window.xgexport.getState().color") == "obs:my cell types"
    assert page.locator(".legend-label").all_text_contents() == ["T cells", "B cells (naive)"]
    assert "rgb(0, 170, 85)" in page.locator(".legend-item .swatch").first.get_attribute("style")
    assert page.locator(".us-item .us-name").all_text_contents() == ["my cell types"]

    # the other bundle on the same origin has its own (empty) record
    page.goto(two_bundles.url("b/"))
    page.wait_for_selector(READY, state="attached")
    saved(page)
    assert page.locator(".us-item").count() == 0
    assert "No label sets yet" in page.locator("#labelsets").text_content()
    rec.assert_clean([two_bundles.origin])


def import_file(page, path):
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import CSV… of label sets").click()
    chooser.value.set_files(str(path))


def test_import_cellxgene_csv_then_export_every_cell(rec, pbmc_site, pbmc_bundle, tmp_path):
    import hashlib

    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    names = [str(n) for n in root["obs_names"][:]]
    # cellxgene's file: two comments, the index column, every cell ("unassigned" = no label), and
    # two ids this dataset does not have
    labels = {
        n: ("Tcell" if i % 3 == 0 else "Bcell" if i % 3 == 1 else "unassigned") for i, n in enumerate(names[:600])
    }
    lines = [
        "# Annotations generated on 2021-03-04T10:11:12 using cellxgene version 0.16.7",
        "# Input data file was pbmc.h5ad, which was last modified on 2020-01-01T00:00:00",
        "index,curated",
    ]
    lines += [f"{n},{v}" for n, v in labels.items()] + ["GHOST-1,Tcell", "GHOST-2,Bcell"]
    src = tmp_path / "cxg.csv"
    src.write_text("\n".join(lines) + "\n")

    page = rec.goto_ready(pbmc_site.url())
    saved(page)
    import_file(page, src)
    report = page.locator(".ls-report")
    report.wait_for()
    text = report.text_content()
    assert "cellxgene's format" in text and "600 of 602 rows matched" in text
    assert "2 cell ids are not in this dataset" in text and "GHOST-1" in text
    assert '200 cells labelled "unassigned"' in text
    assert "error" in report.get_attribute("class")  # unknown ids are shown as a problem
    # the new set is shown like any categorical column, with the right counts
    assert page.evaluate("window.xgexport.getState().color") == "obs:curated"
    counts = dict(
        zip(page.locator(".legend-label").all_text_contents(), page.locator(".legend-count").all_text_contents())
    )
    assert counts == {"Tcell": "200", "Bcell": "200"}
    save_artifact("labelsets_imported.png", page.screenshot())

    with page.expect_download() as dl:
        page.get_by_role("button", name="Export CSV of the label sets").click()
    out = Path(dl.value.path()).read_text(encoding="utf-8")
    comments = [line for line in out.splitlines() if line.startswith("#")]
    identity = hashlib.sha256((pbmc_bundle / "manifest.json").read_bytes()).hexdigest()
    assert comments[0] == '# xgexport label sets of "PBMC 68k (reduced)"'
    assert f"sha256:{identity}" in comments[1]
    rows = list(csv.reader(io.StringIO("\n".join(line for line in out.splitlines() if not line.startswith("#")))))
    assert rows[0] == ["cell_id", "curated"]
    assert [r[0] for r in rows[1:]] == names  # every cell, in obs order
    expected = [labels.get(n, "") for n in names]
    assert [r[1] for r in rows[1:]] == [("" if v == "unassigned" else v) for v in expected]
    assert dl.value.suggested_filename == "labels_PBMC_68k_reduced.csv"

    # importing our own export again replaces the set of that name, and says so
    mine = tmp_path / "mine.csv"
    mine.write_text(out.replace(",Tcell", ",T cells"))
    import_file(page, mine)
    wait_until(lambda: "Replaced" in page.locator(".ls-report").text_content())
    assert page.locator(".us-item").count() == 1
    # labels keep the order and colours of the file's comment (which still names "Tcell", now
    # without cells); the renamed label comes after them
    wait_until(lambda: page.locator(".legend-label").all_text_contents() == ["Tcell", "Bcell", "T cells"])
    assert page.locator(".legend-count").all_text_contents() == ["0", "200", "200"]
    rec.assert_clean([pbmc_site.origin])


def test_files_that_cannot_be_used_change_nothing(rec, pbmc_site, tmp_path):
    page = rec.goto_ready(pbmc_site.url())
    saved(page)
    for text, message in (
        ("cell_id,x\nnobody-1,a\nnobody-2,b\n", "None of the file's 2 cell ids is a cell of this dataset"),
        ("cell,x\nAAAC-1,a\nAAAC-1,b\n", "is on more than one row"),
        ("name,x\nAAAC-1,a\n", "No cell id column"),
    ):
        path = tmp_path / "bad.csv"
        path.write_text(text)
        import_file(page, path)
        wait_until(lambda message=message: message in (page.locator(".ls-report").text_content() or ""))
        assert "error" in page.locator(".ls-report").get_attribute("class")
        assert page.locator(".us-item").count() == 0
    rec.assert_clean([pbmc_site.origin])


HOSTILE = '<img src=x onerror="window.__xss=1">'


def test_label_names_are_text(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    saved(page)
    new_label_set(page, HOSTILE + " set", [HOSTILE, "<b>bold</b>"])
    assert page.locator(".legend-name").text_content() == HOSTILE + " set"
    assert page.locator(".legend-label").all_text_contents() == [HOSTILE, "<b>bold</b>"]
    assert page.locator(".ls-label-name").first.text_content() == HOSTILE
    assert page.locator("#labelsets img, #legend img, #labelsets b").count() == 0
    assert page.evaluate("window.__xss") is None
    rec.assert_clean([pbmc_site.origin])


def test_api_export_and_import_annotations(rec, pbmc_site, pbmc_bundle):
    names = [str(n) for n in zarr.open_group(str(pbmc_bundle / "data"), mode="r")["obs_names"][:]]
    page = rec.goto_ready(pbmc_site.url())
    text = (
        "cell_id,api set\n" + "".join(f"{n},{'x' if i < 10 else 'y'}\n" for i, n in enumerate(names[:30])) + "ghost,x\n"
    )
    report = page.evaluate("async (t) => await window.xgexport.importAnnotations(t)", text)
    assert report["added"] == ["api set"] and report["matched"] == 30 and report["nUnknown"] == 1
    assert report["message"].endswith('1 cell id is not in this dataset and was left out ("\u2068ghost\u2069").')
    out = page.evaluate("async () => await window.xgexport.exportAnnotations()")
    rows = list(csv.reader(io.StringIO("\n".join(line for line in out.splitlines() if not line.startswith("#")))))
    assert rows[0] == ["cell_id", "api set"] and len(rows) == 701
    assert [r[1] for r in rows[1:31]] == ["x"] * 10 + ["y"] * 20 and {r[1] for r in rows[31:]} == {""}
    # a file that cannot be used rejects, and changes nothing
    with pytest.raises(Exception, match="No cell id column"):
        page.evaluate("async (t) => await window.xgexport.importAnnotations(t)", "who,x\nA,b\n")
    with pytest.raises(Exception, match="needs the CSV text"):
        page.evaluate("async () => await window.xgexport.importAnnotations(42)")
    assert page.evaluate("window.xgexport.getCellSets()") == []
    saved(page)
    page.reload()
    page.wait_for_selector(READY, state="attached")
    assert page.evaluate("async () => await window.xgexport.exportAnnotations()") == out
    rec.assert_clean([pbmc_site.origin])


@pytest.fixture
def lab_server(pbmc_bundle):
    """`python -m http.server` in the bundle's folder, reached as http://labserver.test: a plain
    http:// origin that is not localhost, where browsers give pages no crypto.subtle."""
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(pbmc_bundle))
    handler.func.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_plain_http_lab_server_keeps_labels_with_the_same_identity(playwright_instance, lab_server, pbmc_bundle):
    import hashlib
    import importlib.util

    from browser_helpers import REPO

    spec = importlib.util.spec_from_file_location("xg_root_conftest", REPO / "tests" / "conftest.py")
    root = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(root)  # the session's Chromium and its arguments
    browser = playwright_instance.chromium.launch(
        executable_path=root.CHROMIUM, args=[*root.CHROMIUM_ARGS, "--host-resolver-rules=MAP labserver.test 127.0.0.1"]
    )
    try:
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        requests, errors = [], []
        context.on("request", lambda r: requests.append(r.url))
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        origin = f"http://labserver.test:{lab_server}"
        page.goto(f"{origin}/")
        page.wait_for_selector(READY, state="attached")
        assert page.evaluate("[window.isSecureContext, typeof crypto.subtle]") == [False, "undefined"]
        saved(page)
        new_label_set(page, "lab labels", ["good"])
        saved(page)
        page.reload()
        page.wait_for_selector(READY, state="attached")
        assert page.locator(".us-item .us-name").all_text_contents() == ["lab labels"]
        with page.expect_download() as dl:
            page.get_by_role("button", name="Export CSV of the label sets").click()
        identity = hashlib.sha256((pbmc_bundle / "manifest.json").read_bytes()).hexdigest()
        assert f"# bundle identity: sha256:{identity} " in Path(dl.value.path()).read_text(encoding="utf-8")
        assert all(u.startswith((origin + "/", "blob:")) for u in requests), requests
        assert not errors
    finally:
        browser.close()


def test_two_tabs_see_each_others_work_and_deleting_the_shown_set_restores_the_default(rec, pbmc_site, pbmc_meta):
    page = rec.goto_ready(pbmc_site.url())
    saved(page)
    other = rec.context.new_page()
    other.goto(pbmc_site.url())
    other.wait_for_selector(READY, state="attached")
    other.locator(".us-status[data-state=saved]").wait_for()
    new_label_set(page, "shared", ["one"])
    saved(page)
    # the other tab hears of the save and shows the set (so its next save does not drop it)
    wait_until(lambda: other.locator(".us-item .us-name").all_text_contents() == ["shared"])
    assert other.locator("#color-select optgroup[label='Your label sets'] option").all_text_contents() == ["shared"]
    # deleting the set the plot shows brings the dataset's default colouring back
    page.locator(".us-tools").get_by_role("button", name="Delete the label set shared").click()
    page.locator(".us-tools [data-armed=true]").click()
    default = next(o["name"] for o in pbmc_meta["obs"] if f"obs:{o['id']}" == pbmc_meta["defaults"]["color"])
    wait_until(lambda: page.evaluate("window.xgexport.getState().color") == f"obs:{default}")
    wait_until(lambda: other.locator(".us-item").count() == 0)
    rec.assert_clean([pbmc_site.origin])


def test_embedded_viewer_reads_no_manifest_and_shows_no_workbench(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("?embed=1"))
    settled(page)
    assert not [u for u in rec.requests if u.endswith("/manifest.json")]
    assert not page.locator("#labelsets").is_visible() and not page.locator("#genesets").is_visible()
    rec.assert_clean([pbmc_site.origin])


def test_phone_drawer_label_set_by_touch(browser, pbmc_site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(pbmc_site.url())
    page.wait_for_selector(READY, state="attached")
    page.locator("#toggle-cells").tap()
    page.locator(".us-status[data-state=saved]").wait_for()
    page.locator(".ls-new input").tap()
    page.locator(".ls-new input").fill("on the bench")
    page.locator(".ls-new button").tap()
    page.locator(".ls-current .name-form input").fill("tumour")
    page.locator(".ls-current .name-form button").tap()
    page.locator(".ls-label").first.wait_for()
    assert page.locator(".legend-label").all_text_contents() == ["tumour"]
    # every control of the panel fits the drawer (nothing cut off at the right edge)
    drawer = page.locator("#cells-panel").bounding_box()
    for box in page.locator("#labelsets button, #labelsets input").evaluate_all(
        "(els) => els.map((e) => e.getBoundingClientRect().right)"
    ):
        assert box <= drawer["x"] + drawer["width"] + 0.5
    save_artifact("labelsets_phone.png", page.screenshot())
    context.close()
