"""An input replaced or rewritten while a build runs: build tasks open the input by path, so
without a check the bundle would mix two files (X from the new one, obs and DE groups from the
old) and still verify. The change happens at a known point: the matrix pass's task function is
wrapped (the tasks run in this process with --jobs 1)."""

from __future__ import annotations

import os
import shutil

import pytest

from factories import synthetic_adata, write
from helpers import leftovers
from xgexport import expression
from xgexport.build import build
from xgexport.errors import InputError
from xgexport.options import RunOptions
from xgexport.report import Reporter

SMALL_BUDGET = 64 * 1024**2  # several row blocks and gene buckets for the inputs below


@pytest.fixture(scope="module")
def versions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("versions")
    return tuple(
        write(synthetic_adata(30_000, 500, per_cell=60, n_groups=8, seed=seed), folder / f"v{seed}.h5ad")
        for seed in (1, 2)
    )


def as_csc(path, target):
    import anndata

    adata = anndata.read_h5ad(path)
    adata.X = adata.X.tocsc()
    adata.write_h5ad(target)
    return target


def change_on_second_task(monkeypatch, task: str, change) -> None:
    real = getattr(expression, task)

    def wrapped(job, index):
        if index == 1:
            change()
        return real(job, index)

    monkeypatch.setattr(expression, task, wrapped)


def replace_file(new, path):
    return lambda: os.replace(shutil.copy(new, path.with_name("incoming.h5ad")), path)


def rewrite_in_place(new, path):
    def change():
        with open(path, "r+b") as handle:  # same inode, other bytes
            handle.write(new.read_bytes())
            handle.truncate()

    return change


@pytest.mark.parametrize("kind", ["csr", "csc"])
@pytest.mark.parametrize("how", [replace_file, rewrite_in_place], ids=["replaced", "rewritten"])
def test_an_input_changed_during_the_build_stops_it(versions, tmp_path, monkeypatch, kind, how):
    first, second = versions
    data = tmp_path / "data.h5ad"
    new = tmp_path / "new.h5ad"
    if kind == "csc":  # read by gene blocks straight from the input, no spill step
        as_csc(first, data), as_csc(second, new)
    else:
        shutil.copy(first, data), shutil.copy(second, new)
    task = "spill_rows" if kind == "csr" else "process_bucket"
    change_on_second_task(monkeypatch, task, how(new, data))
    out = tmp_path / "bundle"
    word = "replaced" if how is replace_file else "rewritten"
    with pytest.raises(InputError, match=f"the input was {word} during the build"):
        build(data, out, run=RunOptions(max_memory=SMALL_BUDGET, jobs=1), reporter=Reporter(0))
    assert not out.exists() and leftovers(out) == []


def test_an_unchanged_input_builds(versions, tmp_path):
    """The check itself raises no false alarm, with several tasks."""
    out = tmp_path / "bundle"
    build(versions[0], out, run=RunOptions(max_memory=SMALL_BUDGET, jobs=1), reporter=Reporter(0))
    assert (out / "manifest.json").exists()
