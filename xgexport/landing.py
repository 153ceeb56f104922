"""The landing page's own files and their record, ``SITE/_index/files.json``.

``xgexport index`` writes ``index.html``, ``.nojekyll`` and ``_index/*`` into a folder that also
holds the user's bundles and, often, other things of theirs. The record lists every file it
wrote with its size and sha256, and which bundle folders the page lists. It decides:

- what ``index`` may replace or delete: only a file it recorded and that still has the recorded
  content (or one whose content is already exactly what would be written);
- what ``publish`` uploads of a collection besides the bundles' manifests: these files only;
- what ``publish --delete`` may remove from an earlier publish of the collection.

Writes never follow symbolic links: a link where a file would go is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .errors import OutputError
from .format import LANDING_ASSETS, LANDING_RECORD, canonical_json
from .manifest import plain_path
from .version import GENERATOR

INDEX_GENERATOR = f"xgexport index ({GENERATOR})"


def read_record(site: Path) -> dict | None:
    """The record of an earlier ``xgexport index`` in ``site``, or None (absent or unusable)."""
    path = Path(site) / LANDING_RECORD
    if path.is_symlink() or not path.is_file():
        return None
    return parse_record(path.read_bytes())


def parse_record(data: bytes) -> dict | None:
    """A record's {"bundles": [folder, …], "files": {rel: {"size", "sha256"}}}, with only plain
    relative paths; None when it is not one (it may come from a bucket: never trusted)."""
    try:
        record = json.loads(data)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict):
        return None
    files, bundles = record.get("files"), record.get("bundles")
    if not isinstance(files, dict) or not isinstance(bundles, list):
        return None
    files = {
        rel: entry for rel, entry in files.items()
        if plain_path(rel) and isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
    }  # fmt: skip
    return {"files": files, "bundles": [b for b in bundles if isinstance(b, str) and plain_path(b)]}


def write_landing(site: Path, files: dict[str, bytes], bundles: list[str]) -> None:
    """Write ``files`` (paths relative to ``site``) and the record; delete what an earlier run
    wrote and this one does not. Everything is checked before anything is written."""
    site = Path(site)
    assets = site / LANDING_ASSETS
    if assets.is_symlink() or (assets.exists() and not assets.is_dir()):
        raise OutputError(
            f"{assets}: is a symbolic link or a file; `xgexport index` writes only real files of its own "
            "there: remove it, then run index again"
        )
    if not os.access(site, os.W_OK | os.X_OK):
        raise OutputError(f"{site}: cannot write the landing page there (read-only or permission denied)")
    owned = (read_record(site) or {"files": {}})["files"]
    files = dict(files)
    nojekyll = site / ".nojekyll"
    if nojekyll.is_file() and not nojekyll.is_symlink():  # the user's own marker does the same job
        files[".nojekyll"] = nojekyll.read_bytes()
    for rel, data in files.items():
        _check_replaceable(site / rel, owned.get(rel, {}).get("sha256"), _sha(data))
    stale = [rel for rel in owned if rel not in files and _still_ours(site / rel, owned[rel]["sha256"])]
    try:
        assets.mkdir(exist_ok=True)
        for rel, data in sorted(files.items()):
            _write_if_changed(site / rel, data)
        for rel in stale:
            (site / rel).unlink()
        record = {
            "generator": INDEX_GENERATOR,
            "bundles": sorted(bundles),
            "files": {rel: {"size": len(data), "sha256": _sha(data)} for rel, data in files.items()},
        }
        _write_if_changed(site / LANDING_RECORD, canonical_json(record))
    except OSError as exc:
        raise OutputError(
            f"{site}: cannot write the landing page ({exc.strerror or exc}); check the folder's permissions "
            "and free space"
        ) from None


def _check_replaceable(path: Path, recorded: str | None, new: str) -> None:
    if not path.exists() and not path.is_symlink():
        return
    if path.is_symlink() or not path.is_file():
        raise OutputError(f"{path}: is a symbolic link or a folder; refusing to write the landing page through it")
    current = _sha(path.read_bytes())
    if current != new and current != recorded:
        raise OutputError(
            f"{path}: exists and was not written by `xgexport index` (or was changed since); refusing to "
            "replace it: move it away, then run index again"
        )


def _still_ours(path: Path, recorded: str) -> bool:
    return path.is_file() and not path.is_symlink() and _sha(path.read_bytes()) == recorded


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write through a temporary file and a rename: never into a link's target, never half."""
    if path.is_file() and not path.is_symlink() and path.read_bytes() == data:
        return
    temporary = path.with_name(f".{path.name}.xgexport-tmp-{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
