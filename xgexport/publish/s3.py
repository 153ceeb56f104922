"""``xgexport publish OUT s3://BUCKET/PREFIX``: upload a bundle to S3 or an S3-compatible store.

The bundle is verified against its manifest first. Every object gets the right Content-Type,
no Content-Encoding (zarr chunks are gzip *files* that the viewer decompresses itself; a
Content-Encoding header would make browsers unpack them before the viewer sees them), a
Cache-Control by kind (see :func:`cache_control`), and its sha256 as ``x-amz-meta-sha256``.

Re-publishing is incremental: a file is skipped when the object under its key already has the
same content (the listed ETag equals the file's MD5, as for every single-part upload; otherwise
the object's ``sha256`` metadata decides). With ``delete=True`` (``--delete``) an object is
deleted only when the manifest (or the collection's landing record) that an earlier publish
left at this same prefix listed it and the new one does not: whatever else is under the prefix
(another bundle, one whose upload stopped before its manifest, anyone's files) is never ours.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import XgError, first_line
from ..format import LANDING_RECORD, MANIFEST
from ..landing import parse_record
from ..manifest import MAX_MANIFEST, listed_files
from .content import DEFAULT_DATA_MAX_AGE, cache_control, content_type, file_kind
from .site import SiteFile, load_site


class PublishError(XgError):
    """The upload target is unusable or an upload failed."""


SINGLE_PUT_LIMIT = 5 * 1024**3  # S3's limit for one PUT; bundle files are far smaller
UPLOAD_ORDER = ("data", "meta", "code", "entry")  # readers see the new manifest last


def parse_s3_url(url: str) -> tuple[str, str]:
    """s3://bucket/some/prefix → ("bucket", "some/prefix"); the prefix may be empty."""
    if not url.startswith("s3://"):
        raise PublishError(f"{url}: not an s3:// URL; use s3://BUCKET/PREFIX")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise PublishError(f"{url}: no bucket name; use s3://BUCKET/PREFIX")
    prefix = prefix.strip("/")
    if any(part in ("", ".", "..") for part in prefix.split("/")) and prefix:
        raise PublishError(f"{url}: the prefix has empty, '.' or '..' parts")
    return bucket, prefix


@dataclass(frozen=True)
class Change:
    """A file to upload under ``key``."""

    action: str  # "new" | "changed"
    key: str
    file: SiteFile


@dataclass(frozen=True)
class PublishResult:
    bucket: str
    prefix: str
    uploaded: tuple[Change, ...]
    deleted: tuple[str, ...]
    unchanged: int
    stale_kept: int
    dry_run: bool


def publish_s3(
    out: Path,
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    profile: str | None = None,
    dry_run: bool = False,
    delete: bool = False,
    force: bool = False,
    jobs: int = 8,
    data_max_age: int = DEFAULT_DATA_MAX_AGE,
    acl: str | None = None,
    log=None,
) -> PublishResult:
    """Upload the bundle (or collection) ``out`` to ``url``; returns what was done."""
    log = log or _stderr
    bucket, prefix = parse_s3_url(url)
    site = load_site(Path(out))
    client = _client(endpoint_url, region, profile)
    key_of = {f.rel: f"{prefix}/{f.rel}" if prefix else f.rel for f in site.files}
    existing = _list(client, bucket, prefix, url)

    changes, unchanged = _changes(client, bucket, site.files, key_of, existing, force, jobs)

    wanted = set(key_of.values())
    ours = _published_before(client, bucket, prefix, log)  # read before the new manifest replaces it
    stale_ours = sorted(k for k in ours if k in existing and k not in wanted)
    others = sum(1 for k in existing if k not in wanted and k not in ours)
    deletes = stale_ours if delete else []

    order = {kind: i for i, kind in enumerate(UPLOAD_ORDER)}
    changes.sort(key=lambda c: (order[file_kind(c.file.rel)], c.key))
    target = f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"
    if dry_run:
        _show_dry_run(changes, deletes, unchanged, len(stale_ours) - len(deletes), target, log)
        return PublishResult(
            bucket, prefix, tuple(changes), tuple(deletes), unchanged, len(stale_ours) - len(deletes), True
        )

    log(f"publishing {site.kind} {site.root} to {target}: {len(changes)} to upload, {unchanged} unchanged")
    if site.unlisted:
        shown = ", ".join(site.unlisted[:3]) + (", …" if len(site.unlisted) > 3 else "")
        log(f"note: {len(site.unlisted)} file(s) in {site.root} belong to no bundle and are not published ({shown})")
    _upload_all(client, bucket, changes, jobs, data_max_age, acl, log)
    if deletes:
        _delete(client, bucket, deletes, url)
        log(f"deleted {len(deletes)} stale object(s)")
    elif stale_ours:
        log(
            f"note: kept {len(stale_ours)} object(s) that the previous publish at {target} listed and this one does not; "
            "the new manifest no longer lists them, so only this publish with --delete could have removed them"
        )
    if others:
        log(
            f"kept {others} object(s) under {target} that no earlier publish here listed (other bundles, anyone's files)"
        )
    return PublishResult(
        bucket, prefix, tuple(changes), tuple(deletes), unchanged, len(stale_ours) - len(deletes), False
    )


