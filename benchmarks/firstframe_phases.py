"""Where a first frame's time goes: the phases of one load of an xgexport page, in the page's clock.

    python benchmarks/firstframe_phases.py BUNDLE [BUNDLE …] --loads 5 --cells 700

Serves each bundle with `xgexport serve` (its own process, as bench_firstframe.py does) and
opens it ``--loads`` times in Debian's Chromium (the benchmarks' flags, a fresh context each
time), then prints the median of each phase: html; modules (first request, last response);
the dataset's files (first request, last response); the code's first fetch (main() has
started); the WebGL context (getContext's start and end); every draw of all the cells and the
first `data-xg-state=ready` after one (the benchmark's first frame); main-thread tasks over
50 ms before it. Requests and bytes as bench_firstframe.py counts them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import peer_viewers as pv  # noqa: E402

# added to the benchmarks' own instrumentation (peer_viewers.INIT_JS): the WebGL context, the
# code's fetches and long tasks
PHASES_JS = """
(() => {
  const B = window.__bench;
  B.contexts = []; B.fetches = []; B.long = [];
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    const t0 = performance.now();
    const got = getContext.call(this, kind, ...rest);
    if (String(kind).startsWith("webgl")) B.contexts.push([t0, performance.now()]);
    return got;
  };
  const fetch = window.fetch;
  window.fetch = function (input, ...rest) {
    B.fetches.push([performance.now(), String(input.url ?? input)]);
    return fetch.call(this, input, ...rest);
  };
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) B.long.push([e.startTime, e.duration]); })
      .observe({ type: "longtask", buffered: true });
  } catch (e) {}
})();
"""


def one_load(browser, url: str, n_cells: int) -> dict:
    context = browser.new_context(viewport=pv.VIEWPORT)
    context.add_init_script(pv.INIT_JS)
    context.add_init_script(PHASES_JS)
    page = context.new_page()
    page.goto(url, wait_until="commit")
    signal = (
        "(n) => { const d = window.__bench.firstDraw(n); return d !== null && window.__bench.readyAfter(d) !== null; }"
    )
    page.evaluate(f"(n) => window.__bench.until(() => ({signal})(n))", n_cells)
    page.wait_for_timeout(300)
    got = page.evaluate(
        """(n) => { const B = window.__bench; const d = B.firstDraw(n);
        return { ready: B.readyAfter(d), draws: B.draws.filter(([, c]) => c >= n).map(([t]) => t), contexts: B.contexts,
                 fetches: B.fetches, long: B.long, entries: B.entries() }; }""",
        n_cells,
    )
    context.close()
    ready = got["ready"]
    entries = [e for e in got["entries"] if e["end"] <= ready]
    modules = [e for e in entries if "/viewer/" in e["name"]]
    data = [e for e in entries if "/data/" in e["name"]]
    row = {
        "html": entries[0]["end"],
        "modules sent": min(e["start"] for e in modules),
        "modules in": max(e["end"] for e in modules),
        "data sent": min(e["start"] for e in data),
        "data in": max(e["end"] for e in data),
        "code's first fetch": got["fetches"][0][0] if got["fetches"] else float("nan"),
        "WebGL context from": got["contexts"][0][0] if got["contexts"] else float("nan"),
        "WebGL context to": got["contexts"][0][1] if got["contexts"] else float("nan"),
        "first draw": got["draws"][0],
        "draws before ready": len([t for t in got["draws"] if t <= ready]),
        "ready (first frame)": ready,
        "long tasks before it, ms": sum(d for t, d in got["long"] if t < ready),
        "requests": len(entries),
        "KB": sum(e["bytes"] for e in entries) / 1000,
        "module KB": sum(e["bytes"] for e in modules) / 1000,
    }
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundles", nargs="+", type=Path)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument(
        "--cells", type=int, required=True, help="the dataset's number of cells (a draw of all of them)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    servers, urls = [], []
    try:
        for i, bundle in enumerate(args.bundles):
            server, url, _ = pv.start_xgexport(bundle, Path(f"/tmp/firstframe_phases_{i}.log"), env)
            servers.append(server)
            urls.append(url)
        rows: list[list[dict]] = [[] for _ in urls]
        print(f"load average before: {os.getloadavg()}", flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
            pv.warm_up(browser, urls[0], args.cells)
            for k in range(args.loads):
                for i in range(len(urls)) if k % 2 == 0 else reversed(range(len(urls))):  # interleaved
                    rows[i].append(one_load(browser, urls[i], args.cells))
            browser.close()
        print(f"load average after: {os.getloadavg()}")
    finally:
        for server in servers:
            pv.stop(server)
    for bundle, runs in zip(args.bundles, rows, strict=True):
        print(f"{bundle}: median of {len(runs)} loads (ms after the navigation starts)")
        for key in runs[0]:
            values = [r[key] for r in runs]
            print(f"  {key:28s} {statistics.median(values):8.1f}   ({min(values):.0f}–{max(values):.0f})")


if __name__ == "__main__":
    main()
