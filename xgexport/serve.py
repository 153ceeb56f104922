"""``xgexport serve``: a static preview server on 127.0.0.1.

Plain GETs of files, like any static host: no Range support, no special headers, so what
works here works on S3, GitHub Pages or a lab's web server.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from .chunks import is_chunk_name


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".json": "application/json",
        ".css": "text/css",
    }

    def guess_type(self, path):
        if is_chunk_name(Path(path).name):
            return "application/octet-stream"
        return super().guess_type(path)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def make_server(folder: Path, port: int = 0) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(QuietHandler, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def start_in_thread(folder: Path, port: int = 0) -> tuple[http.server.ThreadingHTTPServer, str]:
    """For tests and tools: serve ``folder`` in a daemon thread; returns (server, base URL)."""
    server = make_server(folder, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def serve_forever(folder: Path, port: int) -> None:
    server = make_server(folder, port)
    print(f"serving {folder} at http://127.0.0.1:{server.server_address[1]}/  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
