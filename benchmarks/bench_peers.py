"""Peers (issue #15): xgexport against cirrocumulus, cellxgene and scanpy, side by side in one run.

    python benchmarks/bench_peers.py                     # 3 rounds, 20k and 100k cells
    python benchmarks/bench_peers.py --rounds 1 --cells 5000 --skip-peers   # a quick run

Installs cellxgene 1.3.0 and cirrocumulus into their own virtual environments under
benchmarks/work/ (peer_envs.py; a peer that cannot be installed is skipped, with the reason),
generates the synthetic inputs (synth.py: 15,000 genes, ~1,350 non-zeros per cell, 4
categorical columns) and, in interleaved rounds (the order of the tools turns each round):

- export of the first size (20,000 cells): `xgexport build` with DE for the 4 columns,
  `xgexport build --no-de`, `cirro prepare_data` with markers for the same 4 columns; CPU
  time of the whole process tree, wall time, peak RSS, output size;
- DE inside the build at every size: (CPU of the DE build - CPU of the --no-de build) / 4,
  against scanpy's rank_genes_groups(method="t-test") on one column (default arguments);
- viewers, for pbmc68k (700 cells) and the first size: first frame, colour by a gene (30 % of
  cells expressing it), markers of a category (peer_viewers.py says how each is detected).
  cellxgene gets the synthetic file with X as CSC, the layout it asks for (from CSR it takes
  0.3-0.7 s to serve one gene of 20,000 cells here).

Prints a table per round with the ratios, then one verdict line per target of the issue
(medians over the rounds). Results go to benchmarks/work/peers_results.json; `--baseline`
with an earlier results file checks the bundle size against it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))

import peer_export as pe  # noqa: E402
import peer_report as report  # noqa: E402
import peer_viewers as pv  # noqa: E402
from peer_envs import ensure_peer  # noqa: E402
from synth import synthesize  # noqa: E402

WORK = HERE / "work"
OUT = WORK / "peers_out"
SHOTS = WORK / "peers_shots"  # the last round's screenshots after the timed steps
PBMC = HERE.parent / "tests" / "data" / "scanpy_pbmc68k_reduced.h5ad"
GENES, NNZ_PER_CELL, EXTRA_COLUMNS = 15_000, 1350, 2
DE_COLUMNS = pe.DE_COLUMNS


def synthetic(n_cells: int) -> Path:
    path = WORK / f"peers_{n_cells}x{GENES}x{NNZ_PER_CELL}.h5ad"
    if not path.exists():
        started = time.perf_counter()
        synthesize(path, n_cells, GENES, NNZ_PER_CELL, n_extra=EXTRA_COLUMNS)
        print(
            f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    return path


def rotated(items: list, round_no: int) -> list:
    k = round_no % len(items)
    return items[k:] + items[:k]


def export_round(r: int, source: Path, n: int, cirro: Path | None, with_cirro: bool) -> dict:
    """One round of builds (and cirrocumulus at the first size), in an order turned by the round."""
    jobs = {"xgexport": lambda: pe.xgexport_build(source, OUT / f"r{r}_de_{n}", DE_COLUMNS, OUT / f"r{r}_de_{n}.log"),
            "xgexport_no_de": lambda: pe.xgexport_build(source, OUT / f"r{r}_node_{n}", None, OUT / f"r{r}_node_{n}.log"),
            "scanpy": lambda: pe.scanpy_ttest(source, "cluster", OUT / f"r{r}_scanpy_{n}.json")}  # fmt: skip
    if with_cirro and cirro is not None:
        jobs["cirrocumulus"] = lambda: pe.cirro_prepare(
            cirro, source, OUT / f"r{r}_cirro_{n}", DE_COLUMNS, OUT / f"r{r}_cirro_{n}.log"
        )
    results = {}
    for name in rotated(list(jobs), r):
        try:
            results[name] = jobs[name]()
        except RuntimeError as err:
            print(f"  {name}: failed: {err}", flush=True)
        print(f"  {n:,} cells, {name}: {json.dumps(results.get(name))}", flush=True)
    return results


def view_xgexport(browser, bundle: Path, n_cells: int, genes: list, column: str) -> dict:
    server, url, _ = pv.start_xgexport(
        bundle, OUT / f"serve_{bundle.name}.log", {**os.environ, "PYTHONPATH": str(HERE.parent)}
    )
    try:
        context, page, first = pv.xgexport_first_frame(browser, url, n_cells)
        gene_runs = [pv.xgexport_gene(page, name) for name, _, _ in genes]
        gene_runs[0]["chunk_bytes"] = pe.chunk_bytes(bundle, genes[0][1])
        page.screenshot(path=SHOTS / f"xgexport_{n_cells}_gene.png")
        page.evaluate("(c) => window.xgexport.setColor('obs:' + c)", column)
        markers = pv.xgexport_markers(page)
        page.screenshot(path=SHOTS / f"xgexport_{n_cells}_markers.png")
        context.close()
    finally:
        pv.stop(server)
    return {**first, "genes": gene_runs, "markers": markers}


def view_cellxgene(browser, url: str, n_cells: int, genes: list, cells: tuple) -> dict:
    context, page, first = pv.cellxgene_first_frame(browser, url, n_cells)
    gene_runs = [pv.cellxgene_gene(page, name, n_cells) for name, _, _ in genes]
    page.screenshot(path=SHOTS / f"cellxgene_{n_cells}_gene.png")  # what was measured, to look at
    diffexp = pv.cellxgene_diffexp(page, *cells)
    context.close()
    return {**first, "genes": gene_runs, "diffexp": diffexp}


def viewer_round(r: int, datasets: list[dict], cellxgene: Path | None) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=pv.CHROMIUM, args=pv.CHROMIUM_ARGS)
        for ds in datasets:
            row, server = {}, None
            try:
                if cellxgene is not None:
                    try:
                        server, url, load_s = pv.start_cellxgene(
                            cellxgene, ds["cellxgene_h5ad"], OUT / f"r{r}_cellxgene_{ds['name']}.log"
                        )
                        row["cellxgene_load_s"] = round(load_s, 1)
                    except (RuntimeError, OSError) as err:  # measured without it, and said so
                        print(f"  cellxgene skipped for {ds['name']}: {err}", flush=True)
                for tool in rotated(["xgexport", "cellxgene"], r):
                    if tool == "xgexport":
                        row[tool] = view_xgexport(browser, ds["bundle"], ds["n_cells"], ds["genes"], ds["column"])
                    elif server is not None:
                        row[tool] = view_cellxgene(browser, url, ds["n_cells"], ds["genes"], ds["cells"])
            finally:
                if server is not None:
                    pv.stop(server)
            print(f"  viewers, {ds['name']}: {json.dumps(report.brief_viewers(row))}", flush=True)
            results[ds["name"]] = row
        browser.close()
    return results


def million_build() -> dict:
    """bench_scale's 1M-cell input (20,000 genes, ~1,000 non-zeros per cell), built once."""
    source = WORK / "scale_1000000.h5ad"
    if not source.exists():
        synthesize(source, 1_000_000, 20_000, 1000)
    out = OUT / "million"
    result = pe.xgexport_build(source, out, [], OUT / "million.log")
    shutil.rmtree(out, ignore_errors=True)
    return result


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cells", type=int, nargs="+", default=[20_000, 100_000],
                        help="synthetic sizes: the first for export and viewers, all for DE inside the build")  # fmt: skip
    parser.add_argument("--skip-peers", action="store_true", help="no cellxgene, no cirrocumulus (scanpy still runs)")
    parser.add_argument("--skip-viewers", action="store_true")
    parser.add_argument("--million", action="store_true", help="also build 1M cells once (the 60 s target)")
    parser.add_argument("--baseline", type=Path, help="an earlier peers_results.json, to compare bundle sizes")
    parser.add_argument("--keep", action="store_true", help="keep the bundles and peer outputs")
    parser.add_argument("--report", type=Path, help="print the verdicts and summary of a results file; run nothing")
    return parser.parse_args()


