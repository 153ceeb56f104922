"""`xgexport index SITE`: the landing page of a folder of bundles, dataset text shown as text,
thumbnails of the default embedding, search, and bundles left untouched."""

from __future__ import annotations

import json
import shutil
import struct
import zlib

import numpy as np
import pytest
from click.testing import CliRunner

from helpers import SECOND_DATASET
from xgexport.cli import main
from xgexport.collection import encode_png, write_index
from xgexport.errors import XgError
from xgexport.verify import verify

HOSTILE_TITLE = 'PBMC <img src=x onerror="alert(1)"> & <b>bold</b>'
HOSTILE_DESCRIPTION = "</p><script>alert('x')</script> 68k cells, reduced"


HOSTILE = {
    "title": HOSTILE_TITLE,
    "description": HOSTILE_DESCRIPTION,
    "citation": "Zheng et al. <2017>",
    "doi": "10.1038/ncomms14049",
    "links": (("Paper <pdf>", "https://example.org/paper?a=1&b=2"),),
    "de": False,
    "embeddings": ("X_umap",),
    "obs": ("louvain",),
}


@pytest.fixture(scope="module")
def site(example_build, tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(example_build(**HOSTILE), root / "pbmc")
    shutil.copytree(example_build(**SECOND_DATASET), root / "second")
    return root


def read_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour_type = header[:4]
    assert (depth, colour_type) == (8, 6)
    raw = zlib.decompress(idat)
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, 1 + width * 4)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 4)


def test_png_encoder_round_trip():
    image = np.zeros((3, 5, 4), dtype=np.uint8)
    image[1, 2] = (10, 20, 30, 255)
    assert np.array_equal(read_png(encode_png(image)), image)


def test_index_lists_bundles_as_text_with_thumbnails(site):
    result = CliRunner().invoke(main, ["index", str(site), "--title", "Lab <datasets>"])
    assert result.exit_code == 0, result.output
    html = (site / "index.html").read_text()
    # dataset strings are escaped: they appear as text, never as markup
    assert "<img src=x" not in html and "<script>alert" not in html and "<b>bold</b>" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "Lab &lt;datasets&gt;" in html
    assert 'href="pbmc/index.html"' in html and 'href="second/index.html"' in html
    assert 'href="https://doi.org/10.1038/ncomms14049"' in html
    assert "<script" not in html.replace('<script src="_index/collection.js" defer></script>', "")
    assert " style=" not in html  # nothing inline: the CSP holds

    # one thumbnail per dataset, coloured like the viewer's default view
    thumbs = sorted((site / "_index").glob("*.png"))
    assert len(thumbs) == 2
    pbmc_colors = json.loads((site / "pbmc" / "data" / "obs" / "0" / "codes" / "zarr.json").read_text())
    palette = {tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in pbmc_colors["attributes"]["colors"]}
    seen = []
    for path in thumbs:
        pixels = read_png(path.read_bytes())
        assert pixels.shape == (160, 160, 4)
        drawn = pixels[pixels[..., 3] == 255][:, :3]
        assert len(drawn) > 500  # 700 cells as 2×2 dots
        seen.append({tuple(map(int, p)) for p in drawn})
    assert any(len(colours & palette) >= 5 for colours in seen)  # louvain colours
    assert any(colours == {(204, 204, 204)} for colours in seen)  # no colouring: grey

    # the bundles themselves were not touched
    assert verify(site / "pbmc") == [] and verify(site / "second") == []
    assert (site / ".nojekyll").exists()


@pytest.mark.browser
def test_index_page_in_chromium_search_and_csp(site, tmp_path, browser):
    from playwright.sync_api import expect

    from xgexport.serve import start_in_thread

    big = tmp_path / "big"
    big.mkdir()
    names = ["alpha", "beta", "gamma", "delta", "epsilon"]
    for name in names:
        shutil.copytree(site / "second", big / name)
    shutil.copytree(site / "pbmc", big / "pbmc")
    write_index(big)
    server, base = start_in_thread(big)
    problems: list[str] = []
    try:
        page = browser.new_page()
        try:
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
            page.on("dialog", lambda dialog: (problems.append("dialog"), dialog.dismiss()))
            page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.goto(base + "index.html")
            titles = page.locator(".dataset h2").all_text_contents()
            assert HOSTILE_TITLE in titles and titles.count("Plain second dataset") == 5
            assert page.locator(".description").first.text_content() == HOSTILE_DESCRIPTION
            assert page.locator(".dataset img").count() == 6  # thumbnails only, none injected
            for image in page.locator(".dataset img").all():  # lazy images load when seen
                image.scroll_into_view_if_needed()
                expect(image).to_have_js_property("complete", True)
            widths = page.eval_on_selector_all(".dataset img", "imgs => imgs.map(i => i.naturalWidth)")
            assert widths == [160] * 6
            # search: six datasets, so the box is there and filters by any text
            page.fill("#search", "gamma")
            assert page.locator(".dataset:visible").count() == 1
            assert page.text_content("#shown") == "1"
            page.fill("#search", "zheng")  # the citation
            assert page.locator(".dataset:visible h2").all_text_contents() == [HOSTILE_TITLE]
            page.fill("#search", "no such thing")
            assert page.locator(".dataset:visible").count() == 0 and page.is_visible("#empty")
            page.fill("#search", "")
            assert page.locator(".dataset:visible").count() == 6
            page.click("text=Plain second dataset >> nth=0")
            page.wait_for_url("**/alpha/index.html")
        finally:
            page.close()
    finally:
        server.shutdown()
    assert problems == []


def test_index_refuses_what_it_does_not_own(site, tmp_path):
    with pytest.raises(XgError, match="is a bundle itself"):
        write_index(site / "pbmc")
    foreign = tmp_path / "foreign"
    shutil.copytree(site / "second", foreign / "second")
    (foreign / "index.html").write_text("<h1>my lab</h1>")
    with pytest.raises(XgError, match="not written by `xgexport index`"):
        write_index(foreign)
    assert (foreign / "index.html").read_text() == "<h1>my lab</h1>"
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(main, ["index", str(empty)])
    assert result.exit_code == 1 and "no bundles" in result.output
