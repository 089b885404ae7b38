"""The measurement report (``omotenashi report --html``, ``/_omotenashi/report``) on a phone or
at 400 % zoom: the page keeps to a 320 px window (WCAG 1.4.10); the wide table scrolls in its
own region, named, reachable by keyboard, its caption in view. In Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from omotenashi.measure import report as rep
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec

from .test_transparency import serious_violations

DAYS = {
    "2026-11-01": {
        "x|t|hero": 3000,
        "x|c|hero": 3000,
        "c|t|hero|purchase": 360,
        "c|c|hero|purchase": 300,
        "x|t|family-hawaii-summer-offer": 6000,
        "x|c|family-hawaii-summer-offer": 4000,
        "c|t|family-hawaii-summer-offer|newsletter-signup": 90,
    },
}
SPECS = [
    RuleSpec("hero", 50.0, ("purchase",)),
    RuleSpec("family-hawaii-summer-offer", 50.0, ("newsletter-signup",)),
]
# Where the caption's words are, against the table's scrolling region
CAPTION = """() => {
  const region = document.querySelector('[role=region]').getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(document.querySelector('caption span').firstChild);
  const words = range.getBoundingClientRect();
  return words.width > 0 && words.left >= region.left && words.right <= region.right;
}"""


@pytest.mark.parametrize("size", [(320, 640), (1280, 800)], ids=["320px", "desktop"])
def test_the_report_keeps_to_the_window_and_its_table_scrolls_on_its_own(
    browser: Browser, size: tuple[int, int]
) -> None:
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.set_content(render_html(rep.build(rep.counts_from_days(DAYS), SPECS)))
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        table = page.get_by_role("region", name="Rules and goals")
        expect(table.get_by_role("table")).to_have_count(1)
        assert page.evaluate(CAPTION)  # its caption says it scrolls, where it can be read
        if width == 320:
            assert table.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls itself
            page.keyboard.press("Tab")  # reachable by keyboard, so it scrolls by arrows too
            expect(table).to_be_focused()
            page.keyboard.press("ArrowRight")
            page.wait_for_function("e => e.scrollLeft > 0", arg=table.element_handle())
        assert serious_violations(page) == []
    finally:
        context.close()
