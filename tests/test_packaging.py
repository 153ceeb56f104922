"""A plain, non-editable `pip install .` works from any directory: the viewer template and the
example dataset are installed with the package."""

from __future__ import annotations

import subprocess
import sys

from helpers import ROOT


def test_non_editable_install_builds_the_example(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(ROOT)],
        check=True, cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = subprocess.run(
        [str(python), "-c", "import xgexport, xgexport.site as s; print(xgexport.__file__); print(s.template_dir())"],
        check=True, cwd=elsewhere, capture_output=True, text=True,
    )  # fmt: skip
    installed, template = probe.stdout.split()
    assert str(venv) in installed and str(venv) in template  # not the source checkout
    xgexport = venv / "bin" / "xgexport"
    subprocess.run([str(xgexport), "build", "example", "out", "-q"], check=True, cwd=elsewhere)
    assert (elsewhere / "out" / "viewer" / "main.js").is_file()
    result = subprocess.run([str(xgexport), "verify", "out"], cwd=elsewhere, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
