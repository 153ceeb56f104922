"""Selection and crossfilter at 1M cells: how long the page's main thread is busy, and how long
until every open histogram and category count shows a new selection.

Generates (once, streaming, into benchmarks/work/) an .h5ad of N cells with few genes (the
matrix does not matter here) and the obs columns that make crossfilter work: the synthetic
generator's categorical columns plus a 500-category "guide" column (a perturbation screen) and
a 197-category "clonotype" column (scirpy), and 8 continuous columns; builds it once
(`--no-de --no-compare`), then opens it in Debian's Chromium on 127.0.0.1 and, for each kind of selection
(a lasso through the API, a category, a histogram range), records

- the time from the call until the selection is drawn (the API's promise),
- the time until every shown histogram and category count shows it (the crossfilter's
  "counts" event for that selection),
- the longest main-thread task during it (PerformanceObserver "longtask", which reports tasks
  over 50 ms; none reported means none was longer).

    python benchmarks/bench_selection.py --cells 1000000

Chromium here renders WebGL with SwiftShader on the CPU, so frame times are an upper bound.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import CHROMIUM, CHROMIUM_ARGS, WORK, build_command, generated

CONTINUOUS = ["n_genes", "n_counts", "percent_mito", "score_1", "score_2", "score_3", "score_4", "score_5"]


def prepare(n_cells: int) -> Path:
    source = generated(
        WORK / f"selection_{n_cells}.h5ad", n_cells, 2000, 50, then=lambda p: add_obs_columns(p, n_cells)
    )
    bundle = WORK / f"selection_bundle_{n_cells}"
    viewer = Path(__file__).resolve().parents[1] / "viewer_template"
    copy = lambda f: bundle / "viewer" / f.relative_to(viewer)  # noqa: E731
    stale = [
        f
        for f in [*viewer.rglob("*.js"), *viewer.rglob("*.css")]
        if not (copy(f).exists() and filecmp.cmp(f, copy(f), shallow=False))
    ]
    if not (bundle / "manifest.json").exists() or stale:  # built once, again when the viewer changed
        started = time.perf_counter()
        cmd = build_command(source, bundle, "--no-de", "--no-compare")
        subprocess.run(cmd, check=True)
        print(f"built {bundle.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return bundle


def add_obs_columns(path: Path, n_cells: int, seed: int = 1) -> None:
    """A 500- and a 197-category column (int16 codes) and continuous columns, added to obs."""
    rng = np.random.default_rng(seed)
    with h5py.File(path, "a") as f:
        obs = f["obs"]
        order = [c.decode() if isinstance(c, bytes) else str(c) for c in obs.attrs["column-order"]]
        for name, codes, labels in (
            ("guide", rng.integers(0, 500, n_cells), [f"sg{k:03d}" for k in range(500)]),
            ("clonotype", np.minimum(rng.geometric(0.03, n_cells) - 1, 196), [f"clonotype {k}" for k in range(197)]),
        ):
            node = obs.create_group(name)
            node.attrs.update({"encoding-type": "categorical", "encoding-version": "0.2.0", "ordered": False})
            node.create_dataset("codes", data=codes.astype(np.int16))
            strings = node.create_dataset("categories", data=np.array(labels, dtype=object), dtype=h5py.string_dtype())
            strings.attrs["encoding-type"] = "string-array"
            strings.attrs["encoding-version"] = "0.2.0"
        values = {
            "n_genes": rng.poisson(1200, n_cells).astype(np.float32),
            "n_counts": rng.lognormal(8, 0.5, n_cells).astype(np.float32),
            "percent_mito": rng.beta(2, 40, n_cells).astype(np.float32),
        }
        for k in range(1, 6):
            values[f"score_{k}"] = rng.normal(0, 1, n_cells).astype(np.float32)
        for name, v in values.items():
            obs.create_dataset(name, data=v)
        obs.attrs["column-order"] = np.array([*order, "guide", "clonotype", *values], dtype=h5py.string_dtype())


# In the page: run one selection, then report when it was drawn and when the counts of every
# watched dimension showed it, and every main-thread task over 50 ms meanwhile.
TIMED = """async ([kind, arg]) => {
  const html = document.documentElement;
  const long = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(Math.round(e.duration)); });
  obs.observe({ type: "longtask" });
  const counted = () => new Promise((resolve) => {
    const check = () => (html.dataset.xgCounts === "ready" ? resolve(performance.now()) : requestAnimationFrame(check));
    check();
  });
  const t0 = performance.now();
  let n;
  if (kind === "lasso") n = await window.xgexport.selectPolygon(arg, {mode: "replace"});
  else if (kind === "cells") n = await window.xgexport.setSelection(arg);
  else if (kind === "clear") n = await window.xgexport.clearSelection();
  else if (kind === "pan") { // the control: a camera move redraws every cell and selects nothing
    const c = window.xgexport.getState().camera;
    window.xgexport.setCamera({ ...c, cx: c.cx + 0.5 });
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  }
  const drawn = performance.now();
  const done = await counted();
  await new Promise((r) => setTimeout(r, 300));
  obs.disconnect();
  return { n, drawn_ms: Math.round(drawn - t0), counted_ms: Math.round(done - t0), long_tasks_ms: long };
}"""

# A mouse action (a category click, a brush) in the page: time from its first event to the
# counts shown, tasks over 50 ms meanwhile.
WATCH = """(event) => {
  const html = document.documentElement;
  window.__bench = { long: [], t0: 0, counted: 0 };
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__bench.long.push(Math.round(e.duration)); });
  obs.observe({ type: "longtask" });
  window.__benchStop = () => { obs.disconnect(); window.__benchCounts.disconnect(); };
  window.__benchCounts = new MutationObserver(() => { if (html.dataset.xgCounts === "ready") window.__bench.counted = performance.now(); });
  window.__benchCounts.observe(html, { attributes: true, attributeFilter: ["data-xg-counts"] });
  document.addEventListener(event, () => { window.__bench.t0 = performance.now(); }, { capture: true, once: true });
}"""


# Without drawing: SwiftShader rasterises on the CPU, and one frame of a million points holds
# the page's main thread here for 0.8–1.6 s whatever changed (a pan alone does), which would
# hide the selection's own cost. This run makes drawElements a no-op to measure the rest.
NO_DRAW = "WebGL2RenderingContext.prototype.drawElements = function () {};"


def measure(bundle: Path, draw: bool = True) -> dict:
    from playwright.sync_api import sync_playwright

    from xgexport.serve import start_in_thread

    server, url = start_in_thread(bundle)
    out = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1600})
            if not draw:
                page.add_init_script(NO_DRAW)
            started = time.perf_counter()
            page.goto(url + "#color=obs%3Acluster")
            page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=120_000)
            out["first_frame_s"] = round(time.perf_counter() - started, 2)
            # watched: cluster (20), guide (500 categories), clonotype (197) and the histograms in view
            for name in ("cluster", "guide", "clonotype"):
                page.locator(f'.cat-column[data-column="{name}"] summary').click()
                page.locator(f'.cat-column[data-column="{name}"] .cat-row').first.wait_for(timeout=60_000)
            page.locator(".hist-block .hist-canvas").nth(3).wait_for(timeout=60_000)
            out["histograms_loaded"] = page.locator(".hist-block .hist-canvas").count()
            page.wait_for_timeout(1000)
            state = page.evaluate("window.xgexport.getState()")
            box = page.locator("#canvas").bounding_box()
            # a lasso around the middle third of the plot, in data coordinates from the camera
            cam = state["camera"]
            lasso = [[cam["cx"] + dx, cam["cy"] + dy] for dx, dy in ((-8, -6), (6, -9), (9, 4), (-2, 9), (-9, 3))]
            out["pan"] = page.evaluate(TIMED, ["pan", None])
            out["lasso"] = page.evaluate(TIMED, ["lasso", lasso])
            out["lasso_again"] = page.evaluate(TIMED, ["lasso", [[x + 1, y] for x, y in lasso]])
            rng = np.random.default_rng(0)
            cells = np.sort(rng.choice(1_000_000, 100_000, replace=False)).tolist()
            out["set_100k_cells"] = page.evaluate(TIMED, ["cells", cells])
            out["clear"] = page.evaluate(TIMED, ["clear", None])
            out["category_click"] = mouse_timed(
                page, lambda: page.locator('.cat-column[data-column="guide"] .cat-row').nth(2).click()
            )
            page.locator(".hist-block .hist-canvas").first.scroll_into_view_if_needed()
            hist = page.locator(".hist-block .hist-canvas").first.bounding_box()

            # a brush held down and moved one step at a time: each step's time to its counts
            x0, y = hist["x"] + hist["width"] * 0.3, hist["y"] + hist["height"] / 2
            page.mouse.move(x0, y)
            out["brush_start"] = mouse_timed(page, page.mouse.down)
            out["brush_steps"] = [
                mouse_timed(page, lambda k=k: page.mouse.move(x0 + hist["width"] * 0.04 * k, y), event="pointermove")
                for k in range(1, 6)
            ]
            out["brush_end"] = mouse_timed(page, page.mouse.up, event="pointerup")
            out["viewport"] = [box["width"], box["height"]]
            browser.close()
    finally:
        server.shutdown()
    return out


def mouse_timed(page, action, event="pointerdown") -> dict:
    page.evaluate(WATCH, event)
    action()
    # (the page's CSP forbids the string evaluation wait_for_function needs: poll instead)
    deadline = time.monotonic() + 30
    while not page.evaluate("document.documentElement.dataset.xgCounts === 'ready' && window.__bench.counted > 0"):
        assert time.monotonic() < deadline, (
            f"the counts never showed the selection: {page.evaluate('[window.__bench, document.documentElement.dataset.xgCounts, window.xgexport.getState().selection]')}"
        )
        time.sleep(0.02)
    page.wait_for_timeout(300)
    b = page.evaluate("() => { window.__benchStop(); return window.__bench; }")
    return {"counted_ms": round(b["counted"] - b["t0"]), "long_tasks_ms": b["long"]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--prepare-only", action="store_true")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    bundle = prepare(args.cells)
    if args.prepare_only:
        return
    for draw in (False, True):
        print(json.dumps({"drawing": draw, **measure(bundle, draw)}), flush=True)


if __name__ == "__main__":
    main()
