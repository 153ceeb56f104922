"""The same input and options give a byte-identical bundle.

Two builds of a real dataset differ in everything that must not matter (output path, working
directory, input path and mtime, time zone, hash seed, SOURCE_DATE_EPOCH); every file must
be the same, byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import DATASETS, run_cli

# NaN in X and obs, float32 dense, scaled; and an anndata 0.6 file with 10 embeddings
NAMES = ("cellxgene_pbmc3k-100x100-nan.h5ad", "cellbrowser_pbmc-small_10-embeddings.h5ad")


def build(input_path: Path, out: str, cwd: Path, env: dict[str, str]) -> None:
    run_cli("build", input_path, out, "-q", cwd=cwd, env=env)


def files(bundle: Path) -> dict[str, bytes]:
    return {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


def build_twice(name: str, first: Path, second: Path) -> list[tuple]:
    """Prepare two differing set-ups for one dataset; returns the two build calls."""
    source = DATASETS / name
    if not source.is_file():
        pytest.fail(f"missing test dataset {source}")
    for folder in (first, second):
        (folder / "in").mkdir()
        (folder / "work").mkdir()
        shutil.copyfile(source, folder / "in" / name)
    os.utime(second / "in" / name, (1_000_000_000, 1_000_000_000))
    return [
        (first / "in" / name, str(first / "bundle"), first / "work", {"TZ": "UTC", "PYTHONHASHSEED": "1"}),
        (Path("..") / "in" / name, "../out/deeper/bundle", second / "work",
         {"TZ": "Asia/Tokyo", "PYTHONHASHSEED": "2", "SOURCE_DATE_EPOCH": "1700000000"}),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def all_builds(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Both builds of every dataset, two at a time (2 cores)."""
    calls, bundles = [], {}
    for name in NAMES:
        first, second = tmp_path_factory.mktemp("first"), tmp_path_factory.mktemp("second")
        calls += build_twice(name, first, second)
        bundles[name] = (first / "bundle", second / "out" / "deeper" / "bundle")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda call: build(*call), calls))
    return bundles


@pytest.fixture(params=NAMES)
def two_builds(request, all_builds) -> tuple[Path, Path]:
    return all_builds[request.param]


def test_every_file_is_byte_identical(two_builds):
    a, b = map(files, two_builds)
    assert sorted(a) == sorted(b)
    differing = [rel for rel in a if a[rel] != b[rel]]
    assert not differing, f"files that differ between two builds: {differing[:20]}"
    assert len(a) > 20


def test_no_path_or_time_leaks_into_the_bundle(two_builds):
    first, second = two_builds
    for rel, data in files(first).items():
        for leak in (str(first.parent).encode(), str(second.parent).encode(), b"tmp-"):
            assert leak not in data, f"{rel} contains {leak!r}"


def test_gzip_headers_carry_no_time(two_builds):
    chunks = {rel: data for rel, data in files(two_builds[0]).items() if "/c." in rel}
    assert chunks
    for rel, data in chunks.items():
        assert data[:2] == b"\x1f\x8b", rel
        assert data[4:8] == b"\0\0\0\0", f"{rel}: gzip mtime is set"


def test_manifest_is_canonical_json(two_builds):
    text = (two_builds[0] / "manifest.json").read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text == json.dumps(manifest, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    assert list(manifest["files"]) == sorted(manifest["files"])
