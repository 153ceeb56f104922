"""xgexport.compare against scipy in float64, for any two groups (hypothesis): random sparse,
dense, scaled and offset matrices, constant and all-zero genes, NaN, tiny trees, spatial and
random groups, category unions and joint groups, and planner cost regimes that force rows,
cells and subtraction."""

from __future__ import annotations

import tempfile

import numpy as np
import pytest
import scipy.sparse as sp
from compare_helpers import assert_matches, dense64, make_data
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from xgexport.comparison import CompareError, compare
from xgexport.comparison import layout as L
from xgexport.comparison.reader import CompareData

COLUMNS = {"kind": ["p", "q", "r", "s"], "state": ["x", "y", "z"]}


def values_of(kind: str, rng, n_cells: int, n_genes: int, density: float) -> np.ndarray:
    if kind == "counts":
        values = np.log1p(np.round(rng.gamma(0.8, 3.0, size=(n_cells, n_genes))))
    elif kind == "offset":  # tiny spread on a large mean: naive variances lose every digit
        values = 1000.0 + rng.normal(0, 0.01, size=(n_cells, n_genes))
    elif kind == "scaled":  # negative values, means near zero
        values = rng.normal(0, 1, size=(n_cells, n_genes))
    else:  # per gene: zero, a constant that is not a binary fraction, or counts
        values = np.log1p(np.round(rng.gamma(0.8, 3.0, size=(n_cells, n_genes))))
        values[rng.uniform(size=values.shape) >= density] = 0.0
        for g in range(n_genes):
            choice = rng.integers(0, 4)
            if choice < 3:
                values[:, g] = (0.0, 0.1, 0.3)[choice]
        return values
    values[rng.uniform(size=values.shape) >= density] = 0.0
    return values


def coords_of(kind: str, rng, n_cells: int) -> np.ndarray:
    if kind == "clusters":
        return rng.normal(0, 10, size=(4, 2))[rng.integers(0, 4, n_cells)] + rng.normal(0, 1.5, size=(n_cells, 2))
    if kind == "grid":  # many cells at identical points
        return rng.integers(0, 3, size=(n_cells, 2)).astype(float)
    coords = rng.uniform(0, 1, size=(n_cells, 2))
    coords[rng.uniform(size=n_cells) < 0.1] = np.nan  # hidden cells: in no lasso, in the rest
    coords[0] = (0.0, 0.0)
    return coords


@st.composite
def cases(draw):
    groups = draw(st.sampled_from(["disc", "random", "categories", "within"]))
    smallest = 4 if groups in ("disc", "random") else 60  # joint groups need cells to exist
    n_cells, n_genes = (
        draw(st.one_of(st.integers(smallest, max(smallest, 20)), st.integers(max(smallest, 20), 150))),
        draw(st.integers(1, 6)),
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["counts", "offset", "scaled", "constants", "constants"]))
    density = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0])) if kind in ("counts", "constants") else 1.0
    values = values_of(kind, rng, n_cells, n_genes, density)
    if draw(st.booleans()):
        values[rng.integers(0, n_cells), rng.integers(0, n_genes)] = np.nan
    values = values.astype(draw(st.sampled_from([np.float32, np.float64, np.float64])))
    container = draw(st.sampled_from(["csr", "csc", "dense"]))
    matrix = values if container == "dense" else getattr(sp, f"{container}_matrix")(values)
    coords = coords_of(draw(st.sampled_from(["clusters", "grid", "uniform"])), rng, n_cells)
    codes = {name: rng.integers(-1, len(cats), n_cells) for name, cats in COLUMNS.items()}
    leaf_cells = draw(st.integers(1, 8))
    options = {"leaf_cells": leaf_cells, "row_cells": leaf_cells + draw(st.integers(1, 12))}
    b_kind = draw(st.sampled_from(["rest", "other"]))
    regime = draw(st.sampled_from(["stored", "rows cheap", "cells cheap"]))
    return matrix, coords, codes, options, groups, b_kind, regime, rng


def groups_of(groups: str, b_kind: str, coords, codes, rng):
    """(a, b) as compare takes them, and the masks they mean."""
    n = len(coords)
    if groups in ("disc", "random"):
        if groups == "disc":
            centre = coords[rng.integers(0, n)]
            in_a = np.nan_to_num(np.hypot(*(coords - centre).T), nan=np.inf) <= rng.uniform(0.5, 15)
        else:
            in_a = rng.uniform(size=n) < rng.uniform(0.05, 0.9)
        if b_kind == "rest":
            return np.flatnonzero(in_a), "rest", in_a, ~in_a
        in_b = ~in_a & (rng.uniform(size=n) < 0.6)
        return in_a, np.flatnonzero(in_b), in_a, in_b
    kinds, states = codes["kind"], codes["state"]
    if groups == "categories":
        a = {"kind": ["p", "r"]}
        in_a = np.isin(kinds, [0, 2])
        if b_kind == "rest":
            return a, "rest", in_a, ~in_a
        return a, {"kind": ["q"]}, in_a, kinds == 1
    a = {"kind": ["q"], "state": ["x"]}
    in_a = (kinds == 1) & (states == 0)
    if b_kind == "rest":
        return a, "rest", in_a, ~in_a
    return a, {"state": ["y", "z"], "kind": ["q"]}, in_a, (kinds == 1) & np.isin(states, [1, 2])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_any_two_groups_match_scipy(case):
    matrix, coords, codes, options, groups, b_kind, regime, rng = case
    columns = {name: (codes[name], cats) for name, cats in COLUMNS.items()}
    with tempfile.TemporaryDirectory() as folder:
        make_data(folder, matrix, coords, columns, joints=(("kind", "state"),), **options)
        data = CompareData(folder)
        if regime == "rows cheap":  # plans made of rows and subtractions
            data.row_info[:, L.ROW_BYTES] = 1
        elif regime == "cells cheap":  # plans made of leaves
            data.leaf_bytes[:] = 1
        a, b, in_a, in_b = groups_of(groups, b_kind, coords, codes, rng)
        if min(in_a.sum(), in_b.sum()) < 2:
            with pytest.raises(CompareError, match="at least 2 cells"):
                compare(data, a, b)
            event("refused: a group has fewer than 2 cells")
            return
        frame = compare(data, a, b)
    info = frame.attrs["comparison"]
    terms = info["terms"]
    event(
        f"{'spatial tree' if info['route'] == 'spatial' else 'category rows'}"
        f"{', reads leaves' if terms['leaves+'] + terms['leaves-'] else ''}"
        f"{', subtracts' if terms['rows-'] + terms['leaves-'] else ''}"
    )
    if sum(info["genes_recomputed"].values()):
        event("some genes recomputed without subtraction")
    assert_matches(frame, dense64(matrix), in_a, in_b)
