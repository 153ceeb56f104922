"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

from .format import FORMAT_VERSION, NOJEKYLL, PAGE, VIEWER
from .templating import render, viewer_dir
from .version import GENERATOR


def render_site(bundle: Path, title: str) -> None:
    """Write index.html, viewer/ and .nojekyll into ``bundle``."""
    source = viewer_dir()
    page = render(PAGE, title=title, format_version=FORMAT_VERSION, generator=GENERATOR)
    (bundle / PAGE).write_text(page, encoding="utf-8")
    viewer = bundle / VIEWER
    viewer.mkdir()
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix in (".js", ".css", ".svg", ".png"):
            shutil.copyfile(path, viewer / path.name)
    # GitHub Pages would hide paths starting with "_" or "." without it.
    (bundle / NOJEKYLL).write_bytes(b"")
