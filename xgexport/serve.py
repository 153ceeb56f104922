"""``xgexport serve``: a static preview server on 127.0.0.1.

Plain GETs of files, like any static host: no Range support, so what works here works on S3,
GitHub Pages or a lab's web server. Files only: a folder gives its index.html or 404, never a
listing, and nothing is served through a symbolic link (a link in a bundle could expose any
file of the machine). ``xgexport serve`` also sends the viewer page's Content-Security-Policy
as a header, so every response it serves (not only the page) is under it.
"""

from __future__ import annotations

import errno
import functools
import http.server
import os
import re
import threading
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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    csp: str | None = None
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
        return super().send_head()

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
        if self.csp:
            self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format, *args):
        pass


def make_server(folder: Path, port: int = 0, *, csp: str | None = None) -> http.server.ThreadingHTTPServer:
    handler = type("Handler", (QuietHandler,), {"csp": csp})
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
