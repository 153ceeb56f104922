"""The first load: the page names every module of the first view, so the browser fetches the
whole module graph at once instead of discovering it one import level at a time; the panels the
first frame does not need (viewer_template/later.js and what it imports) load after it."""

from __future__ import annotations

import json
import re

import pytest
from browser_helpers import next_frames, save_artifact, wait_until

from xgexport.site import ENTRY, first_frame_modules, module_graph

pytestmark = pytest.mark.browser


def test_every_module_is_requested_before_main_js_has_arrived(rec, pbmc_site, pbmc_bundle):
    html = (pbmc_bundle / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="modulepreload" href="viewer/([^"]+)">', html)
    graph = first_frame_modules(pbmc_bundle / "viewer")
    assert graph[: len(module_graph(pbmc_bundle / "viewer", ENTRY))] == module_graph(pbmc_bundle / "viewer", ENTRY)
    assert "ui.js" in graph and preloaded == graph[1:] and len(preloaded) > 20
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
    late = {
        name: round(by_name[name]["start"] - main_arrived)
        for name in graph[1:]
        if by_name[name]["start"] > main_arrived
    }
    # without the preload links every import level waits for the one above it (here: 8 levels)
    assert not late, f"modules requested only after main.js arrived (ms after): {late}"


# panels and tools that main.js loads with import() after the first frame (later.js), and the gene index
LATER = ["later.js", "genes.js", "compare/client.js", "compare/panel.js", "panels/markers.js", "panels/dotplot.js", "panels/violin.js",
         "panels/twogenes.js", "panels/labelsets.js", "panels/cellsets.js", "panels/genesets.js", "workbench.js", "storage.js",
         "selection/setup.js", "selection/selection.js", "panels/categories.js", "panels/histograms.js", "plot/split.js", "plot/export.js",
         "plot/figurelayout.js", "selection/link.js"]  # fmt: skip
# imported when first needed, not even after the first frame: a gene set's mean (a gene set colouring)
ON_DEMAND = ["setmean.js"]

# the time of the first data-xg-state=ready, in the page's clock
READY_TIME = """new MutationObserver((_, obs) => {
  if (document.documentElement.dataset.xgState !== "ready") return;
  window.__readyAt = performance.now();
  obs.disconnect();
}).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-xg-state"] });"""


def test_the_first_frame_requests_only_its_own_modules(rec, pbmc_site, pbmc_bundle):
    """No panel module is in the first frame's static graph (one static import of a panel pulls
    its whole subtree back in front of the first frame), and the page requests no module outside
    that graph before it is ready; the panels' modules come after it, without being asked for."""
    graph = first_frame_modules(pbmc_bundle / "viewer")
    assert all((pbmc_bundle / "viewer" / name).is_file() for name in LATER)
    assert not set(LATER + ON_DEMAND) & set(graph), set(LATER + ON_DEMAND) & set(graph)
    rec.page.add_init_script(READY_TIME)
    page = rec.goto_ready(pbmc_site.url(""))
    modules = """() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/viewer/") && e.name.endsWith(".js"))
        .map((e) => [e.name.split("/viewer/")[1], e.startTime])"""
    wait_until(lambda: set(LATER) <= {name for name, _ in page.evaluate(modules)})
    ready = page.evaluate("window.__readyAt")
    before = {name for name, start in page.evaluate(modules) if start < ready}
    assert before == set(graph), (before - set(graph), set(graph) - before)


def test_the_first_gene_is_one_request_of_its_own_chunk(rec, pbmc_site, pbmc_bundle):
    """Gene names and the matrix's metadata are read after the first frame, while the reader looks
    at it; picking the first gene then fetches that gene's chunk and nothing else."""
    page = rec.goto_ready(pbmc_site.url(""))
    fetched = """() => performance.getEntriesByType("resource").map((e) => e.name.split("/data/").pop())"""
    # and the panels' modules (later.js), which the page loads at the same time
    later = {f"viewer/{name}" for name in module_graph(pbmc_bundle / "viewer", "later.js")}
    everything = """() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname.slice(1))"""
    wait_until(lambda: later <= set(page.evaluate(everything)))
    wait_until(lambda: {"var/names/c.0", "X/zarr.json"} <= set(page.evaluate(fetched)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url.split("/data/")[-1]) if "/data/" in r.url else None)
    box = page.locator("#gene-input")
    box.click()
    box.type("CD3E")
    page.locator("#gene-list li").first.wait_for()
    box.press("Enter")
    wait_until(lambda: page.evaluate("window.xgexport.getState().color").startswith("gene:"))
    wait_until(lambda: page.evaluate("document.documentElement.dataset.xgState") == "ready")
    assert len(requests) == 1 and re.fullmatch(r"X/c\.\d+\.0", requests[0]), requests


