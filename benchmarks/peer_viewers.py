"""Viewer measurements in Debian's Chromium: xgexport's static bundle against cellxgene's server.

Both pages get the same instrumentation (an init script, injected before any page script):
every WebGL draw of points and every buffer upload is time-stamped with performance.now(),
whose zero is the start of the navigation, and bytes are the transferSize (headers + body as
sent) of the navigation and resource timing entries. So for both viewers:

- first frame: xgexport = its first draw of all the cells, followed by `html[data-xg-state=ready]`
  (the attribute alone is not enough: it is "ready" once before anything is drawn); cellxgene = its first draw of all the cells (regl draws the points only once positions,
  colours and flags are all computed). Bytes: every response that ended by then.
- colour by a gene: xgexport = `window.xgexport.setColor("gene:…")` until it resolves (drawn);
  cellxgene = with the name typed in its search box, a click on the suggestion (which adds the
  gene to its list and fetches its values) and at once on the gene's colour button, until the
  first draw after a colour buffer upload (3 float32 per cell); `click_ms` is the colour
  button's part alone (the values are already fetched by then).
- markers: xgexport = click on the marker panel's summary until the table of the first
  category is filled, then choosing the next category in its select; cellxgene computes DE on
  request: its POST api/v0.2/diffexp/obs (topN 50, one category vs the rest, as its client
  sends it), timed from the page until the JSON is parsed.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import CHROMIUM, CHROMIUM_ARGS  # noqa: F401  (one set of browser flags for the benchmarks)

VIEWPORT = {"width": 1366, "height": 768}

INIT_JS = """
(() => {
  const B = { draws: [], uploads: [], states: [] };
  Object.defineProperty(window, "__bench", { value: B });
  try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
  const wrap = (proto, name, note) => {
    const orig = proto[name];
    if (orig) proto[name] = function (...args) { note(...args); return orig.apply(this, args); };
  };
  for (const C of [self.WebGLRenderingContext, self.WebGL2RenderingContext]) {
    if (!C) continue;
    const points = (mode, count) => { if (mode === 0) B.draws.push([performance.now(), count]); };
    wrap(C.prototype, "drawArrays", (mode, first, count) => points(mode, count));
    wrap(C.prototype, "drawElements", (mode, count) => points(mode, count));
    wrap(C.prototype, "bufferData", (target, data) => { if (data && data.byteLength) B.uploads.push([performance.now(), data.byteLength]); });
  }
  new MutationObserver(() => {
    const now = document.documentElement ? document.documentElement.dataset.xgState : undefined;
    if (now !== undefined && (B.states.length === 0 || B.states[B.states.length - 1][1] !== now)) B.states.push([performance.now(), now]);
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-xg-state"] });
  B.readyAfter = (t) => { const s = B.states.find(([u, v]) => u >= t && v === "ready"); return s ? s[0] : null; };
  B.firstDraw = (n, after = 0) => { const d = B.draws.find(([t, c]) => t >= after && c >= n); return d ? d[0] : null; };
  B.drawAfterUpload = (n, bytes, after) => {
    const u = B.uploads.find(([t, b]) => t >= after && b === bytes);
    return u ? B.firstDraw(n, u[0]) : null;
  };
  B.entries = () => [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")]
    .map((e) => ({ name: e.name, start: e.startTime, end: e.responseEnd, bytes: e.transferSize }));
  B.until = (test, timeout = 120000) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    const check = () => {
      let ok = false;
      try { ok = test(); } catch (e) {}
      if (ok) { observer.disconnect(); resolve(performance.now()); return true; }
      if (performance.now() - t0 > timeout) { observer.disconnect(); reject(new Error("timed out")); return true; }
      return false;
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true, characterData: true, attributes: true });
    const poll = () => { if (!check()) setTimeout(poll, 5); };
    poll();
  });
})();
"""


def warm_up(browser, url: str, n_cells: int) -> None:
    """One load that is not measured: the first window of a browser also loads Chromium's own
    omnibox popup (a WebUI page of ~260 files, ~1.2 s of CPU on this machine), which would fall on
    whichever tool is measured first."""
    context, _, _ = open_page(browser, url, "(n) => window.__bench.firstDraw(n) !== null", n_cells)
    context.close()


def transfers(page, after: float, until: float | None = None) -> dict:
    """Requests started at/after ``after`` (page ms) and, if given, ended by ``until``."""
    entries = [e for e in page.evaluate("() => window.__bench.entries()") if e["start"] >= after]
    if until is not None:
        entries = [e for e in entries if e["end"] <= until]
    return {"bytes": sum(e["bytes"] for e in entries), "requests": len(entries), "names": [e["name"] for e in entries]}


def open_page(browser, url: str, signal_js: str, arg):
    """A fresh context (cold cache); navigates and waits in the page until ``signal_js(arg)`` holds."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(INIT_JS)
    page = context.new_page()
    outside = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None,
    )
    page.goto(url, wait_until="commit")
    page.evaluate(f"(arg) => window.__bench.until(() => ({signal_js})(arg))", arg)
    return context, page, outside


