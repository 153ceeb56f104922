"""Helpers shared by the browser tests (importable because pytest puts this folder on sys.path)."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO / "tests" / "data"
ARTIFACTS = REPO / "tests" / "artifacts"
READY = "html[data-xg-state=ready]"


def save_artifact(name: str, png: bytes) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    path.write_bytes(png)
    return path


def hex_rgb(text: str) -> np.ndarray:
    return np.array([int(text[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


def colour_pixels(pixels: np.ndarray, rgb, tol: int = 6) -> int:
    """How many pixels are within `tol` of `rgb` in every channel."""
    diff = np.abs(pixels[..., :3].astype(np.int16) - np.asarray(rgb, dtype=np.int16))
    return int((diff.max(axis=-1) <= tol).sum())


def copy_bundle(src: Path, dst: Path) -> Path:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst


def build_bundle(source: Path, out: Path, *extra: str) -> Path:
    """Run the exporter's CLI, as a user would (helpers.run_cli, the tests' one runner)."""
    from helpers import run_cli

    result = run_cli("build", source, out, "--overwrite", "-q", *extra, check=False, cwd=REPO)
    if result.returncode != 0:
        raise RuntimeError(f"xgexport build failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return out


def wait_until(fn, timeout: float = 20.0):
    """Poll fn until it returns something true (and return that); fail after `timeout` seconds.
    Generous because the suite runs on a shared 2-core machine: it bounds a hang, not a speed."""
    end = time.monotonic() + timeout
    while not (value := fn()):
        assert time.monotonic() < end, f"timed out after {timeout:g} s waiting for {getattr(fn, '__name__', fn)}"
        time.sleep(0.03)
    return value


def frames(page) -> int:
    """How many frames the plot has drawn (plot/renderer.js counts them in the canvas's data-frames)."""
    return int(page.locator("#canvas").get_attribute("data-frames") or 0)


def drawn_after(page, before: int, timeout: float = 20.0) -> int:
    """Wait until the plot has drawn a frame after the ``before``-th (read with ``frames`` before
    the change): what the change did is on the canvas."""
    return wait_until(lambda: frames(page) > before and frames(page), timeout)


def settled(page) -> None:
    """Wait until the page has loaded all it asks for (no request for 500 ms: playwright's
    "networkidle" of the page's navigation) and drawn its next frames: the state that a check
    that something did NOT happen after loading reads."""
    page.wait_for_load_state("networkidle")
    next_frames(page)


def next_frames(page, n: int = 2) -> None:
    """Wait for the page's next ``n`` animation frames: the input sent before has been handled,
    and what it changed synchronously (the plot, the DOM) has been drawn. What a negative check
    (nothing happened) waits for, instead of a fixed time."""
    page.evaluate(
        "(n) => new Promise((done) => { const step = (k) => k ? requestAnimationFrame(() => step(k - 1)) : done(); step(n); })",
        n,
    )


def download_of(page, selector: str):
    """Click the button at ``selector`` as a person would; returns playwright's Download of the
    file it saves."""
    with page.expect_download() as dl:
        page.locator(selector).click()
    return dl.value


def export_download(page, item: str):
    """Choose an item (#export-png, #export-svg, …) of the toolbar's download menu, as a person
    would; returns playwright's Download."""
    page.locator("#export-open").click()
    return download_of(page, item)


def export_file(page, item: str) -> bytes:
    """The bytes of a file downloaded through the toolbar's download menu."""
    return Path(export_download(page, item).path()).read_bytes()


HOST_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>host</title></head>
<body>
<h1>A lab page</h1>
<iframe id="viewer" width="900" height="560" src="VIEWER"></iframe>
<script>
window.views = [];
window.addEventListener("message", (e) => {
  if (e.origin === "ORIGIN" && e.data && e.data.type === "xgexport:view") window.views.push(e.data);
});
window.send = (m) => document.getElementById("viewer").contentWindow.postMessage(m, "ORIGIN");
</script>
</body></html>
"""


def host_page(viewer_url: str, origin: str) -> str:
    """A lab's page that frames the viewer: it keeps every `xgexport:view` message the viewer's
    origin posts (`window.views`) and posts to it with `window.send(message)`."""
    return HOST_PAGE.replace("VIEWER", viewer_url).replace("ORIGIN", origin)


def overlapping_boxes(boxes: list[dict]) -> list[tuple[dict, dict]]:
    """Pairs of bounding boxes (playwright's {x, y, width, height}) that overlap."""
    return [
        (a, b)
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    ]


# the boxes (page px) of the elements `selector` finds under `root`, and the visible box of the
# scrolling panel body that holds them (its client area: no border, no scrollbar)
BOXES = """([root, selector]) => {
    const r = document.querySelector(root);
    const body = r.closest('.dotplot-body');
    const b = body.getBoundingClientRect();
    const view = { left: b.left + body.clientLeft, top: b.top + body.clientTop };
    Object.assign(view, { right: view.left + body.clientWidth, bottom: view.top + body.clientHeight });
    const boxes = [...r.querySelectorAll(selector)].map((e) => {
        const q = e.getBoundingClientRect();
        return { left: q.left, top: q.top, right: q.right, bottom: q.bottom, text: e.textContent };
    });
    return { view, boxes, scroll: [body.scrollWidth, body.clientWidth, body.scrollLeft] };
}"""

# every drawn element of an <svg> inside the svg's own box: nothing clipped by the figure itself
UNCLIPPED = """(sel) => {
    const svg = document.querySelector(sel);
    const s = svg.getBoundingClientRect();
    const out = [];
    for (const e of svg.querySelectorAll('text, rect, circle, path, line')) {
        const q = e.getBoundingClientRect();
        if (!q.width && !q.height) continue;
        if (q.left < s.left - 0.5 || q.right > s.right + 0.5 || q.top < s.top - 0.5 || q.bottom > s.bottom + 0.5)
            out.push(`${e.tagName} ${e.textContent.slice(0, 40)} ${JSON.stringify([q.left - s.left, q.right - s.left, q.top - s.top, q.bottom - s.top])}`);
    }
    return out;
}"""


def outside(found: dict, horizontal_only: bool = False) -> list[dict]:
    """The boxes of a BOXES answer that are not inside its visible box (all of it, or its width)."""
    v = found["view"]
    return [
        b
        for b in found["boxes"]
        if b["left"] < v["left"] - 0.5
        or b["right"] > v["right"] + 0.5
        or (not horizontal_only and (b["top"] < v["top"] - 0.5 or b["bottom"] > v["bottom"] + 0.5))
    ]
