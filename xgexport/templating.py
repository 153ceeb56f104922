"""The pages xgexport renders, from one jinja2 environment: a bundle's viewer page
(``viewer_template/index.html``) and a collection's landing page (``xgexport/templates/``).

Everything a page shows from a dataset is text: autoescaping is on for every template, and an
undefined name is an error rather than an empty string.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import jinja2


def viewer_dir() -> Path:
    """The viewer template: installed inside the package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "viewer_template", here.parent / "viewer_template"):
        if (candidate / "index.html").is_file():
            return candidate
    raise FileNotFoundError("the viewer template is missing from this xgexport installation; reinstall it")


def pages_dir() -> Path:
    """The landing page's template, stylesheet and script."""
    return Path(str(resources.files("xgexport") / "templates"))


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(viewer_dir()), str(pages_dir())]),
        autoescape=True,  # titles, descriptions, citations, links: dataset text, never HTML
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render(name: str, **values: object) -> str:
    return environment().get_template(name).render(**values)
