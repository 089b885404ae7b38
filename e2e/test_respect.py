"""Transparency and choice as a visitor meets them, in Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from omotenashi import Settings
from omotenashi.identity.cookie import CookieSigner

from .conftest import E2E_KEY

HERO = '[data-omo-slot="hero"]'
FAMILY_WHY = "You have been looking at Hawaii tours for families"


def family_visitor(page: Page, base_url: str) -> None:
    for _ in range(2):
        page.goto(base_url + "/tours/hawaii-family")
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Aloha, families!")


def test_the_why_note_explains_in_plain_words(page: Page, base_url: str) -> None:
    family_visitor(page, base_url)
    note = page.locator(HERO + " details.omo-i")
    expect(note.locator("p").first).not_to_be_visible()
    summary = note.locator("summary")
    expect(summary).to_have_attribute("aria-label", "i: why you see this: " + FAMILY_WHY)
    summary.click()
    expect(note).to_contain_text("You have been looking at Hawaii tours for families.")
    expect(note).to_contain_text("You have looked at pages about family holidays 2 or more times.")
    page.get_by_text("Why this page looks this way").click()
    expect(page.locator("#omo-why")).to_contain_text("You looked at a family tour.")


def test_switching_a_category_off_brings_back_the_default(page: Page, base_url: str) -> None:
    family_visitor(page, base_url)
    page.get_by_role("link", name="Your personalisation choices").click()
    expect(page.locator("#omo-facts")).to_contain_text("family holidays (some)")
    page.get_by_label("Browsing history", exact=True).uncheck()
    page.get_by_label("Journey", exact=True).uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Find your next journey")


def test_erase_resets_the_cookie_and_removes_the_keys(
    page: Page, base_url: str, omotenashi_redis_url: str
) -> None:
    family_visitor(page, base_url)
    signer = CookieSigner(Settings(secret_keys=[E2E_KEY]))

    def visitor_id() -> str:
        [cookie] = [c for c in page.context.cookies() if c["name"] == "omo_vid"]
        ident = signer.read(cookie["value"])
        assert ident is not None
        return ident.vid

    before = visitor_id()
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
    assert client.keys(f"omo:{{{before}}}:*")
    page.get_by_role("link", name="Your personalisation choices").click()
    page.get_by_role("button", name="Erase everything about me").click()
    assert client.keys(f"omo:{{{before}}}:*")  # it asks first: nothing is erased yet
    page.get_by_role("button", name="Yes, erase everything").click()
    expect(page.get_by_role("status")).to_contain_text("everything we kept about you is erased")
    assert visitor_id() != before
    assert client.keys(f"omo:{{{before}}}:*") == []
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Find your next journey")
    client.close()


@pytest.fixture
def gpc_context(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[BrowserContext]:
    context = browser.new_context(**browser_context_args, extra_http_headers={"Sec-GPC": "1"})
    yield context
    context.close()


def test_a_global_privacy_control_browser_sees_the_default_page(
    gpc_context: BrowserContext, base_url: str
) -> None:
    page = gpc_context.new_page()
    for _ in range(3):
        page.goto(base_url + "/tours/hawaii-family")
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Find your next journey")
    expect(page.locator('[data-omo-slot="featured"] h2')).to_have_text("Our tours")
    assert [c for c in gpc_context.cookies() if c["name"] == "omo_vid"] == []


def test_a_capped_banner_stops_after_three_views(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tours/kyoto-autumn")
    notice = page.locator('[data-omo-slot="notice"] .notice--sale')
    seen = []
    for _ in range(5):
        page.goto(base_url + "/tours")
        seen.append(notice.count())
    assert seen == [1, 1, 1, 0, 0]
