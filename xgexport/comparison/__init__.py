"""Exact differential expression between any two groups of cells (issue #11).

The build writes ``data/compare/`` (:func:`write_compare`): statistics rows for categories,
joint groups and regions of the default embedding, and a cell-major copy of the matrix cut
along a quadtree of that embedding. :func:`compare` (``xgexport.compare``) answers "A against
B" from that data alone, reading rows for whole regions and cells only along boundaries.
docs/COMPARE.md describes the format, the algorithm and the cost model.
"""

from __future__ import annotations

import importlib

__all__ = ["REST", "ColumnGroups", "CompareError", "compare", "plan_comparison", "write_compare"]

# Lazy, as the package's own: the build's worker processes unpickle a job that names
# comparison.stream and need neither the engine nor zarr (~0.3 s of CPU each to import).
_HOMES = {"compare": "engine", "plan_comparison": "engine", "REST": "groups", "CompareError": "groups",
          "ColumnGroups": "writer", "write_compare": "writer"}  # fmt: skip


def __getattr__(name: str):
    if name in _HOMES:
        return getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
