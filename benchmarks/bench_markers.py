"""A category's markers (issue #15): the viewer before and after de/<id>/markers, in one run.

    python benchmarks/bench_markers.py                 # 3 rounds, 20,000 cells x 15,000 genes
    python benchmarks/bench_markers.py --rounds 1 --cells 2000   # a quick check

Builds bench_peers.py's synthetic input (synth.py: 15,000 genes, 4 categorical columns) twice
with DE for its 4 columns: with this tree ("after") and with the code of the commit before the
table was added ("before", `--before` to choose another; its bundle carries its own viewer,
which reads the full rows). Then, in interleaved rounds (the order turns each round), in
Chromium: the page is opened (first frame, then 1.5 s for the idle loading of the gene names),
coloured by `cluster`, and bench_peers.py's marker step is timed (peer_viewers.xgexport_markers:
a click on "Marker genes" until the first category's table is filled, then the next category).
Bytes are the resource timing transferSize of every request started in the step.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
from pathlib import Path

HERE = Path(__file__).parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import peer_viewers as pv  # noqa: E402
from bench_peers import rotated, synthetic  # noqa: E402
from peer_export import DE_COLUMNS  # noqa: E402

WORK = HERE / "work" / "markers"


def before_commit() -> str:
    """The parent of the commit that added DE_MARKERS to format.py."""
    added = subprocess.run(["git", "log", "-1", "--format=%H", "-S", "DE_MARKERS =", "--", "xgexport/format.py"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    return f"{added}^"


def source_tree(commit: str) -> Path:
    """The package and viewer of `commit`, unpacked (git archive) to import them from."""
    out = WORK / "before_src"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", commit, "xgexport", "viewer_template"], cwd=REPO, capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(out, filter="data")
    return out


def build(code: Path, source: Path, out: Path) -> Path:
    de = [arg for c in DE_COLUMNS for arg in ("--de-obs", c)]
    command = [sys.executable, "-m", "xgexport.cli", "build", str(source), str(out), "-q", "--overwrite", *de]
    subprocess.run(command, env={**os.environ, "PYTHONPATH": str(code)}, check=True, cwd=code)
    return out


def measure(browser, bundle: Path, n_cells: int) -> dict:
    server, url, _ = pv.start_xgexport(
        bundle, WORK / f"serve_{bundle.name}.log", {**os.environ, "PYTHONPATH": str(REPO)}
    )
    try:
        context, page, _first = pv.xgexport_first_frame(browser, url, n_cells)
        page.wait_for_timeout(1500)  # the gene names load when the page is idle
        page.evaluate("() => window.xgexport.setColor('obs:cluster')")
        markers = pv.xgexport_markers(page)
        page.screenshot(path=WORK / f"{bundle.name}_markers.png")
        context.close()
    finally:
        pv.stop(server)
    return markers


def summary(runs: list[dict], step: str) -> str:
    ms = [r[step]["ms"] for r in runs]
    kb = [r[step]["bytes"] / 1000 for r in runs]
    requests = sorted({r[step]["requests"] for r in runs})
    return (f"{step}: {statistics.median(ms):.0f} ms ({min(ms):.0f}-{max(ms):.0f}), "
            f"{statistics.median(kb):.1f} KB, requests {'/'.join(map(str, requests))}")  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cells", type=int, default=20_000)
    parser.add_argument(
        "--before", default=None, help="commit of the 'before' build (default: the one before the table)"
    )
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    source = synthetic(args.cells)
    commit = args.before or before_commit()
    bundles = {
        "before": build(source_tree(commit), source, WORK / "before"),
        "after": build(REPO, source, WORK / "after"),
    }
    from playwright.sync_api import sync_playwright

    results = {name: [] for name in bundles}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
        for r in range(args.rounds):
            for name in rotated(list(bundles), r):
                got = measure(browser, bundles[name], args.cells)
                results[name].append(got)
                print(f"round {r + 1}, {name}: open {got['open']['ms']} ms {got['open']['bytes']} B "
                      f"{got['open']['requests']} requests; next {got['next']['ms']} ms {got['next']['bytes']} B "
                      f"{got['next']['requests']} requests", flush=True)  # fmt: skip
        browser.close()
    print(f"{args.cells:,} cells x 15,000 genes, before = {commit}:")
    for name, runs in results.items():
        print(f"  {name}: {summary(runs, 'open')}; {summary(runs, 'next')}")
    (WORK / "results.json").write_text(json.dumps({"before": commit, **results}, indent=1))


if __name__ == "__main__":
    main()