def load_results(path: Path) -> dict:
    """A results file, with the export sizes as numbers again (JSON made them strings)."""
    results = json.loads(path.read_text())
    for row in results["rounds"]:
        row["export"] = {int(n): v for n, v in row["export"].items()}
    return results


def prepare(args) -> tuple[dict, list[dict]]:
    WORK.mkdir(exist_ok=True)
    # earlier outputs go now, not between builds: on this VM's ext4 (no journal) creating files
    # soon after deleting tens of thousands is slower, which would be charged to a build
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    SHOTS.mkdir(exist_ok=True)
    peers = {"cellxgene": None, "cirrocumulus": None}
    if not args.skip_peers:
        peers = {name: ensure_peer(WORK, name) for name in peers}
    sources = {n: synthetic(n) for n in args.cells}
    datasets = []
    if not args.skip_viewers:
        pbmc_bundle = OUT / "pbmc"
        pe.xgexport_build(PBMC, pbmc_bundle, ["louvain", "bulk_labels", "phase"], OUT / "pbmc.log")
        n = args.cells[0]
        datasets = [
            {"name": "pbmc68k", "h5ad": PBMC, "bundle": pbmc_bundle, "n_cells": 700, "column": "louvain"},
            {"name": f"synthetic {n:,}", "h5ad": sources[n], "bundle": None, "n_cells": n, "column": "cluster"},
        ]
        for ds in datasets:
            ds["cellxgene_h5ad"] = pe.csc_copy(ds["h5ad"])
            ds["genes"] = pe.genes_near(ds["h5ad"])
            ds["cells"] = pe.category_cells(ds["h5ad"], ds["column"])
            print(f"{ds['name']}: genes at ~30 % expressing {ds['genes']}", flush=True)
    return {"peers": peers, "sources": sources}, datasets


