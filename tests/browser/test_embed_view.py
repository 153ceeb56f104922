"""A file without any embedding (raw Cell Ranger output), built with --embed pca, opens in the
viewer on its computed PCA and colours by a gene like any bundle."""

from __future__ import annotations

import pytest
from browser_helpers import DATASETS, build_bundle, save_artifact

pytestmark = pytest.mark.browser


def test_computed_pca_is_shown(rec, serve, tmp_path):
    out = build_bundle(DATASETS / "scanpy_pbmc-10x-v3-chr21_from-10x-h5.h5ad", tmp_path / "pca", "--embed", "pca")
    site = serve(out)
    page = rec.goto_ready(site.url())
    assert page.evaluate("window.xgexport.getState().embedding") == "X_pca"
    assert page.locator("#embedding-select option").all_text_contents() == ["PCA (X_pca)"]
    state = page.evaluate("async () => await window.xgexport.setColor('gene:ITGB2')")
    assert state["color"] == "gene:ITGB2"
    save_artifact("embed_pca_gene.png", page.screenshot())
    rec.assert_clean([site.origin])
