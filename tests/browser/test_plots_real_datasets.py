"""The plots of issue #13 on the other real files of tests/data (the PBMC file has its own tests):
category names that do not overlap, sit inside the plot and are the column's; a violin per
category of a well-expressed gene with numpy's medians; the heatmap of the stored markers; the
plot's figure with its title and legend. One bundle per file, built with the real command."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zarr
from browser_helpers import (
    BOXES,
    DATASETS,
    READY,
    UNCLIPPED,
    build_bundle,
    export_file,
    outside,
    overlapping_boxes,
    save_artifact,
)
from selection_helpers import meta, obs

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"

FILES = {  # file → (a categorical column with DE, the embedding shown)
    "cxg-curation_heart-example-with-labels.h5ad": ("tissue", "X_umap"),
    "cellbrowser_pbmc-small_10-embeddings.h5ad": ("louvain", "X_tsne"),
    "scvi-tools_starmap-mpfc_from-loom.h5ad": ("Clusters", "spatial"),
    "cellxgene_pbmc3k-100x100-nan.h5ad": ("louvain", "X_umap"),
}
# every gene of this file has a NaN in some cell, so every t statistic is NaN and no gene ranks as
# a marker (the build says so): the dot plot says it has no genes instead of drawing a heatmap
NO_MARKERS = {"cellxgene_pbmc3k-100x100-nan.h5ad"}


def a_gene(bundle):
    """The gene expressed (above 0) in the most cells, with its values: a violin worth drawing."""
    g = zarr.open_group(str(bundle / "data"), mode="r")
    x = g["X"][:].astype(np.float64)
    k = int(np.argmax((np.nan_to_num(x) > 0).sum(axis=1)))
    return str(g["var/names"][k]), x[k]


@pytest.mark.parametrize("name", sorted(FILES))
def test_labels_violin_heatmap_and_figure(rec, serve, tmp_path, name):
    column, embedding = FILES[name]
    out = build_bundle(DATASETS / name, tmp_path / "out", "--no-compare")
    site = serve(out)
    stem = name.split("_")[0]
    page = rec.goto_ready(site.url(f"#embedding={embedding}&color=obs%3A{column}"))
    codes, attrs = obs(out, column)
    # names on the plot: the column's, inside the plot, none over another
    page.locator(".plot-label").first.wait_for()
    labels = page.locator(".plot-label:not([hidden])")
    shown = labels.all_text_contents()
    present = {attrs["categories"][k] for k in np.unique(codes[codes >= 0])}
    assert shown and set(shown) <= present and len(shown) >= min(3, len(present))
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    canvas = page.locator("#canvas").bounding_box()
    assert not overlapping_boxes(boxes)
    assert all(b["x"] >= canvas["x"] - 1 and b["x"] + b["width"] <= canvas["x"] + canvas["width"] + 1 for b in boxes)
    save_artifact(f"real_{stem}_labels.png", page.screenshot())
    # the figure: title, the column's legend with every category's count
    root = ET.fromstring(export_file(page, "#export-svg"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts[0] == meta(out)["title"] and column in texts
    assert all(str(n) in texts for n in attrs["counts"][:10])
    # a violin of a well-expressed gene per category, against numpy
    gene, values = a_gene(out)
    page.evaluate("(g) => window.xgexport.setColor('gene:' + g)", gene)
    page.wait_for_selector(READY, state="attached")
    page.locator("#open-violin").click()
    page.locator("#violin-column").select_option(label=column)
    page.locator("#violin .violin-svg").wait_for()
    page.wait_for_function(f"() => document.querySelectorAll('#violin g.violin').length === {len(present)}")
    for g in page.locator("#violin g.violin").all():
        v = values[codes == int(g.get_attribute("data-code"))]
        v = v[np.isfinite(v)]
        assert float(g.get_attribute("data-median")) == pytest.approx(np.median(v), rel=1e-6, abs=1e-6)
    # at the desktop window, every violin and every line of text in view: none cut off at the right
    shown = page.evaluate(BOXES, ["#violin .violin-svg", "g.violin, text"])
    assert not outside(shown), outside(shown)
    assert not page.evaluate(UNCLIPPED, "#violin .violin-svg")
    save_artifact(f"real_{stem}_violin.png", page.locator("#violin").screenshot())
    page.keyboard.press("Escape")
    # the heatmap of the stored markers, one row per tested category
    page.locator("#markers summary").click()
    page.locator("#de-category option").first.wait_for(state="attached")
    if page.locator("#de-column").is_visible():  # several DE columns: choose this one
        page.locator("#de-column").select_option(label=column)
    page.locator("#de-dotplot").click()
    if name in NO_MARKERS:
        page.locator("#dotplot .note", has_text="No genes chosen.").wait_for()
        rec.assert_clean([site.origin])
        return
    page.locator("#dotplot svg circle").first.wait_for()
    page.locator("#dp-view-heat").click()
    page.locator("#dotplot .heatmap-svg").wait_for()
    assert page.locator("#dotplot .hm-cell").count() > 0
    # nothing clipped by the figure (its subtitle), its colour legend in view without scrolling sideways
    assert not page.evaluate(UNCLIPPED, "#dotplot .heatmap-svg")
    legend = page.evaluate(BOXES, ["#dotplot .heatmap-svg", "text"])
    legend["boxes"] = [b for b in legend["boxes"] if b["text"] in ("mean expression", "z-score per gene across")]
    assert len(legend["boxes"]) == 2 and not outside(legend, horizontal_only=True), legend
    save_artifact(f"real_{stem}_heatmap.png", page.locator("#dotplot").screenshot())
    rec.assert_clean([site.origin])
