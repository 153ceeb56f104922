"""Reading a bundle's files for ``verify``: from a folder or over HTTP(S), with limits.

A folder is read without following symbolic links (a link in a bundle could make ``verify``
vouch for content outside it: links are listed, never read). Over HTTP every read has a size
cap (the manifest's stated size, or a fixed cap for the manifest and array metadata) and an
overall deadline per file (a server sending one byte every 20 s never trips a per-read timeout),
and a redirect is followed only to the same host: a bundle's files come from where it is.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import ssl
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from .errors import BundleError
from .version import __version__

PIECE = 1 << 16
MAX_REDIRECTS = 5
DEFAULT_TIMEOUT = 60.0  # seconds per file, from the request to the last byte


class TooLarge(Exception):
    """The file holds more bytes than the cap for it."""


class Folder:
    """A local bundle folder; ``links`` are its symbolic links (relative paths), never followed."""

    def __init__(self, folder: Path):
        from .manifest import bundle_entries

        if not folder.is_dir():
            raise BundleError(f"{folder}: no such folder")
        self.folder = folder
        self.files, self.links = bundle_entries(folder)

    def through_link(self, rel: str) -> bool:
        parts = rel.split("/")
        return any("/".join(parts[: i + 1]) in self.links for i in range(len(parts)))

    def pieces(self, rel: str, limit: int) -> Iterator[bytes]:
        if self.through_link(rel):
            raise FileNotFoundError(rel)  # verify lists the link itself
        try:
            handle = os.open(self.folder / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            raise FileNotFoundError(rel) from None
        except OSError as exc:
            raise BundleError(f"{self.folder / rel}: cannot be read ({exc.strerror})") from None
        with os.fdopen(handle, "rb") as stream:
            total = 0
            while piece := stream.read(PIECE):
                total += len(piece)
                if total > limit:
                    raise TooLarge(rel)
                yield piece


class Site:
    """A hosted bundle under ``base`` (an http(s) URL ending in '/'): plain GETs only."""

    links: frozenset[str] = frozenset()  # a static host has no symbolic links to report

    def __init__(self, base: str, timeout: float = DEFAULT_TIMEOUT):
        self.base = base if base.endswith("/") else base + "/"
        self.host = urllib.parse.urlsplit(self.base).hostname
        self.timeout = timeout
        self.files = None  # a static host cannot list its files

    def through_link(self, rel: str) -> bool:
        return False

    def pieces(self, rel: str, limit: int) -> Iterator[bytes]:
        url = urllib.parse.urljoin(self.base, urllib.parse.quote(rel))
        deadline = time.monotonic() + self.timeout
        try:
            yield from self._get(url, limit, deadline)
        except FileNotFoundError:  # a 404, which verify reports as a missing file
            raise
        except TimeoutError:
            raise BundleError(
                f"{url}: no complete answer within {self.timeout:g} s (the server stalls or is too slow); "
                "try again later or raise --timeout"
            ) from None
        except http.client.HTTPException as exc:  # IncompleteRead, RemoteDisconnected, bad status line
            raise BundleError(f"{url}: the answer was cut off or malformed ({type(exc).__name__}); try again") from None
        except (ssl.SSLError, ssl.CertificateError) as exc:
            raise BundleError(f"{url}: TLS failed ({exc.__class__.__name__}: {exc})") from None
        except OSError as exc:
            raise BundleError(f"{url}: cannot connect ({exc.strerror or exc})") from None

    def _get(self, url: str, limit: int, deadline: float) -> Iterator[bytes]:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urllib.parse.urlsplit(url)
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            connection = kind(parts.hostname or "", parts.port, timeout=_left(deadline))
            try:
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                connection.request("GET", target, headers={"Accept-Encoding": "identity",
                                                           "User-Agent": f"xgexport/{__version__} verify"})  # fmt: skip
                response = connection.getresponse()
                if response.status in (301, 302, 303, 307, 308):
                    url = self._redirect(url, response.getheader("Location") or "")
                    continue
                if response.status == 404:
                    raise FileNotFoundError(url)
                if response.status != 200:
                    raise BundleError(f"{url}: HTTP {response.status}")
                yield from _body(response, connection, limit, deadline, url)
                return
            finally:
                connection.close()
        raise BundleError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _redirect(self, url: str, location: str) -> str:
        new = urllib.parse.urljoin(url, location)
        old_parts, new_parts = urllib.parse.urlsplit(url), urllib.parse.urlsplit(new)
        same_place = new_parts.hostname == self.host and (
            (new_parts.scheme, new_parts.port) == (old_parts.scheme, old_parts.port)
            or (old_parts.scheme, new_parts.scheme, new_parts.port) == ("http", "https", None)  # an upgrade
        )
        if not same_place:
            raise BundleError(
                f"{url}: redirects to another host ({new_parts.scheme}://{new_parts.netloc}); verify reads a "
                "bundle only where it is: give that address instead"
            )
        return new


def _body(response, connection, limit: int, deadline: float, url: str) -> Iterator[bytes]:
    length = response.getheader("Content-Length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise TooLarge(url)
    total = 0
    while True:
        if connection.sock is not None:
            connection.sock.settimeout(_left(deadline))
        piece = response.read1(PIECE)
        if not piece:
            break
        total += len(piece)
        if total > limit:
            raise TooLarge(url)
        yield piece
        _left(deadline)
    if response.length:  # Content-Length promised more than came
        raise http.client.IncompleteRead(b"", response.length)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    return left


def open_location(location: str, timeout: float = DEFAULT_TIMEOUT):
    if location.startswith(("http://", "https://")):
        return Site(location, timeout)
    return Folder(Path(location))


def read_all(reader, rel: str, limit: int) -> bytes:
    return b"".join(reader.pieces(rel, limit))


def digest(reader, rel: str, limit: int) -> tuple[int, str]:
    """(size, sha256) of a file, streamed: no file is held in memory whole."""
    sha = hashlib.sha256()
    size = 0
    for piece in reader.pieces(rel, limit):
        sha.update(piece)
        size += len(piece)
    return size, sha.hexdigest()
