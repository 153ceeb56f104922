"""``xgexport verify`` on a folder and over HTTP: intact bundles pass, damage is listed."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from helpers import one_error, run_cli
from xgexport.serve import start_in_thread


def problems_of(result: subprocess.CompletedProcess) -> list[str]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1].startswith("error: ") and f"{len(lines) - 1} problem(s)" in lines[-1], lines[-1]
    return lines[:-1]


def manifest(bundle: Path) -> dict:
    return json.loads((bundle / "manifest.json").read_text(encoding="utf-8"))


def write_manifest(bundle: Path, data: dict) -> None:
    (bundle / "manifest.json").write_text(json.dumps(data, sort_keys=True, indent=1), encoding="utf-8")


def test_a_fresh_bundle_passes(example_bundle):
    result = run_cli("verify", example_bundle, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert result.stderr == ""


def test_missing_changed_and_unexpected_files_are_all_listed(bundle_copy):
    (bundle_copy / "data" / "X" / "c.3.0").unlink()
    (bundle_copy / "viewer" / "main.js").unlink()
    chunk = bundle_copy / "data" / "X" / "c.5.0"
    data = bytearray(chunk.read_bytes())
    data[-1] ^= 0xFF
    chunk.write_bytes(bytes(data))
    with open(bundle_copy / "index.html", "a", encoding="utf-8") as page:
        page.write("<script src='https://evil.example/x.js'></script>")
    (bundle_copy / "evil.js").write_text("alert(1)")
    (bundle_copy / "data" / "X" / "c.999.0").write_bytes(b"\x1f\x8b")
    problems = problems_of(run_cli("verify", bundle_copy, check=False))
    assert sorted(problems) == sorted([
        "missing: data/X/c.3.0",
        "missing: viewer/main.js",
        "changed: data/X/c.5.0",
        "changed: index.html",
        "unexpected: evil.js",
        "unexpected: data/X/c.999.0",
    ])  # fmt: skip


def test_a_same_size_change_is_found(bundle_copy):
    """A flipped bit keeps the size: only the hash can tell."""
    target = bundle_copy / "data" / "obs_names" / "c.0"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert problems_of(run_cli("verify", bundle_copy, check=False)) == ["changed: data/obs_names/c.0"]


def test_a_wrong_array_shape_is_found_even_with_a_matching_hash(bundle_copy):
    """Someone edits an array's zarr.json and updates the file's hash in the manifest:
    the file list is consistent, but the array no longer has the shape the manifest states."""
    meta_path = bundle_copy / "data" / "X" / "zarr.json"
    meta = json.loads(meta_path.read_text())
    meta["shape"] = [meta["shape"][0], meta["shape"][1] + 1]
    meta_path.write_text(json.dumps(meta, indent=2))
    data = manifest(bundle_copy)
    raw = meta_path.read_bytes()
    data["files"]["data/X/zarr.json"] = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    write_manifest(bundle_copy, data)
    problems = problems_of(run_cli("verify", bundle_copy, check=False))
    assert len(problems) == 1 and problems[0].startswith("array shape differs: data/X "), problems


def test_an_array_that_does_not_open_is_found(bundle_copy):
    (bundle_copy / "data" / "obs_names" / "zarr.json").write_text("{not json")
    problems = problems_of(run_cli("verify", bundle_copy, check=False))
    assert sorted(problems) == ["array does not open: data/obs_names", "changed: data/obs_names/zarr.json"]


def test_a_folder_without_manifest_is_not_a_bundle(tmp_path):
    assert "not an xgexport bundle" in one_error(run_cli("verify", tmp_path, check=False))


def test_a_missing_folder(tmp_path):
    assert "no such folder" in one_error(run_cli("verify", tmp_path / "nope", check=False))


def test_an_unknown_format_version_is_refused(bundle_copy):
    data = manifest(bundle_copy)
    data["format_version"] = 99
    write_manifest(bundle_copy, data)
    assert "format version 99" in one_error(run_cli("verify", bundle_copy, check=False))


def test_a_corrupt_manifest(bundle_copy):
    (bundle_copy / "manifest.json").write_text("[1, 2")
    assert "not valid JSON" in one_error(run_cli("verify", bundle_copy, check=False))


# --- over HTTP: a hosted copy, fetched with plain GETs ---------------------------------------


@pytest.fixture
def served(bundle_copy):
    server, url = start_in_thread(bundle_copy)
    try:
        yield bundle_copy, url
    finally:
        server.shutdown()
        server.server_close()


def test_http_a_fresh_copy_passes(served):
    _, url = served
    for location in (url, url.rstrip("/")):
        result = run_cli("verify", location, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("ok: ")


def test_http_deleted_and_changed_files_are_listed(served):
    bundle_copy, url = served
    (bundle_copy / "data" / "X" / "c.7.0").unlink()
    (bundle_copy / "viewer" / "main.js").write_text("alert('replaced')")
    problems = problems_of(run_cli("verify", url, check=False))
    assert sorted(problems) == ["changed: viewer/main.js", "missing: data/X/c.7.0"]


def test_http_a_deleted_array_metadata_is_listed(served):
    bundle_copy, url = served
    (bundle_copy / "data" / "obs_names" / "zarr.json").unlink()
    problems = problems_of(run_cli("verify", url, check=False))
    assert sorted(problems) == ["array does not open: data/obs_names", "missing: data/obs_names/zarr.json"]


def test_http_a_site_that_is_not_a_bundle(tmp_path):
    (tmp_path / "index.html").write_text("<p>hello</p>")
    server, url = start_in_thread(tmp_path)
    try:
        assert "not an xgexport bundle" in one_error(run_cli("verify", url, check=False))
    finally:
        server.shutdown()
        server.server_close()


def test_http_nothing_listening(tmp_path):
    server, url = start_in_thread(tmp_path)
    server.shutdown()
    server.server_close()
    assert "cannot connect" in one_error(run_cli("verify", url, check=False))


def test_manifest_paths_outside_the_bundle_are_problems_and_never_read(bundle_copy, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    raw = outside.read_bytes()
    data = manifest(bundle_copy)
    entry = {"size": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    data["files"]["../outside.txt"] = entry  # would match, if it were read
    data["files"][str(outside)] = entry
    data["arrays"]["../data/X"] = {"shape": [1, 1]}
    write_manifest(bundle_copy, data)
    problems = problems_of(run_cli("verify", bundle_copy, check=False))
    assert sorted(problems) == sorted([
        "bad path in manifest: '../outside.txt'",
        f"bad path in manifest: {str(outside)!r}",
        "bad path in manifest: '../data/X'",
    ])  # fmt: skip


@pytest.mark.parametrize(
    "text",
    ['[1, 2]', '{"format": "xgexport-bundle", "format_version": 1, "files": [], "arrays": {}}',
     '{"format": "xgexport-bundle", "format_version": 1, "files": {"index.html": {"size": "1"}}, "arrays": {}}'],
    ids=["a-list", "files-a-list", "size-a-string"],
)  # fmt: skip
def test_a_malformed_manifest_is_one_error_line(bundle_copy, text):
    (bundle_copy / "manifest.json").write_text(text)
    line = one_error(run_cli("verify", bundle_copy, check=False))
    assert "unexpected" not in line and "manifest.json" in line, line
