"""Builds are atomic, and ``--overwrite`` only ever replaces an xgexport bundle.

A build of a synthetic 50 000 × 2 000 dataset is SIGKILLed at known stages (watched on its
stderr): afterwards OUT is absent or still the previous complete bundle, and the next build
succeeds and removes the killed build's leftovers.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from factories import synthetic_adata, write
from helpers import leftovers, run_cli, tree
from xgexport.verify import verify

TAG = ".xgexport-"


@pytest.fixture(scope="session")
def big_input(tmp_path_factory) -> Path:
    """Big enough that each stage of a build takes a noticeable time (~5 s in all)."""
    return write(
        synthetic_adata(50_000, 2_000, per_cell=60, n_groups=8), tmp_path_factory.mktemp("atomic") / "big.h5ad"
    )


@pytest.fixture(scope="session")
def small_input(tmp_path_factory) -> Path:
    return write(
        synthetic_adata(300, 40, per_cell=10, n_groups=8, seed=1), tmp_path_factory.mktemp("atomic") / "small.h5ad"
    )


def kill_at(input_path: Path, out: Path, stage: str, delay: float, *args: str, children=None) -> list[str]:
    """Start a build, SIGKILL it ``delay`` s after the stderr line starting with ``stage``;
    the processes it had started then are appended to ``children`` (psutil.Process)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xgexport.cli", "build", str(input_path), str(out), *args],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    seen = []
    try:
        for line in process.stderr:
            seen.append(line.rstrip("\n"))
            if line.startswith(stage):
                time.sleep(delay)
                if children is not None:
                    import psutil

                    children.extend(psutil.Process(process.pid).children(recursive=True))
                process.send_signal(signal.SIGKILL)
                break
        else:
            pytest.fail(f"the build ended before stage {stage!r}:\n" + "\n".join(seen))
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL, f"the build finished before the kill: {seen}"
    return seen


# stage line → delay before the kill: at the start of each stage, and inside the long ones
KILL_POINTS = [
    ("writing annotations", 0.0),
    ("reading the matrix", 0.3),
    ("writing expression", 0.0),
    ("writing expression", 0.8),
    ("rendering the viewer", 0.0),
]


