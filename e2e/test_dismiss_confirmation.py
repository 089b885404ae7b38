""" "Don't show me this" says what it did, once, with an Undo that works: in Chromium, on the
demo shop, with and without script."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from .test_respect import FAMILY_WHY, HERO, family_visitor
from .test_transparency import serious_violations


def dismiss_the_family_hero(page: Page, base_url: str) -> None:
    family_visitor(page, base_url)
    page.locator(HERO + " details.omo-i > summary").click()
    page.locator(HERO + " .omo-dismiss button").click()
    expect(page).to_have_url(base_url + "/#omo-done")  # the word, right after #hero


def test_dont_show_me_this_is_confirmed_once_and_can_be_undone(page: Page, base_url: str) -> None:
    dismiss_the_family_hero(page, base_url)
    done = page.get_by_role("region", name=re.compile("^Done: "))  # its sentence is a status
    expect(done).to_have_text(re.compile(rf"^Done: you won't see “{FAMILY_WHY}” again\."))
    expect(done).to_be_in_viewport()  # where the visitor was brought back to, not the end
    expect(page.locator(HERO + " h1")).not_to_have_text("Aloha, families!")
    expect(done.get_by_role("link", name="Your choices")).to_be_visible()
    done.get_by_role("button", name=f"Undo: show “{FAMILY_WHY}” again").click()
    expect(page).to_have_url(base_url + "/#omo-done")  # the word, right after #hero
    expect(page.locator(HERO + " h1")).to_have_text("Aloha, families!")
    expect(page.get_by_role("status")).to_have_text(
        re.compile(rf"^Undone: “{FAMILY_WHY}” is switched back on\.")
    )
    page.reload()  # said once: the next page says nothing
    expect(page.locator("#omo-done")).to_have_count(0)
    expect(page.locator(HERO + " h1")).to_have_text("Aloha, families!")


def test_the_confirmation_works_without_script_and_passes_axe(
    browser: Browser, browser_context_args: dict[str, Any], base_url: str
) -> None:
    context = browser.new_context(
        **{**browser_context_args, "java_script_enabled": False, "bypass_csp": True}
    )
    try:
        page = context.new_page()
        dismiss_the_family_hero(page, base_url)
        expect(page.locator("#omo-done")).to_contain_text("Done: you won't see")
        page.goto(base_url + "/tours")  # another page: it is not said again
        expect(page.locator("#omo-done")).to_have_count(0)
    finally:
        context.close()
    context = browser.new_context(**{**browser_context_args, "bypass_csp": True})
    try:
        page = context.new_page()
        dismiss_the_family_hero(page, base_url)
        expect(page.locator("#omo-done")).to_be_visible()
        assert serious_violations(page) == []
    finally:
        context.close()
