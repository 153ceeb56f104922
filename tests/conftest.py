"""Shared fixtures: the real datasets, built bundles, and one headless Chromium per session
(sync playwright allows one instance per thread, so every browser test shares this one)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import DATASETS, run_cli


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not DATASETS.is_dir():
        pytest.fail(f"the test datasets are missing: {DATASETS}")
    return DATASETS


@pytest.fixture(scope="session")
def example_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "bundle"
    run_cli("build", "example", out, "-q")
    return out


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
