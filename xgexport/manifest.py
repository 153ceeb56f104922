"""The bundle's manifest and finding bundles: ``manifest.json`` lists every file of a bundle
with its size and sha256 (written last, so a folder with a manifest is a complete bundle).

Every reading of a manifest goes through here: :func:`parse_manifest` (strict: JSON, our format
and version, well-formed entries), :func:`read_manifest` for a local bundle, and the lenient
:func:`is_bundle` and :func:`listed_files` for folders and bucket objects that may be anything.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from .errors import BundleError, first_line
from .format import FORMAT_NAME, FORMAT_VERSION, MANIFEST, READABLE_VERSIONS, canonical_json
from .version import GENERATOR

# A manifest lists ~110 bytes per file (4 MB for 30,000 genes): no manifest is larger than this.
MAX_MANIFEST = 64 * 1024**2
# Files a desktop adds to any folder it shows: not the user's work, never a reason to refuse.
DESKTOP_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def bundle_files(bundle: Path) -> list[str]:
    """Every file below ``bundle`` except the manifest, as sorted '/' paths. A symbolic link
    counts as a file (never followed): it is not ours, and ``foreign_files`` must see it."""
    return bundle_entries(bundle)[0]


def bundle_entries(bundle: Path) -> tuple[list[str], set[str]]:
    """(``bundle_files``, the symbolic links among them, to files or folders).

    os.scandir, not Path.rglob: it classifies entries without a stat each, which was half a
    second for the 20,000 chunk files of a large bundle."""
    paths, links = [], set()
    stack = [(str(bundle), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_symlink():
                    links.add(rel)
                    paths.append(rel)
                elif entry.is_dir():
                    stack.append((entry.path, rel + "/"))
                else:
                    paths.append(rel)
    return sorted(p for p in paths if p != MANIFEST), links


def write_manifest(bundle: Path, dataset: dict, arrays: dict, known: dict | None = None) -> dict:
    """Write manifest.json; ``known`` gives (size, sha256) of files hashed as they were written."""
    known = known or {}
    files = {}
    for rel in bundle_files(bundle):
        if rel in known:
            size, digest = known[rel]
        else:
            data = (bundle / rel).read_bytes()
            size, digest = len(data), hashlib.sha256(data).hexdigest()
        files[rel] = {"size": size, "sha256": digest}
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "generator": GENERATOR,
        "dataset": dataset,
        "arrays": arrays,
        "files": files,
    }
    (bundle / MANIFEST).write_bytes(canonical_json(manifest))
    return manifest


def parse_manifest(data: bytes, location: Any) -> dict:
    """A manifest's content, checked: JSON, an xgexport manifest of the version this xgexport
    reads, with well-formed 'files' and 'arrays'. BundleError, naming ``location``, otherwise."""
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than any manifest
        detail = exc if isinstance(exc, ValueError) else "nested too deeply"
        raise BundleError(f"{location}: {MANIFEST} is not valid JSON ({detail})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BundleError(f"{location}: {MANIFEST} is not an xgexport manifest")
    if manifest.get("format_version") not in READABLE_VERSIONS:
        readable = " or ".join(map(str, READABLE_VERSIONS))
        raise BundleError(
            f"{location}: bundle format version {manifest.get('format_version')} is not "
            f"version {readable}, which this xgexport reads; use a matching xgexport"
        )
    _check_structure(location, manifest)
    return manifest


def read_manifest(bundle: Path) -> dict:
    """The checked manifest of a local bundle (see :func:`parse_manifest`)."""
    try:
        data = (Path(bundle) / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise BundleError(f"{bundle}: no {MANIFEST}; not an xgexport bundle") from None
    except OSError as exc:
        raise BundleError(f"{bundle}: {MANIFEST} cannot be read ({first_line(exc)})") from None
    return parse_manifest(data, bundle)


def _peek(folder: Path) -> dict | None:
    """Whatever JSON object ``folder``'s manifest holds, unchecked; None when there is none."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return manifest if isinstance(manifest, dict) else None


def is_bundle(folder: Path) -> bool:
    """True when ``folder`` holds an xgexport manifest, of any version (so --overwrite may
    replace it, and ``index`` and ``publish`` look no deeper)."""
    manifest = _peek(folder)
    return manifest is not None and manifest.get("format") == FORMAT_NAME


def listed_files(data: bytes | None) -> list[str] | None:
    """The plain relative paths a manifest lists, from bytes that may be anything (an object in
    a bucket, which is never trusted further); None when they are not a manifest's."""
    try:
        manifest = json.loads(data) if data else None
    except (ValueError, RecursionError):
        return None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    return [rel for rel in files if isinstance(rel, str) and plain_path(rel)] if isinstance(files, dict) else None


def foreign_files(folder: Path) -> list[str]:
    """Files in a bundle folder that its manifest does not list: someone else's, not ours to delete."""
    files = (_peek(folder) or {}).get("files")
    listed = set(files) if isinstance(files, dict) else set()
    return [rel for rel in bundle_files(folder) if rel not in listed and rel.rsplit("/", 1)[-1] not in DESKTOP_FILES]


def find_bundles(site: Path) -> list[Path]:
    """Bundles below ``site`` (folders with an xgexport manifest), not looking inside bundles
    nor into hidden ('.') or landing-page ('_') folders."""
    found: list[Path] = []
    for directory, subdirs, _files in os.walk(site):
        here = Path(directory)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "_")))
        if here != site and is_bundle(here):
            found.append(here)
            subdirs[:] = []
    return sorted(found)


def _check_structure(location, manifest: dict) -> None:
    files, arrays = manifest.get("files"), manifest.get("arrays")
    ok = (
        isinstance(files, dict)
        and isinstance(arrays, dict)
        and all(isinstance(e, dict) and isinstance(e.get("size"), int) and e["size"] >= 0
                and isinstance(e.get("sha256"), str) for e in files.values())
        and all(isinstance(e, dict) and isinstance(e.get("shape"), list) for e in arrays.values())
    )  # fmt: skip
    if not ok:
        raise BundleError(f"{location}: {MANIFEST} lacks valid 'files' or 'arrays' entries; rebuild the bundle")


def plain_path(rel: str) -> bool:
    """A relative '/' path inside the bundle: no '..', '.', empty parts, backslashes or scheme."""
    parts = rel.split("/")
    return bool(rel) and "\\" not in rel and ":" not in parts[0] and all(p not in ("", ".", "..") for p in parts)
