"""The viewer's comparison engine (a Web Worker, through window.xgexport.compare) against
Python's (xgexport.compare) and both against scipy in float64 on the original matrix: real
datasets of tests/data and a synthetic one with constants, 1000 ± 0.01, all-zero genes, NaN,
tiny groups and cells stacked on one point. The viewer reads the same files (bytes and files
read equal Python's with a shared cache) and gives the same numbers (t and means to the last
bit, p to ~1e-13, where the two t distribution functions differ)."""

from __future__ import annotations

import sys
import warnings

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import zarr
from browser_helpers import DATASETS, READY, REPO

sys.path.insert(0, str(REPO / "tests"))
from compare_bundle import build_with_compare
from compare_helpers import reference

import xgexport
from xgexport.comparison.reader import CompareData
from xgexport.verify import verify

pytestmark = pytest.mark.browser

STATS = {"t": "t", "pval": "pval", "pval_adj": "pval_adj", "mean_a": "mean_in", "mean_b": "mean_out",
         "frac_a": "frac_in", "frac_b": "frac_out", "logfoldchange": "logfoldchange"}  # fmt: skip


def synthetic(path):
    """600 cells × 40 genes (CSR float64): constants 0.1 and 0.3, 1000 ± 0.01, all-zero genes,
    NaN in a few cells, random sparse genes; clusters of 2 cells and 1 cell; a batch column with
    missing values; 30 cells stacked on one point and 5 without coordinates."""
    rng = np.random.default_rng(11)
    n, g = 600, 40
    cluster = rng.choice(["a", "b", "c", "d"], size=n).astype(object)
    cluster[:2], cluster[2] = "tiny", "single"
    centres = {"a": (0, 0), "b": (6, 0), "c": (0, 6), "d": (6, 6), "tiny": (3, 3), "single": (3, 4)}
    xy = np.array([centres[c] for c in cluster], dtype=float) + rng.normal(0, 1.2, size=(n, 2))
    xy[100:130] = (1.0, 1.0)  # many cells at one point: leaves cut as runs
    xy[130:135] = np.nan  # hidden cells: in the tree at 65535, and in "the rest"
    X = np.where(rng.uniform(size=(n, g)) < 0.3, np.log1p(rng.poisson(2.0, size=(n, g))), 0.0)
    X[:, 0] = 0.1
    X[:, 1] = np.where(cluster == "a", 0.3, 0.0)
    X[:, 2] = 1000 + 0.01 * rng.uniform(-1, 1, size=n)
    X[:, 3] = 0.0
    X[:, 4] = np.where(cluster == "d", 0.0, X[:, 4])
    X[[5, 77, 301], 5] = np.nan
    X[:, 6] = np.where(cluster == "b", X[:, 6] * 50, X[:, 6])
    batch = pd.Categorical(rng.choice(["x", "y", "z"], size=n))
    batch[rng.uniform(size=n) < 0.1] = np.nan
    obs = pd.DataFrame({"cluster": pd.Categorical(cluster), "batch": batch}, index=[f"c{i}" for i in range(n)])
    adata = ad.AnnData(sp.csr_matrix(X), obs=obs, var=pd.DataFrame(index=[f"G{j}" for j in range(g)]))
    adata.obsm["X_umap"] = xy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata.write_h5ad(path)
    return path


def missing_louvain(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(DATASETS / "scanpy_pbmc68k_reduced.h5ad")
        adata.obs.loc[adata.obs.index[::9], "louvain"] = np.nan
        adata.write_h5ad(path)
    return path


CASES = {
    "synthetic": synthetic,
    "pbmc68k with missing louvain": missing_louvain,
    "heart (CSR counts)": "cxg-curation_heart-example-with-labels.h5ad",
    "cellxgene NaN (scaled, negative)": "cellxgene_pbmc3k-100x100-nan.h5ad",
    "starmap (dense float64, spatial)": "scvi-tools_starmap-mpfc_from-loom.h5ad",
}


@pytest.fixture(scope="module", params=list(CASES))
def case(request, tmp_path_factory, serve):
    folder = tmp_path_factory.mktemp("cmp-view")
    made = CASES[request.param]
    source = DATASETS / made if isinstance(made, str) else made(folder / "input.h5ad")
    bundle = build_with_compare(source, folder / "bundle")
    assert verify(bundle) == []  # (xgexport.verify is the module once anything imported it)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adata = ad.read_h5ad(source)
    root = zarr.open_group(str(bundle / "data"), mode="r")
    meta = root.attrs["xgexport"]
    matrix = (adata.raw if meta["matrix"]["source"] == "raw" else adata).X
    dense = (matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)).astype(np.float64)
    return {"bundle": bundle, "site": serve(bundle), "dense": dense, "root": root, "meta": meta}


