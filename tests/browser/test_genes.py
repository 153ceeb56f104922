"""Genes as people find and read them: search ranking, unknown names, genes sharing a symbol,
missing symbols, zero expression, and names that would reorder the text around them."""

from __future__ import annotations

import time

import pytest

from browser_helpers import READY, save_artifact

pytestmark = pytest.mark.browser


def wait_until(fn, timeout=10.0):
    end = time.monotonic() + timeout
    while not (value := fn()):
        assert time.monotonic() < end, "timed out waiting"
        time.sleep(0.05)
    return value


def suggestions(page, text):
    box = page.locator("#gene-input")
    box.click()
    box.fill(text)
    page.locator("#gene-list li").first.wait_for()
    return [li.locator("span").first.text_content() for li in page.locator("#gene-list li").all()]


def test_search_ranks_exact_then_prefix_by_length_then_natural_order(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url())
    assert suggestions(page, "CD3") == ["CD3D", "CD3E", "CD3G", "CD33", "CD37", "CD300A"]
    assert suggestions(page, "cd3e")[0] == "CD3E"  # exact, any case
    rec.assert_clean([pbmc_site.origin])


def test_unknown_gene_and_enter_says_so(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    box = page.locator("#gene-input")
    box.click()
    box.fill("NOTAGENE")
    box.press("Enter")
    status = page.locator("#gene-status")
    wait_until(lambda: "NOTAGENE" in status.text_content())
    assert "No gene" in status.text_content()
    assert page.evaluate("window.xgexport.getState().color") == "obs:louvain"
    # typing again clears the message
    box.fill("CD3")
    wait_until(lambda: status.text_content() == "")
    rec.assert_clean([pbmc_site.origin])
