"""Output paths a build must refuse or survive with one clear line: the working folder (and
folders holding it), a full disk. Real conditions: a shell's working folder is the build's
cwd, and "disk full" is a small tmpfs mounted for the test (root only; skipped otherwise)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import corpus
from xgexport.manifest import verify

from test_atomic import synthetic, tree


def cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "xgexport.cli", *map(str, args)],
        capture_output=True, text=True, timeout=300, cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip


def one_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "unexpected" not in lines[0] and "Traceback" not in result.stderr, lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    return corpus.write(corpus.base_adata(), tmp_path_factory.mktemp("input") / "small.h5ad")


def test_out_dot_in_an_empty_working_folder_is_refused(small, tmp_path):
    """`xgexport build x .` replaced the shell's folder and left the shell in a deleted one."""
    here = tmp_path / "analysis"
    here.mkdir()
    inode = here.stat().st_ino
    line = one_error(cli("build", small, ".", cwd=here))
    assert "is the current folder" in line
    assert here.stat().st_ino == inode and list(here.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis"]


def test_out_holding_the_working_folder_is_refused_even_with_overwrite(small, tmp_path):
    bundle = tmp_path / "bundle"
    assert cli("build", small, bundle, "-q").returncode == 0
    before = tree(bundle)
    inside = bundle / "data"
    line = one_error(cli("build", small, "..", "--overwrite", cwd=inside))
    assert "holds it" in line
    line = one_error(cli("build", small, bundle, "--overwrite", cwd=bundle / "viewer"))
    assert "holds it" in line
    assert tree(bundle) == before and verify(bundle) == []


def test_a_subfolder_of_the_working_folder_is_fine(small, tmp_path):
    assert cli("build", small, "out", "-q", cwd=tmp_path).returncode == 0
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
    big = synthetic(tmp_path / "big.h5ad", 20_000, 500, 40)
    out = tiny_disk / "bundle"
    line = one_error(cli("build", big, out, "-q", "--jobs", jobs))
    assert "no space left" in line and "nothing was changed" in line, line
    assert list(tiny_disk.iterdir()) == [], "the failed build left files on the full disk"
