"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

from .format import FORMAT_VERSION, NOJEKYLL, PAGE, VIEWER
from .templating import render, viewer_dir
from .version import GENERATOR

VIEWER_SUFFIXES = (".js", ".css", ".svg", ".png")


def render_site(bundle: Path, title: str) -> None:
    """Write index.html, viewer/ and .nojekyll into ``bundle``."""
    source = viewer_dir()
    page = render(PAGE, title=title, format_version=FORMAT_VERSION, generator=GENERATOR)
    (bundle / PAGE).write_text(page, encoding="utf-8")
    viewer = bundle / VIEWER
    viewer.mkdir()
    # The viewer's modules, subfolders included (plot/, panels/); nothing else of the template
    # (index.html is rendered above, caches and notes stay out).
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.suffix in VIEWER_SUFFIXES and "__pycache__" not in path.parts:
            target = viewer / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    # GitHub Pages would hide paths starting with "_" or "." without it.
    (bundle / NOJEKYLL).write_bytes(b"")
