"""The violin plot of the gene the cells are coloured by, per category of a column chosen by the
person: medians and fractions expressing against numpy (float64) on the bundle's own values,
the median bar where the axis puts it, small groups' points, the keyboard, Escape, a subset,
and the PNG and SVG files with title and legend."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import colour_pixels, download_of, hex_rgb, save_artifact
from selection_helpers import gene_values, obs

pytestmark = pytest.mark.browser
SVG = "{http://www.w3.org/2000/svg}"


def violins(page):
    page.locator("#violin .violin-svg").wait_for()
    return {int(v.get_attribute("data-code")): v for v in page.locator("#violin g.violin").all()}


def check_against_numpy(page, values, codes, categories, keep=None):
    shown = violins(page)
    svg = page.locator("#violin .violin-svg")
    top, height = float(svg.get_attribute("data-top")), float(svg.get_attribute("data-height"))
    lo, hi = float(svg.get_attribute("data-lo")), float(svg.get_attribute("data-hi"))
    want = {k for k in range(len(categories)) if ((codes == k) & (keep if keep is not None else True)).any()}
    assert set(shown) == want
    for k, g in shown.items():
        v = values[(codes == k) & (keep if keep is not None else True)]
        assert float(g.get_attribute("data-median")) == pytest.approx(np.median(v), rel=1e-12, abs=1e-12), categories[k]
        assert float(g.get_attribute("data-frac")) == pytest.approx((v > 0).mean(), rel=1e-12)
        assert int(g.get_attribute("data-n")) == v.size
        # the white median bar is drawn where the y axis puts numpy's median
        y = float(g.locator(".v-median").get_attribute("y1"))
        assert y == pytest.approx(top + (1 - (np.median(v) - lo) / (hi - lo)) * height, abs=0.01)
        assert g.locator(".v-frac").text_content() == f"{round((v > 0).mean() * 100)}%"
        dots = g.locator("circle").count()
        assert dots == (v.size if v.size <= 100 else 0)


def test_violin_of_a_gene_per_category_against_numpy(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD79A"))
    values = gene_values(pbmc_bundle, "CD79A")
    page.locator("#open-violin").click()
    assert page.locator("#violin").is_visible()
    assert page.locator("#violin-column option:checked").text_content() == "louvain"  # the dataset's default colouring
    codes, attrs = obs(pbmc_bundle, "louvain")
    check_against_numpy(page, values, codes, attrs["categories"])
    save_artifact("violin_cd79a_louvain.png", page.locator("#violin").screenshot())
    # another column with the keyboard: phase (the option above louvain), then louvain again
    page.locator("#violin-column").focus()
    page.keyboard.press("ArrowUp")
    assert page.locator("#violin-column option:checked").text_content() == "phase"
    page.wait_for_function("() => document.querySelectorAll('#violin g.violin').length === 3")
    pcodes, pattrs = obs(pbmc_bundle, "phase")
    check_against_numpy(page, values, pcodes, pattrs["categories"])
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => document.querySelectorAll('#violin g.violin').length === 11")
    # the violin follows the colouring: another gene from the search box
    page.locator("#gene-input").fill("CST3")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('#violin svg text')?.textContent.includes('CST3')")
    check_against_numpy(page, gene_values(pbmc_bundle, "CST3"), codes, attrs["categories"])
    save_artifact("violin_cst3_louvain.png", page.locator("#violin").screenshot())
    page.keyboard.press("Escape")
    assert page.locator("#violin").is_hidden()
    rec.assert_clean([pbmc_site.origin])


def test_violin_of_a_subset(rec, pbmc_site, pbmc_bundle):
    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD79A&subset=cat:louvain:0,1,7"))
    codes, _attrs = obs(pbmc_bundle, "louvain")
    keep = np.isin(codes, [0, 1, 7])
    page.locator("#open-violin").click()
    page.locator("#violin-column").select_option(label="bulk_labels")
    bulk, battrs = obs(pbmc_bundle, "bulk_labels")
    page.wait_for_function(
        "() => document.querySelector('#violin svg text:nth-of-type(2)')?.textContent.includes('subset')"
    )
    check_against_numpy(page, gene_values(pbmc_bundle, "CD79A"), bulk, battrs["categories"], keep)
    rec.assert_clean([pbmc_site.origin])


def test_violin_files_have_title_and_legend(rec, pbmc_site, pbmc_bundle, pixel_reader):
    page = rec.goto_ready(pbmc_site.url("#color=gene%3ACD79A"))
    page.locator("#open-violin").click()
    page.locator("#violin-column").select_option(label="bulk_labels")
    page.wait_for_function("() => document.querySelector('#violin svg text')?.textContent.includes('bulk_labels')")
    dl = download_of(page, "#violin-svg")
    assert dl.suggested_filename == "PBMC_68k_reduced_CD79A_by_bulk_labels.svg"
    root = ET.fromstring(Path(dl.path()).read_bytes())
    texts = [t.text for t in root.iter(f"{SVG}text")]
    _codes, attrs = obs(pbmc_bundle, "bulk_labels")
    assert texts[0] == "CD79A by bulk_labels" and "PBMC 68k (reduced)" in texts[1]
    assert "bulk_labels" in texts and "Box: quartiles; white bar: median" in texts
    assert all(c[:23] in " ".join(texts) for c in attrs["categories"])
    dl = download_of(page, "#violin-png")
    png = Path(dl.path()).read_bytes()
    save_artifact("violin_export.png", png)
    px = pixel_reader(png)
    assert px.shape[1] == 2 * int(root.get("width")) and px.shape[0] == 2 * int(root.get("height"))
    for colour, n in zip(attrs["colors"], attrs["counts"]):  # each violin's outline in its category's colour
        if n > 1:
            assert colour_pixels(px, hex_rgb(colour), tol=10) > 20, colour
    assert (px[:60, :, :3].max(axis=-1) < 90).sum() > 300  # the title
    rec.assert_clean([pbmc_site.origin])


def test_stats_with_negative_zero_and_missing_values_against_numpy(rec, pbmc_site):
    """violinstats.js on scaled data (below 0, exact zeros, NaN) against numpy in float64."""
    page = rec.goto_ready(pbmc_site.url())
    rng = np.random.default_rng(5)
    n = 5000
    values = rng.normal(0, 1, n).astype(np.float32)
    values[rng.random(n) < 0.3] = 0
    values[rng.random(n) < 0.02] = np.nan
    codes = rng.integers(-1, 7, n)
    codes[codes == 3] = 4  # an empty category
    got = page.evaluate(
        """async ([values, codes]) => {
        const m = await import('./viewer/panels/violinstats.js');
        const v = Float32Array.from(values.map((x) => (x === null ? NaN : x)));
        return m.violinStats(v, Int32Array.from(codes), 7).groups.map((g) => g && {
            code: g.code, n: g.n, median: g.median, q1: g.q1, q3: g.q3, min: g.min, max: g.max, frac: g.frac, points: g.points });
    }""",
        [[None if np.isnan(v) else float(v) for v in values], codes.tolist()],
    )
    assert got[3] is None
    for k in (0, 1, 2, 4, 5, 6):
        v = values[(codes == k) & ~np.isnan(values)].astype(np.float64)
        g = got[k]
        assert g["n"] == v.size and g["frac"] == pytest.approx((v > 0).mean(), rel=1e-12)
        for key, want in (
            ("median", np.median(v)),
            ("q1", np.quantile(v, 0.25)),
            ("q3", np.quantile(v, 0.75)),
            ("min", v.min()),
            ("max", v.max()),
        ):
            assert g[key] == pytest.approx(want, rel=1e-12, abs=1e-12), (k, key)
        assert g["points"] is None  # more than 100 cells each
    rec.assert_clean([pbmc_site.origin])
