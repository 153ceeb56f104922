"""Per-cell arrays split into several chunks (datasets beyond 4M cells) still draw."""

from __future__ import annotations

import numpy as np
import pytest
from browser_helpers import DATASETS, save_artifact


@pytest.fixture(scope="module")
def chunked_site(tmp_path_factory, serve, monkeypatch_module):
    import xgexport.format
    from xgexport.build import build
    from xgexport.report import Reporter

    monkeypatch_module.setattr(xgexport.format, "CELL_CHUNK", 256)  # 700 cells → 3 chunks
    out = tmp_path_factory.mktemp("chunked") / "bundle"
    build(DATASETS / "scanpy_pbmc68k_reduced.h5ad", out, reporter=Reporter(0))
    assert len(list((out / "data" / "embeddings" / "0" / "display").glob("c.*"))) == 3
    return serve(out)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.mark.browser
def test_chunked_per_cell_arrays_draw_every_cell(rec, chunked_site, pbmc_site, pixel_reader):
    """The plot of the 3-chunk bundle is the plot of the one-chunk bundle, pixel for pixel."""
    page = rec.goto_ready(chunked_site.url())
    chunked = pixel_reader(page.locator("#canvas").screenshot())
    save_artifact("chunked_cells.png", page.locator("#canvas").screenshot())
    assert "700 cells" in page.locator("body").text_content()
    rec.assert_clean([chunked_site.origin])
    page.goto(pbmc_site.url())
    page.wait_for_selector("html[data-xg-state=ready]", state="attached")
    whole = pixel_reader(page.locator("#canvas").screenshot())
    assert chunked.shape == whole.shape
    differing = (np.abs(chunked.astype(int) - whole.astype(int)).max(axis=-1) > 8).mean()
    assert differing < 0.001, f"{differing:.2%} of pixels differ"
