"""A plain, non-editable `pip install .` works from any directory: the viewer template and the
example dataset are installed with the package."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
from pathlib import Path

from helpers import ROOT

# The installed copy must be what runs, not a checkout put first on the path (PYTHONPATH).
CLEAN_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
REPO_VIEWER = ROOT / "viewer_template"


def fresh_venv_seeing_these_packages(venv):
    """A new venv whose own site-packages comes first, then this interpreter's packages.

    Not ``venv --system-site-packages``: made from inside a virtual environment (a newcomer's
    usual set-up) it sees the *base* interpreter's packages, not this environment's, so the
    build tools (setuptools, wheel) and the dependencies would be missing. Plain path lines in
    a .pth file add this environment's folders without running their .pth files, so the
    editable install of the checkout does not shadow the installed copy under test.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ours = dict.fromkeys([*site.getsitepackages(), sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (Path(own) / "outer-environment.pth").write_text("\n".join(ours) + "\n")
    return python


def tracked_copy(dest: Path) -> Path:
    """The checkout's tracked files only: an in-tree `pip install` leaves `build/` behind, and a
    stale `build/lib` would ship modules that no longer exist (and write into the checkout)."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    for name in filter(None, files.decode().split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def test_non_editable_install_builds_the_example(tmp_path):
    venv = tmp_path / "venv"
    python = fresh_venv_seeing_these_packages(venv)
    checkout = tracked_copy(tmp_path / "checkout")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", str(checkout)],
        check=True, cwd=tmp_path, capture_output=True, env=CLEAN_ENV,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = subprocess.run(
        [str(python), "-c", "import xgexport, xgexport.templating as t; print(xgexport.__file__); print(t.viewer_dir())"],
        check=True, cwd=elsewhere, capture_output=True, text=True, env=CLEAN_ENV,
    )  # fmt: skip
    installed, template = probe.stdout.split()
    assert str(venv) in installed and str(venv) in template  # not the source checkout
    xgexport = venv / "bin" / "xgexport"
    subprocess.run([str(xgexport), "build", "example", "out", "-q"], check=True, cwd=elsewhere, env=CLEAN_ENV)
    assert (elsewhere / "out" / "viewer" / "main.js").is_file()
    # the viewer's subfolders are installed and copied too, module for module
    source = {p.relative_to(REPO_VIEWER).as_posix() for p in REPO_VIEWER.rglob("*.js")}
    shipped = {
        p.relative_to(elsewhere / "out" / "viewer").as_posix() for p in (elsewhere / "out" / "viewer").rglob("*.js")
    }
    assert shipped == source and any("/" in p for p in source)
    result = subprocess.run(
        [str(xgexport), "verify", "out"], cwd=elsewhere, capture_output=True, text=True, env=CLEAN_ENV
    )
    assert result.returncode == 0, result.stderr


def test_public_functions_survive_importing_their_submodules():
    """`xgexport.build` and `xgexport.verify` are functions even after `import xgexport.build`
    and `import xgexport.verify` (the import system sets the package attribute to the module)."""
    code = (
        "import xgexport.verify, xgexport.build, xgexport; "
        "from xgexport import build, verify; "
        "assert callable(xgexport.verify) and callable(xgexport.build), (xgexport.verify, xgexport.build); "
        "assert build is xgexport.build and verify is xgexport.verify; "
        "import sys; assert sys.modules['xgexport.verify'].verify is verify"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
