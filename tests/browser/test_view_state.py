"""When the viewer says it is ready, what the URL and the history hold, what a wrong link shows,
what a host page hears, and what a visitor sees while a large dataset loads."""

from __future__ import annotations

import time

import pytest

from browser_helpers import READY, save_artifact, settled, wait_until

pytestmark = pytest.mark.browser

# Every drawElements call (points drawn, colour mode uniform) and, at each change of
# data-xg-state, the draws made so far: "ready" must follow a frame of the requested view.
INSTRUMENT = """
(() => {
  window.__draws = [];
  window.__states = [];
  const draw = WebGL2RenderingContext.prototype.drawElements;
  WebGL2RenderingContext.prototype.drawElements = function (mode, count, type, offset) {
    const program = this.getParameter(this.CURRENT_PROGRAM);
    const colorMode = this.getUniform(program, this.getUniformLocation(program, "u_mode"));
    window.__draws.push([count, colorMode]);
    return draw.call(this, mode, count, type, offset);
  };
  new MutationObserver(() => {
    const s = document.documentElement.dataset.xgState;
    const last = window.__states[window.__states.length - 1];
    if (!last || last[0] !== s) window.__states.push([s, window.__draws.length]);
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-xg-state"] });
})();
"""


def test_ready_only_after_a_frame_of_the_requested_view(rec, pbmc_site):
    rec.context.add_init_script(INSTRUMENT)
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    settled(page)
    draws, states = page.evaluate("[window.__draws, window.__states]")
    readies = [n for s, n in states if s == "ready"]
    assert len(readies) == 1, f"ready more than once while loading: {states}"
    # the frame before "ready" drew all 700 cells in categorical colours (mode 1)
    assert readies[0] > 0 and draws[readies[0] - 1] == [700, 1], (draws, states)
    # a gene: "ready" again only after a frame in continuous colours (mode 2)
    page.evaluate("window.__states = []; window.__draws = []")
    page.evaluate("window.xgexport.setColor('gene:CD3E')")
    wait_until(lambda: page.evaluate("window.__states").__len__() >= 2)
    draws, states = page.evaluate("[window.__draws, window.__states]")
    assert states[0][0] == "loading" and states[-1][0] == "ready", states
    assert draws[states[-1][1] - 1] == [700, 2], (draws, states)
    rec.assert_clean([pbmc_site.origin])


def test_wrong_link_keeps_its_message_and_falls_back_to_the_default(rec, pbmc_site, pbmc_meta):
    default = next(o["name"] for o in pbmc_meta["obs"] if f"obs:{o['id']}" == pbmc_meta["defaults"]["color"])
    page = rec.goto_ready(pbmc_site.url("#embedding=X_foo"))
    status = page.locator("#status")
    settled(page)  # the first colouring has been drawn since: the message stays
    assert status.is_visible() and "X_foo" in status.text_content()
    assert page.evaluate("window.xgexport.getState()")["embedding"] == "X_umap"
    status.locator(".status-close").click()
    assert status.is_hidden()
    # an unknown colour: the dataset's default colouring, and the message says why
    page.goto("about:blank")
    page.goto(pbmc_site.url("#color=obs%3Anope"))
    page.wait_for_selector(READY, state="attached")
    settled(page)
    assert page.evaluate("window.xgexport.getState()")["color"] == f"obs:{default}"
    assert status.is_visible() and "nope" in status.text_content()
    rec.assert_clean([pbmc_site.origin])


def test_back_steps_through_colour_changes_not_camera_moves(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    settled(page)
    start_length = page.evaluate("history.length")
    page.locator("#color-select").select_option("obs:phase")
    page.wait_for_selector(READY, state="attached")
    page.locator("#color-select").select_option("obs:bulk_labels")
    page.wait_for_selector(READY, state="attached")
    # camera moves (drag, wheel) replace the entry instead of adding one each
    box = page.locator("#canvas").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 80, cy + 30, steps=5)
    page.mouse.up()
    page.mouse.wheel(0, -300)
    wait_until(lambda: "view=" in page.evaluate("location.hash") and page.evaluate("location.hash").split("view=")[1] != "")
    time.sleep(0.4)  # a camera move is written 200 ms after the last one (urlstate.js): waited out, it added no entry
    assert page.evaluate("history.length") == start_length + 2
    moved = page.evaluate("window.xgexport.getState().camera")
    assert "bulk_labels" in page.evaluate("location.hash")
    page.go_back()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == "obs:phase")
    assert page.url.startswith(pbmc_site.url())
    assert page.locator("#color-select").input_value() == "obs:phase"
    page.go_back()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == "obs:louvain")
    page.go_forward()
    page.go_forward()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["color"] == "obs:bulk_labels")
    # the entry of the last colour kept its camera
    assert page.evaluate("window.xgexport.getState().camera")["zoom"] == pytest.approx(moved["zoom"], rel=1e-4)
    # an embedding change is an entry too
    page.locator("#embedding-select").select_option("X_pca")
    page.wait_for_selector(READY, state="attached")
    page.go_back()
    wait_until(lambda: page.evaluate("window.xgexport.getState()")["embedding"] == "X_umap")
    rec.assert_clean([pbmc_site.origin])