def comparisons(case):
    """(JS a, JS b, Python a, Python b, cells of A, cells of B) for the case's dataset."""
    root, meta = case["root"], case["meta"]
    n = case["dense"].shape[0]
    de = meta["de"]

    def codes_of(d):
        return root[f"obs/{d['obs_id']}/codes"][:].astype(np.int64)

    def labels_of(d):
        return list(root[f"obs/{d['obs_id']}/codes"].attrs["categories"])

    def big_of(d):
        """Categories of at least 2 cells, largest first."""
        codes = codes_of(d)
        sizes = np.bincount(codes[codes >= 0], minlength=len(labels_of(d)))
        return [k for k in np.argsort(-sizes) if sizes[k] >= 2]

    first = max(de, key=lambda d: len(big_of(d)))  # the column with most testable categories
    codes, labels, big = codes_of(first), labels_of(first), big_of(first)
    out = []
    for k in big[:3]:  # one category against the rest (cells without a label included)
        out.append(({"obs": first["name"], "categories": [labels[k]]}, "rest", {first["name"]: [labels[k]]}, "rest",
                    codes == k, codes != k))  # fmt: skip
    union = [labels[k] for k in big[:2]]
    in_union = np.isin(codes, big[:2])
    out.append(({first["name"]: union}, "rest", {first["name"]: union}, "rest", in_union, ~in_union))
    a, b = labels[big[0]], labels[big[1]]
    out.append(({"obs": first["name"], "categories": [a]}, {"obs": first["name"], "categories": [b]},
                {first["name"]: [a]}, {first["name"]: [b]}, codes == big[0], codes == big[1]))  # fmt: skip
    if len(de) > 1:  # two groups of the second column within the largest category of the first: joint rows
        one, two = codes_of(de[0]), codes_of(de[1])
        k = big_of(de[0])[0]
        inner = np.bincount(two[(one == k) & (two >= 0)], minlength=len(labels_of(de[1]))).argsort()[::-1]
        in_a, in_b = (one == k) & (two == inner[0]), (one == k) & (two == inner[1])
        if min(in_a.sum(), in_b.sum()) >= 2:
            spec = lambda j: {de[0]["name"]: [labels_of(de[0])[k]], de[1]["name"]: [labels_of(de[1])[j]]}  # noqa: E731
            out.append((spec(inner[0]), spec(inner[1]), spec(inner[0]), spec(inner[1]), in_a, in_b))
    display = root[f"embeddings/{meta['defaults']['embedding']}/display"][:].astype(np.float64)
    shown = display[:, 0] < 65535
    centre = np.median(display[(codes == big[0]) & shown], axis=0)
    distance = np.where(shown, np.hypot(*(display - centre).T), np.inf)
    lasso = distance <= np.percentile(distance[shown], 30)
    cells = np.flatnonzero(lasso).tolist()
    out.append((cells, "rest", cells, "rest", lasso, ~lasso))
    other = ~lasso & (np.random.default_rng(1).uniform(size=n) < 0.5)
    out.append((cells, np.flatnonzero(other).tolist(), cells, np.flatnonzero(other), lasso, other))
    tiny = np.zeros(n, dtype=bool)
    tiny[np.flatnonzero(~lasso)[:2]] = True  # two cells against the rest
    out.append((np.flatnonzero(tiny).tolist(), "rest", np.flatnonzero(tiny), "rest", tiny, ~tiny))
    return [c for c in out if c[4].sum() >= 2 and c[5].sum() >= 2]


def viewer_compare(page, a, b):
    return page.evaluate(
        """async ([a, b]) => {
            const rows = await window.xgexport.compare(a, b);
            const keys = ["t", "pval", "pval_adj", "mean_a", "mean_b", "frac_a", "frac_b", "logfoldchange"];
            const columns = Object.fromEntries(keys.map((k) => [k, rows.map((r) => r[k])]));
            return { columns, genes: rows.map((r) => r.gene), info: rows.comparison };
        }""",
        [a, b],
    )


