"""What a publish target uploads: the files of a bundle (or of a collection site), checked first.

Shared by ``publish_s3`` and ``publish_ghpages``. A bundle is verified against its manifest and
refused when damaged (a symbolic link in it is damage: its target is not the bundle's). A
collection site (a folder of bundles with the landing page of ``xgexport index``) has every
bundle verified the same way, and publishes only what is listed: each bundle's manifest and its
files, and the landing page's files from its record (:mod:`xgexport.landing`). Anything else in
the folder (a ``.env``, a raw ``.h5ad``, notes) belongs to no bundle and is never uploaded.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import BundleError
from ..format import LANDING_ASSETS, LANDING_RECORD, MANIFEST
from ..landing import read_record
from ..manifest import find_bundles, is_bundle, read_manifest
from ..verify import verify


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
    unlisted: tuple[str, ...] = ()  # collection: what is in the folder but not published


def load_site(out: Path) -> Site:
    """The files of a verified bundle or collection under ``out``; BundleError when damaged."""
    out = Path(out).absolute()
    if not out.is_dir():
        raise BundleError(f"{out}: no such folder; build a bundle first (xgexport build INPUT {out})")
    if is_bundle(out):
        files = _bundle_files(out, "")
        title = str(read_manifest(out).get("dataset", {}).get("title", out.name))
        return Site(out, "bundle", title, tuple(sorted(files, key=lambda f: f.rel)))
    bundles = find_bundles(out)
    if not bundles:
        raise BundleError(
            f"{out}: not an xgexport bundle (no {MANIFEST}) and holds no bundles; "
            "publish the folder that `xgexport build` wrote"
        )
    listed: dict[str, SiteFile] = {}
    for bundle in bundles:
        for item in _bundle_files(out, bundle.relative_to(out).as_posix() + "/"):
            listed[item.rel] = item
    for item in _landing_files(out):
        listed.setdefault(item.rel, item)
    unlisted = _unlisted(out, set(listed))
    return Site(out, "collection", out.name, tuple(sorted(listed.values(), key=lambda f: f.rel)), tuple(unlisted))


def _bundle_files(root: Path, folder: str) -> list[SiteFile]:
    """A verified bundle's files (its manifest's list and the manifest), paths under ``root``."""
    bundle = root / folder if folder else root
    _check(bundle)
    manifest = read_manifest(bundle)
    files = [_entry(root, folder + rel, meta["size"], meta["sha256"]) for rel, meta in manifest["files"].items()]
    files.append(_hashed(root, folder + MANIFEST))
    return files


def _landing_files(site: Path) -> list[SiteFile]:
    """The landing page's files as its record lists them: index.html, .nojekyll and _index/*."""
    record = read_record(site)
    if record is None:
        return []
    rels = [LANDING_RECORD, *(rel for rel in record["files"] if rel in ("index.html", ".nojekyll")
                      or (rel.startswith(f"{LANDING_ASSETS}/") and rel.count("/") == 1))]  # fmt: skip
    for rel in rels:
        path = site / rel
        if (site / LANDING_ASSETS).is_symlink() or path.is_symlink() or not path.is_file():
            raise BundleError(
                f"{path}: a file of the landing page is missing or a symbolic link; run `xgexport index {site}` again"
            )
    return [_hashed(site, rel) for rel in rels]


def _unlisted(site: Path, listed: set[str]) -> list[str]:
    """Files and links below ``site`` that nothing lists (hidden folders as one 'name/' entry)."""
    found, stack = [], [(str(site), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name.startswith("."):
                        found.append(rel + "/")
                    else:
                        stack.append((entry.path, rel + "/"))
                elif rel not in listed:
                    found.append(rel)
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
