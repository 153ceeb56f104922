"""A 3-D embedding through the viewer's API (issue #13): a host page that frames the viewer hears
the rotation a person gives it with the mouse and the keys, and can set one; a script's
selectPolygon takes points where the cells are drawn, in the view as turned (as a lasso does),
or under the rotation it names, and the link's step keeps that rotation."""

from __future__ import annotations

import time

import numpy as np
import pytest
from browser_helpers import READY, host_page, save_artifact, wait_until
from selection_helpers import Q, clear_polygon, inside
from threed_helpers import DEG_PER_PX, KEY, projected, state

pytestmark = pytest.mark.browser

URL = f"#embedding={KEY}&color=obs%3Alouvain&labels=0"


def test_a_host_page_hears_and_sets_the_rotation(rec, threed_site, serve, tmp_path_factory):
    host_dir = tmp_path_factory.mktemp("host3d")
    viewer = threed_site.url("?embed=1" + URL)
    (host_dir / "index.html").write_text(host_page(viewer, threed_site.origin))
    host = serve(host_dir)
    page = rec.page
    page.goto(host.url())

    def wait_view(pred, timeout=15):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            views = page.evaluate("window.views")
            if views and pred(views[-1]):
                return views[-1]
            time.sleep(0.05)
        raise AssertionError(f"no matching view message; got {page.evaluate('window.views')[-3:]}")

    first = wait_view(lambda v: v["embedding"] == KEY)
    assert first["rotation"] == {"yaw": 0, "pitch": 0}
    frame = page.frame_locator("#viewer")
    # the Rotate tool and a real drag of the mouse across the framed plot: a quarter turn
    frame.locator("#tool-rotate").click()
    box = frame.locator("#canvas").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 250)
    page.mouse.down()
    page.mouse.move(box["x"] + 200 + 90 / DEG_PER_PX, box["y"] + 250, steps=12)
    page.mouse.up()
    turned = wait_view(lambda v: v["rotation"] == {"yaw": 90, "pitch": 0})
    assert turned["embedding"] == KEY and turned["color"] == "obs:louvain"
    # Shift+arrow keys in the frame tilt it
    frame.locator("#canvas").click(position={"x": 5, "y": 5})
    page.keyboard.press("Shift+ArrowUp")
    wait_view(lambda v: v["rotation"] == {"yaw": 90, "pitch": -15})
    save_artifact("threed_embed_turned.png", page.screenshot())
    # the host sets a rotation (rounded as a link rounds it), and hears it back
    page.evaluate("send({type: 'xgexport:set', rotation: {yaw: -30.04, pitch: 20}})")
    wait_view(lambda v: v["rotation"] == {"yaw": -30, "pitch": 20})
    viewer_frame = next(f for f in page.frames if f.url.startswith(threed_site.origin))
    assert viewer_frame.evaluate("window.xgexport.getState().rotation") == {"yaw": -30, "pitch": 20}
    # a 2-D embedding has none; an embedding and its rotation together
    page.evaluate("send({type: 'xgexport:set', embedding: 'X_umap'})")
    wait_view(lambda v: v["embedding"] == "X_umap" and v["rotation"] is None)
    page.evaluate(f"send({{type: 'xgexport:set', embedding: '{KEY}', rotation: {{yaw: 370, pitch: -5}}}})")
    wait_view(lambda v: v["embedding"] == KEY and v["rotation"] == {"yaw": 10, "pitch": -5})
    # wrongly typed rotations are ignored
    n = len(page.evaluate("window.views"))
    for bad in ["{yaw: 'a', pitch: 0}", "[1, 2]", "{yaw: 1}", "{yaw: Infinity, pitch: 0}", "'10,5'"]:
        page.evaluate(f"send({{type: 'xgexport:set', rotation: {bad}}})")
    time.sleep(0.5)  # longer than the view message's 100 ms (api.js): nothing to wait for
    assert len(page.evaluate("window.views")) == n
    assert viewer_frame.evaluate("window.xgexport.getState().rotation") == {"yaw": 10, "pitch": -5}
    rec.assert_clean([threed_site.origin, host.origin])


