"""The person's own work at 1M cells: label sets, their storage and files, gene sets, exports.

Generates (once, streaming, into benchmarks/work/) an .h5ad of N cells (benchmarks/synth.py:
200 genes, 20 non-zeros per cell, its categorical columns), builds it once with --no-de, copies
this checkout's viewer into it, opens it in Debian's Chromium on 127.0.0.1 and records:

- identity: from the first frame until the saved work is read (manifest.json fetched and hashed,
  IndexedDB opened), and the JS SHA-256 of the manifest alone (the fallback of plain http://);
- assign: a label given to half of the cells, from the click until the legend counts them, and
  the save to IndexedDB that follows;
- export / import: the label CSV of every cell (size and time), and reading it back;
- reload: from navigation until the label set is shown again;
- gene set: colouring by the mean of 20 genes (20 files);
- PNG and SVG of the plot (the SVG holds a million points as an image).

Every phase also lists the main-thread tasks over 50 ms (PerformanceObserver "longtask").
Drawing is switched off while the work is timed (SwiftShader draws a million points on the CPU in
about a second per frame, which says nothing about this code), and on for the figure exports.

    python benchmarks/bench_workbench.py --cells 1000000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import CHROMIUM, CHROMIUM_ARGS, WORK, build_command, generated

REPO = Path(__file__).resolve().parents[1]
NO_DRAW = "WebGL2RenderingContext.prototype.drawElements = function () {};"
READY = "html[data-xg-state=ready]"


def prepare(n_cells: int) -> Path:
    source = generated(WORK / f"workbench_{n_cells}.h5ad", n_cells, 200, 20)
    bundle = WORK / f"workbench_bundle_{n_cells}"
    page = REPO / "viewer_template" / "index.html"
    if not (bundle / "manifest.json").exists() or page.stat().st_mtime > (bundle / "index.html").stat().st_mtime:
        cmd = build_command(source, bundle, "--no-de", "--no-compare")
        subprocess.run(cmd, check=True, cwd=REPO)
    # this checkout's viewer (the page's HTML too): the data stays as built
    shutil.rmtree(bundle / "viewer")
    shutil.copytree(REPO / "viewer_template", bundle / "viewer", ignore=shutil.ignore_patterns("*.html", "*.md"))
    return bundle


LONG = """() => {
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(Math.round(e.duration)); }).observe({ type: "longtask" });
}"""


def long_tasks(page) -> list[int]:
    out = page.evaluate("window.__long.splice(0)")
    return sorted(out, reverse=True)[:5]


def timed(page, label, fn, results):
    page.evaluate("window.__long.splice(0)")
    started = time.perf_counter()
    extra = fn()
    results[label] = {
        "ms": round((time.perf_counter() - started) * 1000),
        "long_tasks_ms": long_tasks(page),
        **(extra or {}),
    }
    print(label, json.dumps(results[label]), flush=True)


def measure(bundle: Path, n_cells: int) -> dict:
    from playwright.sync_api import sync_playwright

    from xgexport.serve import make_server

    httpd = make_server(bundle)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    results: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
        page = context.new_page()
        page.add_init_script(NO_DRAW)
        page.add_init_script(f"({LONG})()")
        page.goto(url + "#color=obs%3Acluster")
        page.wait_for_selector(READY, state="attached", timeout=120000)
        timed(
            page,
            "identity_and_read",
            lambda: page.locator(".us-status[data-state=saved]").wait_for(timeout=60000),
            results,
        )
        manifest = (bundle / "manifest.json").stat().st_size
        js = page.evaluate("""async () => {
            const m = await import('./viewer/sha256.js');
            const b = new Uint8Array(await (await fetch('manifest.json')).arrayBuffer());
            const t = performance.now(); await m.sha256Hex(b); return performance.now() - t; }""")
        results["js_sha256_of_manifest"] = {"bytes": manifest, "ms": round(js)}
        print("js_sha256_of_manifest", results["js_sha256_of_manifest"], flush=True)

        page.locator(".ls-new input").fill("bench")
        page.keyboard.press("Enter")
        page.locator(".ls-current .name-form input").fill("half")
        page.keyboard.press("Enter")
        page.wait_for_selector(READY, state="attached")
        page.evaluate(
            "async (n) => { const a = []; for (let i = 0; i < n; i += 2) a.push(i); return window.xgexport.setSelection(a); }",
            n_cells,
        )
        half = page.evaluate("window.xgexport.getState().selected")

        def assign():
            page.locator(".ls-assign").click()
            page.locator(".legend-count", has_text=f"{half:,}").wait_for(timeout=60000)

        timed(page, "assign_half", assign, results)
        timed(
            page,
            "save_after_assign",
            lambda: page.locator(".us-status[data-state=saved]").wait_for(timeout=60000),
            results,
        )

        holder: dict = {}
        timed(
            page,
            "export_csv",
            lambda: holder.update(text=page.evaluate("window.xgexport.exportAnnotations()")),
            results,
        )
        results["export_csv"]["bytes"] = len(holder["text"].encode())
        timed(
            page,
            "import_csv",
            lambda: {
                "matched": page.evaluate(
                    "async (t) => (await window.xgexport.importAnnotations(t)).matched", holder["text"]
                )
            },
            results,
        )
        page.locator(".us-status[data-state=saved]").wait_for(timeout=60000)

        def reload():
            page.reload()
            page.wait_for_selector(READY, state="attached", timeout=120000)
            page.locator(".legend-count", has_text=f"{half:,}").wait_for(timeout=60000)

        timed(page, "reload_until_labels_shown", reload, results)
        page.locator("#genesets summary").click()
        page.locator(".gs-new input").fill("twenty")
        page.locator(".gs-new textarea").fill(" ".join(f"GENE{k}" for k in range(20)))

        def gene_set():
            page.get_by_role("button", name="Create gene set").click()
            page.locator(".legend-name", has_text="twenty (gene set)").wait_for(timeout=120000)
            page.wait_for_selector(READY, state="attached", timeout=120000)

        timed(page, "gene_set_mean_20_genes", gene_set, results)

        drawing = context.new_page()  # figures need the drawing
        drawing.add_init_script(f"({LONG})()")
        drawing.goto(url + "#color=obs%3Acluster")
        drawing.wait_for_selector(READY, state="attached", timeout=180000)
        for kind in ("png", "svg"):

            def export(kind=kind):
                drawing.locator("#export-open").click()
                with drawing.expect_download(timeout=180000) as dl:
                    drawing.locator(f"#export-{kind}").click()
                return {"bytes": Path(dl.value.path()).stat().st_size}

            timed(drawing, f"export_{kind}", export, results)
        browser.close()
    httpd.shutdown()
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cells", type=int, default=1_000_000)
    args = parser.parse_args()
    bundle = prepare(args.cells)
    print(json.dumps(measure(bundle, args.cells), indent=1))


if __name__ == "__main__":
    main()
