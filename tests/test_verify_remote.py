"""`xgexport verify URL` against hostile or broken servers (real ones, on 127.0.0.1): endless
bodies, a byte every so often, redirects to another host, cut-off bodies, stalls, and JSON
that is valid but not what a bundle holds. Each must give one clear line or a listed problem,
in bounded time and memory; never "unexpected …, report it"."""

from __future__ import annotations

import contextlib
import http.server
import json
import shutil
import threading
import time
from pathlib import Path

import pytest

from helpers import one_error, run_cli
from xgexport.serve import start_in_thread


class Hostile(http.server.ThreadingHTTPServer):
    """Serves ``folder``; ``behaviours`` maps a request path to a function(handler) that
    answers instead."""

    daemon_threads = True

    def __init__(self, folder: Path, behaviours: dict, moved: tuple[str, str] | None = None):
        self.behaviours = behaviours
        self.stop = threading.Event()
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(folder), **kwargs)

            def do_GET(self):
                if moved and self.path.startswith(moved[0]):  # a folder moved on the same host
                    return redirect_to(moved[1] + self.path[len(moved[0]) :])(self)
                behaviour = outer.behaviours.get(self.path)
                if behaviour is None:
                    return super().do_GET()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    behaviour(self)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"

    def close(self):
        self.stop.set()
        self.shutdown()
        self.server_close()


@pytest.fixture
def hostile(example_bundle, tmp_path):
    servers = []

    def start(behaviours: dict, folder: Path | None = None) -> Hostile:
        copy = folder or shutil.copytree(example_bundle, tmp_path / f"bundle{len(servers)}")
        server = Hostile(copy, behaviours)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def headers(handler, length=None, extra=()):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    if length is not None:
        handler.send_header("Content-Length", str(length))
    for key, value in extra:
        handler.send_header(key, value)
    handler.end_headers()


def endless(handler):
    """No Content-Length, no end: the body grows until someone stops reading."""
    headers(handler, extra=[("Connection", "close")])
    block = b"{" * 65536
    while not handler.server.stop.is_set():
        handler.wfile.write(block)


def drip(handler):
    """One byte per second, without end: every read succeeds well within any per-read timeout."""
    headers(handler, extra=[("Connection", "close")])
    while not handler.server.stop.is_set():
        handler.wfile.write(b" ")
        handler.wfile.flush()
        time.sleep(1.0)


def stall(handler):
    handler.server.stop.wait(120)


def cut_off(handler):
    headers(handler, length=5000, extra=[("Connection", "close")])
    handler.wfile.write(b'{"format": "xgexport-bundle", ')
    handler.wfile.flush()
    handler.close_connection = True


def serve_bytes(data: bytes):
    def answer(handler):
        headers(handler, length=len(data))
        handler.wfile.write(data)

    return answer


def redirect_to(url: str):
    def answer(handler):
        handler.send_response(302)
        handler.send_header("Location", url)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def test_an_endless_manifest_is_capped(hostile):
    server = hostile({"/manifest.json": endless})
    started = time.monotonic()
    line = one_error(run_cli("verify", server.url, timeout=120, check=False))
    assert "larger than" in line and "MiB" in line, line
    assert time.monotonic() - started < 60


def test_a_dripping_file_hits_the_overall_deadline(hostile):
    server = hostile({"/manifest.json": drip})
    started = time.monotonic()
    line = one_error(run_cli("verify", server.url, "--timeout", "3", timeout=40, check=False))
    assert "within 3 s" in line, line
    assert time.monotonic() - started < 20


def test_a_dripping_data_file_stops_verify_with_one_line(hostile, example_bundle):
    server = hostile({"/data/X/c.0.0": drip})
    line = one_error(run_cli("verify", server.url, "--timeout", "2", timeout=40, check=False))
    assert "data/X/c.0.0" in line and "within 2 s" in line, line


