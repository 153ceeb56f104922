"""Every case of the awkward-input corpus (tests/corpus.py) through the real command line.

A case either exports (exit 0, a bundle that ``xgexport verify`` accepts, file names that owe
nothing to dataset strings) or fails (non-zero exit, exactly one stderr line, starting with
``error:``, saying what the case expects, no traceback). Either way nothing is left in OUT or
beside it that was not there before (no ``.OUT.xgexport-tmp-*`` staging folders).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import zarr

import corpus
from helpers import leftovers, run_cli
from xgexport.verify import verify

TIMEOUT = 120

# Every bundle path, per docs/FORMAT.md. Folder and file names below data/ are fixed words or
# numbers; none comes from the dataset.
FIXED_WORDS = {
    "zarr.json", "c", "X", "obs_names", "var", "names", "symbols", "embeddings", "coords", "display",
    "coords_z", "display_z",
    "obs", "codes", "values", "de", "mean_in", "mean_out", "frac_in", "frac_out", "logfoldchange",
    "t", "pval", "pval_adj", "top_up", "top_down", "markers",
    # data/compare/ (docs/FORMAT.md, xgexport.comparison.layout)
    "compare", "rows", "row_info", "nodes", "leaves", "leaf_bytes", "joint", "pairs",
}  # fmt: skip
TOP_LEVEL = re.compile(r"^(index\.html|\.nojekyll|manifest\.json|viewer/([a-z]+/)?[A-Za-z0-9_-]+\.(js|css|svg|png))$")


def path_is_fixed(rel: str) -> bool:
    if TOP_LEVEL.match(rel):
        return True
    parts = rel.split("/")
    return (
        parts[0] == "data"
        and len(parts) > 1
        and all(p.isdigit() or p in FIXED_WORDS or re.fullmatch(r"c(\.\d+)+", p) for p in parts[1:])
    )


def snapshot(path: Path):
    """What is at ``path``: None, ('file', sha) or ('dir', {relative path: sha})."""
    if not path.exists() and not path.is_symlink():
        return None
    if path.is_symlink() and not path.exists():  # dangling or looping: the link itself
        return ("link", os.readlink(path))
    if path.is_file():
        return ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return ("dir", {p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                    for p in sorted(path.rglob("*")) if p.is_file()})  # fmt: skip


def listing(folder: Path) -> set[str] | None:
    try:
        return {p.name for p in folder.iterdir()}
    except OSError:
        return None


@dataclass
class Outcome:
    case: corpus.Case
    made: corpus.Made
    build: subprocess.CompletedProcess
    verify: subprocess.CompletedProcess | None
    out_before: object
    beside_before: set[str] | None


def run_case(case: corpus.Case, made: corpus.Made) -> Outcome:
    out_before = snapshot(made.out)
    beside_before = listing(made.out.parent)
    build = run_cli("build", made.input, made.out, *made.args, check=False)
    # the verify command on the bundles with hostile names; the same check in-process elsewhere
    verify = run_cli("verify", made.out, check=False) if build.returncode == 0 and case.hostile else None
    return Outcome(case, made, build, verify, out_before, beside_before)


class Outcomes(dict):
    """Case name → Outcome; a case not built yet (e.g. run with -k) is built on first use."""

    def __init__(self, root: Path):
        super().__init__()
        self.root = root

    def prepare(self, case: corpus.Case) -> tuple[corpus.Case, corpus.Made]:
        folder = self.root / case.name
        folder.mkdir()
        return case, case.make(folder)

    def run_all(self, cases: list[corpus.Case]) -> None:
        """Write the inputs, then build two at a time (the machine has 2 cores)."""
        prepared = [self.prepare(case) for case in cases if case.name not in self]
        with ThreadPoolExecutor(2) as pool:
            for result in pool.map(lambda item: run_case(*item), prepared):
                self[result.case.name] = result

    def __missing__(self, name: str) -> Outcome:
        self[name] = run_case(*self.prepare(corpus.by_name(name)))
        return self[name]


@pytest.fixture(scope="session")
def outcomes(request, tmp_path_factory) -> Outcomes:
    results = Outcomes(tmp_path_factory.mktemp("corpus"))
    selected = {
        item.callspec.params["case"].name
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("case"), corpus.Case)
    }
    results.run_all([case for case in corpus.CASES if case.name in selected and not case.skip_reason()])
    return results


def test_case_names_are_unique():
    names = [case.name for case in corpus.CASES]
    assert len(names) == len(set(names))


def test_corpus_covers_the_issue():
    """The list of issue 5, by case name: a removed case must be a conscious decision."""
    wanted = {
        "missing-path", "empty-file", "text-file", "truncated-half", "zero-cells", "no-x", "nan-in-x",
        "inf-in-x", "nan-in-embedding", "no-usable-embedding", "one-column-obsm-only",
        "one-and-three-column-obsm", "path-like-names", "html-names", "duplicate-gene-names",
        "non-ascii-names", "one-category-per-cell", "single-category", "missing-in-categoricals",
        "bool-int-float-text-columns", "integer-counts-csr", "all-zero-sparse", "huge-uns-string",
        "out-is-a-file", "out-under-a-file", "out-read-only",
    }  # fmt: skip
    assert wanted <= {case.name for case in corpus.CASES}


# The first case's setup builds every case (two at a time): ~90 builds, minutes on a busy machine.
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("case", corpus.CASES, ids=lambda case: case.name)
def test_case(case: corpus.Case, outcomes):
    if case.skip_reason():
        pytest.skip(case.skip_reason())
    result = outcomes[case.name]
    out, build = result.made.out, result.build
    stderr = build.stderr
    assert "Traceback" not in stderr, stderr
    assert not leftovers(out), f"staging folders left beside {out}: {leftovers(out)}"
    if case.expect == "exports":
        assert build.returncode == 0, f"expected a bundle, got:\n{stderr}"
        assert not [line for line in stderr.splitlines() if line.startswith("error:")], stderr
        if result.verify is not None:
            assert result.verify.returncode == 0, result.verify.stdout + result.verify.stderr
            assert result.verify.stdout.startswith("ok:"), result.verify.stdout
        assert verify(out) == []
        # nothing else appeared beside OUT
        if result.beside_before is not None:
            assert listing(out.parent) - result.beside_before <= {out.name}
        files = [p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()]
        odd = [rel for rel in files if not path_is_fixed(rel)]
        assert not odd, f"bundle paths that are not fixed names: {odd[:10]}"
        for text in case.hostile:
            if re.search(r"[^A-Za-z0-9_./]", text):  # other strings are covered by path_is_fixed
                assert not [rel for rel in files if text in rel], text
    else:
        assert build.returncode != 0, f"expected a failure, but it built:\n{stderr}"
        lines = stderr.splitlines()
        assert len(lines) == 1, f"expected exactly one line on stderr, got {len(lines)}:\n{stderr}"
        assert lines[0].startswith("error: "), lines[0]
        for part in (case.message, *case.also):
            assert part in lines[0], f"{part!r} not in: {lines[0]}"
        assert "unexpected" not in lines[0], lines[0]
        assert snapshot(out) == result.out_before, f"{out} changed although the build failed"
        if out.parent != Path("/proc"):  # /proc's listing changes with every process
            assert listing(out.parent) == result.beside_before, "the failed build left something beside OUT"


# --- what some bundles hold: dataset strings are data, kept exactly -------------------------


def group(outcomes, name: str) -> zarr.Group:
    result = outcomes[name]
    assert result.build.returncode == 0, result.build.stderr
    return zarr.open_group(str(result.made.out / "data"), mode="r")


def read_input(outcomes, name: str):
    import anndata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return anndata.read_h5ad(outcomes[name].made.input)


def test_path_like_names_are_kept_as_data(outcomes):
    root = group(outcomes, "path-like-names")
    adata = read_input(outcomes, "path-like-names")
    assert list(root["var/names"][:]) == list(adata.var_names)
    meta = root.attrs["xgexport"]
    assert [o["name"] for o in meta["obs"]] == list(adata.obs.columns)
    assert {e["key"] for e in meta["embeddings"]} == {"X_umap", "zarr.json"}
    for entry in meta["obs"]:
        if entry["kind"] == "categorical":
            codes = root[f"obs/{entry['id']}/codes"]
            labels = np.asarray(codes.attrs["categories"], dtype=object)[codes[:]]
            assert list(labels) == list(adata.obs[entry["name"]].astype(str))


def test_html_strings_are_never_markup_in_the_page(outcomes):
    result = outcomes["html-names"]
    page = (result.made.out / "index.html").read_text(encoding="utf-8")
    for text in corpus.HTML:
        assert text not in page or "<" not in text, f"{text!r} pasted raw into index.html"
    assert "&lt;script&gt;" in page, "the title is not in the page as escaped text"
    scripts = re.findall(r"<script\b[^>]*>", page, flags=re.IGNORECASE)
    code = [tag for tag in scripts if 'type="application/json"' not in tag]
    assert code and all(re.search(r'\bsrc="viewer/[\w-]+\.js"', tag) for tag in code), scripts
    # the one data block (the first view's metadata) is JSON the page parses, never runs or
    # renders: no character in it can end the block or start markup
    data = re.findall(r'<script type="application/json" id="first-view">(.*?)</script>', page, flags=re.S)
    assert len(scripts) - len(code) == len(data) <= 1, scripts
    for block in data:
        assert not set(block) & set("<>&"), "markup characters left raw in the first view's JSON"
        assert any(text in json.dumps(json.loads(block), ensure_ascii=False) for text in corpus.HTML if "<" in text)
    page_without_data = re.sub(r'<script type="application/json" id="first-view">.*?</script>', "", page, flags=re.S)
    assert not re.search(r"<script\b[^>]*>[^<]+</script>", page_without_data), "inline script in the page"
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp, "no Content-Security-Policy"
    policy = {part.split()[0]: part.split()[1:] for part in csp.group(1).split(";") if part.strip()}
    assert policy["script-src"] == ["'self'"] and policy["connect-src"] == ["'self'"], policy
    root = group(outcomes, "html-names")
    assert root.attrs["xgexport"]["title"] == corpus.HTML[0]
    assert root.attrs["xgexport"]["description"] == corpus.HTML[1]


def test_non_ascii_names_round_trip(outcomes):
    root = group(outcomes, "non-ascii-names")
    assert list(root["var/names"][:]) == list(corpus.NON_ASCII)
    assert "élément" in [o["name"] for o in root.attrs["xgexport"]["obs"]]
    assert root["obs_names"][0] == "細胞-0"
    manifest = json.loads((outcomes["non-ascii-names"].made.out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dataset"]["title"] == "Données — 細胞"


def test_duplicate_gene_names_are_all_kept(outcomes):
    root = group(outcomes, "duplicate-gene-names")
    assert list(root["var/names"][:]) == ["CD3E", "CD3E", "MS4A1", "MS4A1", "MS4A1", "NKG7"]
    assert root["X"].shape[0] == 6


def test_missing_categories_are_minus_one(outcomes):
    root = group(outcomes, "missing-in-categoricals")
    adata = read_input(outcomes, "missing-in-categoricals")
    by_name = {o["name"]: o for o in root.attrs["xgexport"]["obs"]}
    for name in ("with_missing", "text_with_missing"):
        codes = root[f"obs/{by_name[name]['id']}/codes"][:]
        assert np.array_equal(codes < 0, adata.obs[name].isna().to_numpy()), name
    all_missing = root[f"obs/{by_name['all_missing']['id']}/codes"]
    assert (all_missing[:] == -1).all() and all_missing.attrs["categories"] == []


def test_obs_column_kinds(outcomes):
    root = group(outcomes, "bool-int-float-text-columns")
    kinds = {o["name"]: o["kind"] for o in root.attrs["xgexport"]["obs"]}
    assert kinds["is_doublet"] == "boolean"
    assert kinds["n_genes"] == kinds["pct_mito"] == kinds["all_nan"] == "continuous"
    assert kinds["free_text"] == "categorical"


def test_nan_and_inf_in_x_are_nan_in_the_bundle(outcomes):
    root = group(outcomes, "inf-in-x")
    X = root["X"]
    assert np.isnan(X[0, 0]) and np.isnan(X[2, 5])
    assert "non-finite" in outcomes["inf-in-x"].build.stderr


def test_hidden_embedding_rows(outcomes):
    root = group(outcomes, "nan-in-embedding")
    display = root["embeddings/0/display"]
    assert display.attrs["hidden"] == 3
    assert (display[[2, 5, 6], :] == 65535).all()


@pytest.mark.parametrize("name", ["x-shape-billion-genes", "x-index-beyond-genes", "x-indptr-beyond-values"])
def test_inspect_of_a_damaged_matrix_is_one_error_line(name, tmp_path):
    """inspect reads the matrix's shape and a sample of its blocks: the same checks apply
    (it used to report a billion genes, or crash in scipy)."""
    made = corpus.by_name(name).make(tmp_path)
    result = run_cli("inspect", made.input, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "is damaged" in lines[0] or "has shape" in lines[0], lines
    assert "1000000000 genes" not in result.stdout


def test_missing_symbols_are_ids_and_shared_ones_are_warned_about(outcomes):
    root = group(outcomes, "shared-and-missing-symbols")
    ids = [f"ENSG{i:011d}" for i in range(8)]
    assert list(root["var/names"][:]) == ids
    assert list(root["var/symbols"][:]) == ["TBCE", "TBCE", ids[2], "CD3E", "MATR3", "MATR3", ids[6], "NKG7"]
    stderr = outcomes["shared-and-missing-symbols"].build.stderr
    assert "warning: 2 gene(s) have no symbol in var['feature_name']: their ids are shown instead" in stderr
    assert "warning: 2 symbol(s) in var['feature_name'] are shared by more than one gene (e.g. " in stderr
    assert "MATR3 ×2" in stderr and "TBCE ×2" in stderr


def test_columns_of_near_unique_values_are_ids_and_say_why(outcomes):
    root = group(outcomes, "nearly-unique-per-cell")
    names = [o["name"] for o in root.attrs["xgexport"]["obs"]]
    assert "donor" in names and "barcode_cat" not in names and "barcode_text" not in names
    stderr = outcomes["nearly-unique-per-cell"].build.stderr  # built with -v
    assert "skipped obs['barcode_cat']: 197 of its 198 values hold one cell each: an id, not a grouping" in stderr
    report = run_cli("inspect", outcomes["nearly-unique-per-cell"].made.input, check=False)
    assert "  obs['barcode_text']: 197 of its 198 values hold one cell each: an id, not a grouping" in report.stdout