@pytest.fixture(scope="module")
def previous(small_input, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("previous") / "bundle"
    run_cli("build", small_input, out, "-q", check=True)
    return out, tree(out)


@pytest.mark.parametrize(("stage", "delay"), KILL_POINTS, ids=[f"{s.split()[0]}+{d}s" for s, d in KILL_POINTS])
def test_killed_over_a_previous_bundle_leaves_it_intact(big_input, previous, stage, delay):
    out, before = previous
    kill_at(big_input, out, stage, delay, "--overwrite")
    assert out.is_dir(), "the previous bundle is gone"
    assert tree(out) == before, "the previous bundle changed"
    assert verify(out) == []
    assert all(name.startswith(f".{out.name}{TAG}tmp-") for name in leftovers(out))


@pytest.mark.parametrize(("stage", "delay"), [("reading the matrix", 0.2), ("writing expression", 0.5)])
def test_killed_first_build_leaves_no_out_and_the_next_build_cleans_up(big_input, small_input, tmp_path, stage, delay):
    out = tmp_path / "bundle"
    kill_at(big_input, out, stage, delay)
    assert not out.exists(), "a half-written bundle is in place"
    stale = leftovers(out)
    assert stale, "expected the killed build's staging folder beside OUT"
    # a second killed build adds its own staging folder; none of them is ever OUT
    kill_at(big_input, out, "writing annotations", 0.0)
    assert not out.exists()
    run_cli("build", small_input, out, "-q", check=True)
    assert verify(out) == []
    assert leftovers(out) == [], "the next build did not remove the killed builds' leftovers"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_cleanup_leaves_other_outputs_and_running_builds_alone(small_input, tmp_path):
    """Only leftovers of *this* OUT from processes that are gone are removed."""
    out = tmp_path / "bundle"
    other = tmp_path / f".other{TAG}tmp-999999"
    other.mkdir()
    alive = tmp_path / f".bundle{TAG}tmp-{os.getpid()}"  # this test process: still running
    alive.mkdir()
    dead = tmp_path / f".bundle{TAG}tmp-999999"
    dead.mkdir()
    (dead / "junk").write_text("x")
    run_cli("build", small_input, out, "-q", check=True)
    assert other.is_dir() and alive.is_dir()
    assert not dead.exists()


# --- --overwrite --------------------------------------------------------------------------


def test_overwrite_refuses_a_folder_that_is_not_a_bundle(small_input, tmp_path):
    home = tmp_path / "home"
    (home / "thesis").mkdir(parents=True)
    (home / "thesis" / "draft.tex").write_text("precious")
    (home / "manifest.json").write_text('{"format": "something else"}')  # not ours
    before = tree(home)
    for args in ((), ("--overwrite",)):
        result = run_cli("build", small_input, home, *args, check=False)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("error:"), result.stderr
        assert "not an xgexport bundle" in result.stderr
        assert tree(home) == before, "a refused build changed the folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]


def test_overwrite_refuses_a_bundle_without_the_flag_and_replaces_it_with(small_input, big_input, tmp_path):
    out = tmp_path / "bundle"
    run_cli("build", small_input, out, "-q", check=True)
    before = tree(out)
    result = run_cli("build", small_input, out, "--title", "other", check=False)
    assert result.returncode == 1 and "--overwrite" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert tree(out) == before
    run_cli("build", small_input, out, "-q", "--overwrite", "--title", "second", check=True)
    after = tree(out)
    assert after != before and verify(out) == []
    assert '"second"' in (out / "manifest.json").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_an_empty_folder_is_used_without_the_flag(small_input, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    run_cli("build", small_input, out, "-q", check=True)
    assert verify(out) == []


def test_overwrite_refuses_a_bundle_with_files_of_someone_else(small_input, tmp_path):
    """A bundle copied into a site folder beside other pages: --overwrite must not delete them."""
    out = tmp_path / "site"
    run_cli("build", small_input, out, "-q", check=True)
    (out / "about.html").write_text("<p>our lab</p>")
    (out / "data" / "notes.txt").write_text("keep me")
    (out / ".DS_Store").write_bytes(b"\0")  # desktop clutter does not count
    before = tree(out)
    result = run_cli("build", small_input, out, "--overwrite", check=False)
    assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
    assert "2 file(s) that are not part of it" in result.stderr and "about.html" in result.stderr
    assert tree(out) == before
    (out / "about.html").unlink()
    (out / "data" / "notes.txt").unlink()
    # a link to someone's folder is theirs too (and is never followed)
    (tmp_path / "raw").mkdir()
    (out / "raw-data").symlink_to(tmp_path / "raw")
    result = run_cli("build", small_input, out, "--overwrite", check=False)
    assert result.returncode == 1 and "1 file(s) that are not part of it" in result.stderr, result.stderr
    (out / "raw-data").unlink()
    run_cli("build", small_input, out, "-q", "--overwrite", check=True)
    assert verify(out) == []


def test_killed_between_the_two_renames_the_previous_bundle_comes_back(small_input, tmp_path):
    """The one moment OUT is absent: the old bundle moved aside, the new one not yet in place.
    Recreated by hand (a kill cannot be aimed between two renames); the next run puts the
    previous bundle back instead of deleting it, and then (no --overwrite) refuses to replace it."""
    out = tmp_path / "bundle"
    run_cli("build", small_input, out, "-q", check=True)
    before = tree(out)
    dead = "999999"
    shutil.copytree(out, tmp_path / f".bundle{TAG}tmp-{dead}")  # the new bundle, complete
    os.rename(out, tmp_path / f".bundle{TAG}old-{dead}")
    result = run_cli("build", small_input, out, check=False)
    assert result.returncode == 1 and "a bundle is already there" in result.stderr, result.stderr
    assert tree(out) == before and verify(out) == []
    assert leftovers(out) == []


def test_leftovers_of_an_out_name_with_glob_characters_are_cleaned(small_input, tmp_path):
    out = tmp_path / "run[1]*"
    stale = tmp_path / f".run[1]*{TAG}tmp-999999"
    (stale / "data").mkdir(parents=True)
    run_cli("build", small_input, out, "-q", check=True)
    assert not stale.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run[1]*"]


def test_overwrite_through_a_symlink_leaves_no_leftover_and_keeps_the_target(small_input, tmp_path):
    real = tmp_path / "real"
    run_cli("build", small_input, real, "-q", check=True)
    before = tree(real)
    link = tmp_path / "link"
    link.symlink_to(real)
    run_cli("build", small_input, link, "-q", "--overwrite", "--title", "new", check=True)
    assert tree(real) == before, "the link's target was changed or deleted"
    assert not link.is_symlink() and verify(link) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]


def test_a_folder_that_appears_at_out_during_the_build_is_not_replaced(big_input, tmp_path):
    """OUT was free when the build started; someone creates it while the build runs."""
    out = tmp_path / "bundle"
    process = subprocess.Popen(
        [sys.executable, "-m", "xgexport.cli", "build", str(big_input), str(out)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    lines = []
    for line in process.stderr:
        lines.append(line)
        if line.startswith("writing annotations"):
            out.mkdir()
            (out / "mine.txt").write_text("created during the build")
    process.wait(timeout=120)
    process.stderr.close()
    assert process.returncode == 1, "".join(lines)
    assert lines[-1].startswith("error: ") and "not an xgexport bundle" in lines[-1], lines[-1]
    assert "Traceback" not in "".join(lines)
    assert [p.name for p in out.iterdir()] == ["mine.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]


def test_dot_dot_in_out_makes_no_stray_folder(small_input, tmp_path):
    run_cli("build", "-q", small_input, "not-there/../bundle", cwd=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
    assert verify(tmp_path / "bundle") == []


def test_a_killed_parallel_build_leaves_no_worker_running(big_input, small_input, tmp_path):
    """With --jobs 2 the matrix pass runs in worker processes: they must not outlive the build
    (and go on writing into its staging folder after the next build has cleaned it)."""
    psutil = pytest.importorskip("psutil")
    out = tmp_path / "bundle"
    children: list = []
    kill_at(big_input, out, "reading the matrix", 1.0, "--jobs", "2", children=children)
    assert children, "expected worker processes"
    _gone, alive = psutil.wait_procs(children, timeout=10)
    for process in alive:  # do not leave them behind, whatever the test says
        process.kill()
    assert not alive, f"{len(alive)} process(es) of the killed build still running"
    run_cli("build", small_input, out, "-q", check=True)
    time.sleep(0.5)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle"]
