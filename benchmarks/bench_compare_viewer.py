"""The viewer's comparisons (issue #11 targets) in Debian's Chromium, against cellxgene's DE.

    python benchmarks/bench_compare_viewer.py                  # 100,000 cells (synth.py's file)
    python benchmarks/bench_compare_viewer.py --lassos 10 --no-cellxgene
    python benchmarks/bench_compare_viewer.py --report benchmarks/work/compare_viewer.json

synth.py's data (100,000 cells × 20,000 genes, 1,000 stored values per cell, 20 clusters on a
UMAP), built by the CLI with its comparison data (the defaults: leaf_cells 64, row_cells 1,024;
rows for "cluster" and "sample" and, by --de-within cluster:sample, their joint groups). The bundle is served by a static server without Range (HTTP/1.1 keep-alive, as
any static host) that counts the bytes it sends. For each lasso, a fresh page opens the worker
(a comparison of two "sample" categories: the worker starts and reads the tree, ~50 KB), then
calls window.xgexport.compare(A, "rest") and waits for the rows of all genes:

- a lasso around a cluster (a 64-gon of radius 3 sd around its median, as bench_compare.py),
  then another lasso in the same page;
- the files of that lasso's plan fetched alone by a fresh page, six at a time (what the network
  and the server cost without the viewer: on a loaded machine, most of the time);
- a union of three clusters against the rest (statistics rows only);
- cellxgene 1.3.0 (its own server and venv, peer_envs.py) on the same file with X as CSC: its
  POST api/v0.2/diffexp/obs for the first lasso's cells against the rest, timed in its page.

Time is the page's (performance.now() around the call); bytes are what the server sent during
it. The build streams the comparison data (bounded by --max-memory), so --cells 1000000 works too.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import ClassVar

import numpy as np
import zarr

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE), str(HERE.parent / "tests")]

import peer_envs as pe  # noqa: E402
import peer_viewers as pv  # noqa: E402
from bench_compare import SIGMA, lasso  # noqa: E402
from peer_export import csc_copy  # noqa: E402
from synth import synthesize  # noqa: E402

WORK = HERE / "work"


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    """Whole files only (no Range), keep-alive, every body byte counted."""

    protocol_version = "HTTP/1.1"
    counter: ClassVar[dict] = {"bytes": 0, "requests": 0}
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def copyfile(self, source, outputfile):
        before = source.tell()
        super().copyfile(source, outputfile)
        with self.lock:
            self.counter["bytes"] += source.tell() - before
            self.counter["requests"] += 1


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(CountingHandler, directory=str(folder))
    )
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def prepare(args) -> tuple[Path, Path]:
    source = WORK / f"compare_viewer_{args.cells}.h5ad"
    if not source.exists():
        print(f"writing {source} (synth.py)", flush=True)
        synthesize(source, args.cells, 20_000, 1000)
    bundle = WORK / f"compare_viewer_{args.cells}_bundle"
    if args.rebuild or not (bundle / "data" / "compare" / "zarr.json").exists():
        shutil.rmtree(bundle, ignore_errors=True)
        started = time.perf_counter()
        command = ["build", str(source), str(bundle), "-q", "--de-within", "cluster:sample"]
        subprocess.run([sys.executable, "-m", "xgexport.cli", *command], check=True)
        print(f"built (with its comparison data) in {time.perf_counter() - started:.0f} s", flush=True)
    return source, bundle


def lassos(bundle: Path, count: int) -> list[tuple[int, list[int]]]:
    """(cluster, cells) for the first `count` clusters: the lasso bench_compare.py draws."""
    root = zarr.open_group(str(bundle / "data"), mode="r")
    display = root["embeddings/0/display"]
    coords = root["embeddings/0/coords"][:].astype(np.float64)
    cluster = root["obs/0/codes"][:]
    out = []
    for k in range(count):
        member = lasso(display[:], dict(display.attrs), np.median(coords[cluster == k], axis=0), 3 * SIGMA)
        out.append((k, np.flatnonzero(member).tolist()))
    return out


COMPARE = """async ([a, b]) => {
  const t0 = performance.now();
  const rows = await window.xgexport.compare(a, b);
  return { ms: performance.now() - t0, info: rows.comparison, genes: rows.length };
}"""

FETCH = """async (files) => {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => { while (next < files.length) await (await fetch(files[next++])).arrayBuffer(); };
  await Promise.all(Array.from({ length: 6 }, lane));
  return performance.now() - t0;
}"""

# opens the worker and reads the tree (~50 KB) without reading a row or leaf a lasso needs
WARM = ({"obs": "sample", "categories": ["sample 0"]}, {"obs": "sample", "categories": ["sample 1"]})


def measured(page, counter, a, b="rest") -> dict:
    counter.update(bytes=0, requests=0)
    got = page.evaluate(COMPARE, [a, b])
    info = got["info"]
    return {"ms": round(got["ms"]), "sent_bytes": counter["bytes"], "requests": counter["requests"], "genes": got["genes"],
            "planned_bytes": info["planned_bytes"], "bytes_read": info["bytes_read"], "files": info["files_read"],
            "route": info["route"], "n_a": info["n_a"], "worker_ms": info["ms"], "recomputed": info["genes_recomputed"]}  # fmt: skip


def planned_files(bundle: Path, cells: list[int]) -> list[str]:
    """The files Python's planner names for this lasso against the rest (what the worker reads)."""
    from xgexport.comparison.engine import choose_route
    from xgexport.comparison.groups import rest_of, select
    from xgexport.comparison.reader import CompareData

    data = CompareData(bundle)
    a = select(data, np.asarray(cells), "A")
    _, plan = choose_route(data, a, rest_of(a))
    return [f"data/compare/rows/c.{r}.0.0" for r in plan.rows] + [f"data/compare/leaves/c.{k}.0" for k in plan.leaves]


