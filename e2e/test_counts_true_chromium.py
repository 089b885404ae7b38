"""In Chromium, on the demo shop: under Global Privacy Control, after "Don't show me this",
"Undo", the page that says Undone lets the cookie the dismissal gave go (no choice left in
it, nothing under its id), and the preferences page says we set none; pages seen
while the browsing history was off are said uncounted once it is back on; a save's notice
opens below the page's heading, and a dismissal's confirmation below what took the block's
place, in a wide and a narrow window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .test_respect import HERO, family_visitor

SIZES = [(1280, 800), (320, 640)]


@pytest.fixture
def gpc_context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args, extra_http_headers={"Sec-GPC": "1"})
    yield context
    context.close()


def ours(context: BrowserContext) -> list[str]:
    return [c["name"] for c in context.cookies() if c["name"] == "omo_vid"]


def test_under_gpc_a_cookie_after_undo_is_said(gpc_context: BrowserContext, base_url: str) -> None:
    page = gpc_context.new_page()
    page.goto(base_url + "/?utm_campaign=winter-sale")
    block = page.locator("details.omo-i").first
    block.locator("summary").click()
    block.locator(".omo-dismiss button").click()
    expect(page.locator("#omo-done")).to_contain_text("Done: ")
    assert ours(gpc_context) == ["omo_vid"]  # it keeps that choice
    page.locator("#omo-done .omo-undo button").click()
    expect(page.locator("#omo-done")).to_contain_text("Undone: ")
    # said, and gone with the page that said it: no choice left in it, nothing under its id
    assert ours(gpc_context) == []
    page.goto(base_url + "/_omotenashi/preferences")
    expect(page.locator("#omo-private")).to_contain_text("set no personalisation cookie")
    expect(page.locator("#omo-private")).not_to_contain_text("our cookie on this device holds")


def test_pages_seen_with_history_off_are_said_uncounted_after(page: Page, base_url: str) -> None:
    def history(on: bool) -> None:
        page.goto(base_url + "/_omotenashi/preferences")
        box = page.locator("input[name=category][value=browsing-history]")
        box.check() if on else box.uncheck()
        page.get_by_role("button", name="Save my choices").click()
        expect(page.locator("#omo-notice")).to_be_visible()

    page.goto(base_url + "/tours/kyoto-autumn")
    history(False)
    page.goto(base_url + "/tours/paris-art")  # not counted
    history(True)
    page.goto(base_url + "/_omotenashi/preferences")
    expect(page.locator("body")).to_contain_text(
        "We have a record of 1 page you saw (pages you saw while your browsing history was "
        "off are not counted)."
    )


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_saved_notice_opens_below_the_heading(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str, width: int, height: int
) -> None:
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": width, "height": height}}
    )
    try:
        page = context.new_page()
        page.goto(base_url + "/tours/kyoto-autumn")
        page.goto(base_url + "/_omotenashi/preferences")
        page.get_by_role("button", name="Save my choices").click()
        notice = page.locator("#omo-notice")
        expect(notice).to_be_focused()
        expect(notice).to_be_in_viewport(ratio=1)
        expect(page.locator("h1")).to_be_in_viewport(ratio=0.5)
    finally:
        context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_confirmation_opens_below_what_took_the_blocks_place(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str, width: int, height: int
) -> None:
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": width, "height": height}}
    )
    try:
        page = context.new_page()
        family_visitor(page, base_url)
        page.locator(HERO + " details.omo-i > summary").click()
        page.locator(HERO + " .omo-dismiss button").click()
        expect(page).to_have_url(base_url + "/#omo-done")
        done = page.locator("#omo-done")
        expect(done).to_be_in_viewport(ratio=1)
        hero = page.locator(HERO).bounding_box()
        box = done.bounding_box()
        assert hero is not None and box is not None
        # the replacement hero's lower part (its button, its picture) is in view above it
        assert hero["y"] + hero["height"] >= min(160, 0.25 * height), (hero, box)
        # and its heading, which the confirmation (sticky at the window's foot where the page
        # ends too soon to scroll it higher) never covers: what took the block's place is
        # named (qa46b: the heading was above the window at 1280x800)
        heading = page.locator(HERO + " h1")
        expect(heading).to_be_in_viewport(ratio=1)
        named = heading.bounding_box()
        assert named is not None and box["y"] >= named["y"] + named["height"], (named, box)
    finally:
        context.close()
