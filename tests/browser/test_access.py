"""Reachable and readable: keyboard and touch reach every control, focus stays where the person
is, Escape closes what it should, and text meets WCAG AA contrast."""

from __future__ import annotations

import pytest
from browser_helpers import READY, save_artifact, wait_until

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


def test_keyboard_reaches_only_buttons_and_keeps_focus(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    focused = "() => [document.activeElement.className, document.activeElement.closest('.legend-item')?.dataset.code]"
    page.locator(".legend-toggle").first.focus()
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["legend-only", "0"]
    assert page.locator(".legend-only").first.evaluate("(b) => getComputedStyle(b).opacity") == "1"
    page.keyboard.press("Enter")  # highlight category 0
    assert page.evaluate("window.xgexport.getState()")["color"] == "obs:louvain"
    assert "is-highlight" in page.locator(".legend-item").first.get_attribute("class")
    assert page.evaluate(focused) == ["legend-only", "0"]
    page.keyboard.press("Enter")  # and back
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused) == ["legend-toggle", "0"]
    page.keyboard.press("Space")  # hide category 0: focus stays on its row
    assert "is-hidden" in page.locator(".legend-item").first.get_attribute("class")
    assert page.evaluate(focused) == ["legend-toggle", "0"]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == ["legend-toggle", "1"]  # Tab walks the rows: toggle, only, next toggle
    rec.assert_clean([pbmc_site.origin])


def test_only_buttons_show_on_touch_screens(browser, pbmc_site):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(pbmc_site.url("#color=obs%3Alouvain"))
    page.wait_for_selector(READY, state="attached")
    page.locator("#toggle-cells").tap()
    only = page.locator(".legend-only").nth(3)
    assert only.evaluate("(b) => getComputedStyle(b).opacity") == "1" and only.is_visible()
    only.tap()
    assert "is-highlight" in page.locator(".legend-item").nth(3).get_attribute("class")
    context.close()


def test_escape_closes_the_dot_plot_then_the_marker_panel(rec, pbmc_site):
    page = rec.goto_ready(pbmc_site.url("#color=obs%3Alouvain"))
    page.locator("#markers summary").click()
    page.locator("#de-table tbody tr").first.wait_for()
    page.locator("#de-dotplot").click()
    page.locator("#dotplot svg").first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#dotplot").is_hidden()
    assert page.evaluate("document.activeElement.id") == "de-dotplot"  # focus back where it was
    assert page.locator("#markers").get_attribute("open") is not None  # one Escape, one thing closed
    page.keyboard.press("Escape")
    assert page.locator("#markers").get_attribute("open") is None
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    rec.assert_clean([pbmc_site.origin])


def test_tapping_a_cell_on_a_phone_shows_it(browser, pbmc_site, pbmc_bundle):
    import numpy as np
    import zarr

    root = zarr.open_group(str(pbmc_bundle / "data"), mode="r")
    disp = root["embeddings/0/display"]
    lo, hi = np.array(disp.attrs["min"]), np.array(disp.attrs["max"])
    xy = lo + disp[:].astype(float) / 65535 * (hi - lo)
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    i = int(np.argmax(d.min(1)))  # the loneliest cell: unambiguous under a finger
    name = str(root["obs_names"][:][i])
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.goto(pbmc_site.url("#color=obs%3Alouvain"))
    page.wait_for_selector(READY, state="attached")
    cam = page.evaluate("window.xgexport.getState().camera")
    box = page.locator("#canvas").bounding_box()
    w, h = box["width"], box["height"]
    s = min(w / (hi[0] - lo[0]), h / (hi[1] - lo[1])) * 0.92 * cam["zoom"]
    sx = w / 2 + (xy[i, 0] - cam["cx"]) * s
    sy = h / 2 - (xy[i, 1] - cam["cy"]) * s
    page.locator("#canvas").tap(position={"x": sx + 3, "y": sy - 2})  # a finger is not exact
    tip = page.locator("#tooltip")
    tip.wait_for(state="visible")
    wait_until(lambda: name in tip.text_content(), 5)
    assert "louvain" in tip.text_content()
    assert page.evaluate("window.xgexport.getState().camera") == cam  # a tap is not a pan
    save_artifact("phone_tap_tooltip.png", page.screenshot())
    # tapping empty space hides it
    page.locator("#canvas").tap(position={"x": 5, "y": h - 5})
    tip.wait_for(state="hidden")
    context.close()