def _show_dry_run(changes: list[Change], deletes: list[str], unchanged: int, kept: int, target: str, log) -> None:
    """What a publish would do: one line per object on stdout, the counts on stderr."""
    for change in changes:
        print(f"{'upload' if change.action == 'new' else 'update'}  {change.key}  ({change.file.size} bytes)")
    for key in deletes:
        print(f"delete  {key}")
    stale = f", {kept} stale object(s) kept (add --delete to remove them)" if kept else ""
    log(
        f"dry run: {len(changes)} file(s) would be uploaded, {unchanged} unchanged, {len(deletes)} would be "
        f"deleted{stale} at {target}; nothing was changed"
    )


def _changes(
    client, bucket: str, files, key_of: dict, existing: dict, force: bool, jobs: int
) -> tuple[list[Change], int]:
    """What to upload (new and changed files) and how many are unchanged."""
    changes: list[Change] = []
    unchanged = 0
    to_check: list[SiteFile] = []
    md5s = _md5s(files) if not force else {}
    for f in files:
        if f.size > SINGLE_PUT_LIMIT:
            raise PublishError(f"{f.path}: {f.size} bytes is more than one S3 PUT takes (5 GiB)")
        key = key_of[f.rel]
        if key not in existing:
            changes.append(Change("new", key, f))
        elif force:
            changes.append(Change("changed", key, f))
        elif existing[key] == md5s[f.rel]:
            unchanged += 1
        else:
            to_check.append(f)  # multipart or SSE-KMS ETags are not MD5s: ask the metadata
    if to_check:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            same = list(pool.map(lambda f: _has_sha256(client, bucket, key_of[f.rel], f.sha256), to_check))
        for f, is_same in zip(to_check, same):
            if is_same:
                unchanged += 1
            else:
                changes.append(Change("changed", key_of[f.rel], f))
    return changes, unchanged


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _client(endpoint_url, region, profile):
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise PublishError("publishing to S3 needs boto3: pip install 'xgexport[s3]'") from None
    try:
        session = boto3.session.Session(profile_name=profile, region_name=region)
    except Exception as exc:  # botocore's ProfileNotFound and friends
        raise PublishError(f"S3 session: {exc}") from None
    settings = {"retries": {"max_attempts": 8, "mode": "adaptive"}, "max_pool_connections": 32}
    try:
        # Checksums only where S3 requires them: botocore's default trailing checksums send
        # "Content-Encoding: aws-chunked", which some S3-compatible stores keep on the object.
        # Integrity is checked with the manifest's sha256 instead.
        config = Config(
            **settings, request_checksum_calculation="when_required", response_checksum_validation="when_required"
        )
    except TypeError:  # botocore < 1.36 has neither setting nor trailing checksums
        config = Config(**settings)
    return session.client("s3", endpoint_url=endpoint_url, config=config)


def _explain(exc, what: str) -> PublishError:
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
    )

    if isinstance(exc, NoCredentialsError):
        return PublishError(f"{what}: no AWS credentials; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or use --profile")
    if isinstance(exc, EndpointConnectionError):
        return PublishError(f"{what}: cannot connect to {exc.kwargs.get('endpoint_url', 'the endpoint')}")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = error.get("Code", "?")
        hint = {
            "NoSuchBucket": "; create it first or check the name",
            "AccessDenied": "; the credentials may not write there",
            "AccessControlListNotSupported": "; the bucket has ACLs disabled: drop --acl and use a bucket policy",
        }.get(code, "")
        return PublishError(f"{what}: {code}: {error.get('Message', '')}{hint}".replace("\n", " "))
    return PublishError(f"{what}: {type(exc).__name__}: {first_line(exc)}")


