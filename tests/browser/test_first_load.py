"""The first load: the page names every module of the first view, so the browser fetches the
whole module graph at once instead of discovering it one import level at a time."""

from __future__ import annotations

import re

import pytest
from browser_helpers import wait_until

from xgexport.site import ENTRY, module_graph

pytestmark = pytest.mark.browser


def test_every_module_is_requested_before_main_js_has_arrived(rec, pbmc_site, pbmc_bundle):
    html = (pbmc_bundle / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="viewer/([^"]+)">', html)
    graph = module_graph(pbmc_bundle / "viewer", ENTRY)
    assert preloaded == graph[1:] and len(preloaded) > 20
    page = rec.goto_ready(pbmc_site.url(""))
    timings = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((e) => e.name.includes("/viewer/") && e.name.endsWith(".js"))
            .map((e) => ({name: e.name.split("/viewer/")[1], start: e.startTime, end: e.responseEnd}))"""
    )
    by_name: dict[str, dict] = {}
    for t in sorted(timings, key=lambda t: t["start"], reverse=True):  # a worker may fetch a module again later
        by_name[t["name"]] = t
    # workers and modules loaded on demand are not part of the first view's graph
    assert set(graph) <= set(by_name), set(graph) - set(by_name)
    main_arrived = by_name[ENTRY]["end"]
    late = {name: round(by_name[name]["start"] - main_arrived) for name in graph[1:] if by_name[name]["start"] > main_arrived}
    # without the preload links every import level waits for the one above it (here: 8 levels)
    assert not late, f"modules requested only after main.js arrived (ms after): {late}"


def test_the_first_gene_is_one_request_of_its_own_chunk(rec, pbmc_site, pbmc_bundle):
    """Gene names and the matrix's metadata are read after the first frame, while the reader looks
    at it; picking the first gene then fetches that gene's chunk and nothing else."""
    page = rec.goto_ready(pbmc_site.url(""))
    fetched = """() => performance.getEntriesByType("resource").map((e) => e.name.split("/data/").pop())"""
    wait_until(lambda: {"var/names/c.0", "X/zarr.json"} <= set(page.evaluate(fetched)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url.split("/data/")[-1]))
    box = page.locator("#gene-input")
    box.click()
    box.type("CD3E")
    page.locator("#gene-list li").first.wait_for()
    box.press("Enter")
    wait_until(lambda: page.evaluate("window.xgexport.getState().color").startswith("gene:"))
    wait_until(lambda: page.evaluate("document.documentElement.dataset.xgState") == "ready")
    assert len(requests) == 1 and re.fullmatch(r"X/c\.\d+\.0", requests[0]), requests
