"""``xgexport serve``: a static preview server on 127.0.0.1.

Plain GETs of files, like any static host: no Range support, so what works here works on S3,
GitHub Pages or a lab's web server. Files only: a folder gives its index.html or 404, never a
listing, and nothing is served through a symbolic link (a link in a bundle could expose any
file of the machine). ``xgexport serve`` also sends the viewer page's Content-Security-Policy
as a header, so every response it serves (not only the page) is under it.

Text (the page, the viewer's modules and stylesheet, JSON metadata) is sent gzip'd to a client
that accepts it, as GitHub Pages, CloudFront or nginx with gzip send it: the preview gets the
headers and bytes a host sends (the first frame's modules: under half their size; on 127.0.0.1
no faster, docs/BENCHMARKS.md Run 8). Each file is compressed once (kept while its size and
mtime stay), not per request. Never the zarr chunks: they are gzip files already, which the viewer
decompresses itself (a Content-Encoding would make the browser unpack them first).
"""

from __future__ import annotations

import errno
import functools
import gzip
import http.server
import io
import os
import re
import threading
from email.utils import formatdate
from pathlib import Path

from .errors import XgError
from .format import PAGE
from .publish.content import content_type


def page_csp() -> str:
    """The viewer page's own policy, read from its template: one owner for it."""
    from .templating import viewer_dir

    page = (viewer_dir() / PAGE).read_text(encoding="utf-8")
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    if not found:
        raise XgError("the viewer template has no Content-Security-Policy; reinstall xgexport")
    return found.group(1)


# the bundle's text files, sent gzip'd when the client accepts it (chunks have no suffix)
COMPRESSED = (".html", ".js", ".css", ".json", ".svg", ".txt", ".md")
LARGEST_COMPRESSED = 8 << 20  # larger text is sent as it is: the cache stays small


@functools.lru_cache(maxsize=1024)
def gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """The file's gzip, made once per version of it (the key changes with its mtime or size);
    mtime 0 in the header: the same file gives the same bytes."""
    with open(path, "rb") as f:
        return gzip.compress(f.read(), compresslevel=6, mtime=0)


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header allows gzip: `gzip` or `x-gzip` with q > 0, or else `*`
    with q > 0 (RFC 9110: a named coding's weight wins over `*`)."""
    weights: dict[str, float] = {}
    for item in (header or "").split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = next((p.split("=", 1)[1] for p in params if p.lower().startswith("q=")), "1")
        try:
            weights[name.lower()] = float(q)
        except ValueError:
            weights[name.lower()] = 0.0
    named = [weights[n] for n in ("gzip", "x-gzip") if n in weights]
    return max(named) > 0 if named else weights.get("*", 0.0) > 0


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    csp: str | None = None
    compress = True
    _vary = False  # this response depends on Accept-Encoding (a text file)
    # Keep-alive, as every static host answers: a page's ~50 module and data requests then reuse
    # a few connections. Without Nagle's algorithm, as keep-alive needs: the headers and a small
    # body go out at once instead of waiting for an ACK (measured on the first frame: modules in
    # at 280 instead of 436 ms; HTTP/1.1 with Nagle was slower than HTTP/1.0).
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def guess_type(self, path):
        return content_type(Path(path).name)  # as publish sends it: what works here works hosted

    def send_head(self):
        path = self.translate_path(self.path)
        candidates = [path, os.path.join(path, "index.html")] if os.path.isdir(path) else [path]
        if any(self._through_link(p) for p in candidates):
            self.send_error(404, "File not found")
            return None
        text = self._text_file(path)
        if text:
            self._vary = True
            # a conditional request gets the plain answer's 304 (or 200): correct, and rare
            if (
                self.compress
                and accepts_gzip(self.headers.get("Accept-Encoding"))
                and "If-Modified-Since" not in self.headers
            ):
                found = self._send_gzipped(text)
                if found is not None:
                    return found
        return super().send_head()

    def _text_file(self, path: str) -> str | None:
        """The file a request names (a folder's index.html), if it is text to compress."""
        folder_url = self.path.split("?", 1)[0].split("#", 1)[0].endswith("/")
        if os.path.isdir(path):
            path = os.path.join(path, "index.html") if folder_url else ""  # else: redirected
        elif folder_url:
            return None  # a file named as a folder: the plain path answers 404
        return path if path.endswith(COMPRESSED) and os.path.isfile(path) else None

    def _send_gzipped(self, path: str):
        """The head of a text file's gzip'd response and its body, or None to send it as it is."""
        try:
            st = os.stat(path)
            if st.st_size > LARGEST_COMPRESSED:
                return None
            body = gzipped(path, st.st_mtime_ns, st.st_size)
        except OSError:
            return None  # the plain path answers (404, 403)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", formatdate(st.st_mtime, usegmt=True))
        self.end_headers()
        return io.BytesIO(body)

    def _through_link(self, path: str) -> bool:
        """Whether a path below the served folder passes through a symbolic link."""
        relative = os.path.relpath(path, self.directory)
        current = self.directory
        for part in Path(relative).parts:
            current = os.path.join(current, part)
            if os.path.islink(current):
                return True
        return False

    def list_directory(self, path):
        self.send_error(404, "File not found")  # files only, as a static host serves them
        return None

    def end_headers(self):
        if self._vary:  # a cache keeps the gzip'd and the plain answer apart
            self.send_header("Vary", "Accept-Encoding")
            self._vary = False
        if self.csp:
            self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):
        pass


def make_server(
    folder: Path, port: int = 0, *, csp: str | None = None, compress: bool = True
) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (QuietHandler,), {"csp": csp, "compress": compress})
    try:
        return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(handler, directory=str(folder)))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise XgError(
                f"port {port} is already in use; choose another with --port, or --port 0 for a free one"
            ) from None
        raise XgError(f"cannot serve on 127.0.0.1:{port} ({exc.strerror or exc}); choose another --port") from None


def start_in_thread(
    folder: Path, port: int = 0, *, csp: str | None = None
) -> tuple[http.server.ThreadingHTTPServer, str]:
    """For tests and tools: serve ``folder`` in a daemon thread; returns (server, base URL)."""
    server = make_server(folder, port, csp=csp)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def serve_forever(folder: Path, port: int) -> None:
    server = make_server(folder, port, csp=page_csp())
    print(f"serving {folder} at http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
