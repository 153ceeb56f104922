"""The bundle's manifest: every file with size and sha256, and checking a bundle against it.

``verify`` works on a local folder and on a hosted copy (any http(s) URL), using plain GETs
only, as a reader's browser would.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import FORMAT_VERSION, __version__
from .errors import BundleError
from .fetch import DEFAULT_TIMEOUT, TooLarge, digest, open_location, read_all
from .store import canonical_json

MANIFEST = "manifest.json"
FORMAT_NAME = "xgexport-bundle"
# Caps on what verify reads whole: a manifest lists ~110 bytes per file (4 MB for 30,000 genes);
# an array's zarr.json holds at most its attributes (category names, colours, counts).
MAX_MANIFEST = 64 * 1024**2
MAX_ARRAY_METADATA = 16 * 1024**2


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
        "generator": f"xgexport {__version__}",
        "dataset": dataset,
        "arrays": arrays,
        "files": files,
    }
    (bundle / MANIFEST).write_bytes(canonical_json(manifest))
    return manifest


def is_bundle(folder: Path) -> bool:
    """True when ``folder`` holds an xgexport manifest (so --overwrite may replace it)."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT_NAME


# Files a desktop adds to any folder it shows: not the user's work, never a reason to refuse.
DESKTOP_FILES = {".DS_Store", "Thumbs.db", "desktop.ini"}


def foreign_files(folder: Path) -> list[str]:
    """Files in a bundle folder that its manifest does not list: someone else's, not ours to delete."""
    try:
        listed = set(json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {}))
    except (OSError, ValueError, AttributeError):
        listed = set()
    return [rel for rel in bundle_files(folder) if rel not in listed and rel.rsplit("/", 1)[-1] not in DESKTOP_FILES]


def verify(location: str | Path, *, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
    """Problems found in a bundle (empty when it is intact): missing, changed, unexpected files,
    symbolic links (never followed), and arrays whose metadata does not have the shape the
    manifest states. Over HTTP each file has ``timeout`` seconds and a size cap."""
    reader = open_location(str(location), timeout)
    manifest = _load_manifest(location, reader)
    problems = [f"symlink (not followed): {rel}" for rel in sorted(reader.links)]
    expected = manifest["files"]
    metadata: dict[str, bytes] = {}  # zarr.json files, read once
    for rel, entry in sorted(expected.items()):
        if not plain_path(rel):  # never read outside the bundle
            problems.append(f"bad path in manifest: {rel!r}")
        elif not reader.through_link(rel):
            problem = _check_file(reader, rel, entry, metadata)
            if problem:
                problems.append(problem)
    if reader.files is not None:
        for rel in sorted(set(reader.files) - set(expected) - reader.links):
            problems.append(f"unexpected: {rel}")
    for name, spec in sorted(manifest["arrays"].items()):
        if not plain_path(name):
            problems.append(f"bad path in manifest: {name!r}")
        elif not reader.through_link(f"{name}/zarr.json"):
            problem = _check_array(reader, name, spec["shape"], metadata)
            if problem:
                problems.append(problem)
    return problems


def _load_manifest(location, reader) -> dict:
    if reader.through_link(MANIFEST):
        raise BundleError(f"{location}: {MANIFEST} is a symbolic link; verify never follows links in a bundle")
    try:
        manifest = json.loads(read_all(reader, MANIFEST, MAX_MANIFEST))
    except FileNotFoundError:
        raise BundleError(f"{location}: no {MANIFEST}; not an xgexport bundle") from None
    except TooLarge:
        raise BundleError(f"{location}: {MANIFEST} is larger than {MAX_MANIFEST >> 20} MiB; not an xgexport manifest") from None
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than any manifest
        detail = exc if isinstance(exc, ValueError) else "nested too deeply"
        raise BundleError(f"{location}: {MANIFEST} is not valid JSON ({detail})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BundleError(f"{location}: {MANIFEST} is not an xgexport manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(
            f"{location}: bundle format version {manifest.get('format_version')} is not "
            f"version {FORMAT_VERSION}, which this xgexport reads; use a matching xgexport"
        )
    _check_structure(location, manifest)
    return manifest


def _check_file(reader, rel: str, entry: dict, metadata: dict) -> str | None:
    try:
        if rel.rsplit("/", 1)[-1] == "zarr.json":
            data = read_all(reader, rel, entry["size"])
            metadata[rel] = data
            size, sha = len(data), hashlib.sha256(data).hexdigest()
        else:
            size, sha = digest(reader, rel, entry["size"])
    except FileNotFoundError:
        return f"missing: {rel}"
    except TooLarge:
        return f"changed: {rel}"
    if size != entry["size"] or sha != entry["sha256"]:
        return f"changed: {rel}"
    return None


def _check_array(reader, name: str, shape: list, metadata: dict) -> str | None:
    rel = f"{name}/zarr.json"
    try:
        data = metadata[rel] if rel in metadata else read_all(reader, rel, MAX_ARRAY_METADATA)
        meta = json.loads(data)
    except (FileNotFoundError, TooLarge, ValueError, RecursionError):
        return f"array does not open: {name}"
    if not isinstance(meta, dict) or meta.get("node_type") != "array":
        return f"array does not open: {name} (its zarr.json is not an array's metadata)"
    if meta.get("shape") != list(shape):
        return f"array shape differs: {name} is {meta.get('shape')}, manifest says {shape}"
    return None


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