def inline_metadata(bundle) -> dict[str, str]:
    """The first view's metadata written into the page: {URL relative to the page: the file's text}."""
    html = (bundle / "index.html").read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="first-view">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_the_first_views_data_are_requested_beside_the_modules_once(rec, pbmc_site, pbmc_bundle, pbmc_meta):
    """The page names the group's metadata and the chunks of the dataset's own first view (`<link
    rel="preload">`): they are requested while the modules arrive, not one after another once the
    code runs, and the code's own reads use those responses (one request per file). The arrays'
    metadata is in the page itself: not requested at all before the first frame."""
    html = (pbmc_bundle / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="preload" href="(data/[^"]+)" as="fetch" crossorigin="anonymous">', html)
    emb = f"data/embeddings/{pbmc_meta['defaults']['embedding']}/display"
    codes = f"data/obs/{pbmc_meta['defaults']['color'].removeprefix('obs:')}/codes"
    assert preloaded == ["data/zarr.json", f"{emb}/c.0.0", f"{codes}/c.0"]
    inline = inline_metadata(pbmc_bundle)
    assert list(inline) == [f"{emb}/zarr.json", f"{codes}/zarr.json"]
    assert all(text == (pbmc_bundle / name).read_text(encoding="utf-8") for name, text in inline.items())
    rec.page.add_init_script(READY_TIME)
    page = rec.goto_ready(pbmc_site.url(""))
    entries = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .map((e) => ({name: new URL(e.name).pathname.slice(1), start: e.startTime, end: e.responseEnd}))"""
    )
    main_arrived = next(e["end"] for e in entries if e["name"] == f"viewer/{ENTRY}")
    for name in preloaded:
        requests = [e for e in entries if e["name"] == name]
        assert len(requests) == 1, (name, requests)
        assert requests[0]["start"] < main_arrived, (name, requests[0], main_arrived)
    ready = page.evaluate("window.__readyAt")
    asked = [e for e in entries if e["name"] in inline and e["start"] < ready]
    assert not asked, asked
    # and the first frame needed nothing else of the dataset
    data = sorted(e["name"] for e in entries if e["name"].startswith("data/") and e["start"] < ready)
    assert data == sorted(preloaded), data


# every draw of points: how many of the canvas's pixels are drawn (not white) and how many are
# coloured (saturated, in a hue other than the blue-grey of "no colouring", colormaps.js NONE_RGB),
# read back at once after the draw call (the drawing buffer is not preserved past the frame)
POINT_DRAWS = """(() => {
  window.__pointDraws = [];
  const draw = WebGL2RenderingContext.prototype.drawElements;
  WebGL2RenderingContext.prototype.drawElements = function (mode, count, ...rest) {
    const out = draw.call(this, mode, count, ...rest);
    if (mode !== this.POINTS || window.__pointDraws.length >= 5) return out;
    const { drawingBufferWidth: w, drawingBufferHeight: h } = this;
    const px = new Uint8Array(w * h * 4);
    this.readPixels(0, 0, w, h, this.RGBA, this.UNSIGNED_BYTE, px);
    const hue = (r, g, b) => {
      const hi = Math.max(r, g, b), d = hi - Math.min(r, g, b);
      const h = hi === r ? (g - b) / d : hi === g ? 2 + (b - r) / d : 4 + (r - g) / d;
      return (h * 60 + 360) % 360;
    };
    const none = hue(70, 100, 150);
    let coloured = 0, drawn = 0;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b] = [px[i], px[i + 1], px[i + 2]];
      if (Math.min(r, g, b) < 250) drawn++;
      if (Math.max(r, g, b) - Math.min(r, g, b) > 40 && Math.abs(hue(r, g, b) - none) > 25) coloured++;
    }
    const legend = document.querySelectorAll("#legend .legend-item").length;
    window.__pointDraws.push({ count, drawn, coloured, legend, state: document.documentElement.dataset.xgState });
    return out;
  };
})();"""


def test_the_first_drawn_frame_of_the_cells_is_already_coloured(rec, pbmc_site, pbmc_meta):
    """The embedding and the default colouring are read together and drawn in one frame: the
    first frame that shows the cells shows them in their colours, never grey first."""
    assert pbmc_meta["defaults"]["color"].startswith("obs:")
    rec.page.add_init_script(POINT_DRAWS)
    page = rec.goto_ready(pbmc_site.url(""))
    draws = page.evaluate("window.__pointDraws")
    first = next(d for d in draws if d["count"] >= pbmc_meta["n_cells"])
    assert first["drawn"] > 2000, draws  # the cells are on it
    # louvain's palette (a uncoloured frame has none: measured 0 of ~21,000 drawn, coloured ~4,000)
    assert first["coloured"] > first["drawn"] / 10, draws
    assert first is draws[0], draws
    # and the legend that reads those colours is there when they are drawn (ui.js is set up first)
    louvain = next(o for o in pbmc_meta["obs"] if f"obs:{o['id']}" == pbmc_meta["defaults"]["color"])
    assert first["legend"] == louvain["n_categories"] > 5, (first, louvain)


# every frame the plot draws (a clear of its canvas), with the most points drawn in it and whether
# the canvas was hidden then; every size given to the canvas and its WebGL context's making, with
# the frames drawn before each
RENDERS = """(() => {
  window.__renders = [];
  window.__sizes = [];
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    if (this.id === "canvas") window.__sizes.push(["context", kind, window.__renders.length]);
    return getContext.call(this, kind, ...rest);
  };
  for (const prop of ["width", "height"]) {
    const { get, set } = Object.getOwnPropertyDescriptor(HTMLCanvasElement.prototype, prop);
    Object.defineProperty(HTMLCanvasElement.prototype, prop, { get, configurable: true, set(v) {
      if (this.id === "canvas") window.__sizes.push([prop, v, window.__renders.length]);
      set.call(this, v);
    } });
  }
  const clear = WebGL2RenderingContext.prototype.clear;
  WebGL2RenderingContext.prototype.clear = function (...args) {
    if (this.canvas.id === "canvas") window.__renders.push({ points: 0, hidden: getComputedStyle(this.canvas).visibility === "hidden" });
    return clear.apply(this, args);
  };
  const draw = WebGL2RenderingContext.prototype.drawElements;
  WebGL2RenderingContext.prototype.drawElements = function (mode, count, ...rest) {
    const last = window.__renders[window.__renders.length - 1];
    if (this.canvas.id === "canvas" && mode === this.POINTS && last) last.points = Math.max(last.points, count);
    return draw.call(this, mode, count, ...rest);
  };
})();"""


def test_the_plot_draws_no_frame_before_the_cells(rec, pbmc_site, pbmc_meta):
    """Until the cells' positions and colours are there, the plot draws nothing and its canvas is
    hidden: the page's first frames do not hand an empty canvas to the compositor (which reads it
    back from SwiftShader in every such frame), and no blank plot shows meanwhile. The canvas is
    sized once, before its WebGL context is made, in the page's layout, which the panels then
    leave as it is: a canvas resized after its first draw (the toolbar's buttons moved it by a
    pixel) is cleared, drawn again and given a new drawing buffer, for which the page waits on
    the GPU process, and so is one resized after its context is made."""
    rec.page.add_init_script(RENDERS)
    page = rec.goto_ready(pbmc_site.url(""))
    save_artifact("first_frame_ready.png", page.screenshot())  # as soon as it is "ready"
    next_frames(page, 3)
    renders = page.evaluate("window.__renders")
    assert renders and renders[0]["points"] >= pbmc_meta["n_cells"], renders
    assert renders[0]["hidden"], renders  # hidden until this, its first frame
    sizes = page.evaluate("window.__sizes")
    # sized once, before its WebGL context is made: the drawing buffer is made at that size, not
    # made at 300×150 and made again (the page waits on the GPU process for each new one)
    assert [prop for prop, _, _ in sizes] == ["width", "height", "context"] and all(
        drawn == 0 for *_, drawn in sizes
    ), sizes
    assert len(renders) == 1, renders  # and not drawn again: nothing changed
    assert page.evaluate("getComputedStyle(document.getElementById('canvas')).visibility") == "visible"


def test_a_link_to_a_gene_is_coloured_in_the_first_frame_too(rec, pbmc_site, pbmc_meta):
    """A link's colouring (a gene: the names are read first) is drawn in the first frame as well."""
    rec.page.add_init_script(POINT_DRAWS)
    page = rec.goto_ready(pbmc_site.url("#color=gene:CD74"))
    assert page.evaluate("window.xgexport.getState().color") == "gene:CD74"
    draws = page.evaluate("window.__pointDraws")
    assert draws and draws[0]["count"] >= pbmc_meta["n_cells"], draws
    assert draws[0]["coloured"] > 500, draws


