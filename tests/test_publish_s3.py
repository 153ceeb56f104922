"""`xgexport publish OUT s3://…` against a real S3-compatible server (moto's server mode) on
127.0.0.1: headers, incremental re-publishing, dry runs, --delete, then `xgexport verify` over
HTTP and the viewer opened from the bucket in Chromium."""

from __future__ import annotations

import json
import shutil
import urllib.request

import pytest
from click.testing import CliRunner

from xgexport.cli import main
from xgexport.errors import BundleError
from xgexport.publish.s3 import publish_s3

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")

BUCKET = "lab-datasets"
PREFIX = "figures/pbmc"


# Two versions of the same dataset, the older with one more obs column; no DE: fewer files to upload.
SMALL = {"title": "PBMC on S3", "de": False, "embeddings": ("X_umap",)}


@pytest.fixture(scope="module")
def bundle(example_build):
    return example_build(**SMALL, obs=("louvain", "n_genes"))


@pytest.fixture(scope="module")
def older(example_build):
    """An earlier version of the same dataset, with one more obs column."""
    return example_build(**SMALL, obs=("louvain", "n_genes", "phase"))


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    """A moto S3 server on a free loopback port, with fake credentials and one public bucket."""
    patch = pytest.MonkeyPatch()
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        patch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("awshome")
    patch.setenv("AWS_CONFIG_FILE", str(home / "config"))  # ignore any real AWS configuration
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket=BUCKET)
    # Readers fetch anonymously: what a real public bucket needs (ACLs are off on new AWS buckets).
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}],
    }  # fmt: skip
    client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))
    yield endpoint, client
    server.stop()
    patch.undo()


def keys(client, prefix=PREFIX) -> dict[str, str]:
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix + "/"):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["ETag"]
    return found


def anonymous_get(url: str):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()


def test_publish_round_trip(bundle, older, s3, capsys):
    endpoint, client = s3
    url = f"s3://{BUCKET}/{PREFIX}"
    manifest = json.loads((bundle / "manifest.json").read_text())
    n_files = len(manifest["files"]) + 1  # and manifest.json itself

    # a dry run into an empty prefix lists every file and writes nothing
    plan = publish_s3(bundle, url, endpoint_url=endpoint, dry_run=True)
    assert len(plan.uploaded) == n_files and plan.dry_run
    assert keys(client) == {}
    assert f"upload  {PREFIX}/manifest.json" in capsys.readouterr().out

    first = publish_s3(bundle, url, endpoint_url=endpoint, jobs=8)
    assert len(first.uploaded) == n_files and first.unchanged == 0
    assert len(keys(client)) == n_files

    base = f"{endpoint}/{BUCKET}/{PREFIX}/"
    chunk = next(rel for rel in manifest["files"] if rel.startswith("data/X/c."))
    expected = {
        "index.html": ("text/html; charset=utf-8", "no-cache"),
        "manifest.json": ("application/json", "no-cache"),
        "data/zarr.json": ("application/json", "no-cache"),
        "data/X/zarr.json": ("application/json", "no-cache"),
        chunk: ("application/octet-stream", "public, max-age=86400"),
        "viewer/main.js": ("text/javascript", "no-cache"),
        "viewer/style.css": ("text/css", "no-cache"),
    }
    for rel, (ctype, cache) in expected.items():
        status, headers, body = anonymous_get(base + rel)
        assert status == 200, rel
        assert headers["content-type"] == ctype, rel
        assert headers["cache-control"] == cache, rel
        assert "content-encoding" not in headers, rel
        head = client.head_object(Bucket=BUCKET, Key=f"{PREFIX}/{rel}")
        assert "ContentEncoding" not in head, rel
        assert head["Metadata"]["sha256"] == manifest["files"].get(rel, {}).get("sha256", head["Metadata"]["sha256"])
    # chunks arrive as the gzip files they are: the viewer decompresses them itself
    assert anonymous_get(base + chunk)[2][:2] == b"\x1f\x8b"

    # re-publishing the same bundle uploads nothing
    etags = keys(client)
    again = publish_s3(bundle, url, endpoint_url=endpoint)
    assert len(again.uploaded) == 0 and again.unchanged == n_files
    assert keys(client) == etags

    # a changed object is found by its ETag and uploaded again; nothing else moves
    client.put_object(Bucket=BUCKET, Key=f"{PREFIX}/index.html", Body=b"tampered")
    kept = publish_s3(bundle, url, endpoint_url=endpoint)
    assert {c.key for c in kept.uploaded} == {f"{PREFIX}/index.html"} and kept.deleted == () and kept.stale_kept == 0

    # other things below the prefix: another bundle, and anyone's file; then an earlier version
    # of this bundle with one more column. --delete removes that column's files, nothing else.
    others = {f"{PREFIX}/other/manifest.json": b"{}", f"{PREFIX}/other/index.html": b"<p>other</p>",
              f"{PREFIX}/notes/readme.txt": b"mine"}  # fmt: skip
    for key, body in others.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body)
    publish_s3(older, url, endpoint_url=endpoint)
    older_files = json.loads((older / "manifest.json").read_text())["files"]
    stale = tuple(sorted(f"{PREFIX}/{rel}" for rel in set(older_files) - set(manifest["files"])))
    assert len(stale) == 3  # data/obs/2/zarr.json, its codes/zarr.json and codes/c.0

    capsys.readouterr()
    dry = publish_s3(bundle, url, endpoint_url=endpoint, delete=True, dry_run=True)
    assert dry.deleted == stale
    printed = capsys.readouterr().out
    assert all(f"delete  {key}" in printed for key in stale) and printed.count("delete  ") == len(stale)
    assert set(stale) <= set(keys(client))  # the dry run changed nothing

    done = publish_s3(bundle, url, endpoint_url=endpoint, delete=True)
    assert done.deleted == stale
    remaining = keys(client)
    assert not set(stale) & set(remaining)
    assert set(others) <= set(remaining)

    # the published copy matches its manifest, read over plain HTTP as a browser would
    result = CliRunner().invoke(main, ["verify", base])
    assert result.exit_code == 0, result.output
    assert "matches its manifest" in result.output


