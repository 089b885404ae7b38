"""stale48, in Chromium on the demo shop: everything erased in one tab, then *Don't show me
this* sent from a page shown before it in another. Nothing is changed, and the answer says so
and why, readable (its inline style applies under its page's CSP), with a link straight back
to that page, where the block shows (the choice was not kept) and can be dismissed again."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect


def test_a_dismiss_from_a_page_shown_before_an_erase_leads_back_to_it(
    browser: Browser, browser_context_args: dict[str, object], base_url: str
) -> None:
    context = browser.new_context(**browser_context_args)
    try:
        old = context.new_page()
        old.goto(base_url + "/?utm_campaign=winter-sale")
        block = old.locator("details.omo-i").first
        anchor = block.get_attribute("id")
        assert anchor
        other = context.new_page()  # another tab: everything erased
        other.goto(base_url + "/_omotenashi/preferences")
        other.get_by_role("button", name="Erase everything about me").click()
        other.get_by_role("button", name="Yes, erase everything").click()
        expect(other.get_by_role("status")).to_contain_text("everything we kept about you")
        block.locator("summary").click()
        block.locator(".omo-dismiss button").click()
        expect(old.locator("h1")).to_have_text("Nothing was changed")
        expect(old.locator("#omo-problem")).to_contain_text(
            "nothing was changed: it comes from a page shown before your data was erased"
        )
        expect(old.locator("body")).not_to_contain_text("reload", ignore_case=True)
        font = old.evaluate("getComputedStyle(document.body).fontFamily")
        assert "system-ui" in font, font  # the style applied: not the browser's Times
        width = old.evaluate("getComputedStyle(document.querySelector('main')).maxWidth")
        assert width.endswith("px") and width != "none", width
        expect(old.get_by_role("link", name="Your personalisation choices")).to_be_visible()
        back = old.get_by_role("link", name="Back to the page you were on")
        back.click()
        expect(old).to_have_url(re.compile(r"/\?utm_campaign=winter-sale(#.*)?$"))
        again = old.locator(f"details.omo-i#{anchor}")
        expect(again).to_be_visible()  # the block shows: the choice was not kept
        again.locator("summary").click()
        expect(again.locator(".omo-dismiss button")).to_be_visible()
    finally:
        context.close()
