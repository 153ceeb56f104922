"""Fixtures for the browser tests: bundles built with the real CLI from the shared datasets,
served by http.server (no Range support) on 127.0.0.1, and one headless Chromium per session
(per xdist worker; the PBMC bundle is built once per run, tests/conftest.py's ``shared_tmp``)."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import DATASETS, READY, build_bundle

from helpers import built_once
from xgexport.serve import make_server

VIEWPORT = {"width": 1366, "height": 768}


class StaticServer:
    """http.server on a free loopback port, in a thread. No Range support, like a minimal host."""

    def __init__(self, directory: Path):
        self.httpd = make_server(directory)  # xgexport serve's own server: what users preview with
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str = "") -> str:
        return f"{self.origin}/{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def serve():
    servers: list[StaticServer] = []

    def start(directory: Path) -> StaticServer:
        server = StaticServer(directory)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.close()


@pytest.fixture(scope="session")
def pbmc_bundle(shared_tmp) -> Path:
    source = DATASETS / "scanpy_pbmc68k_reduced.h5ad"
    return built_once(shared_tmp / "pbmc", lambda out: build_bundle(source, out, "--title", "PBMC 68k (reduced)"))


@pytest.fixture(scope="session")
def pbmc_site(pbmc_bundle, serve) -> StaticServer:
    return serve(pbmc_bundle)


@pytest.fixture(scope="session")
def pbmc_meta(pbmc_bundle) -> dict:
    return json.loads((pbmc_bundle / "data" / "zarr.json").read_text())["attributes"]["xgexport"]


class PageRecorder:
    """A page with every request, console error and page error recorded."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.requests: list[str] = []
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        context.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.page_errors.append(str(e)))

        def on_dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", on_dialog)

    def goto_ready(self, url: str, timeout: float = 20000):
        self.page.goto(url)
        self.page.wait_for_selector(READY, state="attached", timeout=timeout)
        return self.page

    def assert_clean(self, origins: list[str], allow_console: tuple[str, ...] = ()):
        foreign = [
            u
            for u in self.requests
            if not any(u.startswith(o + "/") or u == o for o in origins) and not u.startswith(("data:", "blob:"))
        ]
        assert not foreign, f"requests left the origin: {foreign}"
        errors = [e for e in self.console_errors if not any(a in e for a in allow_console)]
        assert not errors, f"console errors: {errors}"
        assert not self.page_errors, f"page errors: {self.page_errors}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"


@pytest.fixture
def rec(browser):
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    recorder = PageRecorder(context)
    yield recorder
    context.close()


@pytest.fixture(scope="session")
def pixel_reader(browser):
    """Decode PNG (or another image type's) bytes to an (h, w, 4) uint8 array with the browser
    itself (no PIL needed)."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<canvas id=c></canvas>")

    def read(png: bytes, media_type: str = "image/png") -> np.ndarray:
        b64 = base64.b64encode(png).decode()
        out = page.evaluate(
            """async ([b64, type]) => {
                const img = new Image();
                img.src = `data:${type};base64,` + b64;
                await img.decode();
                const c = document.getElementById('c');
                c.width = img.width; c.height = img.height;
                const g = c.getContext('2d', {willReadFrequently: true});
                g.drawImage(img, 0, 0);
                const d = g.getImageData(0, 0, c.width, c.height).data;
                let s = '';
                for (let i = 0; i < d.length; i += 0x8000) s += String.fromCharCode.apply(null, d.subarray(i, i + 0x8000));
                return [c.width, c.height, btoa(s)];
            }""",
            [b64, media_type],
        )
        w, h, data = out
        return np.frombuffer(base64.b64decode(data), dtype=np.uint8).reshape(h, w, 4)

    yield read
    context.close()


@pytest.fixture(scope="session")
def threed_bundle(shared_tmp) -> Path:
    from threed_helpers import threed_bundle as make

    return make(shared_tmp)


@pytest.fixture(scope="session")
def threed_site(threed_bundle, serve) -> StaticServer:
    return serve(threed_bundle)
