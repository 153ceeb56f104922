"""Scale: build time and peak memory at 100k, 300k and 1M cells; first frame and gene switch.

For each size, generates (once, streaming to disk) an uncompressed CSR .h5ad of N cells ×
20,000 genes with ~1,000 non-zeros per cell and a 20- and an 8-category column, then:

- runs `xgexport build` as a subprocess and samples its peak RSS (whole process tree);
- serves the bundle on 127.0.0.1 (static files, no Range) and opens it in Debian's Chromium:
  time and bytes from navigation to the first drawn frame (xgState == "ready"), then the
  time of `window.xgexport.setColor("gene:…")` for a few genes, and the bytes each one took.

    python benchmarks/bench_scale.py --sizes 100000 300000 1000000

Chromium here renders WebGL with SwiftShader on the CPU, so frame times are an upper bound
of what a machine with a GPU shows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from common import CHROMIUM, CHROMIUM_ARGS, WORK, generated


def measure_build(source: Path, out: Path, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "xgexport.cli", "build", str(source), str(out), "--overwrite", "-q", *extra]
    started = time.perf_counter()
    process = psutil.Popen(command)
    peak = 0
    while process.poll() is None:
        try:
            tree = [process, *process.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree))
        except psutil.Error:
            pass
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"build failed for {source}")
    return {"build_s": round(elapsed, 1), "peak_rss_gb": round(peak / 1024**3, 2)}


def measure_viewer(bundle: Path, genes: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    from xgexport.serve import start_in_thread

    server, url = start_in_thread(bundle)
    transferred = {"bytes": 0}
    lock = threading.Lock()

    def count(request):
        sizes = request.sizes()
        with lock:
            transferred["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]

    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.on("requestfinished", count)
            started = time.perf_counter()
            page.goto(url)
            # the viewer's CSP forbids string evaluation, so wait on the attribute it sets
            page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=120_000)
            first = time.perf_counter() - started
            page.wait_for_timeout(300)
            first_bytes = transferred["bytes"]
            switches = []
            for gene in genes:
                before = transferred["bytes"]
                ms = page.evaluate(
                    "async (g) => { const t = performance.now(); await window.xgexport.setColor('gene:' + g);"
                    " return performance.now() - t; }",
                    gene,
                )
                page.wait_for_timeout(200)
                switches.append({"gene": gene, "ms": round(ms), "bytes": transferred["bytes"] - before})
            browser.close()
    finally:
        server.shutdown()
    return {"first_frame_s": round(first, 2), "first_frame_mb": round(first_bytes / 1e6, 2), "gene_switches": switches}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--nnz-per-cell", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and bundles")
    parser.add_argument("--build-args", default="", help="extra build options, e.g. '--max-memory 3G'")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    # Bundles are deleted before the first build and after the last, never between builds: on
    # ext4 without a journal (this VM's disk) creating files soon after deleting tens of
    # thousands is several times slower, which would charge the clean-up to the next build.
    for old in WORK.glob("bundle_*"):
        subprocess.run(["rm", "-rf", str(old)], check=True)
    results = []
    for n_cells in args.sizes:
        source = generated(WORK / f"scale_{n_cells}.h5ad", n_cells, args.genes, args.nnz_per_cell)
        out = WORK / f"bundle_{n_cells}"
        row = {"cells": n_cells, **measure_build(source, out, args.build_args.split())}
        print(json.dumps(row), flush=True)
        row.update(measure_viewer(out, ["GENE7", "GENE1234", "GENE19999"]))
        print(json.dumps(row), flush=True)
        results.append(row)
    if not args.keep:
        for row in results:
            subprocess.run(["rm", "-rf", str(WORK / f"bundle_{row['cells']}")], check=True)
    print("\n| cells | build (s) | peak RSS (GB) | first frame (s) | first frame (MB) | gene switch (ms) | gene (KB) |")
    print("|---|---|---|---|---|---|---|")
    for row in results:
        ms = "/".join(str(s["ms"]) for s in row["gene_switches"])
        kb = "/".join(str(round(s["bytes"] / 1e3)) for s in row["gene_switches"])
        print(f"| {row['cells']:,} | {row['build_s']} | {row['peak_rss_gb']} | {row['first_frame_s']} | "
              f"{row['first_frame_mb']} | {ms} | {kb} |")  # fmt: skip


if __name__ == "__main__":
    main()
