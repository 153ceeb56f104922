"""Shared fixtures: the real datasets, built bundles, and one headless Chromium per session
(sync playwright allows one instance per thread, so every browser test shares this one).

The suite runs in parallel (pytest-xdist, pyproject's addopts): a session fixture runs once per
worker, so the bundles every worker reads are built once per run, in ``shared_tmp``, under a
file lock (``built_once``); servers and Chromium stay per worker. A test marked ``alone`` (it
times the page) runs while no other test runs: the other workers wait (``pytest_runtest_call``)."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from helpers import DATASETS, built_once, run_cli


@contextmanager
def run_lock(config: pytest.Config, exclusive: bool) -> Iterator[None]:
    """Across the xdist workers of this run (nothing without xdist): shared by every test, held
    alone by an ``alone`` test. A gate taken first lets an ``alone`` test that waits go before
    tests that start later, so it is not starved between two of them."""
    if not hasattr(config, "workerinput") or not config.option.basetemp:
        yield
        return
    run = Path(config.option.basetemp).parent  # each worker's basetemp is a folder in the run's
    with ExitStack() as stack:
        gate, lock = (stack.enter_context(open(run / name, "a")) for name in ("alone.gate", "alone.lock"))
        fcntl.flock(gate, fcntl.LOCK_EX)
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        if not exclusive:
            fcntl.flock(gate, fcntl.LOCK_UN)
        yield  # closing the files releases what is still held


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Every test but an ``alone`` one holds the run's lock shared from its setup to its teardown."""
    if item.get_closest_marker("alone"):
        return (yield)
    with run_lock(item.config, exclusive=False):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """An ``alone`` test's call (not its setup: building its data may overlap) holds it alone."""
    if not item.get_closest_marker("alone"):
        return (yield)
    with run_lock(item.config, exclusive=True):
        return (yield)


@pytest.fixture(scope="session")
def shared_tmp(tmp_path_factory) -> Path:
    """A folder every worker of this run sees (xdist's workers each have their own basetemp below
    the run's); without xdist, this session's own."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "shared"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.fail(f"the test datasets are missing: {DATASETS}")
    return DATASETS


@pytest.fixture(scope="session")
def example_build(shared_tmp) -> Callable[..., Path]:
    """Bundles of the built-in example, one per set of BuildOptions, built once per run (for all
    workers): read-only (copy one with ``bundle_copy`` to change it)."""
    from xgexport.build import build
    from xgexport.cli import example_path
    from xgexport.options import BuildOptions
    from xgexport.report import Reporter

    def get(**options: Any) -> Path:
        key = hashlib.sha256(repr(sorted(options.items())).encode()).hexdigest()[:16]
        return built_once(
            shared_tmp / f"example-{key}",
            lambda out: build(example_path(), out, options=BuildOptions(**options), reporter=Reporter(0)),
        )

    return get


@pytest.fixture(scope="session")
def dataset_build(shared_tmp, datasets) -> Callable[[str], tuple[subprocess.CompletedProcess, Path]]:
    """A real dataset of tests/data through `xgexport build` with every default, once per run
    for all workers (test_datasets and test_de_bundle read the same bundles): the command's
    result and its OUT (absent when the build refused the file; its folder then holds nothing)."""

    def get(name: str) -> tuple[subprocess.CompletedProcess, Path]:
        folder = shared_tmp / f"dataset-{name}"
        folder.mkdir(exist_ok=True)

        def make(run: Path) -> None:
            run.mkdir()
            result = run_cli("build", datasets / name, run / "bundle", check=False)
            (folder / "result.json").write_text(json.dumps([result.returncode, result.stdout, result.stderr]))

        run = built_once(folder / "run", make)
        returncode, stdout, stderr = json.loads((folder / "result.json").read_text())
        return subprocess.CompletedProcess(["xgexport", "build", name], returncode, stdout, stderr), run / "bundle"

    return get


@pytest.fixture(scope="session")
def example_bundle(example_build) -> Path:
    """The example with every default: the bundle most tests read."""
    return example_build()


@pytest.fixture
def bundle_copy(example_bundle, tmp_path) -> Path:
    """A copy of the example bundle that a test may damage."""
    return Path(shutil.copytree(example_bundle, tmp_path / "bundle"))


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-gl=angle",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
]


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing ({CHROMIUM}); .ci/run installs it")
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield b
    b.close()