HOST = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title></head>
<body><iframe id="viewer" width="900" height="560" src="VIEWER"></iframe>
<script>
window.got = [];
window.addEventListener("message", (e) => { if (e.origin === "ORIGIN") window.got.push(e.data); });
window.send = (m) => document.getElementById("viewer").contentWindow.postMessage(m, "ORIGIN");
</script></body></html>
"""


def host_page(rec, serve, tmp_path_factory, viewer_url, origin):
    folder = tmp_path_factory.mktemp("host")
    (folder / "index.html").write_text(HOST.replace("VIEWER", viewer_url).replace("ORIGIN", origin))
    host = serve(folder)
    rec.page.goto(host.url())
    return host


def test_embed_tells_the_host_once_and_about_errors_and_links_the_full_viewer(rec, pbmc_site, pbmc_meta, serve, tmp_path_factory):
    default = next(o["name"] for o in pbmc_meta["obs"] if f"obs:{o['id']}" == pbmc_meta["defaults"]["color"])
    host = host_page(rec, serve, tmp_path_factory, pbmc_site.url("?embed=1#color=obs%3Alouvain"), pbmc_site.origin)
    page = rec.page
    got = lambda kind: [m for m in page.evaluate("window.got") if m.get("type") == kind]  # noqa: E731
    wait_until(lambda: got("xgexport:view"))
    settled(page)
    time.sleep(0.3)  # the host is told 100 ms after the last change (api.js): a second message would be here
    assert len(got("xgexport:view")) == 1, got("xgexport:view")
    # a failure is posted to the host, as text
    page.evaluate("send({type: 'xgexport:set', color: 'gene:NOPE_GENE'})")
    errors = wait_until(lambda: got("xgexport:error"))
    assert "NOPE_GENE" in errors[-1]["message"] and set(errors[-1]) == {"type", "message"}
    frame = page.frame_locator("#viewer")
    # a link to the full viewer with the same view, in a new tab
    link = frame.locator("#open-full")
    assert link.is_visible() and link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel")
    href = link.get_attribute("href")
    assert "embed=1" not in href and "?" not in href and "color=obs%3Alouvain" in href and href.startswith(pbmc_site.url())
    # after a gene search, one click brings the dataset's default colouring back
    frame.locator("#gene-input").fill("CD3E")
    frame.locator("#gene-list li").first.click()
    wait_until(lambda: got("xgexport:view")[-1]["color"] == "gene:CD3E")
    assert "color=gene%3ACD3E" in frame.locator("#open-full").get_attribute("href")
    frame.locator("#color-reset").click()
    wait_until(lambda: got("xgexport:view")[-1]["color"] == f"obs:{default}")
    assert frame.locator("#color-reset").is_hidden()
    rec.assert_clean([pbmc_site.origin, host.origin], allow_console=("404",))


def test_embed_that_cannot_load_tells_the_host(rec, pbmc_bundle, serve, tmp_path_factory):
    import shutil

    broken = tmp_path_factory.mktemp("nodata")
    (broken / "index.html").write_text((pbmc_bundle / "index.html").read_text())
    shutil.copytree(pbmc_bundle / "viewer", broken / "viewer")
    site = serve(broken)
    host_page(rec, serve, tmp_path_factory, site.url("?embed=1"), site.origin)
    page = rec.page
    errors = wait_until(lambda: [m for m in page.evaluate("window.got") if m.get("type") == "xgexport:error"])
    assert "data/zarr.json" in errors[0]["message"]


@pytest.fixture(scope="session")
def large_site(tmp_path_factory, serve):
    """60,000 cells with scattered positions: about 0.5 MB to read before the first frame."""
    import sys

    import numpy as np

    from browser_helpers import REPO, build_bundle

    sys.path.insert(0, str(REPO / "tests"))
    from factories import synthetic_adata, write

    a = synthetic_adata(60000, 4, seed=9)
    a.obsm["X_umap"] = np.random.default_rng(9).uniform(-10, 10, size=(60000, 2))
    base = tmp_path_factory.mktemp("large")
    return serve(build_bundle(write(a, base / "large.h5ad"), base / "out"))


def test_progress_shows_until_the_first_frame_on_a_slow_link(rec, large_site):
    page = rec.page
    cdp = rec.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions",
             {"offline": False, "latency": 100, "downloadThroughput": 150_000, "uploadThroughput": 150_000})
    page.goto(large_site.url(), wait_until="commit")
    seen = []
    deadline = time.monotonic() + 30
    while page.evaluate("document.documentElement?.dataset.xgState") != "ready":  # no element yet at "commit"
        assert time.monotonic() < deadline, f"not ready; progress seen: {seen[-3:]}"
        box = page.locator("#loading")
        if box.count() and box.is_visible():
            text = box.text_content()
            if not seen or seen[-1] != text:
                seen.append(text)
            if len(seen) == 2:
                save_artifact("loading_progress.png", page.screenshot())
        time.sleep(0.05)
    sizes = [t for t in seen if " MB" in t and " of " in t]
    assert sizes, f"no byte progress shown: {seen}"
    assert len(set(sizes)) >= 2, f"the progress did not move: {seen}"
    assert any("positions" in t for t in seen)
    assert page.locator("#loading").is_hidden()
    rec.assert_clean([large_site.origin])
