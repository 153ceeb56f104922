"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import shutil
from pathlib import Path

import jinja2

from . import FORMAT_VERSION, __version__

VIEWER_SUFFIXES = (".js", ".css", ".svg", ".png")


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
        title=title, format_version=FORMAT_VERSION, generator=f"xgexport {__version__}"
    )
    (bundle / "index.html").write_text(page, encoding="utf-8")
    viewer = bundle / "viewer"
    viewer.mkdir()
    # The viewer's modules, subfolders included (plot/, panels/); nothing else of the template
    # (index.html is rendered above, caches and notes stay out).
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.suffix in VIEWER_SUFFIXES and "__pycache__" not in path.parts:
            target = viewer / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    # GitHub Pages would hide paths starting with "_" or "." without it.
    (bundle / ".nojekyll").write_bytes(b"")