# the plot's WebGL program links and the synchronous questions to the GPU process about them,
# each marked with whether it came in the task that made the WebGL context (the plot's set-up)
GL_CALLS = """(() => {
  window.__gl = [];
  let setUp = false;
  const getContext = HTMLCanvasElement.prototype.getContext;
  HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
    if (this.id === "canvas" && kind === "webgl2") {
      setUp = true;
      setTimeout(() => { setUp = false; }, 0);  // the end of this task
    }
    return getContext.call(this, kind, ...rest);
  };
  const P = WebGL2RenderingContext.prototype;
  for (const name of ["linkProgram", "getProgramParameter", "getShaderParameter", "getUniformLocation"]) {
    const original = P[name];
    P[name] = function (...args) {
      if (this.canvas.id === "canvas") window.__gl.push([name, setUp]);
      return original.apply(this, args);
    };
  }
})();"""


def test_the_plot_does_not_wait_for_its_shaders_as_it_is_set_up(rec, pbmc_site):
    """A shader's status asked for at once makes the page wait while the GPU process compiles it
    (SwiftShader on the CPU: tens of ms on a loaded machine). The points' program is linked when
    the plot is made and asked about only when the cells' data first reach it (a later task: it
    was compiled meanwhile, while the page read the data and made the panels); the tissue image's
    program is made only for an image: a dataset without one links one program."""
    rec.page.add_init_script(GL_CALLS)
    rec.goto_ready(pbmc_site.url(""))
    calls = rec.page.evaluate("window.__gl")
    assert [name for name, _ in calls if name == "linkProgram"] == ["linkProgram"], calls
    asked = [(name, set_up) for name, set_up in calls if name != "linkProgram"]
    assert asked and not any(set_up for _, set_up in asked), calls


