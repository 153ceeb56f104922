"""What `index` may touch and what `publish` sends: only what xgexport wrote and listed.

- `xgexport index SITE` replaces and deletes only files it recorded in `_index/files.json` and
  that still hold what it wrote; it never writes through a symbolic link.
- Publishing a collection sends each bundle's manifest and listed files and the landing page's
  recorded files: not a root `.env`, a stray `raw/*.h5ad`, or the target of a symlink.
- A symbolic link inside a bundle is a problem for `verify` and stops `publish`.
- `publish s3 --delete` deletes only what the earlier publish at the same prefix listed.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from helpers import SECOND_DATASET, one_error, run_cli
from xgexport.cli import main
from xgexport.collection import write_index
from xgexport.errors import XgError
from xgexport.publish.ghpages import publish_ghpages
from xgexport.verify import verify


@pytest.fixture(scope="module")
def built(example_bundle, example_build):
    """Two bundles: the example, and a small second dataset (the one test_collection uses)."""
    return {"pbmc": example_bundle, "second": example_build(**SECOND_DATASET)}


@pytest.fixture
def site(built, tmp_path):
    site = tmp_path / "site"
    for name, bundle in built.items():
        shutil.copytree(bundle, site / name)
    return site


def files_below(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# --- index: only what it wrote ------------------------------------------------------------------


def test_index_keeps_files_in_index_folder_it_did_not_write(site):
    assets = site / "_index"
    assets.mkdir()
    (assets / "notes.txt").write_text("my notes")
    (assets / "0123456789abcdef.png").write_bytes(b"\x89PNG my own picture")
    write_index(site)
    write_index(site, title="Again")  # a re-run replaces its own files only
    assert (assets / "notes.txt").read_text() == "my notes"
    assert (assets / "0123456789abcdef.png").read_bytes() == b"\x89PNG my own picture"
    record = json.loads((assets / "files.json").read_text())
    assert "_index/notes.txt" not in record["files"] and "index.html" in record["files"]


def test_index_refuses_to_replace_a_file_it_did_not_write(site):
    assets = site / "_index"
    assets.mkdir()
    (assets / "collection.css").write_text("body { color: hotpink }")
    before = files_below(site)
    with pytest.raises(XgError, match="not written by `xgexport index`"):
        write_index(site)
    assert files_below(site) == before and not (site / "index.html").exists()


def test_index_refuses_a_file_changed_since_it_wrote_it(site):
    write_index(site)
    (site / "_index" / "collection.js").write_text("// edited by hand")
    with pytest.raises(XgError, match="or was changed since"):
        write_index(site, title="Again")
    assert (site / "_index" / "collection.js").read_text() == "// edited by hand"


def test_index_does_not_follow_a_symlinked_index_folder(site, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "old.png").write_bytes(b"precious")
    (site / "_index").symlink_to(elsewhere)
    result = CliRunner().invoke(main, ["index", str(site)])
    assert result.exit_code == 1 and "symbolic link" in result.output, result.output
    assert sorted(p.name for p in elsewhere.iterdir()) == ["old.png"]
    assert not (site / "index.html").exists()


def test_index_does_not_write_through_a_symlinked_page(site, tmp_path):
    target = tmp_path / "thesis.html"
    target.write_text("<h1>my thesis</h1>")
    (site / "index.html").symlink_to(target)
    with pytest.raises(XgError, match="symbolic link"):
        write_index(site)
    assert target.read_text() == "<h1>my thesis</h1>"


def test_index_deletes_its_own_thumbnail_of_a_removed_bundle(site):
    write_index(site)
    thumbs = {p.name for p in (site / "_index").glob("*.png")}
    shutil.rmtree(site / "second")
    write_index(site)
    left = {p.name for p in (site / "_index").glob("*.png")}
    assert len(thumbs) == 2 and len(left) == 1 and left < thumbs


def test_index_skips_a_damaged_bundle_with_a_warning(site):
    (site / "second" / "data" / "zarr.json").write_text("[1, 2")
    result = CliRunner().invoke(main, ["index", str(site)])
    assert result.exit_code == 0, result.output
    assert "warning: second: left off the page" in result.output
    page = (site / "index.html").read_text()
    assert 'href="pbmc/index.html"' in page and 'href="second/index.html"' not in page


@pytest.fixture
def read_only(site, tmp_path):
    """The site on a tmpfs remounted read-only (root only: permission bits do not stop root)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        shutil.copytree(site, mount / "site")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        yield mount / "site"
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_index_on_a_read_only_folder_is_one_line(read_only):
    assert "cannot write the landing page" in one_error(run_cli("index", read_only, check=False))


# --- publish: only what is listed ----------------------------------------------------------------


def test_a_collection_publishes_only_listed_files(site, tmp_path):
    (site / ".env").write_text("AWS_SECRET_ACCESS_KEY=hunter2\n")
    (site / "raw").mkdir()
    (site / "raw" / "data.h5ad").write_bytes(b"\x89HDF\r\n\x1a\nunpublished")
    secret = tmp_path / "hostname"
    secret.write_text("secret-host\n")
    (site / "hostname").symlink_to(secret)
    (site / "linked").symlink_to(tmp_path)
    write_index(site)
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    result = CliRunner().invoke(main, ["publish", str(site), "--gh-pages", "--repo", str(repo), "--dry-run"])
    assert result.exit_code == 0, result.output
    added = [line.split("  ", 1)[1] for line in result.output.splitlines() if line.startswith("add  ")]
    manifests = {name: json.loads((site / name / "manifest.json").read_text())["files"] for name in ("pbmc", "second")}
    record = json.loads((site / "_index" / "files.json").read_text())["files"]
    expected = {f"{name}/{rel}" for name, files in manifests.items() for rel in files}
    expected |= {"pbmc/manifest.json", "second/manifest.json", "_index/files.json", *record}
    assert set(added) == expected
    assert "note: 4 file(s)" in result.output and ".env" in result.output, result.output  # .env, raw/…, 2 links
    assert "already up to date" not in result.output  # a dry run says only what it would do


def test_a_symlink_inside_a_bundle_fails_verify_and_publish(site, tmp_path):
    bundle = site / "pbmc"
    chunk = bundle / "data" / "X" / "c.0.0"
    outside = tmp_path / "outside-chunk"
    shutil.move(chunk, outside)
    chunk.symlink_to(outside)  # same bytes as listed: the old verify said ok
    (bundle / "viewer").rename(tmp_path / "viewer")
    (bundle / "viewer").symlink_to(tmp_path / "viewer")
    problems = verify(bundle)
    assert problems == ["symlink (not followed): data/X/c.0.0", "symlink (not followed): viewer"], problems
    with pytest.raises(XgError, match="symlink"):
        publish_ghpages(bundle, repo=tmp_path, dry_run=True)
    write_index(site)
    with pytest.raises(XgError, match="symlink"):
        publish_ghpages(site, repo=tmp_path, dry_run=True)
