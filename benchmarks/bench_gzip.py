"""The gzip encoder's share of a build (issue #15): this checkout against another, same input.

    git archive <commit> | tar -x -C /tmp/xg-base      # the version to compare with
    python benchmarks/bench_gzip.py --baseline /tmp/xg-base [--cells 20000] [--rounds 3]

Generates (once) bench_peers.py's input (synth.py: N cells × 15,000 genes, ~1,350 non-zeros per
cell, 4 categorical columns), then builds it with each checkout in interleaved rounds (default
options: DE for every categorical column, the default gzip level) and prints per build the CPU time of the
whole process tree, the wall time and the bundle's bytes (all files, and X's chunks alone).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from common import WORK, generated  # noqa: E402
from proctree import folder_bytes, run_measured  # noqa: E402

GENES, NNZ_PER_CELL, EXTRA_COLUMNS = 15_000, 1350, 2  # bench_peers.py's input


def build(tree: Path, source: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    # -P: not the current folder first on the path, or every build would run this checkout
    command = [sys.executable, "-P", "-m", "xgexport.cli", "build", str(source), str(out), "-q"]
    result = run_measured(command, out.with_suffix(".log"), env={**os.environ, "PYTHONPATH": str(tree)})
    if result["rc"] != 0:
        raise RuntimeError(f"{tree}: build failed, see {out.with_suffix('.log')}")
    return {**result, "bytes": folder_bytes(out), "x_bytes": folder_bytes(out / "data" / "X")}


def encoder_alone(bundle: Path, n_rows: int = 3000) -> None:
    """CPU time of the encoders alone on the bundle's own gene rows (less noisy than builds):
    zlib's level 1, zlib-ng's default level 2 (the build's) and, if installed, ISA-L's level 1
    (the build's encoder before 0.2.0, dropped because its bytes depended on the process)."""
    import gzip
    import time
    import zlib

    from zlib_ng import zlib_ng

    files = sorted((bundle / "data" / "X").glob("c.*"))[:n_rows]
    rows = [gzip.decompress(f.read_bytes()) for f in files]

    def timed(make) -> tuple[float, int]:
        start, size = time.process_time(), 0
        for raw in rows:
            encoder = make()
            size += len(encoder.compress(raw) + encoder.flush())
        return time.process_time() - start, size

    zlib_s, zlib_b = timed(lambda: zlib.compressobj(1, zlib.DEFLATED, -15, 6))
    mb = sum(map(len, rows)) / 1e6
    print(f"{len(rows)} gene rows ({mb:.0f} MB): zlib level 1 {zlib_s:.2f} s CPU, {zlib_b / 1e6:.2f} MB")
    encoders = {"zlib-ng level 2": lambda: zlib_ng.compressobj(2, zlib_ng.DEFLATED, -15)}
    try:
        from isal import isal_zlib

        encoders["ISA-L level 1"] = lambda: isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)
    except ImportError:
        pass
    for name, make in encoders.items():
        s, b = timed(make)
        print(
            f"  {name} {s:.2f} s CPU, {b / 1e6:.2f} MB ({zlib_s / s:.1f}× faster, {100 * (b / zlib_b - 1):+.1f} % bytes)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another checkout of xgexport")
    parser.add_argument("--cells", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)
    source = generated(
        WORK / f"peers_{args.cells}x{GENES}x{NNZ_PER_CELL}.h5ad", args.cells, GENES, NNZ_PER_CELL, n_extra=EXTRA_COLUMNS
    )
    trees = {"baseline": args.baseline.resolve(), "this": HERE.parent.resolve()}
    for r in range(args.rounds):
        for name in list(trees) if r % 2 == 0 else list(trees)[::-1]:
            got = build(trees[name], source, WORK / f"gzip_{name}")
            print(f"round {r + 1} {name:8s} CPU {got['cpu_s']:6.1f} s  wall {got['wall_s']:6.1f} s  "
                  f"bundle {got['bytes'] / 1e6:7.1f} MB  X {got['x_bytes'] / 1e6:7.1f} MB", flush=True)  # fmt: skip
    encoder_alone(WORK / "gzip_this")


if __name__ == "__main__":
    main()