# the panels of the first frame: ui.js's, never in main.js's static graph
PANELS = ["ui.js", "panels/legend.js", "panels/colorby.js", "panels/genesearch.js", "panels/appearance.js", "plot/toolbar.js",
          "plot/pointer.js", "plot/picker.js", "plot/labels.js"]  # fmt: skip


def test_main_js_reads_the_data_while_the_panels_modules_arrive(pbmc_bundle):
    """main.js's static graph is the plot's (data, controller, WebGL), not the panels': it runs
    as soon as that smaller graph is in and imports ui.js, whose modules the page asks for after
    the view's data and main.js's modules, in that order."""
    viewer = pbmc_bundle / "viewer"
    main_graph = module_graph(viewer, ENTRY)
    assert "plot/renderer.js" in main_graph and "data.js" in main_graph
    assert not set(PANELS) & set(main_graph), set(PANELS) & set(main_graph)
    assert set(PANELS) <= set(module_graph(viewer, "ui.js"))
    html = (pbmc_bundle / "index.html").read_text(encoding="utf-8")
    order = re.findall(r'<link rel="(?:module)?preload" href="([^"]+)"|<script type="module" src="([^"]+)"', html)
    order = [a or b for a, b in order]
    data = [name for name in order if name.startswith("data/")]
    first = len(data)
    assert order[:first] == data and len(data) == 3
    assert order[first] == f"viewer/{ENTRY}"
    modules = [name.removeprefix("viewer/") for name in order[first + 1 :]]
    assert modules == first_frame_modules(viewer)[1:]
    assert modules.index("ui.js") == len(main_graph) - 1  # main.js's graph first, then ui.js's


# who asks for each file of the dataset: the first line of the page's code on the call stack
FETCH_CALLERS = """(() => {
  window.__fetches = [];
  const fetch = window.fetch;
  window.fetch = function (input, ...rest) {
    const caller = (new Error().stack.split("\\n").slice(2).find((line) => line.includes("/viewer/")) || "").match(/viewer\\/[\\w/]+\\.js/);
    window.__fetches.push([String(input.url ?? input), caller ? caller[0] : null]);
    return fetch.call(this, input, ...rest);
  };
})();"""


def test_main_js_takes_the_first_views_files_from_the_page(rec, pbmc_site, pbmc_bundle):
    """main.js asks first for every chunk the page preloads for the first view (the preloaded
    responses serve: one request each, above) and the data layer takes those responses instead of
    asking again; the metadata written into the page is never fetched."""
    html = (pbmc_bundle / "index.html").read_text(encoding="utf-8")
    preloaded = re.findall(r'<link rel="preload" href="(data/[^"]+)" as="fetch" crossorigin="anonymous">', html)
    rec.page.add_init_script(FETCH_CALLERS)
    page = rec.goto_ready(pbmc_site.url(""))
    fetches = [(url.split("/", 3)[3], caller) for url, caller in page.evaluate("window.__fetches")]
    assert fetches[: len(preloaded)] == [(name, f"viewer/{ENTRY}") for name in preloaded], fetches
    # and no other read of them: zarr.js took those responses; the metadata written into the page
    # is not fetched at all
    assert not {name for name, _ in fetches[len(preloaded) :]} & set(preloaded), fetches
    assert not {name for name, _ in fetches} & set(inline_metadata(pbmc_bundle)), fetches
