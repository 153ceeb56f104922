"""Turning a 3-D embedding at 100k cells (issue #13): what one step of a drag costs the page.

A synthetic input (N cells in 12 Gaussian clusters in 3-D as obsm['X_umap_3d'], 30 genes, a
"cluster" column) is generated once into benchmarks/work/ and built; Debian's Chromium opens it
coloured by the cluster and by a gene, and a drag of 120 pointer moves (one per animation frame)
is sent with the Rotate tool, then with pan, for comparison:

- step_ms: the pointermove handler (projection of every cell, depth order, the store's
  listeners, the renderer's buffers), median and max,
- frame_ms: the interval between animation frames during the drag, median and 90th percentile,
  with WebGL drawing (SwiftShader: on the CPU, an upper bound of a machine with a GPU) and
  without (drawElements a no-op: the page's own work per frame),
- project_ms, depth_order_ms: plot/rotation.js alone on N random cells.

    python benchmarks/bench_rotation.py --cells 100000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from common import CHROMIUM, CHROMIUM_ARGS, WORK

NO_DRAW = "WebGL2RenderingContext.prototype.drawElements = function () {};"

DRAG = """async () => {
  const canvas = document.getElementById("canvas");
  const r = canvas.getBoundingClientRect();
  const send = (type, x, y) => canvas.dispatchEvent(new PointerEvent(type, { pointerId: 3, pointerType: "mouse", button: 0,
      isPrimary: true, bubbles: true, cancelable: true, clientX: r.left + x, clientY: r.top + y, buttons: type === "pointerup" ? 0 : 1 }));
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  send("pointerdown", 200, 300);
  const steps = [], frames = [];
  let last = await frame();
  for (let k = 1; k <= 120; k++) {
    const t0 = performance.now();
    send("pointermove", 200 + 3 * k, 300 + k);
    steps.push(performance.now() - t0);
    const t = await frame();
    frames.push(t - last);
    last = t;
  }
  send("pointerup", 560, 420);
  return { steps, frames };
}"""

ALONE = """async (n) => {
  const R = await import("./viewer/plot/rotation.js");
  const xy = new Uint16Array(2 * n), z = new Uint16Array(n);
  for (let i = 0; i < n; i++) { xy[2 * i] = Math.random() * 65534; xy[2 * i + 1] = Math.random() * 65534; z[i] = Math.random() * 65534; }
  const base = { id: "x", xy, z, bounds: { min: [0, 0], max: [1, 1] }, zBounds: { min: 0, max: 1 }, hidden: 0 };
  const order = new Uint32Array(n).map((_, i) => i);
  const project = [], sort = [];
  for (let k = 0; k < 40; k++) {
    let t = performance.now();
    const e = R.turned(base, { yaw: k, pitch: k / 2 });
    project.push(performance.now() - t);
    t = performance.now();
    R.depthOrder(order, e.depth);
    sort.push(performance.now() - t);
  }
  return { project, sort };
}"""


def make_input(path: Path, n: int) -> Path:
    if path.exists():
        return path
    import anndata as ad
    import pandas as pd
    import scipy.sparse as sp

    rng = np.random.default_rng(1)
    label = rng.integers(0, 12, n)
    xyz = rng.normal(scale=8, size=(12, 3))[label] + rng.normal(size=(n, 3))
    X = sp.random(n, 30, density=0.2, format="csr", random_state=2, dtype=np.float32)
    obs = pd.DataFrame({"cluster": pd.Categorical([f"c{i}" for i in label])}, index=[f"cell{i}" for i in range(n)])
    adata = ad.AnnData(X=X, obs=obs, var=pd.DataFrame(index=[f"G{i}" for i in range(30)]))
    adata.obsm["X_umap_3d"] = xyz
    path.parent.mkdir(parents=True, exist_ok=True)
    adata.write_h5ad(path)
    return path


def summary(values: list[float], q: float = 0.5) -> float:
    return round(statistics.quantiles(values, n=100)[int(q * 100) - 1] if q != 0.5 else statistics.median(values), 2)


def measure(bundle: Path, n: int) -> dict:
    from playwright.sync_api import sync_playwright

    from xgexport.serve import start_in_thread

    server, url = start_in_thread(bundle)
    out: dict = {"cells": n}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for draw in (True, False):
                for colour in ("obs%3Acluster", "gene%3AG1"):
                    for tool in ("rotate", "pan"):
                        page = browser.new_page(viewport={"width": 1366, "height": 768})
                        if not draw:
                            page.add_init_script(NO_DRAW)
                        page.goto(url + f"#color={colour}")
                        page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=120_000)
                        page.wait_for_timeout(1000)
                        page.locator(f"#tool-{tool}").click()
                        got = page.evaluate(DRAG)
                        key = f"{tool} {colour.split('%3A')[1]} {'drawn' if draw else 'not drawn'}"
                        out[key] = {"step_ms": [summary(got["steps"]), round(max(got["steps"]), 1)],
                                    "frame_ms": [summary(got["frames"]), summary(got["frames"], 0.9)]}  # fmt: skip
                        if draw and tool == "rotate" and colour.startswith("obs"):
                            alone = page.evaluate(ALONE, n)
                            out["project_ms"] = summary(alone["project"])
                            out["depth_order_ms"] = summary(alone["sort"])
                        page.close()
            browser.close()
    finally:
        server.shutdown()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    args = parser.parse_args()
    source = make_input(WORK / f"rotation_{args.cells}.h5ad", args.cells)
    bundle = WORK / f"rotation_{args.cells}_bundle"
    root = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "xgexport.cli", "build", str(source), str(bundle), "--overwrite", "-q", "--no-de"],
                   check=True, cwd=root)  # fmt: skip
    print(json.dumps(measure(bundle, args.cells), indent=1))


if __name__ == "__main__":
    main()
