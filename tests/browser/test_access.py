"""Reachable and readable: keyboard and touch reach every control, focus stays where the person
is, Escape closes what it should, and text meets WCAG AA contrast."""

from __future__ import annotations

import time

import pytest

from browser_helpers import READY, save_artifact

pytestmark = pytest.mark.browser

# Contrast of every visible text element against the first opaque background behind it
# (WCAG 2 relative luminance); crossed-out hidden legend entries are inactive and exempt.
CONTRAST = """() => {
  const lin = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const rgba = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
    if (!own || !el.checkVisibility() || el.closest(".is-hidden, svg, canvas, option")) continue;
    const fg = rgba(getComputedStyle(el).color).slice(0, 3);
    const [a, b] = [lum(fg), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push([el.tagName.toLowerCase() + (el.className ? "." + String(el.className).split(" ")[0] : ""),
              el.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100]);
  }
  return out;
}"""


def test_text_meets_wcag_aa_contrast(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    measured = page.evaluate(CONTRAST)
    page.evaluate("window.xgexport.setColor('gene:CD3E')")
    page.wait_for_selector(READY, state="attached")
    measured += page.evaluate(CONTRAST)
    footer = [m for m in measured if m[0].startswith("footer")]
    assert footer and footer[0][2] >= 4.5, footer
    low = sorted({tuple(m) for m in measured if m[2] < 4.5})
    assert not low, f"text below 4.5:1 contrast: {low}"
    assert len(measured) > 60  # the sweep saw the page
    rec.assert_clean([pbmc_site.origin])