def turned_polygon(bundle, yaw, pitch):
    """A pentagon in the data coordinates of the view turned by (yaw, pitch), kept off every cell
    (display units, as the selection tests them), and the cells numpy finds inside it."""
    q, lo, hi = projected(bundle, yaw, pitch)
    cx, cy = np.median(q, axis=0)
    shape = [(-0.12, -0.2), (0.02, -0.22), (0.06, 0.05), (-0.05, 0.15), (-0.15, 0.0)]
    poly = clear_polygon(q, [(cx + dx * Q, cy + dy * Q) for dx, dy in shape], margin=2)
    data = [[float(f"{v:.6g}") for v in lo + np.array(p) / Q * (hi - lo)] for p in poly]
    want = inside(q[:, 0], q[:, 1], (np.array(data) - lo) / (hi - lo) * Q)
    return data, set(np.nonzero(want)[0].tolist())


def test_select_polygon_takes_the_turned_view_as_the_lasso_does(rec, threed_site, threed_bundle, browser):
    page = rec.goto_ready(threed_site.url(URL + "&rot=40,-20"))
    poly, want = turned_polygon(threed_bundle, 40, -20)
    q0, lo0, hi0 = projected(threed_bundle, 0, 0)
    as_front = set(np.nonzero(inside(q0[:, 0], q0[:, 1], (np.array(poly) - lo0) / (hi0 - lo0) * Q))[0].tolist())
    assert 30 < len(want) < 670 and len(as_front ^ want) > 20
    n = page.evaluate("(p) => window.xgexport.selectPolygon(p)", poly)
    assert n == len(want) and set(page.evaluate("window.xgexport.getSelection()")) == want
    steps = state(page)["selection"]
    assert len(steps) == 1 and steps[0].endswith(":rot:40,-20")
    # the link selects them again, opened at the front
    wait_until(lambda: "sel=lasso" in page.evaluate("location.hash"))
    other = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    other.goto(page.url.replace("rot=40,-20", "rot=0,0"))
    other.wait_for_selector(READY, state="attached")
    wait_until(lambda: state(other)["selected"] == len(want))
    assert set(other.evaluate("window.xgexport.getSelection()")) == want
    # seen from the front, the same points name other cells; `rotation` names the view they are in
    other.evaluate("(p) => window.xgexport.selectPolygon(p)", poly)
    assert len(set(other.evaluate("window.xgexport.getSelection()")) ^ as_front) <= 2  # cells on its edges: chance
    assert state(other)["selection"][0].endswith(":rot:0,0")
    assert other.evaluate("(p) => window.xgexport.selectPolygon(p, {rotation: {yaw: 40, pitch: -20}})", poly) == len(
        want
    )
    assert set(other.evaluate("window.xgexport.getSelection()")) == want
    # a 3-D embedding that is not shown: its front, unless a rotation is given
    other.evaluate("window.xgexport.setEmbedding('X_umap')")
    other.wait_for_selector(READY, state="attached")
    front_poly, front_want = turned_polygon(threed_bundle, 0, 0)
    got = other.evaluate(f"(p) => window.xgexport.selectPolygon(p, {{embedding: '{KEY}'}})", front_poly)
    assert got == len(front_want) and set(other.evaluate("window.xgexport.getSelection()")) == front_want
    got = other.evaluate(
        f"(p) => window.xgexport.selectPolygon(p, {{embedding: '{KEY}', rotation: {{yaw: 40, pitch: -20}}}})", poly
    )
    assert got == len(want)
    err = other.evaluate(
        f"(p) => window.xgexport.selectPolygon(p, {{embedding: '{KEY}', rotation: [1, 2]}}).then(() => '', (e) => e.message)",
        poly,
    )
    assert "rotation" in err
    other.context.close()
    rec.assert_clean([threed_site.origin])