def fresh_page(browser, url: str):
    context = browser.new_context(viewport=pv.VIEWPORT)
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=120000)
    return context, page


def run_xgexport(browser, url: str, bundle: Path, counter: dict, cases: list) -> dict:
    """Per lasso a fresh page: the worker opened (WARM), the lasso, another lasso; then in another
    fresh page the plain fetch of the first lasso's files, six at a time (the network's floor)."""
    results = {"lassos": [], "second_lassos": [], "warm": [], "floor": []}
    for (k, cells), (k2, cells2) in zip(cases, cases[1:] + cases[:1]):
        context, page = fresh_page(browser, url)
        warm = measured(page, counter, *WARM)
        first = measured(page, counter, cells)
        second = measured(page, counter, cells2)
        context.close()
        files = planned_files(bundle, cells)
        context, page = fresh_page(browser, url)
        floor = {"files": len(files), "ms": round(page.evaluate(FETCH, files))}
        context.close()
        results["warm"].append(warm)
        results["lassos"].append({"cluster": k, **first})
        results["second_lassos"].append({"cluster": k2, **second})
        results["floor"].append(floor)
        print(f"lasso around cluster {k}: {first['n_a']} cells, {first['ms']} ms, {first['sent_bytes'] / 1e6:.2f} MB sent "
              f"({first['requests']} requests; fetching them alone: {floor['ms']} ms), worker {first['worker_ms']}; "
              f"then cluster {k2}: {second['ms']} ms, {second['sent_bytes'] / 1e6:.2f} MB; opening {warm['ms']} ms, "
              f"{warm['sent_bytes'] / 1e3:.0f} KB", flush=True)  # fmt: skip
    context, page = fresh_page(browser, url)
    measured(page, counter, *WARM)
    results["union"] = measured(
        page, counter, {"obs": "cluster", "categories": ["cluster 0", "cluster 1", "cluster 2"]}
    )
    context.close()
    union = results["union"]
    print(
        f"three clusters against the rest: {union['ms']} ms, {union['sent_bytes'] / 1e6:.2f} MB sent ({union['route']})",
        flush=True,
    )
    return results


