"""The first frame (issue #15): this tree's viewer against an earlier commit's and cellxgene, in one run.

    python benchmarks/bench_firstframe.py --vs 5221390 --rounds 7   # pbmc68k and 20,000 cells
    python benchmarks/bench_firstframe.py --vs main --skip-peers --cells 0   # pbmc68k only, no cellxgene

Builds each dataset twice with the same options, once with this tree's code ("after") and once
with the code of ``--vs`` ("before", from `git archive`: its exporter and viewer), then opens the
two bundles and cellxgene's server in turn, in an order that turns every round, each page in a
fresh browser context (cold cache). The first frame is peer_viewers.py's: the first draw of
all the cells followed by `data-xg-state=ready` (xgexport), the first draw of all the cells
(cellxgene). Requests and bytes (transferSize) of every response that ended by then do not
depend on the machine's load; the times do, which is why the three are interleaved. Uses the
peers' environments and inputs of bench_peers.py (benchmarks/work/), installing cellxgene only
if it is missing there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import peer_export as pe  # noqa: E402
import peer_viewers as pv  # noqa: E402
from bench_peers import PBMC, WORK, rotated, synthetic  # noqa: E402
from peer_envs import ensure_peer  # noqa: E402

OUT = WORK / "firstframe_out"
TOOLS = ["after", "before", "cellxgene"]


def checkout(ref: str, into: Path) -> Path:
    """The exporter and viewer of ``ref``, unpacked into ``into``."""
    archive = subprocess.run(["git", "-C", str(HERE.parent), "archive", ref, "xgexport", "viewer_template"],
                             check=True, capture_output=True).stdout  # fmt: skip
    into.mkdir(parents=True)
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    tar.unlink()
    return into


def build(code: Path, source: Path, out: Path, de: list[str]) -> Path:
    command = [sys.executable, "-m", "xgexport.cli", "build", str(source.resolve()), str(out.resolve()), "-q"]
    command += [arg for c in de for arg in ("--de-obs", c)]
    # run in the code's folder: `python -m` puts the working directory first on the path
    subprocess.run(command, check=True, cwd=code, env={**os.environ, "PYTHONPATH": str(code.resolve())})
    return out


def measure(browser, tool: str, ds: dict, urls: dict) -> dict:
    if tool == "cellxgene":
        context, _, got = pv.cellxgene_first_frame(browser, urls["cellxgene"], ds["n_cells"])
    else:
        context, _, got = pv.xgexport_first_frame(browser, urls[tool], ds["n_cells"])
    context.close()
    assert not got["outside_requests"], got["outside_requests"]
    return {k: got[k] for k in ("first_frame_ms", "first_frame_bytes", "first_frame_requests")}


def run_dataset(browser, ds: dict, cellxgene: Path | None, rounds: int) -> dict:
    servers, urls = [], {}
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    try:
        for tool in ("after", "before"):
            server, urls[tool], _ = pv.start_xgexport(ds[tool], OUT / f"serve_{tool}_{ds['name']}.log", env)
            servers.append(server)
        if cellxgene is not None:
            server, urls["cellxgene"], _ = pv.start_cellxgene(
                cellxgene, pe.csc_copy(ds["h5ad"]), OUT / f"cellxgene_{ds['name']}.log"
            )
            servers.append(server)
        pv.warm_up(browser, urls["after"], ds["n_cells"])
        runs: dict[str, list[dict]] = {tool: [] for tool in urls}
        for r in range(rounds):
            for tool in rotated([t for t in TOOLS if t in urls], r):
                runs[tool].append(measure(browser, tool, ds, urls))
            print(
                f"  {ds['name']}, round {r + 1}: " + ", ".join(f"{t} {runs[t][-1]['first_frame_ms']} ms" for t in runs),
                flush=True,
            )
    finally:
        for server in servers:
            pv.stop(server)
    return runs


def summary(name: str, runs: dict) -> None:
    def med(values):
        return f"{statistics.median(values):.0f} ({min(values):.0f}–{max(values):.0f})"

    print(f"{name}: median (min–max) over {len(runs['after'])} rounds")
    for tool, rows in runs.items():
        ms = [row["first_frame_ms"] for row in rows]
        kb = [row["first_frame_bytes"] / 1000 for row in rows]
        req = [row["first_frame_requests"] for row in rows]
        line = f"  {tool:10s} {med(ms)} ms, {statistics.median(kb):.0f} KB, {statistics.median(req):.0f} requests"
        if "cellxgene" in runs and tool != "cellxgene":
            ratios = [a["first_frame_ms"] / c["first_frame_ms"] for a, c in zip(rows, runs["cellxgene"], strict=True)]
            line += f"; ×cellxgene per round {statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
        print(line)
    pairs = [b["first_frame_ms"] / a["first_frame_ms"] for a, b in zip(runs["after"], runs["before"], strict=True)]
    print(f"  before / after, per round: {statistics.median(pairs):.2f} ({min(pairs):.2f}–{max(pairs):.2f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vs", required=True, help="the git commit (or branch) of the 'before' viewer and exporter")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--cells", type=int, default=20_000, help="the synthetic dataset's cells (bench_peers.py's input); 0: none"
    )
    parser.add_argument("--skip-peers", action="store_true", help="no cellxgene")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    cellxgene = None if args.skip_peers else ensure_peer(WORK, "cellxgene")
    with tempfile.TemporaryDirectory() as tmp:
        before_code = checkout(args.vs, Path(tmp) / "before")
        datasets = [{"name": "pbmc68k", "h5ad": PBMC, "n_cells": 700, "de": ["louvain", "bulk_labels", "phase"]}]
        if args.cells:
            datasets.append(
                {
                    "name": f"synthetic {args.cells:,}",
                    "h5ad": synthetic(args.cells),
                    "n_cells": args.cells,
                    "de": pe.DE_COLUMNS,
                }
            )
        for ds in datasets:
            slug = ds["name"].split()[-1].replace(",", "")
            ds["after"] = build(HERE.parent, ds["h5ad"], OUT / f"after_{slug}", ds["de"])
            ds["before"] = build(before_code, ds["h5ad"], OUT / f"before_{slug}", ds["de"])
    print(f"load average before: {os.getloadavg()}", flush=True)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
        for ds in datasets:
            results[ds["name"]] = run_dataset(browser, ds, cellxgene, args.rounds)
        browser.close()
    print(f"load average after: {os.getloadavg()}")
    for name, runs in results.items():
        summary(name, runs)
    shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