def test_a_stalled_server(hostile):
    server = hostile({"/manifest.json": stall})
    line = one_error(run_cli("verify", server.url, "--timeout", "2", timeout=40, check=False))
    assert "within 2 s" in line, line


def test_a_cut_off_body(hostile):
    server = hostile({"/manifest.json": cut_off})
    line = one_error(run_cli("verify", server.url, timeout=40, check=False))
    assert "cut off" in line, line


def test_a_redirect_to_another_host_is_refused(hostile, example_bundle, tmp_path):
    other_copy = shutil.copytree(example_bundle, tmp_path / "elsewhere")
    elsewhere, elsewhere_url = start_in_thread(other_copy)
    try:
        for target in (
            elsewhere_url + "manifest.json",
            elsewhere_url.replace("127.0.0.1", "localhost") + "manifest.json",
        ):
            server = hostile({"/manifest.json": redirect_to(target)})
            line = one_error(run_cli("verify", server.url, timeout=40, check=False))
            assert "redirects to another host" in line, line
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()


def test_a_redirect_on_the_same_host_is_followed(example_bundle, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(example_bundle, root / "bundle")
    server = Hostile(root, {}, moved=("/moved/", "/bundle/"))
    try:
        result = run_cli("verify", server.url + "moved/", timeout=60, check=False)
        assert result.returncode == 0 and result.stdout.startswith("ok: "), result.stderr
    finally:
        server.close()


def test_deeply_nested_json_manifest(hostile):
    server = hostile({"/manifest.json": serve_bytes(b"[" * 100_000 + b"]" * 100_000)})
    line = one_error(run_cli("verify", server.url, timeout=40, check=False))
    assert "not valid JSON" in line and "manifest.json" in line, line


@pytest.mark.parametrize("text", [b"null", b"[1, 2]", b"[" * 100_000 + b"]" * 100_000, b'"text"'],
                         ids=["null", "list", "nested", "string"])  # fmt: skip
def test_an_array_metadata_that_is_not_an_object_is_a_problem_line(example_bundle, tmp_path, text):
    """zarr.json `null` raised AttributeError ("unexpected …, report it")."""
    bundle = shutil.copytree(example_bundle, tmp_path / "bundle")
    (bundle / "data" / "obs_names" / "zarr.json").write_bytes(text)
    server, url = start_in_thread(bundle)
    try:
        for location in (bundle, url):
            result = run_cli("verify", location, timeout=60, check=False)
            assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
            lines = result.stderr.splitlines()
            assert "changed: data/obs_names/zarr.json" in lines, lines
            assert any(line.startswith("array does not open: data/obs_names") for line in lines), lines
            assert lines[-1] == "error: 2 problem(s) in " + str(location), lines
    finally:
        server.shutdown()
        server.server_close()


def test_a_file_larger_than_listed_is_changed_without_reading_it_all(hostile, example_bundle):
    manifest = json.loads((example_bundle / "manifest.json").read_text())
    size = manifest["files"]["data/X/c.1.0"]["size"]
    server = hostile({"/data/X/c.1.0": endless})
    result = run_cli("verify", server.url, timeout=60, check=False)
    assert result.returncode == 1 and "changed: data/X/c.1.0" in result.stderr.splitlines(), result.stderr
    assert size < 10_000


def test_verify_never_mentions_max_memory(monkeypatch):
    """verify has no --max-memory: its out-of-memory line must not send people looking for it."""
    import importlib

    from click.testing import CliRunner

    from xgexport.cli import main

    def exhausted(*args, **kwargs):
        raise MemoryError

    # the module, not the package's public function of the same name
    monkeypatch.setattr(importlib.import_module("xgexport.verify"), "verify", exhausted)
    result = CliRunner().invoke(main, ["verify", "http://127.0.0.1:9/"])
    assert result.exit_code == 1 and "out of memory" in result.output, result.output
    assert "--max-memory" not in result.output