def test_cli_publish_dry_run_and_errors(bundle, s3, tmp_path):
    endpoint, client = s3
    runner = CliRunner()
    result = runner.invoke(
        main, ["publish", str(bundle), f"s3://{BUCKET}/cli-dry", "--endpoint-url", endpoint, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "upload  cli-dry/index.html" in result.output
    assert keys(client, "cli-dry") == {}

    result = runner.invoke(main, ["publish", str(bundle), "s3://no-such-bucket-here/x", "--endpoint-url", endpoint])
    assert result.exit_code == 1
    assert "NoSuchBucket" in result.output and len(result.output.strip().splitlines()) == 1

    result = runner.invoke(main, ["publish", str(bundle), f"https://{BUCKET}/x"])
    assert result.exit_code == 1 and "not an s3:// URL" in result.output

    result = runner.invoke(main, ["publish", str(bundle)])
    assert result.exit_code == 2  # neither a target nor --gh-pages


def test_damaged_bundle_is_refused(bundle, s3, tmp_path):
    endpoint, client = s3
    damaged = shutil.copytree(bundle, tmp_path / "damaged")
    chunk = damaged / "data" / "X" / "c.0.0"
    chunk.write_bytes(b"not what the manifest says")
    with pytest.raises(BundleError, match="does not match its manifest"):
        publish_s3(damaged, f"s3://{BUCKET}/damaged", endpoint_url=endpoint)
    assert keys(client, "damaged") == {}


@pytest.mark.browser
def test_published_viewer_draws_in_chromium(bundle, s3, browser):
    endpoint, _client = s3
    publish_s3(bundle, f"s3://{BUCKET}/{PREFIX}", endpoint_url=endpoint)  # incremental after the round trip
    page_url = f"{endpoint}/{BUCKET}/{PREFIX}/index.html"
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 900, "height": 700})
    try:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("requestfailed", lambda req: errors.append(f"failed: {req.url}"))
        page.goto(page_url)
        # the viewer's CSP forbids string evaluation, so wait on the attribute it sets
        page.wait_for_selector("html[data-xg-state=ready]", state="attached", timeout=30000)
        assert page.title() == "PBMC on S3"  # this bundle's page, rendered from the bucket
    finally:
        page.close()
    assert errors == []


def test_chunk_names_are_octet_stream_whatever_mime_tables_say():
    """A chunk key's "suffix" is a number; /etc/mime.types knows some (.123 is Lotus 1-2-3)."""
    from xgexport.publish.content import content_type

    for rel in ("data/obs_names/c.123", "data/obs_names/c.210", "data/X/c.726.0", "data/obs/0/codes/c.0"):
        assert content_type(rel) == "application/octet-stream", rel
    assert content_type("data/X/zarr.json") == "application/json"


def test_delete_at_a_parent_prefix_keeps_a_sibling_whose_upload_stopped(bundle, older, s3, tmp_path):
    """--delete at the collection's prefix deleted lab/fig2/*, a bundle whose own publish had
    stopped before its manifest.json (uploaded last) was written: nothing said it was not ours."""
    from xgexport.collection import write_index

    endpoint, client = s3
    site = tmp_path / "site"
    shutil.copytree(bundle, site / "pbmc")
    shutil.copytree(older, site / "old")
    write_index(site)
    url = f"s3://{BUCKET}/lab"
    publish_s3(site, url, endpoint_url=endpoint)
    record_before = json.loads((site / "_index" / "files.json").read_text())["files"]

    files = json.loads((bundle / "manifest.json").read_text())["files"]
    for rel in sorted(files)[:40]:  # the data went first; the manifest never came
        client.put_object(Bucket=BUCKET, Key=f"lab/fig2/{rel}", Body=(bundle / rel).read_bytes())
    partial = keys(client, "lab/fig2")
    assert len(partial) == 40 and "lab/fig2/manifest.json" not in partial

    shutil.rmtree(site / "old")  # the collection drops a dataset: its files are ours to delete
    write_index(site)
    record_after = json.loads((site / "_index" / "files.json").read_text())["files"]
    done = publish_s3(site, url, endpoint_url=endpoint, delete=True)
    assert keys(client, "lab/fig2") == partial
    old_files = json.loads((older / "manifest.json").read_text())["files"]
    expected = {f"lab/old/{rel}" for rel in old_files} | {"lab/old/manifest.json"}
    expected |= {f"lab/{rel}" for rel in record_before if rel not in record_after}  # its thumbnail
    assert set(done.deleted) == expected
    assert not [key for key in keys(client, "lab") if key.startswith("lab/old/")]
