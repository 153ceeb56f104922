"""Helpers for the comparison tests: a minimal bundle data group around a matrix (what the
engine reads besides compare/: display coordinates, obs codes, gene names) and scipy's answer
on the original matrix in float64."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.stats as ss

from xgexport.annotations import encode_embedding
from xgexport.comparison import ColumnGroups, write_compare
from xgexport.store import create, open_store

RTOL = 1e-6


def make_data(folder: Path, matrix, coords, columns: dict, joints=(), **options) -> Path:
    """Write ``folder/data`` (a bundle's data group, reduced to what compare reads) and its
    comparison data. ``columns``: name -> (codes with −1 for missing, categories)."""
    data = Path(folder) / "data"
    root = open_store(data)
    embedding = encode_embedding(np.asarray(coords, dtype=np.float64), "X_umap")
    create(root, "embeddings/0/display", embedding.display, attrs=embedding.attrs)
    create(root, "var/names", np.array([f"G{i}" for i in range(matrix.shape[1])], dtype=object))
    obs, groups = [], []
    for i, (name, (codes, categories)) in enumerate(columns.items()):
        create(root, f"obs/{i}/codes", np.asarray(codes, dtype=np.int16), attrs={"categories": list(categories)})
        obs.append({"id": str(i), "name": name, "kind": "categorical"})
        groups.append(ColumnGroups(str(i), name, np.asarray(codes, dtype=np.int64), len(categories)))
    root.attrs["xgexport"] = {"obs": obs}
    ids = {name: str(i) for i, name in enumerate(columns)}
    write_compare(data, matrix, embedding.display, "0", groups, tuple((ids[a], ids[b]) for a, b in joints), **options)
    return Path(folder)


def dense64(matrix) -> np.ndarray:
    return (matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)).astype(np.float64)


def reference(dense: np.ndarray, in_a: np.ndarray, in_b: np.ndarray) -> dict:
    """scipy's Welch test and the other columns, in float64, on the original values; both
    groups constant (all values equal) gives t = 0, p = 1, the documented policy."""
    a, b = dense[in_a], dense[in_b]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = ss.ttest_ind(a, b, equal_var=False)
        t, p = np.array(result.statistic, dtype=float, ndmin=1), np.array(result.pvalue, dtype=float, ndmin=1)
        flat = (np.ptp(a, axis=0) == 0) & (np.ptp(b, axis=0) == 0)
        t[flat], p[flat] = 0.0, 1.0
        mean_a, mean_b = a.mean(axis=0), b.mean(axis=0)
        lfc = np.log2((np.expm1(mean_a) + 1e-9) / (np.expm1(mean_b) + 1e-9))
    finite = np.isfinite(p)
    adjusted = np.full(p.shape, np.nan)
    if finite.any():
        adjusted[finite] = ss.false_discovery_control(p[finite], method="bh")
    return {"t": t, "pval": p, "pval_adj": adjusted, "mean_in": mean_a, "mean_out": mean_b,
            "frac_in": (a > 0).mean(axis=0), "frac_out": (b > 0).mean(axis=0), "logfoldchange": lfc}  # fmt: skip


def assert_matches(frame, dense, in_a, in_b) -> None:
    ref = reference(dense, in_a, in_b)
    # atol: equal means give t = 0 in one summation order and ±1e-16 in another
    np.testing.assert_allclose(frame.t.to_numpy(), ref["t"], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(frame.pval.to_numpy(), ref["pval"], rtol=RTOL, atol=1e-300)
    np.testing.assert_allclose(frame.pval_adj.to_numpy(), ref["pval_adj"], rtol=RTOL, atol=1e-300)
    scale = np.nanmax(np.abs(dense)) if np.isfinite(dense).any() else 1.0
    for key in ("mean_in", "mean_out"):
        np.testing.assert_allclose(frame[key].to_numpy(), ref[key], rtol=1e-12, atol=1e-13 * scale)
    for key in ("frac_in", "frac_out"):
        np.testing.assert_array_equal(frame[key].to_numpy(), ref[key])
    np.testing.assert_allclose(frame.logfoldchange.to_numpy(), ref["logfoldchange"], rtol=1e-9, atol=1e-9)
    info = frame.attrs["comparison"]
    assert info["n_a"] == in_a.sum() and info["n_b"] == in_b.sum()
