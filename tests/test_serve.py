"""`xgexport serve` as a user runs it (a subprocess on a free port): files only, never a folder
listing, nothing through a symbolic link, the page's Content-Security-Policy on every response,
and one clear line when the port is taken."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import urllib.error
import urllib.request

import pytest


@pytest.fixture
def serving():
    processes = []

    def start(folder) -> str:
        process = subprocess.Popen(
            [sys.executable, "-m", "xgexport.cli", "serve", str(folder), "--port", "0"],
            stdout=subprocess.PIPE,
            text=True,
        )
        processes.append(process)
        return process.stdout.readline().split()[3]

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_folders_are_never_listed(bundle_copy, serving):
    url = serving(bundle_copy)
    for folder in ("data/", "data/X/", "viewer/", "data"):
        status, _, body = get(url + folder)
        assert status == 404, (folder, status)
        assert b"c.0.0" not in body and b"main.js" not in body
    status, _, body = get(url)  # a folder with an index.html gives the page, as static hosts do
    assert status == 200 and b'type="module"' in body


def test_every_response_carries_the_page_csp(bundle_copy, serving):
    url = serving(bundle_copy)
    page = (bundle_copy / "index.html").read_text()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    for rel in ("index.html", "viewer/main.js", "data/zarr.json", "data/X/c.0.0", "no-such-file"):
        _, headers, _ = get(url + rel)
        assert headers["Content-Security-Policy"] == policy, rel
        assert headers["X-Content-Type-Options"] == "nosniff", rel


def test_nothing_is_served_through_a_symlink(bundle_copy, serving, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("the machine's secret")
    (bundle_copy / "leak.txt").symlink_to(secret)
    (bundle_copy / "data" / "elsewhere").symlink_to(tmp_path)
    (bundle_copy / "viewer").rename(tmp_path / "viewer")
    (bundle_copy / "viewer").symlink_to(tmp_path / "viewer")
    url = serving(bundle_copy)
    for rel in ("leak.txt", "data/elsewhere/secret.txt", "viewer/main.js", "data/elsewhere/"):
        status, _, body = get(url + rel)
        assert status == 404 and b"secret" not in body, rel
    assert get(url + "data/zarr.json")[0] == 200


def test_a_port_in_use_is_one_line(bundle_copy):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "xgexport.cli", "serve", str(bundle_copy), "--port", str(port)],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "unexpected" not in lines[0], lines
    assert f"port {port} is already in use" in lines[0]


def test_one_connection_serves_many_requests(bundle_copy, serving):
    """Keep-alive, as static hosts answer: the page's ~50 requests reuse a few connections. A
    404 (a missing file, a refused folder) says so, with its length, and closes."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(serving(bundle_copy))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.connect()
    first = connection.sock
    for rel, status in (("index.html", 200), ("viewer/main.js", 200), ("data/X/c.0.0", 200), ("data/", 404),
                        ("no-such-file", 404)):  # fmt: skip
        connection.request("GET", "/" + rel)
        response = connection.getresponse()
        body = response.read()
        assert response.status == status and response.version == 11, (rel, response.status)
        assert int(response.headers["Content-Length"]) == len(body), rel
        if status == 200:
            assert connection.sock is first  # the same connection
        else:
            assert response.headers["Connection"] == "close"
            connection.close()
            connection.connect()


def fetch(url: str, encoding: str | None):
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request("GET", parts.path, headers={"Accept-Encoding": encoding} if encoding else {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert int(response.headers["Content-Length"]) == len(body)
    return response.status, response.headers, body


def test_text_is_sent_gzipd_to_a_client_that_accepts_it(bundle_copy, serving):
    """As static hosts send it (GitHub Pages, CloudFront, nginx gzip): the page, the modules, the
    stylesheet and JSON metadata gzip'd when the client asks for it, as they are otherwise; the
    answer varies with Accept-Encoding either way."""
    import gzip

    url = serving(bundle_copy)
    for rel, path in (("viewer/main.js", "viewer/main.js"), ("viewer/style.css", "viewer/style.css"),
                      ("data/zarr.json", "data/zarr.json"), ("", "index.html")):  # fmt: skip
        original = (bundle_copy / path).read_bytes()
        status, headers, body = fetch(url + rel, "gzip, deflate, br")
        assert status == 200 and headers["Content-Encoding"] == "gzip", rel
        assert gzip.decompress(body) == original and len(body) < len(original), rel
        assert headers["Vary"] == "Accept-Encoding" and headers["Content-Type"] == get(url + rel)[1]["Content-Type"]
        for refused in (None, "identity", "gzip;q=0, br"):
            status, headers, body = fetch(url + rel, refused)
            assert status == 200 and "Content-Encoding" not in headers and body == original, (rel, refused)
            assert headers["Vary"] == "Accept-Encoding", (rel, refused)


def test_chunks_are_never_re_encoded(bundle_copy, serving):
    """zarr chunks are gzip files the viewer decompresses itself: sent byte for byte, whatever the
    client accepts (a Content-Encoding would make the browser unpack them before the viewer)."""
    url = serving(bundle_copy)
    chunks = sorted(p for p in (bundle_copy / "data").rglob("c.*") if p.is_file())[:20]
    assert chunks
    for chunk in chunks:
        rel = chunk.relative_to(bundle_copy).as_posix()
        status, headers, body = fetch(url + rel, "gzip, deflate, br")
        assert status == 200 and "Content-Encoding" not in headers and body == chunk.read_bytes(), rel
        assert headers["Content-Type"] == "application/octet-stream"


def test_a_changed_file_is_compressed_again(bundle_copy, serving):
    """The gzip is made once per file and kept while the file stays as it is: a file rewritten
    while the server runs is sent as it is now, and a file named as a folder is still a 404."""
    import gzip

    url = serving(bundle_copy)
    target = bundle_copy / "viewer" / "main.js"
    assert gzip.decompress(fetch(url + "viewer/main.js", "gzip")[2]) == target.read_bytes()
    target.write_bytes(target.read_bytes() + b"\n// changed\n")
    assert gzip.decompress(fetch(url + "viewer/main.js", "gzip")[2]) == target.read_bytes()
    assert fetch(url + "viewer/main.js/", "gzip")[0] == 404
    assert fetch(url + "viewer/no-such.js", "gzip")[0] == 404


@pytest.mark.parametrize(
    ("header", "gzip"),
    [(None, False), ("", False), ("identity", False), ("gzip", True), ("gzip, deflate, br", True), ("x-gzip", True),
     ("GZIP;Q=0.5", True), ("gzip;q=0, br", False), ("gzip;q=nonsense", False), ("*", True), ("br, *;q=0.1", True),
     ("*;q=0", False), ("*;q=1, gzip;q=0", False)],
)  # fmt: skip
def test_accept_encoding_is_read_as_rfc_9110_says(header, gzip):
    """gzip when named with a weight above 0, or else when `*` is; a named coding's weight wins."""
    from xgexport.serve import accepts_gzip

    assert accepts_gzip(header) is gzip
