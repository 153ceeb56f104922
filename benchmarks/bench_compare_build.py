"""What the comparison data costs a build: `xgexport build` of synth.py's data with and without
`--no-compare` (time, peak RSS of the process tree) and the bytes of data/compare/.

    python benchmarks/bench_compare_build.py --sizes 100000 1000000 [--build-args '--de-within cluster:sample']

Inputs are generated once into benchmarks/work (as bench_scale.py's: 20,000 genes, ~1,000
stored values per cell, a 20- and an 8-category column). Builds run one after the other on
this machine's cores; the figures go to docs/BENCHMARKS.md ("Comparison data in the build").
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_scale import measure_build
from common import WORK, generated


def measure(source: Path, out: Path, extra: list[str]) -> dict:
    """Wall time and peak RSS (bench_scale's), and the CPU time of the build's process tree:
    on a machine shared with other work, CPU seconds compare better than wall seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = measure_build(source, out, extra)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {**measured, "cpu_s": round(cpu, 1)}


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--nnz-per-cell", type=int, default=1000)
    parser.add_argument("--build-args", default="", help="extra build options for both builds")
    parser.add_argument("--keep", action="store_true", help="keep the bundles")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    rows = []
    for n_cells in args.sizes:
        source = generated(WORK / f"scale_{n_cells}.h5ad", n_cells, args.genes, args.nnz_per_cell)
        row = {"cells": n_cells}
        for label, extra in (("without", ["--no-compare"]), ("with", [])):
            out = WORK / f"compare_build_{n_cells}_{label}"
            measured = measure(source, out, [*args.build_args.split(), *extra])
            row[label] = {**measured, "bundle_gb": round(folder_bytes(out) / 1e9, 2)}
            if label == "with":
                row["compare_gb"] = round(folder_bytes(out / "data" / "compare") / 1e9, 2)
                row["compare_files"] = sum(1 for _ in (out / "data" / "compare").rglob("c.*"))
            if not args.keep:
                shutil.rmtree(out)
            print(n_cells, label, row[label], flush=True)
        rows.append(row)
    print("\n| cells | wall s: --no-compare / default (added) | CPU s: --no-compare / default (added) "
          "| peak RSS GB | bundle GB | data/compare GB (files) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for r in rows:
        a, b = r["without"], r["with"]
        wall = f"{a['build_s']} / {b['build_s']} (+{100 * (b['build_s'] - a['build_s']) / a['build_s']:.0f} %)"
        cpu = f"{a['cpu_s']} / {b['cpu_s']} (+{100 * (b['cpu_s'] - a['cpu_s']) / a['cpu_s']:.0f} %)"
        print(f"| {r['cells']:,} | {wall} | {cpu} | {a['peak_rss_gb']} / {b['peak_rss_gb']} | "
              f"{a['bundle_gb']} / {b['bundle_gb']} | {r['compare_gb']} ({r['compare_files']:,}) |")  # fmt: skip


if __name__ == "__main__":
    main()
