"""Where a first frame's CPU goes, per process and thread: Chromium's trace of xgexport page loads.

    python benchmarks/firstframe_trace.py BUNDLE --cells 700 --loads 3 [--save trace.json]

Serves the bundle with `xgexport serve` (its own process, as bench_firstframe.py does), makes one
unmeasured load (the first window's omnibox popup, peer_viewers.warm_up), then records a
Chromium trace (every process) of each of ``--loads`` cold loads, from the navigation to the
benchmark's first frame (the first draw of all the cells, then `data-xg-state=ready`, marked in
the page with `performance.mark`). Prints, per thread of the browser, the page's renderer, the GPU
process and the network service, the time its tasks ran inside that window, and for the page's
main thread the time by kind of work (top-level trace events and their busiest children), the
median over the loads. The window starts at the renderer's `navigationStart`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import peer_viewers as pv  # noqa: E402

# light categories: the heavier ones (disabled-by-default-devtools.timeline, blink, v8, netlog) made
# style and layout several times slower under the trace than without it
CATEGORIES = ["toplevel", "devtools.timeline", "loading", "blink.user_timing", "v8.execute", "cc", "gpu", "__metadata"]
MARK_JS = """
(() => {
  // the benchmark's first frame, marked in the page's timeline (and so in the trace)
  const B = window.__bench;
  B.until(() => { const d = B.firstDraw(window.__cells); return d !== null && B.readyAfter(d) !== null; })
    .then(() => performance.mark("xg-first-frame"));
})();
"""
# the tasks of a thread: the scheduler's top-level events (nested ones are their children)
TASKS = {"ThreadControllerImpl::RunTask", "ThreadPool_RunTask", "RunTask", "TaskQueueManager::ProcessTaskFromWorkQueue"}


def one_trace(browser, url: str, n_cells: int) -> list[dict]:
    context = browser.new_context(viewport=pv.VIEWPORT)
    context.add_init_script(f"window.__cells = {int(n_cells)};")
    context.add_init_script(pv.INIT_JS)
    context.add_init_script(MARK_JS)
    page = context.new_page()
    browser.start_tracing(page=page, categories=CATEGORIES)
    page.goto(url, wait_until="commit")
    # in the page, as bench_firstframe.py waits: wait_for_function would first send playwright's
    # injected script (~330 KB through the DevTools session: ~70 ms of the page's main thread,
    # under the trace, in the middle of the load)
    page.evaluate("() => window.__bench.until(() => performance.getEntriesByName('xg-first-frame').length > 0)")
    page.wait_for_timeout(200)
    events = json.loads(browser.stop_tracing())["traceEvents"]
    context.close()
    return events


def names(events: list[dict]) -> tuple[dict, dict]:
    processes, threads = {}, {}
    for e in events:
        if e.get("ph") == "M" and e.get("name") == "process_name":
            processes[e["pid"]] = e["args"]["name"]
        if e.get("ph") == "M" and e.get("name") == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
    return processes, threads


def window(events: list[dict]) -> tuple[int, int, int]:
    """The page's renderer pid, navigationStart and the first frame's mark (µs)."""
    mark = next(e for e in events if e.get("name") == "xg-first-frame" and e.get("ph") in ("R", "I", "n", "b", "i"))
    nav = [e for e in events if e.get("name") == "navigationStart" and e["pid"] == mark["pid"]]
    return mark["pid"], min(e["ts"] for e in nav), mark["ts"]


def clipped(e: dict, t0: int, t1: int) -> float:
    start, end = e["ts"], e["ts"] + e.get("dur", 0)
    return max(0, min(end, t1) - max(start, t0)) / 1000


def breakdown(events: list[dict]) -> dict[str, float]:
    """ms per thread (its tasks inside the window) and per kind of the page's main-thread work."""
    processes, threads = names(events)
    pid, t0, t1 = window(events)
    out: dict[str, float] = {"first frame (ms after navigationStart)": (t1 - t0) / 1000}
    busy: dict[str, float] = defaultdict(float)
    tasks: dict[str, int] = defaultdict(int)
    for e in events:
        if e.get("ph") != "X" or e.get("name") not in TASKS:
            continue
        proc = "page" if e["pid"] == pid else processes.get(e["pid"], "?").split(" ")[0]
        if proc == "Renderer":
            continue  # other renderers (none in a fresh context, apart from spare ones)
        key = f"{proc}/{threads.get((e['pid'], e['tid']), '?')}"
        took = clipped(e, t0, t1)
        if took > 0:
            busy[key] += took
            tasks[key] += 1
    for key in sorted(busy, key=busy.get, reverse=True)[:14]:
        out[f"{key} busy"] = busy[key]
        out[f"{key} tasks"] = tasks[key]
    main = next(t for (p, t), n in threads.items() if p == pid and n == "CrRendererMain")
    kinds: dict[str, float] = defaultdict(float)
    for e in events:
        if e.get("ph") == "X" and e["pid"] == pid and e["tid"] == main and e.get("name") not in TASKS:
            kinds[e["name"]] += clipped(e, t0, t1)
    for name in sorted(kinds, key=kinds.get, reverse=True)[:24]:
        out[f"main: {name}"] = kinds[name]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle", type=Path)
    parser.add_argument("--cells", type=int, required=True)
    parser.add_argument("--loads", type=int, default=3)
    parser.add_argument("--save", type=Path, help="write the last load's trace here (chrome://tracing, Perfetto)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    server, url, _ = pv.start_xgexport(args.bundle, Path("/tmp/firstframe_trace.log"), env)
    rows = []
    try:
        print(f"load average before: {os.getloadavg()}", flush=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
            pv.warm_up(browser, url, args.cells)
            for _ in range(args.loads):
                events = one_trace(browser, url, args.cells)
                rows.append(breakdown(events))
            browser.close()
        print(f"load average after: {os.getloadavg()}")
    finally:
        pv.stop(server)
    if args.save:
        args.save.write_text(json.dumps({"traceEvents": events}))
    keys = list(dict.fromkeys(k for r in rows for k in r))
    print(f"{args.bundle}: median of {len(rows)} traced loads (ms; tasks: count)")
    for key in keys:
        values = [r.get(key, 0.0) for r in rows]
        print(f"  {key[:70]:70s} {statistics.median(values):8.1f}   ({min(values):.0f}–{max(values):.0f})")


if __name__ == "__main__":
    main()
