"""Turning what a user names as group A or B into cells: an array of cell indices (or a boolean
mask), ``{column: [categories]}`` (several columns: cells matching all of them), or "rest"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import XgError
from .reader import CompareData

REST = "rest"


class CompareError(XgError, ValueError):
    """Groups that cannot be compared (too small, overlapping, unknown names)."""


@dataclass(frozen=True)
class Selection:
    label: str
    member: np.ndarray  # bool per cell
    conditions: dict | None = None  # obs_id -> allowed codes, for groups named by categories
    rest_of: Selection | None = None  # set when this is "every cell not in" that selection

    @property
    def n(self) -> int:
        return int(self.member.sum())


def select(data: CompareData, spec, name: str) -> Selection:
    if isinstance(spec, dict):
        return _by_categories(data, spec, name)
    values = np.asarray(spec)
    if values.dtype == bool:
        if values.shape != (data.n_cells,):
            raise CompareError(
                f"group {name}: a boolean mask needs one value per cell ({data.n_cells}), not {values.shape}"
            )
        return Selection(f"{name}: {int(values.sum())} selected cells", values.copy())
    if values.ndim != 1 or (values.size and values.dtype.kind not in "iu"):
        raise CompareError(f"group {name}: give cell indices (integers), a boolean mask or {{column: [categories]}}")
    if values.size and (values.min() < 0 or values.max() >= data.n_cells):
        raise CompareError(f"group {name}: cell indices must be in 0..{data.n_cells - 1}")
    member = np.zeros(data.n_cells, dtype=bool)
    member[values] = True
    return Selection(f"{name}: {int(member.sum())} selected cells", member)


def rest_of(selection: Selection) -> Selection:
    return Selection(REST, ~selection.member, None, selection)


def check_pair(a: Selection, b: Selection) -> None:
    for name, group in (("A", a), ("B", b)):
        if group.n < 2:
            raise CompareError(
                f"group {name} ({group.label}) has {group.n} cell{'s' if group.n != 1 else ''}: "
                "a comparison needs at least 2 cells in each group"
            )
    shared = int((a.member & b.member).sum())
    if shared:
        raise CompareError(
            f"groups A and B share {shared} cells: a comparison needs disjoint groups "
            '(give B as "rest" for every cell not in A)'
        )


def describe_rest(data: CompareData, rest: Selection) -> str:
    """Which cells "the rest" holds, saying how many have no value in A's columns (the
    precomputed DE tables leave those out of both groups)."""
    text = f"all {rest.n} cells not in A"
    a = rest.rest_of
    if a is not None and a.conditions:
        for obs_id in a.conditions:
            missing = int(((data.codes(obs_id) < 0) & rest.member).sum())
            if missing:
                text += f", including {missing} with no value for {_column_name(data, obs_id)!r}"
    return text


def _by_categories(data: CompareData, spec: dict, name: str) -> Selection:
    if not spec:
        raise CompareError(f"group {name}: name at least one column and its categories")
    columns = {
        entry["name"]: entry for entry in data.meta.get("obs", []) if entry.get("kind") in ("categorical", "boolean")
    }
    member = np.ones(data.n_cells, dtype=bool)
    conditions, parts = {}, []
    for column, wanted in spec.items():
        if column not in columns:
            raise CompareError(
                f"group {name}: no categorical obs column {column!r} (columns: {', '.join(columns) or 'none'})"
            )
        obs_id = columns[column]["id"]
        categories = list(data.root[f"obs/{obs_id}/codes"].attrs["categories"])
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        unknown = [w for w in wanted if str(w) not in categories]
        if unknown or not wanted:
            raise CompareError(
                f"group {name}: column {column!r} has no category {', '.join(map(repr, unknown)) or '(none given)'} "
                f"(categories: {', '.join(categories[:20])}{', …' if len(categories) > 20 else ''})"
            )
        allowed = sorted({categories.index(str(w)) for w in wanted})
        conditions[obs_id] = tuple(allowed)
        member &= np.isin(data.codes(obs_id), allowed)
        parts.append(f"{column} = {' or '.join(categories[k] for k in allowed)}")
    return Selection("; ".join(parts), member, conditions)


def _column_name(data: CompareData, obs_id: str) -> str:
    return next((e["name"] for e in data.meta.get("obs", []) if e["id"] == obs_id), obs_id)
