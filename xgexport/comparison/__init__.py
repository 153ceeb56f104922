"""Exact differential expression between any two groups of cells (issue #11).

The build writes ``data/compare/`` (:func:`write_compare`): statistics rows for categories,
joint groups and regions of the default embedding, and a cell-major copy of the matrix cut
along a quadtree of that embedding. :func:`compare` (``xgexport.compare``) answers "A against
B" from that data alone, reading rows for whole regions and cells only along boundaries.
docs/COMPARE.md describes the format, the algorithm and the cost model.
"""

from __future__ import annotations

from .engine import compare, plan_comparison
from .groups import REST, CompareError
from .writer import ColumnGroups, write_compare

__all__ = ["REST", "ColumnGroups", "CompareError", "compare", "plan_comparison", "write_compare"]
