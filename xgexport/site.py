"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .format import FORMAT_VERSION, NOJEKYLL, PAGE, VIEWER
from .templating import render, viewer_dir
from .version import GENERATOR

VIEWER_SUFFIXES = (".js", ".css", ".svg", ".png")
ENTRY = "main.js"
# static imports and re-exports: `import … from "./x.js"`, `export … from "./x.js"`, `import "./x.js"`
# (not `import(…)` or `new Worker(…)`: those load later, when something asks for them)
STATIC_IMPORT = re.compile(r"""(?:\bfrom|^\s*import)\s*["'](\.{1,2}/[^"']+\.js)["']""", re.MULTILINE)


def render_site(bundle: Path, title: str) -> None:
    """Write index.html, viewer/ and .nojekyll into ``bundle``."""
    source = viewer_dir()
    page = render(
        PAGE, title=title, format_version=FORMAT_VERSION, generator=GENERATOR, preload=module_graph(source, ENTRY)[1:]
    )
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


def module_graph(source: Path, entry: str) -> list[str]:
    """Every module that `entry` imports statically, directly or not, as paths relative to
    `source`, entry first, then in the order they are found (deterministic). The page preloads
    them (`<link rel="modulepreload">`), so the browser fetches the whole graph at once instead
    of discovering it level by level: three round trips before the first data request."""
    found = [entry]
    for name in found:  # grows while it is walked: a breadth-first search
        text = (source / name).read_text(encoding="utf-8")
        for spec in STATIC_IMPORT.findall(text):
            target = (Path(name).parent / spec).as_posix()
            target = Path(*_normalized(target)).as_posix()
            if target not in found and (source / target).is_file():
                found.append(target)
    return found


def _normalized(path: str) -> list[str]:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return parts
