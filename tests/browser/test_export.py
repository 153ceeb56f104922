"""The plot as a figure: PNG at 2× with title and legend (pixels checked), SVG with every drawn
cell as a circle in its colour (counted against the bundle) and names as text; above 50,000
visible cells the SVG holds the points as an image and says so."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import zarr
from browser_helpers import (
    READY,
    REPO,
    build_bundle,
    colour_pixels,
    drawn_after,
    export_download,
    frames,
    hex_rgb,
    save_artifact,
)

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def download(page, item):
    """Through the toolbar's download menu, as a person would."""
    d = export_download(page, item)
    assert page.locator("#export-menu").is_hidden()
    return d


def svg_of(page):
    d = download(page, "#export-svg")
    return d, ET.fromstring(Path(d.path()).read_bytes())


def circle_colours(root):
    """Colour of every circle in the plot group (the legend's circles are outside it)."""
    plot = next(g for g in root.iter(f"{SVG}g") if g.get("clip-path"))
    out = Counter()
    for g in plot.iter(f"{SVG}g"):
        n = sum(1 for c in g if c.tag == f"{SVG}circle")
        if n:
            out[g.get("fill")] += n
    return out


def rgb_text(hex_colour):
    r, g, b = hex_rgb(hex_colour)
    return f"rgb({r}, {g}, {b})"


