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
