"""CPU time of the build's DE kernel on synthetic tables, optionally against another version.

    python benchmarks/bench_de_kernel.py [--stats OTHER/stats.py] [--categories 200] [--genes 30000]

1. ``one_vs_rest`` for K categories × G genes of group statistics (what a column with many
   categories costs once per gene bucket; 200 × 30,000 took 35 s when every rest was summed
   from the other K − 1 groups);
2. ``moments_of_block`` on a gene bucket (20,000 cells × 1,500 genes, 9 % stored, two
   groupings of 20 and 8 categories), best of 5.

``--stats`` times another file's functions the same way (e.g. ``git show main:xgexport/stats.py
> /tmp/old.py``), so both versions are measured in one run on one machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"stats_{abs(hash(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def time_one_vs_rest(stats, n_groups: int, n_genes: int) -> float:
    rng = np.random.default_rng(0)
    n = rng.integers(5, 500, n_groups).astype(float)
    mean = rng.gamma(1, 1, (n_groups, n_genes))
    m2 = rng.gamma(1, 1, (n_groups, n_genes)) * n[:, None]
    n_pos = np.minimum(n[:, None], rng.integers(0, 50, (n_groups, n_genes))).astype(float)
    start = time.process_time()
    stats.one_vs_rest(stats.Moments(n, mean, m2, n_pos))
    return time.process_time() - start


def time_moments(stats) -> float:
    rng = np.random.default_rng(0)
    block = sp.random(20_000, 1_500, density=0.09, random_state=1, format="csc", dtype=np.float32)
    block.data = np.log1p(np.ceil(block.data * 5)).astype(np.float32)
    groupings = [(rng.integers(0, 20, 20_000), 20), (rng.integers(0, 8, 20_000), 8)]
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        stats.moments_of_block(block, groupings)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stats", type=Path, action="append", default=[], help="another stats.py to time")
    parser.add_argument("--categories", type=int, default=200)
    parser.add_argument("--genes", type=int, default=30_000)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    for path in [ROOT / "xgexport" / "stats.py", *args.stats]:
        stats = load(path)
        ovr = time_one_vs_rest(stats, args.categories, args.genes)
        moments = time_moments(stats)
        print(f"{path}: one_vs_rest {args.categories} × {args.genes}: {ovr:.2f} s CPU; "
              f"moments_of_block (2.7 M values, 2 groupings): {moments * 1000:.0f} ms CPU")  # fmt: skip


if __name__ == "__main__":
    main()
