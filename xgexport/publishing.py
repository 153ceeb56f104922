"""What a publish target uploads: the files of a bundle (or of a collection site), checked first.

Shared by ``publish_s3`` and ``publish_ghpages``. A bundle is verified against its manifest and
refused when damaged; a collection site (a folder of bundles with the landing page of
``xgexport index``) has every bundle in it verified the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .errors import BundleError
from .manifest import MANIFEST, is_bundle, verify


@dataclass(frozen=True)
class SiteFile:
    """One file to publish: its '/' path relative to the published root, size and sha256."""

    rel: str
    path: Path
    size: int
    sha256: str


@dataclass(frozen=True)
class Site:
    root: Path
    kind: str  # "bundle" | "collection"
    title: str
    files: tuple[SiteFile, ...]


def load_site(out: Path) -> Site:
    """The files of a verified bundle or collection under ``out``; BundleError when damaged."""
    out = Path(out).absolute()
    if not out.is_dir():
        raise BundleError(f"{out}: no such folder; build a bundle first (xgexport build INPUT {out})")
    if is_bundle(out):
        _check(out)
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        files = [_entry(out, rel, meta["size"], meta["sha256"]) for rel, meta in manifest["files"].items()]
        files.append(_hashed(out, MANIFEST))
        title = str(manifest.get("dataset", {}).get("title", out.name))
        return Site(out, "bundle", title, tuple(sorted(files, key=lambda f: f.rel)))
    bundles = find_bundles(out)
    if not bundles:
        raise BundleError(
            f"{out}: not an xgexport bundle (no {MANIFEST}) and holds no bundles; "
            "publish the folder that `xgexport build` wrote"
        )
    for bundle in bundles:
        _check(bundle)
    files = []
    for path in sorted(out.rglob("*")):
        rel = path.relative_to(out)
        # hidden folders are not part of the site: .git, staging folders of running builds
        if path.is_file() and not any(part.startswith(".") for part in rel.parts[:-1]):
            files.append(_hashed(out, rel.as_posix()))
    return Site(out, "collection", out.name, tuple(files))


def find_bundles(site: Path) -> list[Path]:
    """Bundles below ``site`` (folders with an xgexport manifest), not looking inside bundles."""
    found: list[Path] = []
    for directory, subdirs, _files in os.walk(site):
        here = Path(directory)
        subdirs[:] = sorted(d for d in subdirs if not d.startswith((".", "_")))
        if here != site and is_bundle(here):
            found.append(here)
            subdirs[:] = []
    return sorted(found)


def _check(bundle: Path) -> None:
    problems = verify(bundle)
    if problems:
        shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
        raise BundleError(
            f"{bundle}: the bundle does not match its manifest ({len(problems)} problem(s): {shown}); "
            "rebuild it with `xgexport build … --overwrite` before publishing"
        )


def _entry(root: Path, rel: str, size: int, sha256: str) -> SiteFile:
    return SiteFile(rel, root / rel, int(size), str(sha256))


def _hashed(root: Path, rel: str) -> SiteFile:
    data = (root / rel).read_bytes()
    return SiteFile(rel, root / rel, len(data), hashlib.sha256(data).hexdigest())
