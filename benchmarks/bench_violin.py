"""The violin plot at 1M cells: how long the page takes from choosing a column to the violins
shown, and how much of it is the statistics (violinstats.js: grouping, one sort per category,
quantiles, densities) computed from the gene's values already loaded for the colouring.

Uses the selection benchmark's synthetic data (generated once into benchmarks/work/: N cells,
2000 genes, a 20-category "cluster", a 500-category "guide", a 197-category "clonotype"),
built once with `--no-de`, opened in Debian's Chromium on 127.0.0.1 and coloured by a gene; then
the violin panel is opened with the mouse and each column chosen in turn, three rounds:

- stats_ms: violinStats() alone (the panel's data-ms, performance.now() around the call),
- shown_ms: from the column's change event until the SVG is in the page (stats + drawing),
- long_tasks_ms: main-thread tasks over 50 ms meanwhile (PerformanceObserver "longtask"),
- dense_stats_ms: violinStats() on a million values none of which is 0 (nothing skipped, every
  value sorted: the worst case), 20 and 500 categories, three runs each,
- label_centres: the category names on the plot (plot/labels.js) at a million cells: the
  medians (once per colouring) and one placement (on every camera move), 20 and 500 categories.

    python benchmarks/bench_violin.py --cells 1000000

The plot's WebGL frames are skipped (SwiftShader draws a million points on the CPU in about a
second, which would hide what is measured here); the violin panel does not draw them anyway.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_selection import NO_DRAW, add_obs_columns
from common import CHROMIUM, CHROMIUM_ARGS, WORK, build_command, generated

COLUMNS = ["cluster", "guide", "clonotype"]

CHOOSE = """async (name) => {
  const long = [];
  const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(Math.round(e.duration)); });
  obs.observe({ type: "longtask" });
  const select = document.getElementById("violin-column");
  const panel = document.getElementById("violin");
  const old = panel.querySelector(".violin-svg");
  const t0 = performance.now();
  select.value = [...select.options].find((o) => o.textContent === name).value;
  select.dispatchEvent(new Event("change"));
  while (panel.querySelector(".violin-svg") === old) await new Promise((r) => setTimeout(r, 1));
  const shown = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 200));
  obs.disconnect();
  return { stats_ms: Number(panel.dataset.ms), shown_ms: Math.round(shown), long_tasks_ms: long,
           violins: panel.querySelectorAll("g.violin").length };
}"""


# The statistics alone on a dense value per cell (every cell expressing: nothing to skip, every
# value sorted), the worst case; the module the page uses, imported into it.
DENSE = """async ([n, k]) => {
  const { violinStats } = await import("./viewer/panels/violinstats.js");
  const values = new Float32Array(n);
  const codes = new Int16Array(n);
  let seed = 1;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) { values[i] = 1 + Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(6.283 * rand()); codes[i] = Math.floor(rand() * k); }
  const times = [];
  for (let r = 0; r < 3; r++) { const t0 = performance.now(); violinStats(values, codes, k); times.push(Math.round(performance.now() - t0)); }
  return times;
}"""


# Category names on the plot (plot/labels.js): each category's median position at 1M cells,
# computed once per colouring, and one placement (done again on every camera move).
CENTRES = """async ([n, k]) => {
  const { categoryCentres, placeLabels } = await import("./viewer/plot/labels.js");
  const xy = new Uint16Array(2 * n);
  const codes = new Int16Array(n);
  let seed = 7;
  const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < n; i++) { codes[i] = Math.floor(rand() * k); xy[2 * i] = Math.floor(rand() * 65535); xy[2 * i + 1] = Math.floor(rand() * 65535); }
  const e = { xy, bounds: { min: [0, 0], max: [1, 1] }, hidden: 0 };
  const out = { centres_ms: [], place_ms: [] };
  for (let r = 0; r < 3; r++) {
    let t0 = performance.now();
    const c = categoryCentres(e, codes, k);
    out.centres_ms.push(Math.round(performance.now() - t0));
    t0 = performance.now();
    placeLabels(c, { camera: { cx: 0.5, cy: 0.5, zoom: 1 }, bounds: e.bounds, size: { width: 1200, height: 900 },
      names: Array.from({ length: k }, (_, j) => `category ${j}`), hidden: new Set(), measure: (t) => 7 * t.length });
    out.place_ms.push(Math.round((performance.now() - t0) * 10) / 10);
  }
  return out;
}"""


def prepare(n_cells: int) -> Path:
    source = generated(WORK / f"violin_{n_cells}.h5ad", n_cells, 2000, 50, then=lambda p: add_obs_columns(p, n_cells))
    bundle = WORK / f"violin_bundle_{n_cells}"
    # built again each run: the bundle carries the viewer being measured
    cmd = build_command(source, bundle, "--no-de", "--no-compare")
    subprocess.run(cmd, check=True, cwd=Path(__file__).resolve().parents[1])
    return bundle


def measure(bundle: Path, gene: str, rounds: int = 3) -> dict:
    from playwright.sync_api import sync_playwright

    from xgexport.serve import start_in_thread

    server, url = start_in_thread(bundle)
    out = {"gene": gene, "columns": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.add_init_script(NO_DRAW)
            page.goto(url + f"#color=gene%3A{gene}")
            page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=180_000)
            page.locator("#open-violin").click()
            page.locator("#violin .violin-svg").wait_for(timeout=60_000)
            runs = {name: [] for name in COLUMNS}
            for _ in range(rounds):
                for name in COLUMNS:
                    runs[name].append(page.evaluate(CHOOSE, name))
            for name, rs in runs.items():
                out["columns"][name] = {
                    "violins": rs[0]["violins"],
                    "stats_ms": [r["stats_ms"] for r in rs],
                    "shown_ms": [r["shown_ms"] for r in rs],
                    "median_stats_ms": statistics.median(r["stats_ms"] for r in rs),
                    "median_shown_ms": statistics.median(r["shown_ms"] for r in rs),
                    "long_tasks_ms": [r["long_tasks_ms"] for r in rs],
                }
            out["dense_stats_ms"] = {k: page.evaluate(DENSE, [1_000_000, k]) for k in (20, 500)}
            out["label_centres"] = {k: page.evaluate(CENTRES, [1_000_000, k]) for k in (20, 500)}
            out["cells"] = page.evaluate(
                "window.xgexport.getState().selected === 0 && document.getElementById('counts').textContent"
            )
            browser.close()
    finally:
        server.shutdown()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    parser.add_argument("--gene", default="GENE960")  # the synthetic data's genes expressing most: 14% of cells
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    started = time.perf_counter()
    bundle = prepare(args.cells)
    print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    print(json.dumps(measure(bundle, args.gene)), flush=True)


if __name__ == "__main__":
    main()