def test_png_is_twice_the_plot_with_title_and_legend(rec, pbmc_site, pbmc_bundle, pbmc_meta, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    d = download(page, "#export-png")
    assert d.suggested_filename == "PBMC_68k_reduced_louvain.png"
    png = Path(d.path()).read_bytes()
    save_artifact("export_louvain.png", png)
    px = pixel_reader(png)
    box = page.locator("#canvas").bounding_box()
    h, w = px.shape[:2]
    # 2×: the plot is twice its CSS size, with margins, a title band and the legend beside it
    assert w == 2 * (16 + round(box["width"]) + 16 + 230 + 16) and h == 2 * (56 + round(box["height"]) + 16)
    plot = px[2 * 56 : 2 * (56 + int(box["height"])), 2 * 16 : 2 * (16 + int(box["width"]))]
    legend = px[:, 2 * (32 + int(box["width"])) :]
    title = px[: 2 * 52, :]
    col = next(o for o in pbmc_meta["obs"] if o["name"] == "louvain")
    attrs = zarr.open_group(str(pbmc_bundle / "data"), mode="r")[f"obs/{col['id']}/codes"].attrs
    for colour, n in zip(attrs["colors"], attrs["counts"]):
        assert colour_pixels(plot, hex_rgb(colour)) > 4 * n, colour  # every cell drawn, each a dot of several pixels
        assert colour_pixels(legend, hex_rgb(colour)) > 20, colour  # its swatch
    # dark text in the title band and the legend (the title, the categories and their counts)
    assert (title[..., :3].max(axis=-1) < 90).sum() > 500
    assert (legend[..., :3].max(axis=-1) < 90).sum() > 500
    rec.assert_clean([pbmc_site.origin])


def test_svg_has_every_cell_in_its_colour(rec, pbmc_site, pbmc_bundle, pbmc_meta):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    d, root = svg_of(page)
    assert d.suggested_filename == "PBMC_68k_reduced_louvain.svg"
    assert root.find(f"{SVG}title").text == "PBMC 68k (reduced)"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[:2] == ["PBMC 68k (reduced)", "louvain · UMAP · 700 cells"]
    col = next(o for o in pbmc_meta["obs"] if o["name"] == "louvain")
    attrs = zarr.open_group(str(pbmc_bundle / "data"), mode="r")[f"obs/{col['id']}/codes"].attrs
    assert "louvain" in texts and all(c in texts for c in attrs["categories"])
    assert all(f"{n:,}" in texts for n in attrs["counts"])
    assert circle_colours(root) == {rgb_text(c): n for c, n in zip(attrs["colors"], attrs["counts"])}
    assert root.find(f".//{SVG}image") is None

    # a gene: the cells with 0 are light grey, the others on the colour bar
    page.evaluate("window.xgexport.setColor('gene:CD3E')")
    page.wait_for_selector(READY, state="attached")
    _, root = svg_of(page)
    names = list(zarr.open_group(str(pbmc_bundle / "data"), mode="r")["var/names"][:])
    values = zarr.open_group(str(pbmc_bundle / "data"), mode="r")["X"][names.index("CD3E"), :]
    colours = circle_colours(root)
    assert sum(colours.values()) == 700 and colours["rgb(224, 224, 224)"] == int((values == 0).sum())
    assert "0: not expressed (424 cells)" in [t.text for t in root.iter(f"{SVG}text")]
    # zoomed in on cell 0: only the cells in view
    x0, y0 = (float(v) for v in zarr.open_group(str(pbmc_bundle / "data"), mode="r")["embeddings/0/coords"][0])
    drawn = frames(page)
    page.evaluate("([x, y]) => window.xgexport.setCamera({cx: x, cy: y, zoom: 4})", [x0, y0])
    drawn_after(page, drawn)
    _, root = svg_of(page)
    assert 0 < sum(circle_colours(root).values()) < 700
    rec.assert_clean([pbmc_site.origin])


def test_svg_subtitle_counts_the_subset(rec, pbmc_site, pbmc_meta, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain&subset=cat:louvain:0,1,7"))
    _, root = svg_of(page)
    col = next(o for o in pbmc_meta["obs"] if o["name"] == "louvain")
    counts = zarr.open_group(str(pbmc_bundle / "data"), mode="r")[f"obs/{col['id']}/codes"].attrs["counts"]
    kept = counts[0] + counts[1] + counts[7]
    assert [t.text for t in root.iter(f"{SVG}text")][1] == f"louvain · UMAP · {kept} cells (the subset)"
    assert sum(circle_colours(root).values()) == kept
    rec.assert_clean([pbmc_site.origin])


NAME = '<script>alert(1)</script> & "quotes"'


@pytest.fixture(scope="session")
def many_bundle(tmp_path_factory):
    """60,000 cells (more than an SVG takes as circles) with a hostile column name and title."""
    sys.path.insert(0, str(REPO / "tests"))
    import pandas as pd

    from factories import synthetic_adata, write

    a = synthetic_adata(60000, 4, seed=3)
    a.obs[NAME] = pd.Categorical(np.array(["<b>one</b>", "two & three"])[np.arange(60000) % 2])
    base = tmp_path_factory.mktemp("many")
    return build_bundle(write(a, base / "many.h5ad"), base / "out", "--title", NAME)


@pytest.fixture(scope="session")
def many_site(many_bundle, serve):
    return serve(many_bundle)


def test_large_svg_embeds_the_points_as_an_image_and_names_stay_text(rec, many_site, many_bundle, pixel_reader):
    page = rec.goto_ready(
        many_site.url(
            "#color=" + "obs%3A" + NAME.replace("&", "%26").replace("<", "%3C").replace(">", "%3E").replace('"', "%22")
        )
    )
    _d, root = svg_of(page)
    assert root.find(f"{SVG}title").text == NAME
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert NAME in texts and "<b>one</b>" in texts and "two & three" in texts
    image = root.find(f".//{SVG}image")
    assert image is not None and image.get("href").startswith("data:image/png;base64,")
    assert not circle_colours(root)
    assert "60000 cells drawn as an embedded image" in root.find(f"{SVG}desc").text
    status = page.locator("#status")
    status.wait_for()
    assert "holds the 60,000 cells as an image" in status.text_content()
    import base64

    png = pixel_reader(base64.b64decode(image.get("href").split(",", 1)[1]))
    assert colour_pixels(png, hex_rgb("#1f77b4")) > 1000 and colour_pixels(png, hex_rgb("#ff7f0e")) > 1000
    # zoomed far in on cell 0, few cells are visible: circles again
    x0, y0 = (float(v) for v in zarr.open_group(str(many_bundle / "data"), mode="r")["embeddings/0/coords"][0])
    drawn = frames(page)
    page.evaluate("([x, y]) => window.xgexport.setCamera({cx: x, cy: y, zoom: 40})", [x0, y0])
    drawn_after(page, drawn)
    _, root = svg_of(page)
    assert root.find(f".//{SVG}image") is None and 0 < sum(circle_colours(root).values()) < 50000
    save_artifact("export_many.png", page.screenshot())
    rec.assert_clean([many_site.origin])


def test_download_menu_by_keyboard(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    page.locator("#export-open").focus()
    page.keyboard.press("Enter")
    menu = page.locator("#export-menu")
    assert menu.is_visible() and page.locator("#export-open").get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.id") == "export-png"
    assert page.locator("#export-ids").is_disabled()  # no cell is selected
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "export-svg"
    page.keyboard.press("ArrowDown")  # the disabled item is skipped
    assert page.evaluate("document.activeElement.id") == "export-png"
    page.keyboard.press("Escape")
    assert menu.is_hidden() and page.evaluate("document.activeElement.id") == "export-open"
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowDown")
    with page.expect_download() as dl:
        page.keyboard.press("Enter")
    assert dl.value.suggested_filename.endswith(".svg")
    # a click elsewhere closes it
    page.locator("#export-open").click()
    page.locator("#title").click()
    assert menu.is_hidden()
    rec.assert_clean([pbmc_site.origin])
