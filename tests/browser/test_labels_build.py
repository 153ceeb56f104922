"""The loop a curator closes: label sets made in the viewer, exported as CSV by the viewer itself,
then `xgexport build --annotations` → the new bundle has them as columns (codes, order, colours)
with their DE, and the viewer shows them as the dataset's own."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
import zarr
from browser_helpers import DATASETS, build_bundle, save_artifact

pytestmark = pytest.mark.browser


def test_exported_label_sets_rebuild_into_the_bundle(rec, pbmc_site, pbmc_bundle, serve, tmp_path):
    names = [str(n) for n in zarr.open_group(str(pbmc_bundle / "data"), mode="r")["obs_names"][:]]
    page = rec.goto_ready(pbmc_site.url())
    rng = np.random.default_rng(3)
    labels = ['T, "naive"', "B cells", "<i>odd</i>"]
    codes = rng.integers(-1, 3, size=len(names))
    text = "cell_id,curated set\n" + "".join(
        f'{n},"{labels[c].replace(chr(34), chr(34) * 2)}"\n' if c >= 0 else f"{n},\n" for n, c in zip(names, codes)
    )
    report = page.evaluate("async (t) => await window.xgexport.importAnnotations(t)", text)
    assert report["added"] == ["curated set"] and report["matched"] == len(names)
    exported = page.evaluate("async () => await window.xgexport.exportAnnotations()")
    path = tmp_path / "labels.csv"
    path.write_text(exported, encoding="utf-8")
    comment = next(line for line in exported.splitlines() if line.startswith("# xgexport-labels "))
    colours = dict(json.loads(comment[len("# xgexport-labels ") :])[0]["labels"])

    out = build_bundle(DATASETS / "scanpy_pbmc68k_reduced.h5ad", tmp_path / "rebuilt", "--title", "PBMC 68k (reduced)",
                       "--annotations", str(path))  # fmt: skip
    root = zarr.open_group(str(out / "data"), mode="r")
    meta = root.attrs["xgexport"]
    entry = next(o for o in meta["obs"] if o["name"] == "curated set")
    node = root[f"obs/{entry['id']}/codes"]
    order = node.attrs["categories"]
    assert sorted(order) == sorted(labels)
    got = np.array([order.index(labels[c]) if c >= 0 else -1 for c in codes])
    np.testing.assert_array_equal(node[:].astype(np.int64), got)
    assert node.attrs["colors"] == [colours[label] for label in order]  # the viewer's colours, kept
    assert "curated set" in [d["name"] for d in meta["de"]]

    # the rebuilt bundle shows the label set as one of its own columns, with its markers
    site = serve(out)
    page = rec.goto_ready(site.url() + "#color=" + "obs:curated%20set")
    legend = dict(
        zip(page.locator(".legend-label").all_text_contents(), page.locator(".legend-count").all_text_contents())
    )
    assert legend == {label: str(int((codes == k).sum())) for k, label in enumerate(labels)}
    save_artifact("labels_rebuilt.png", page.screenshot())
    rows = list(csv.reader(io.StringIO("\n".join(line for line in exported.splitlines() if not line.startswith("#")))))
    assert rows[0] == ["cell_id", "curated set"] and len(rows) == len(names) + 1
    rec.assert_clean([pbmc_site.origin, site.origin])
