"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from .format import FORMAT_VERSION, NOJEKYLL, PAGE, VIEWER
from .version import GENERATOR


def template_dir() -> Path:
    """The viewer template: installed inside the package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "viewer_template", here.parent / "viewer_template"):
        if (candidate / "index.html").is_file():
            return candidate
    raise FileNotFoundError("the viewer template is missing from this xgexport installation; reinstall it")


def render_site(bundle: Path, title: str) -> None:
    """Write index.html, viewer/ and .nojekyll into ``bundle``."""
    source = template_dir()
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(source)),
        autoescape=True,  # the title is dataset text: escaped, never HTML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    page = environment.get_template("index.html").render(
        title=title, format_version=FORMAT_VERSION, generator=GENERATOR
    )
    (bundle / PAGE).write_text(page, encoding="utf-8")
    viewer = bundle / VIEWER
    viewer.mkdir()
    for path in sorted(source.iterdir()):
        if path.is_file() and path.suffix in (".js", ".css", ".svg", ".png"):
            shutil.copyfile(path, viewer / path.name)
    # GitHub Pages would hide paths starting with "_" or "." without it.
    (bundle / NOJEKYLL).write_bytes(b"")
