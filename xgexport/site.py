"""Rendering the viewer page into a bundle: index.html from jinja2, the rest copied as is."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from markupsafe import Markup

from .format import ARRAY_METADATA, DATA, FORMAT_VERSION, NOJEKYLL, PAGE, VIEWER, embedding_array, obs_array
from .templating import render, viewer_dir
from .version import GENERATOR

VIEWER_SUFFIXES = (".js", ".css", ".svg", ".png")
ENTRY = "main.js"
# main.js imports ui.js (the first frame's panels) with import() as it starts: the page preloads
# both graphs, main.js's first, so the plot's modules arrive first and it works while the panels' arrive
FIRST_FRAME = (ENTRY, "ui.js")
# static imports and re-exports: `import … from "./x.js"`, `export … from "./x.js"`, `import "./x.js"`
# (not `import(…)` or `new Worker(…)`: those load later, when something asks for them)
STATIC_IMPORT = re.compile(r"""(?:\bfrom|^\s*import)\s*["'](\.{1,2}/[^"']+\.js)["']""", re.MULTILINE)


def render_site(bundle: Path, title: str) -> None:
    """Write index.html, viewer/ and .nojekyll into ``bundle``."""
    source = viewer_dir()
    files = first_view_files(bundle / DATA)
    own = module_graph(source, ENTRY)  # main.js's static graph, entry first
    # the arrays' metadata in the page; the group's (title, links, versions, defaults: what a
    # reader of the format may change or check) read from its file, preloaded with the chunks
    inline = [name for name in files if name.endswith(f"/{ARRAY_METADATA}") and name != f"{DATA}/{ARRAY_METADATA}"]
    page = render(
        PAGE,
        title=title,
        format_version=FORMAT_VERSION,
        generator=GENERATOR,
        # the view's chunks (main.js takes them), main.js's modules, then the panels':
        # requests leave in this order (six at a time on HTTP/1.1)
        preload=own[1:],
        data_preload=[name for name in files if name not in inline],
        first_view=inline_json(bundle, inline),
        panel_preload=first_frame_modules(source)[len(own) :],
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


def first_frame_modules(source: Path) -> list[str]:
    """The modules of the first frame: main.js's static graph, then ui.js's modules not in it."""
    found: list[str] = []
    for entry in FIRST_FRAME:
        found += [name for name in module_graph(source, entry) if name not in found]
    return found


def first_view_files(data: Path) -> list[str]:
    """The files the viewer reads for the dataset's own first view (the default embedding and
    colouring), as URLs relative to the page. The page names them (`<link rel="preload">`), so
    the browser fetches them at once, beside the modules, instead of one after another once the
    code has run (the group's zarr.json, then each array's, then its chunks: four round trips).
    A link to another view reads what it names; only these few small files are then fetched in
    vain. A gene as the default colouring needs the gene names first: not preloaded."""
    meta = json.loads((data / ARRAY_METADATA).read_text(encoding="utf-8"))["attributes"]["xgexport"]
    defaults = meta.get("defaults") or {}
    embeddings = meta.get("embeddings") or []
    chosen = next(
        (e for e in embeddings if e["id"] == defaults.get("embedding")), embeddings[0] if embeddings else None
    )
    arrays = [embedding_array(chosen["id"], "display")] if chosen else []
    color = str(defaults.get("color") or "")
    column = next((o for o in meta.get("obs") or [] if color == f"obs:{o['id']}"), None)
    if column:
        arrays.append(obs_array(column["id"], "values" if column["kind"] == "continuous" else "codes"))
    files = [ARRAY_METADATA]
    for array in arrays:
        folder = data / array
        # the chunks that exist (zarr leaves out a chunk of fill values: no request for it, no 404)
        chunks = sorted(p.name for p in folder.iterdir() if p.is_file() and p.name.startswith("c."))
        files += [f"{array}/{ARRAY_METADATA}", *(f"{array}/{name}" for name in chunks)]
    return [f"{DATA}/{name}" for name in files]


def inline_json(bundle: Path, names: list[str]) -> Markup:
    """The first view's arrays' metadata (the default embedding's and colouring's `zarr.json`, a
    few KB) in the page itself, as a JSON object {URL relative to the page: the file's text} for a
    `<script type="application/json">` block: main.js gives their text to the data layer, which
    then asks the server for neither (two requests fewer before the first frame). The texts are the files' own, byte for byte once
    parsed; `<`, `>` and `&` are written as JSON escapes, so no dataset string in them can end
    the block or open markup (the page's CSP runs no inline script anyway)."""
    texts = {name: (bundle / name).read_text(encoding="utf-8") for name in names}
    text = json.dumps(texts, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _normalized(path: str) -> list[str]:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return parts
