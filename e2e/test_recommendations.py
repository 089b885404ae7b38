"""'You may also like' in Chromium: new, family and couple visitors, privacy, choice, reasons."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

SLOT = '[data-omo-slot="also-like"]'
# Every reason a suggestion can give (the demo's catalogue labels its tags).
REASON = re.compile(
    r"^(Because you have been looking at .+|Because you viewed .+|Often viewed with .+|"
    r"Popular this week|Something different|From our selection)$"
)
ANONYMOUS = {"Popular this week", "From our selection"}


def suggestions(page: Page) -> list[tuple[str, str]]:
    """(item, reason) of every suggestion in the slot, once it is personalised."""
    expect(page.locator(SLOT)).to_have_attribute("data-omo-rule", "you-may-also-like")
    items = page.locator(SLOT + " li[data-omo-item]")
    expect(items).to_have_count(4)
    out = []
    for index in range(items.count()):
        item = items.nth(index)
        reason = item.locator(".rec-why").inner_text().strip()
        assert REASON.match(reason), reason
        out.append((item.get_attribute("data-omo-item") or "", reason))
    return out


def browse(page: Page, base_url: str, *tours: str) -> None:
    for tour in tours:
        page.goto(f"{base_url}/tours/{tour}")


def test_a_new_visitor_sees_popular_tours_on_the_home_page(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    picks = suggestions(page)
    assert {reason for _, reason in picks} <= ANONYMOUS
    assert "norway-fjords" not in dict(picks)  # sold out: never suggested


@pytest.mark.parametrize(
    ("tours", "then"),
    [
        (["hawaii-family", "kenya-safari"], "lapland-aurora"),  # a family
        (["hawaii-couples", "bali-retreat"], "amalfi-coast"),  # a couple
    ],
)
def test_a_visitor_s_suggestions_follow_what_they_viewed(
    page: Page, base_url: str, tours: list[str], then: str
) -> None:
    browse(page, base_url, *tours, then)
    picks = suggestions(page)
    assert not {then, *tours} & set(dict(picks))  # neither this page's tour nor seen ones
    assert any(reason.startswith("Because you") for _, reason in picks), picks
    first = page.locator(SLOT + " li a").first
    title = first.inner_text()
    first.click()  # a suggestion leads to its tour
    expect(page.locator("article.tour h1")).to_have_text(title)


def test_each_suggestion_explains_itself_in_the_why_note(page: Page, base_url: str) -> None:
    browse(page, base_url, "kyoto-autumn", "tokyo-lights")
    picks = suggestions(page)
    note = page.locator(SLOT + " [data-omo-why]")
    note.locator("summary").click()
    for item, reason in picks:
        title = page.locator(f'{SLOT} li[data-omo-item="{item}"] a').inner_text()
        expect(note.locator(".omo-why-items")).to_contain_text(f"{title}: {reason}")


@pytest.fixture
def gpc_page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(
        **browser_context_args, extra_http_headers={"Sec-GPC": "1"}
    )
    yield context.new_page()
    context.close()


def test_a_global_privacy_control_browser_gets_popular_tours_only(
    gpc_page: Page, base_url: str
) -> None:
    browse(gpc_page, base_url, "kyoto-autumn", "tokyo-lights")
    assert {reason for _, reason in suggestions(gpc_page)} <= ANONYMOUS


def test_switching_recommendations_off_brings_back_the_default(page: Page, base_url: str) -> None:
    browse(page, base_url, "kyoto-autumn")
    reason = suggestions(page)[0][1]
    title = page.locator(SLOT + " li a").first.inner_text()
    page.get_by_role("link", name="Your personalisation choices").click()
    expect(page.locator("#omo-shown")).to_contain_text(f"{title}: {reason}")  # each item's why
    page.get_by_label("Recommendations", exact=True).uncheck()
    page.get_by_role("button", name="Save my choices").click()
    browse(page, base_url, "tokyo-lights")
    expect(page.locator(SLOT + " h2")).to_have_text("More tours")
    expect(page.locator(SLOT)).not_to_have_attribute("data-omo-rule", "you-may-also-like")