def main():
    args = parse_args()
    baseline = load_results(args.baseline) if args.baseline else None
    if args.report:
        results = load_results(args.report)
        cells = results.get("cells") or list(results["rounds"][0]["export"])  # the first is the export size
        report.print_verdicts(results, cells, baseline)
        report.print_summary(results, cells)
        return
    setup, datasets = prepare(args)
    peers, sources = setup["peers"], setup["sources"]
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}", flush=True)
        row = {
            "export": {
                n: export_round(r, src, n, peers["cirrocumulus"], n == args.cells[0]) for n, src in sources.items()
            }
        }
        if datasets:
            datasets[1]["bundle"] = OUT / f"r{r}_de_{args.cells[0]}"
            row["viewers"] = viewer_round(r, datasets, peers["cellxgene"])
        rounds.append(row)
        report.print_round(r, row, args.cells)
    checks = {"million": million_build() if args.million else None,
              "same_bytes": {n: pe.same_bytes([OUT / f"r{r}_de_{n}" for r in range(args.rounds)]) for n in sources},
              "t_agreement": pe.t_agreement(OUT / f"r0_de_{args.cells[0]}", "cluster", OUT / f"r0_scanpy_{args.cells[0]}.json")}  # fmt: skip
    results = {"cells": args.cells, "args": {k: str(v) for k, v in vars(args).items()}, "peers": {k: str(v) for k, v in peers.items()},
               "rounds": rounds, "checks": checks}  # fmt: skip
    (WORK / "peers_results.json").write_text(json.dumps(results, indent=1, default=str))
    report.print_verdicts(results, args.cells, baseline)
    report.print_summary(results, args.cells)
    if not args.keep:
        shutil.rmtree(OUT, ignore_errors=True)


if __name__ == "__main__":
    main()