def column(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def test_viewer_equals_python_and_both_equal_scipy(case, browser):
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(case["site"].url())
    page.wait_for_selector(READY, state="attached", timeout=20000)
    data = CompareData(case["bundle"])  # one cache for all comparisons, as the worker keeps one
    for js_a, js_b, py_a, py_b, in_a, in_b in comparisons(case):
        got = viewer_compare(page, js_a, js_b)
        frame = xgexport.compare(data, py_a, py_b)
        info, expected = got["info"], frame.attrs["comparison"]
        what = f"{expected['a']} vs {expected['b']}"
        assert got["genes"] == frame.gene.tolist()
        for key in ("route", "planned_bytes", "bytes_read", "files_read", "n_a", "n_b", "genes_recomputed", "terms"):
            assert info[key] == expected[key], (what, key, info[key], expected[key])
        assert (info["rest"] is None) == (expected["rest"] is None), what
        if expected["rest"]:
            plain = info["rest"].replace("\u201c", "'").replace("\u201d", "'")
            assert plain.replace(",", "") == expected["rest"].replace(",", ""), what  # JS writes 95,210
        ref = reference(case["dense"], in_a, in_b)
        for key, py_key in STATS.items():
            viewer, python = column(got["columns"][key]), frame[py_key].to_numpy()
            exact = key in ("t", "mean_a", "mean_b", "frac_a", "frac_b")  # the same operations in the same order
            np.testing.assert_allclose(viewer, python, rtol=0 if exact else 1e-12, atol=0, err_msg=f"{what}: {key}")
            if key in ("t", "pval", "pval_adj"):
                np.testing.assert_allclose(
                    viewer,
                    ref[py_key],
                    rtol=1e-6,
                    atol=1e-300 if key != "t" else 1e-12,
                    err_msg=f"{what}: {key} vs scipy",
                )
            elif key.startswith("frac"):
                np.testing.assert_array_equal(viewer, ref[py_key], err_msg=f"{what}: {key} vs scipy")
            else:
                scale = np.nanmax(np.abs(case["dense"]))
                np.testing.assert_allclose(
                    viewer, ref[py_key], rtol=1e-9, atol=1e-12 * scale, err_msg=f"{what}: {key} vs scipy"
                )
    assert not errors
    context.close()


def test_groups_too_small_or_overlapping_are_refused_with_a_message(case, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(case["site"].url())
    page.wait_for_selector(READY, state="attached", timeout=20000)
    refuse = "async ([a, b]) => { try { await window.xgexport.compare(a, b); return null; } catch (e) { return e.message; } }"
    assert "has 1 cell: a comparison needs at least 2 cells" in page.evaluate(refuse, [[3], "rest"])
    assert "share 2 cells" in page.evaluate(refuse, [[1, 2, 3], [2, 3, 4]])
    assert "no categorical obs column" in page.evaluate(
        refuse, [{"obs": "no such column", "categories": ["x"]}, "rest"]
    )
    assert "must be integers" in page.evaluate(refuse, [[0, 1, 10**9], "rest"])
    context.close()


def test_student_t_p_values_equal_scipy_on_a_grid_of_df_and_t(rec, pbmc_site):
    """2·stdtr(df, −|t|) in the viewer against scipy.special.stdtr in float64: df from 1 to 2e6
    (Welch–Satterthwaite at a million cells), |t| from 1e-3 to 1e6 (p down to float64's end)."""
    from scipy import special

    rng = np.random.default_rng(5)
    dfs = np.concatenate(
        [[1, 1.5, 2, 3, 4.5, 10, 29.9, 30, 31, 100, 1e3, 1e4, 1e5, 1e6, 2e6], 10 ** rng.uniform(0, 6.3, 25)]
    )
    ts = np.concatenate([[1e-3, 0.01, 0.5, 1, 1.96, 2, 3, 5, 10, 20, 38, 100, 1e3, 1e6], 10 ** rng.uniform(-3, 2, 25)])
    df, t = (g.ravel() for g in np.meshgrid(dfs, ts))
    expected = 2 * special.stdtr(df, -t)
    page = rec.goto_ready(pbmc_site.url())
    got = np.array(page.evaluate(
        """async ([df, t]) => {
            const { tTwoSided } = await import("./viewer/compare/tdist.js");
            return df.map((d, i) => tTwoSided(d, -t[i]));
        }""", [df.tolist(), t.tolist()]), dtype=np.float64)  # fmt: skip
    tested = expected > 1e-300  # below: subnormal numbers, rounded differently by each library
    relative = np.abs(got[tested] - expected[tested]) / expected[tested]
    # float64 keeps ln p to ε·|ln p|: ~1e-13 of p near 1e-300, ~1e-14 for usual p. Each library
    # has that error (against mpmath at 40 digits the viewer's stays below half this bound;
    # where they differ most, scipy is the one further off), so the bound counts it twice.
    bound = 5e-14 + 8e-16 * np.abs(np.log(expected[tested]))
    assert (relative <= bound).all(), list(
        zip(df[tested][relative > bound], t[tested][relative > bound], relative[relative > bound])
    )
    assert (got[~tested] < 1e-290).all()
    # tiny t, where scipy itself keeps only ~9 digits: the closed forms for df = 1 and 2
    tiny = [1e-12, 1e-8, 1e-5]
    one, two = page.evaluate(
        """async (ts) => {
            const { tTwoSided } = await import("./viewer/compare/tdist.js");
            return [ts.map((t) => tTwoSided(1, t)), ts.map((t) => tTwoSided(2, t))];
        }""", tiny)  # fmt: skip
    np.testing.assert_allclose(one, [1 - 2 / np.pi * np.arctan(x) for x in tiny], rtol=1e-15)
    np.testing.assert_allclose(two, [1 - x / np.sqrt(2 + x * x) for x in tiny], rtol=1e-15)
    rec.assert_clean([pbmc_site.origin])
