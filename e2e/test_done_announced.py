"""The word after "Don't show me this" is a region named by what it says (a landmark, not
loose content after the page's last one). Where the block has an element id, the visitor is
taken to the word itself, right after the block, and it has focus there: a keyboard goes on
from it and a screen reader says it; a block without an id returns to the top of the page
(focused on arrival, the word would scroll the page down to itself). Read from Chromium's own
accessibility tree, and driven by the keyboard."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from .test_respect import FAMILY_WHY, HERO, family_visitor

DONE = f"Done: you won't see “{FAMILY_WHY}” again."


def regions(page: Page, role: str = "region") -> list[dict[str, Any]]:
    """Chromium's accessibility tree: each region's (or ``role``'s) name and whether it has
    focus."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    found = []
    for node in nodes:
        if node.get("ignored") or node.get("role", {}).get("value") != role:
            continue
        props = {p["name"]: p["value"].get("value") for p in node.get("properties", [])}
        found.append(
            {"name": node.get("name", {}).get("value"), "focused": bool(props.get("focused"))}
        )
    return found


@pytest.mark.parametrize(
    ("back_to", "url"),
    [
        (None, "/#omo-done"),  # back to the block: to the word that follows it
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
    assert {"name": DONE, "focused": back_to is None} in regions(page)
    if back_to is None:
        expect(done).to_be_focused()
        expect(done).to_be_in_viewport()
        expect(page.locator(HERO)).to_be_in_viewport()  # the block it follows: in sight too
        # right after the block: where the visitor was
        expect(page.locator(HERO + " + #omo-done")).to_have_count(1)
    else:
        assert page.evaluate("document.activeElement === document.body")
        assert page.evaluate("window.scrollY") == 0
    page.keyboard.press("End")  # the word is there for anyone who looks: its Undo works
    expect(done).to_be_visible()
    expect(done.get_by_role("button", name=re.compile("^Undo: "))).to_be_visible()


# The focused element: whether it says the word as a status (a live region), and what it says
FOCUSED = """() => {
  const e = document.activeElement;
  const live = e.matches('[role=status], [aria-live]') ? e : e.querySelector('[role=status]');
  return {id: e.id, live: !!live, said: live ? live.textContent : ''};
}"""


def test_a_keyboard_dismissal_and_its_undo_land_on_the_word_that_says_them(
    page: Page, base_url: str
) -> None:
    """By keyboard alone: the "i" is found by a name holding its visible "i" (what a speech
    user says), opened, "Don't show me this" pressed; the page comes back with focus on the
    word, a status region, right after the block; its Undo, pressed, does the same."""
    family_visitor(page, base_url)
    # Each "i" as Chromium names it to assistive technology (a <summary>: Playwright's own
    # role engine gives it no role): its visible "i" first, as a word ("click i")
    names = [
        n["name"]
        for n in regions(page, "DisclosureTriangle")
        if n["name"] != "Why this page looks this way"  # (the page's panel)
    ]
    assert len(names) == page.locator("details.omo-i > summary").count() > 1
    named = re.compile(r"^i\b.*" + re.escape(FAMILY_WHY))
    assert [n for n in names if named.match(n)] == [f"i: why you see this: {FAMILY_WHY}"]
    assert all(re.match(r"i\b", n) for n in names) and len(set(names)) == len(names)
    summary = page.locator(HERO + " details.omo-i > summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens the popover
    page.keyboard.press("Tab")
    expect(page.locator(HERO + " .omo-dismiss button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/#omo-done")
    assert page.evaluate(FOCUSED) == {"id": "omo-done", "live": True, "said": DONE}
    expect(page.locator(HERO + " + #omo-done")).to_have_count(1)
    page.keyboard.press("Tab")  # on from the word: its Undo
    undo = page.get_by_role("button", name=re.compile("^Undo: "))
    expect(undo).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(base_url + "/#omo-done")
    undone = f"Undone: “{FAMILY_WHY}” is switched back on."
    assert page.evaluate(FOCUSED) == {"id": "omo-done", "live": True, "said": undone}
    assert any(named.match(n["name"]) for n in regions(page, "DisclosureTriangle"))  # back
