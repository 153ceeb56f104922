"""``xgexport verify``: a bundle checked against its manifest, in a folder or hosted (any
http(s) URL), with plain GETs only, as a reader's browser would read it.

It never reads outside the bundle: paths in the manifest must be plain relative paths, and
symbolic links in a folder are problems, never followed (:mod:`xgexport.fetch`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .errors import BundleError
from .fetch import DEFAULT_TIMEOUT, TooLarge, digest, open_location, read_all
from .format import ARRAY_METADATA, MANIFEST
from .manifest import MAX_MANIFEST, parse_manifest, plain_path

# An array's zarr.json holds at most its attributes (category names, colours, counts).
MAX_ARRAY_METADATA = 16 * 1024**2


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
        elif not reader.through_link(f"{name}/{ARRAY_METADATA}"):
            problem = _check_array(reader, name, spec["shape"], metadata)
            if problem:
                problems.append(problem)
    return problems


def _load_manifest(location, reader) -> dict:
    if reader.through_link(MANIFEST):
        raise BundleError(f"{location}: {MANIFEST} is a symbolic link; verify never follows links in a bundle")
    try:
        data = read_all(reader, MANIFEST, MAX_MANIFEST)
    except FileNotFoundError:
        raise BundleError(f"{location}: no {MANIFEST}; not an xgexport bundle") from None
    except TooLarge:
        raise BundleError(
            f"{location}: {MANIFEST} is larger than {MAX_MANIFEST >> 20} MiB; not an xgexport manifest"
        ) from None
    return parse_manifest(data, location)


def _check_file(reader, rel: str, entry: dict, metadata: dict) -> str | None:
    try:
        if rel.rsplit("/", 1)[-1] == ARRAY_METADATA:
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
    rel = f"{name}/{ARRAY_METADATA}"
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
