"""What Omotenashi adds to a page, for a visitor who browses by keyboard, at 400 % zoom or on a
phone: in Chromium, on the demo shop, with the demo's CSS (the styling the README points to)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from .test_respect import HERO, family_visitor

# The focused element when it is one of ours: its outline, and the colour just outside it (the
# first element under that point, other than the control itself, with a background).
RING = """() => {
  const e = document.activeElement;
  if (!e || !e.closest('.omo-i, .omo-why-page, .omo-done')) return null;
  const cs = getComputedStyle(e), r = e.getBoundingClientRect();
  const gap = parseFloat(cs.outlineOffset) + parseFloat(cs.outlineWidth) + 2;
  const x = r.left - gap, y = r.top + r.height / 2;
  let bg = getComputedStyle(document.body).backgroundColor;
  for (const under of document.elementsFromPoint(x, y)) {
    if (e.contains(under)) continue;
    const c = getComputedStyle(under).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(c) && c !== 'transparent') { bg = c; break; }
  }
  return {name: e.getAttribute('aria-label') || e.textContent.trim(), style: cs.outlineStyle,
          outline: cs.outlineColor, bg};
}"""

# Whether the focused element is entirely under the confirmation (WCAG 2.4.11)
UNDER = """() => {
  const f = document.getElementById('omo-done'), e = document.activeElement;
  if (!f || !e || f.contains(e) || e === document.body) return null;
  const b = e.getBoundingClientRect();
  const points = [[b.left + 1, b.top + 1], [b.right - 1, b.top + 1], [b.left + 1, b.bottom - 1],
                  [b.right - 1, b.bottom - 1], [(b.left + b.right) / 2, (b.top + b.bottom) / 2]];
  const hidden = points.every(([x, y]) => {
    const t = document.elementFromPoint(x, y);
    return !!t && f.contains(t);
  });
  return hidden ? (e.getAttribute('aria-label') || e.textContent.trim()).slice(0, 60) : null;
}"""


def _luminance(colour: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"[\d.]+", colour)[:3])

    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_our_controls_have_a_focus_ring_of_3_to_1_on_the_block_they_sit_on(
    page: Page, base_url: str
) -> None:
    """Every "i", the controls in its popover and the page panel's summary, reached by Tab: the
    ring is drawn, and at 3:1 against the colour around it, whatever the block's colour is
    (WCAG 1.4.11 and 2.4.7)."""
    family_visitor(page, base_url)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    page.locator("body").focus()
    seen: dict[str, Any] = {}
    for _ in range(80):
        page.keyboard.press("Tab")
        ring = page.evaluate(RING)
        if ring is not None:
            seen[ring["name"]] = ring
    assert any(name.startswith("i: why you see this:") for name in seen), seen
    assert any(name.startswith("Don't show me this:") for name in seen), seen
    assert "Why this page looks this way" in seen, seen
    weak = {
        name: f"{r['outline']} on {r['bg']}: {contrast(r['outline'], r['bg']):.2f}"
        for name, r in seen.items()
        if r["style"] == "none" or contrast(r["outline"], r["bg"]) < 3
    }
    assert weak == {}


@pytest.mark.parametrize("size", [(360, 640), (320, 256)], ids=["phone", "400-percent-zoom"])
def test_tabbing_after_a_choice_never_lands_under_the_confirmation(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str, size: tuple[int, int]
) -> None:
    """The confirmation after "Don't show me this" stays in view at the bottom of the window:
    what the keyboard focuses next is never entirely hidden under it (WCAG 2.4.11), in a small
    window or at 400 % zoom (320 by 256 CSS px) either."""
    width, height = size
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": width, "height": height}}
    )
    try:
        page = context.new_page()
        family_visitor(page, base_url)
        page.locator(HERO + " details.omo-i > summary").click()
        page.locator(HERO + " .omo-dismiss button").click()
        expect(page.locator("#omo-done")).to_contain_text("Done: you won't see")
        hidden = []
        for _ in range(30):
            page.keyboard.press("Tab")
            under = page.evaluate(UNDER)
            if under:
                hidden.append(under)
        assert hidden == []
    finally:
        context.close()