def xgexport_first_frame(browser, url: str, n_cells: int):
    """Navigation to its first draw of all the cells, and then to `data-xg-state=ready` (the
    attribute is also "ready" for a moment before any draw, once the embedding is loaded and
    before the default colouring is: that one does not count)."""
    context, page, outside = open_page(
        browser, url, "(n) => { const d = window.__bench.firstDraw(n); return d !== null && window.__bench.readyAfter(d) !== null; }",
        n_cells)  # fmt: skip
    draw, ready, states = page.evaluate(
        "(n) => { const d = window.__bench.firstDraw(n); return [d, window.__bench.readyAfter(d), window.__bench.states]; }",
        n_cells,
    )
    page.wait_for_timeout(300)
    got = transfers(page, 0, ready)
    return context, page, {"first_frame_ms": round(ready), "first_draw_ms": round(draw), "states": states,
                           "first_frame_bytes": got["bytes"], "first_frame_requests": got["requests"],
                           "outside_requests": outside}  # fmt: skip


def xgexport_gene(page, gene: str) -> dict:
    times = page.evaluate(
        "async (g) => { const t0 = performance.now(); await window.xgexport.setColor('gene:' + g);"
        " return [t0, performance.now()]; }", gene)  # fmt: skip
    page.wait_for_timeout(200)
    got = transfers(page, times[0])
    return {"gene": gene, "ms": round(times[1] - times[0], 1), **got}


def xgexport_markers(page) -> dict:
    """Open the marker panel (first category of the DE of the current colouring), then the next."""
    opened = page.evaluate("""async () => {
      const filled = () => document.querySelectorAll('#de-table tbody tr').length > 0
        && !document.querySelector('#markers-body .note').textContent.startsWith('Loading');
      const t0 = performance.now();
      document.querySelector('#markers summary').click();
      const t1 = await window.__bench.until(filled);
      return [t0, t1, document.querySelector('#markers-body .note').textContent];
    }""")
    page.wait_for_timeout(200)
    first = {"ms": round(opened[1] - opened[0], 1), **transfers(page, opened[0]), "note": opened[2]}
    switched = page.evaluate("""async () => {
      const select = document.querySelector('#de-category');
      const name = select.options[1].textContent;
      const t0 = performance.now();
      select.value = '1';
      select.dispatchEvent(new Event('change'));
      const t1 = await window.__bench.until(() => document.querySelectorAll('#de-table tbody tr').length > 0
        && document.querySelector('#markers-body .note').textContent.startsWith(name + ' ('));
      return [t0, t1];
    }""")
    page.wait_for_timeout(200)
    second = {"ms": round(switched[1] - switched[0], 1), **transfers(page, switched[0])}
    return {"open": first, "next": second}


