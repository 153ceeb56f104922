"""Static checks run with the tests, so that README's test command and CI run them too: ruff
(lint and format) over xgexport/, tests/ and benchmarks/, mypy over xgexport/, eslint over the viewer's and
the landing page's JavaScript.

A tool missing on this machine skips its test with the reason; under CI (``CI`` set) the test
fails instead: .ci/run installs every one of them (the test extras, then ``npm ci``).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

from helpers import ROOT

PYTHON_TREES = ("xgexport", "tests", "benchmarks")


def need(available: bool, why: str) -> None:
    if available:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must have it (.ci/run installs it)")
    pytest.skip(why)


def run(*command: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=240)


def ruff(*args: str) -> subprocess.CompletedProcess:
    need(importlib.util.find_spec("ruff") is not None, "ruff is not installed (pip install -e '.[test]')")
    return run(sys.executable, "-m", "ruff", *args)


def eslint(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    need(shutil.which("npx") is not None, "node and npm are not installed")
    need((ROOT / "node_modules" / "eslint").is_dir(), "eslint is not installed (npm ci)")
    return run("npx", "--no-install", "eslint", *args, stdin=stdin)


def test_ruff_finds_nothing():
    result = ruff("check", "--no-cache", *PYTHON_TREES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_code_is_formatted_by_ruff():
    result = ruff("format", "--check", "--no-cache", *PYTHON_TREES)
    assert result.returncode == 0, f"run `ruff format {' '.join(PYTHON_TREES)}`:\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing():
    need(importlib.util.find_spec("mypy") is not None, "mypy is not installed (pip install -e '.[test]')")
    result = run(sys.executable, "-m", "mypy", "--cache-dir", os.devnull)  # files and settings: pyproject.toml
    assert result.returncode == 0, result.stdout + result.stderr


def test_eslint_finds_no_error():
    result = eslint()
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout)  # warnings, shown with -s


def test_eslint_refuses_markup_from_strings():
    """The lint's own rule for the page's safety: a string never becomes HTML."""
    probe = "export function show(node, name) {\n  node.innerHTML = name;\n}\n"
    result = eslint("--stdin", "--stdin-filename", "viewer_template/probe.js", stdin=probe)
    assert result.returncode == 1 and "no-restricted-syntax" in result.stdout, result.stdout + result.stderr
