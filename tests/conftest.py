"""Shared fixtures: the real datasets, built bundles, and one headless Chromium per session
(sync playwright allows one instance per thread, so every browser test shares this one)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import DATASETS


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.fail(f"the test datasets are missing: {DATASETS}")
    return DATASETS


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Callable[..., Path]:
    """Bundles of the built-in example, one per set of BuildOptions, built once per session:
    read-only (copy one with ``bundle_copy`` to change it)."""
    from xgexport.build import build
    from xgexport.cli import example_path
    from xgexport.options import BuildOptions
    from xgexport.report import Reporter

    built: dict[str, Path] = {}

    def get(**options: Any) -> Path:
        key = repr(sorted(options.items()))
        if key not in built:
            out = tmp_path_factory.mktemp("example") / "bundle"
            build(example_path(), out, options=BuildOptions(**options), reporter=Reporter(0))
            built[key] = out
        return built[key]

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