def cellxgene_first_frame(browser, url: str, n_cells: int):
    context, page, outside = open_page(browser, url, "(n) => window.__bench.firstDraw(n) !== null", n_cells)
    draw = page.evaluate("(n) => window.__bench.firstDraw(n)", n_cells)
    page.wait_for_timeout(300)
    got = transfers(page, 0, draw)
    return context, page, {"first_frame_ms": round(draw), "first_frame_bytes": got["bytes"],
                           "first_frame_requests": got["requests"], "outside_requests": outside}  # fmt: skip


def cellxgene_gene(page, gene: str, n_cells: int) -> dict:
    """Type the gene into its search box (not timed), then, timed: pick the suggestion (which
    fetches the gene's values), click the gene's colour button as soon as it shows, until the
    points are drawn with the new colours."""
    page.get_by_test_id("gene-search").fill(gene)
    page.get_by_test_id(f"suggest-menu-item-{gene}").wait_for()
    times = page.evaluate("""async ([g, n]) => {
      const B = window.__bench;
      const button = () => document.querySelector(`[data-testid="colorby-${g}"]`);
      const t0 = performance.now();
      document.querySelector(`[data-testid="suggest-menu-item-${g}"]`).click();
      await B.until(button);
      const t1 = performance.now();
      button().click();
      await B.until(() => B.drawAfterUpload(n, n * 12, t1) !== null);
      return [t0, t1, B.drawAfterUpload(n, n * 12, t1)];
    }""", [gene, n_cells])  # fmt: skip
    page.wait_for_timeout(200)
    return {
        "gene": gene,
        "ms": round(times[2] - times[0], 1),
        "click_ms": round(times[2] - times[1], 1),
        **transfers(page, times[0]),
    }


def cellxgene_diffexp(page, in_group: list[int], rest: list[int]) -> dict:
    result = page.evaluate("""async ([set1, set2]) => {
      const body = JSON.stringify({ mode: "topN", count: 50, set1: { filter: { obs: { index: set1 } } },
                                    set2: { filter: { obs: { index: set2 } } } });
      const t0 = performance.now();
      const res = await fetch("api/v0.2/diffexp/obs", { method: "POST", credentials: "include", body,
        headers: { Accept: "application/json", "Content-Type": "application/json" } });
      const json = await res.json();
      return [t0, performance.now(), res.status, (json.positive || []).length, body.length];
    }""", [in_group, rest])  # fmt: skip
    page.wait_for_timeout(200)
    got = transfers(page, result[0])
    return {
        "ms": round(result[1] - result[0], 1),
        "status": result[2],
        "n_up": result[3],
        "sent_bytes": result[4],
        **got,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cellxgene(program: Path, h5ad: Path, log: Path) -> tuple[subprocess.Popen, str, float]:
    """cellxgene's own server on 127.0.0.1, with annotations and gene-set saving off: either opens
    a modal dialog asking for a folder name before the plot can be used."""
    port = free_port()
    command = [str(program), "--no-upgrade-check", "launch", str(h5ad), "--host", "127.0.0.1", "--port", str(port),
               "--disable-annotations", "--disable-gene-sets-save"]  # fmt: skip
    return start_server(command, port, "api/v0.2/config", log)


def start_xgexport(bundle: Path, log: Path, env: dict) -> tuple[subprocess.Popen, str, float]:
    """`xgexport serve` in its own process, like cellxgene's server (not a thread of this one,
    which also drives the browser)."""
    port = free_port()
    command = [sys.executable, "-m", "xgexport.cli", "serve", str(bundle), "--port", str(port)]
    return start_server(command, port, "index.html", log, env)


def start_server(command: list[str], port: int, probe: str, log: Path, env: dict | None = None,
                 timeout: float = 600) -> tuple[subprocess.Popen, str, float]:  # fmt: skip
    """Start a server; returns the process, its URL and how long it took to answer ``probe``."""
    started = time.perf_counter()
    with open(log, "wb") as out:  # the server keeps its own copy of the descriptor
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{Path(command[0]).name} exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + probe, timeout=2):
                return process, url, time.perf_counter() - started
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{' '.join(command[:3])} did not answer within {timeout:.0f} s; see {log}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