def _list(client, bucket: str, prefix: str, url: str) -> dict[str, str]:
    """key → ETag (without quotes) of every object under the prefix."""
    from botocore.exceptions import BotoCoreError, ClientError

    found: dict[str, str] = {}
    try:
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
            for item in page.get("Contents", []):
                found[item["Key"]] = item.get("ETag", "").strip('"')
    except (BotoCoreError, ClientError) as exc:
        raise _explain(exc, f"listing {url}") from None
    return found


def _md5s(files) -> dict[str, str]:
    return {f.rel: hashlib.md5(f.path.read_bytes(), usedforsecurity=False).hexdigest() for f in files}


def _has_sha256(client, bucket: str, key: str, sha256: str) -> bool:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        head = client.head_object(Bucket=bucket, Key=key)
    except (BotoCoreError, ClientError):
        return False
    return head.get("Metadata", {}).get("sha256") == sha256


def _published_before(client, bucket: str, prefix: str, log) -> set[str]:
    """Keys that the publish already at this prefix listed: its bundle manifest's files, or its
    landing record's files and the files of the bundles that record names. Only these are ever
    deleted; a bucket's content is never trusted beyond plain relative paths."""
    base = f"{prefix}/" if prefix else ""
    listed: set[str] = set()
    manifest = listed_files(_get_small(client, bucket, base + MANIFEST, log))
    if manifest is not None:
        listed |= {base + rel for rel in manifest} | {base + MANIFEST}
    record = parse_record(_get_small(client, bucket, base + LANDING_RECORD, log) or b"")
    if record is not None:
        listed |= {base + rel for rel in record["files"]} | {base + LANDING_RECORD}
        for folder in record["bundles"]:
            files = listed_files(_get_small(client, bucket, f"{base}{folder}/{MANIFEST}", log))
            listed |= {f"{base}{folder}/{rel}" for rel in files or ()} | (
                {f"{base}{folder}/{MANIFEST}"} if files else set()
            )
    return listed


def _get_small(client, bucket: str, key: str, log) -> bytes | None:
    """An object's bytes, or None when it is absent, unreadable or larger than a manifest can be."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client.get_object(Bucket=bucket, Key=key)
        if response.get("ContentLength", 0) > MAX_MANIFEST:
            log(f"note: s3://{bucket}/{key} is too large to be a manifest; ignored")
            return None
        return response["Body"].read(MAX_MANIFEST + 1)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
            log(
                f"note: cannot read s3://{bucket}/{key} ({exc.response.get('Error', {}).get('Code')}); nothing it lists will be deleted"
            )
        return None
    except BotoCoreError:
        return None


def _upload_all(client, bucket, changes, jobs, data_max_age, acl, log) -> None:
    if not changes:
        return
    total_bytes = sum(c.file.size for c in changes)
    lock = threading.Lock()
    state = {"files": 0, "bytes": 0, "shown": 0.0}
    started = time.monotonic()

    def upload(change: Change) -> None:
        f = change.file
        data = f.path.read_bytes()
        if hashlib.sha256(data).hexdigest() != f.sha256:
            raise PublishError(f"{f.path}: changed while publishing; rebuild and publish again")
        extra = {
            "ContentType": content_type(f.rel),
            "CacheControl": cache_control(f.rel, data_max_age),
            "Metadata": {"sha256": f.sha256},
        }
        if acl:
            extra["ACL"] = acl
        try:
            client.put_object(Bucket=bucket, Key=change.key, Body=data, **extra)
        except Exception as exc:
            raise _explain(exc, f"uploading {change.key}") from None
        with lock:
            state["files"] += 1
            state["bytes"] += f.size
            now = time.monotonic() - started
            if state["files"] == len(changes) or now - state["shown"] >= 1.0:
                state["shown"] = now
                log(
                    f"  uploaded {state['files']}/{len(changes)} files, "
                    f"{state['bytes'] / 1e6:.1f}/{total_bytes / 1e6:.1f} MB ({now:.0f} s)"
                )

    # Upload in phases (data, array metadata, viewer code, then index.html and manifest.json),
    # so a reader during the upload sees the old entry points until the new data is in place.
    for kind in UPLOAD_ORDER:
        batch = [c for c in changes if file_kind(c.file.rel) == kind]
        if not batch:
            continue
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            for _ in pool.map(upload, batch):
                pass


def _delete(client, bucket: str, keys: list[str], url: str) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    for start in range(0, len(keys), 1000):
        batch = keys[start : start + 1000]
        try:
            response = client.delete_objects(
                Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True}
            )
        except (BotoCoreError, ClientError) as exc:
            raise _explain(exc, f"deleting stale objects under {url}") from None
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise PublishError(f"deleting {first.get('Key')}: {first.get('Code')}: {first.get('Message', '')}")
