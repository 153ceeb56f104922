"""Output paths a build must refuse or survive with one clear line: the working folder (and
folders holding it), a full disk. Real conditions: a shell's working folder is the build's
cwd, and "disk full" is a small tmpfs mounted for the test (root only; skipped otherwise)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from factories import synthetic_adata, write
from helpers import one_error, run_cli, tree
from xgexport.verify import verify


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return write(synthetic_adata(), tmp_path_factory.mktemp("input") / "small.h5ad")


def test_out_dot_in_an_empty_working_folder_is_refused(small, tmp_path):
    """`xgexport build x .` replaced the shell's folder and left the shell in a deleted one."""
    here = tmp_path / "analysis"
    here.mkdir()
    inode = here.stat().st_ino
    line = one_error(run_cli("build", small, ".", cwd=here, check=False))
    assert "is the current folder" in line
    assert here.stat().st_ino == inode and list(here.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]


def test_out_holding_the_working_folder_is_refused_even_with_overwrite(small, tmp_path):
    bundle = tmp_path / "bundle"
    assert run_cli("build", small, bundle, "-q", check=False).returncode == 0
    before = tree(bundle)
    inside = bundle / "data"
    line = one_error(run_cli("build", small, "..", "--overwrite", cwd=inside, check=False))
    assert "holds it" in line
    line = one_error(run_cli("build", small, bundle, "--overwrite", cwd=bundle / "viewer", check=False))
    assert "holds it" in line
    assert tree(bundle) == before and verify(bundle) == []


def test_a_subfolder_of_the_working_folder_is_fine(small, tmp_path):
    assert run_cli("build", small, "out", "-q", cwd=tmp_path, check=False).returncode == 0
    assert verify(tmp_path / "out") == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MiB tmpfs: too small for the bundle below, big enough for its first files."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_disk_full_is_one_line_and_leaves_nothing(tiny_disk, tmp_path, jobs):
    """ENOSPC in the parent (zarr, manifest) or in a worker process (spill files, X chunks)."""
    big = write(synthetic_adata(20_000, 500, per_cell=40, n_groups=8), tmp_path / "big.h5ad")
    out = tiny_disk / "bundle"
    line = one_error(run_cli("build", big, out, "-q", "--jobs", jobs, check=False))
    assert "no space left" in line and "nothing was changed" in line, line
    assert list(tiny_disk.iterdir()) == [], "the failed build left files on the full disk"
