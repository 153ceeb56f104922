"""Side-by-side views exported as one figure (issue #13: every plot exports as PNG and SVG with its
title and legend): the dataset's title once, then each view titled by its colouring, with its
own legend, its cells where the page draws them (one camera) in its own colours."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import colour_pixels, export_download, hex_rgb, save_artifact
from selection_helpers import obs

pytestmark = pytest.mark.browser

SVG = "{http://www.w3.org/2000/svg}"


def plots_of(root):
    """Each view's circles (x, y) and fills, in the order the views are drawn."""
    out = []
    for g in root.iter(f"{SVG}g"):
        if not g.get("clip-path"):
            continue
        inner = g.find(f"{SVG}g")
        dx, dy = (float(v) for v in inner.get("transform")[len("translate(") : -1].split())
        circles = [(c, group.get("fill")) for group in inner.iter(f"{SVG}g") for c in group if c.tag == f"{SVG}circle"]
        xy = np.array([[float(c.get("cx")) + dx, float(c.get("cy")) + dy] for c, _ in circles])
        out.append((xy, [fill for _, fill in circles]))
    return out


def test_side_by_side_views_export_as_one_figure(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD79A&split=obs%3Alouvain"))
    page.locator(".split-view").wait_for()
    codes, attrs = obs(pbmc_bundle, "louvain")
    download = export_download(page, "#export-svg")
    assert download.suggested_filename == "PBMC_68k_reduced_CD79A_and_1_more_views.svg"
    root = ET.fromstring(Path(download.path()).read_bytes())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    # the dataset once, what the views share, then each view's colouring as its title
    assert root.find(f"{SVG}title").text == "PBMC 68k (reduced)" and texts[0] == "PBMC 68k (reduced)"
    assert texts[1].startswith("UMAP") and "700 cells" in texts[1]
    assert "CD79A" in texts and "louvain" in texts
    # each view's legend: the gene's colour bar, and every louvain category with its count
    assert len(list(root.iter(f"{SVG}linearGradient"))) == 1
    for name, n in zip(attrs["categories"], attrs["counts"]):
        assert name in texts and str(n) in texts
    # each legend dot on its label's line (the dots of a view's legend move with its text)
    dots = {c.get("fill"): float(c.get("cy")) for c in root if c.tag == f"{SVG}circle"}
    lines = {t.text: float(t.get("y")) for t in root if t.tag == f"{SVG}text"}
    for name, colour in zip(attrs["categories"], attrs["colors"]):
        fill = "rgb({}, {}, {})".format(*(int(colour[i : i + 2], 16) for i in (1, 3, 5)))
        assert abs(dots[fill] - (lines[name] - 4)) < 3, name
    assert abs(dots["rgb(224, 224, 224)"] - (lines["0: not expressed (570 cells)"] - 4)) < 3
    views = plots_of(root)
    assert len(views) == 2
    (main_xy, main_fill), (side_xy, side_fill) = views
    assert len(main_xy) == len(side_xy) == 700
    # one camera: the side view's cells are the main view's, moved by the view's offset
    offset = np.median(side_xy, axis=0) - np.median(main_xy, axis=0)
    assert offset[0] > 300 and abs(offset[1]) < 1
    assert np.abs(np.sort(side_xy[:, 0] - offset[0]) - np.sort(main_xy[:, 0])).max() < 0.02

    # the side view in louvain's colours, as many of each as the category has cells
    def rgb(text):
        return tuple(int(v) for v in text[4:-1].split(","))

    want = Counter(
        {
            tuple(int(h[i : i + 2], 16) for i in (1, 3, 5)): int((codes == k).sum())
            for k, h in enumerate(attrs["colors"])
        }
    )
    assert Counter(rgb(f) for f in side_fill) == want
    assert not {rgb(f) for f in main_fill} & set(want)  # the gene's view has no category colour
    # the PNG: both views side by side at 2×, louvain's colours only in the right half
    png = Path(export_download(page, "#export-png").path()).read_bytes()
    save_artifact("split_export.png", png)
    px = pixel_reader(png)
    half = px.shape[1] // 2
    width = float(root.get("width"))
    assert px.shape[1] == pytest.approx(2 * width, abs=2)
    for colour, n in zip(attrs["colors"], attrs["counts"]):
        assert colour_pixels(px[:, half:], hex_rgb(colour)) > 4 * n, colour
        assert colour_pixels(px[:, :half], hex_rgb(colour)) < 40, colour  # legend dots are on the right too
    rec.assert_clean([pbmc_site.origin])
