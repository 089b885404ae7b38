"""The word after "Don't show me this" is a region named by what it says (a landmark, not
loose content after the page's last one), and it leaves the visitor where they were taken:
at the block (``#anchor``), or at the top of a page whose block has no element id (focused
on arrival, it would scroll the page down to itself). Read from Chromium's own accessibility
tree."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .test_respect import FAMILY_WHY, HERO, family_visitor

DONE = f"Done: you won't see “{FAMILY_WHY}” again."


def regions(page: Page) -> list[dict[str, Any]]:
    """Chromium's accessibility tree: each region's name and whether it has focus."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    found = []
    for node in nodes:
        if node.get("ignored") or node.get("role", {}).get("value") != "region":
            continue
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        found.append(
            {"name": node.get("name", {}).get("value"), "focused": bool(props.get("focused"))}
        )
    return found


@pytest.mark.parametrize(
    ("back_to", "url"),
    [
        (None, "/#hero"),  # back to the block: the visitor's place is kept
        ("/", "/"),  # a block with no element id to return to: the top of the page
    ],
    ids=["to-the-block", "to-the-page"],
)
def test_the_word_is_a_named_region_that_keeps_the_visitors_place(
    page: Page, base_url: str, back_to: str | None, url: str
) -> None:
    family_visitor(page, base_url)
    page.locator(HERO + " details.omo-i > summary").click()
    if back_to is not None:
        page.locator(HERO + " .omo-dismiss input[name=next]").evaluate(
            "(e, to) => { e.value = to; }", back_to
        )
    page.locator(HERO + " .omo-dismiss button").click()
    expect(page).to_have_url(base_url + url)
    done = page.get_by_role("region", name=DONE)
    expect(done).to_be_attached()
    assert {"name": DONE, "focused": False} in regions(page)
    assert page.evaluate("document.activeElement === document.body")
    if back_to is None:
        expect(page.locator(HERO)).to_be_in_viewport()
        # right after the block: a screen reader reading on from #hero comes to it next
        expect(page.locator(HERO + " + #omo-done")).to_have_count(1)
    else:
        assert page.evaluate("window.scrollY") == 0
    page.keyboard.press("End")  # the word is there for anyone who looks: its Undo works
    expect(done).to_be_visible()
    expect(done.get_by_role("button", name=re.compile("^Undo: "))).to_be_visible()