def run_cellxgene(browser, source: Path, cells: list[int], n_cells: int) -> dict | None:
    program = pe.ensure_peer(WORK, "cellxgene")
    if program is None:
        return None
    csc = csc_copy(source)
    server, url, load_s = pv.start_cellxgene(program, csc, WORK / "compare_viewer_cellxgene.log")
    try:
        context, page, _ = pv.open_page(browser, url, "(n) => window.__bench.firstDraw(n) !== null", n_cells)
        rest = sorted(set(range(n_cells)) - set(cells))
        runs = [pv.cellxgene_diffexp(page, cells, rest) for _ in range(2)]
        context.close()
    finally:
        pv.stop(server)
    print(
        f"cellxgene diffexp (lasso vs rest): {[r['ms'] for r in runs]} ms (server started in {load_s:.0f} s)",
        flush=True,
    )
    return {"runs": runs, "server_start_s": round(load_s, 1)}


def summary(results: dict) -> str:
    x = results["xgexport"]
    row = lambda rs: (f"{statistics.median([r['ms'] for r in rs]):.0f} ms ({min(r['ms'] for r in rs)}–{max(r['ms'] for r in rs)})",  # noqa: E731
                      f"{statistics.median([r['sent_bytes'] / 1e6 for r in rs]):.2f} MB "
                      f"({min(r['sent_bytes'] for r in rs) / 1e6:.2f}–{max(r['sent_bytes'] for r in rs) / 1e6:.2f})")  # fmt: skip
    floor = [f["ms"] for f in x["floor"]]
    lines = [
        f"| comparison ({results['cells']:,} cells × 20,000 genes) | time: median (range) | sent: median (range) | target |",
        "|---|---|---|---|",
        "| opening: the worker starts, reads the tree, compares two samples | {} | {} | |".format(*row(x["warm"])),
        f"| lasso around a cluster vs the rest ({len(floor)} clusters) | {row(x['lassos'])[0]} | {row(x['lassos'])[1]} | ≤ 1 s, ≤ 10 MB |",
        f"| the same files fetched alone, six at a time | {statistics.median(floor):.0f} ms ({min(floor)}–{max(floor)}) | | |",
        "| another lasso in the same page | {} | {} | |".format(*row(x["second_lassos"])),
        f"| three clusters vs the rest | {x['union']['ms']} ms | {x['union']['sent_bytes'] / 1e6:.2f} MB | ≤ 300 ms, ≤ 3 MB (at 1M) |",
    ]
    cx = results.get("cellxgene")
    if cx:
        best = min(r["ms"] for r in cx["runs"])
        lines.append(f"| cellxgene 1.3.0 diffexp (top 50 genes), the first lasso vs the rest | {best / 1000:.1f} s (best of "
                     f"{len(cx['runs'])}: {', '.join(format(r['ms'] / 1000, '.1f') for r in cx['runs'])} s) | "
                     f"{cx['runs'][0]['sent_bytes'] / 1e3:.0f} KB of cell indices up, {cx['runs'][0]['bytes'] / 1e3:.1f} KB back | "
                     f"{best / x['lassos'][0]['ms']:.0f}× the viewer's time |")  # fmt: skip
    lines.append(f"\nload average {results['load_average_before'][0]:.1f} before, {results['load_average_after'][0]:.1f} after, "
                 f"{results['cpus']} CPUs")  # fmt: skip
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=100_000)
    parser.add_argument("--lassos", type=int, default=5, help="clusters lassoed, one fresh page each")
    parser.add_argument("--no-cellxgene", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="build the bundle and its comparison data again")
    parser.add_argument("--report", type=Path, help="print the summary of a saved results file and stop")
    args = parser.parse_args()
    if args.report:
        print(summary(json.loads(args.report.read_text())))
        return
    from playwright.sync_api import sync_playwright

    WORK.mkdir(exist_ok=True)
    source, bundle = prepare(args)
    cases = lassos(bundle, args.lassos)
    server, url = serve(bundle)
    results = {"cells": args.cells, "cpus": os.cpu_count(), "load_average_before": os.getloadavg()}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
        results["xgexport"] = run_xgexport(browser, url, bundle, CountingHandler.counter, cases)
        server.shutdown()
        if not args.no_cellxgene:
            results["cellxgene"] = run_cellxgene(browser, source, cases[0][1], args.cells)
        browser.close()
    results["load_average_after"] = os.getloadavg()
    out = WORK / "compare_viewer.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\n{summary(results)}\n\nresults: {out}")


if __name__ == "__main__":
    main()
