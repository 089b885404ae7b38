"""A visitor's walk through the demo in Chromium: no console error or failed request on any
page (the browser's own favicon request included), and what the page says is true of them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import ConsoleMessage, Page, Response

WALK = ["/", "/tours", "/tours/hawaii-family", "/tours/hawaii-family", "/", "/cart", "/club"]


def _watch(page: Page) -> list[str]:
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console: {message.text} at {message.location.get('url')!r}")

    def response(answer: Response) -> None:
        if answer.status >= 400:
            problems.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return problems


@pytest.mark.parametrize("extra", [{}, {"Sec-GPC": "1"}], ids=["visitor", "gpc"])
def test_a_walk_logs_no_console_error_and_no_failed_request(
    page: Page, base_url: str, extra: dict[str, str]
) -> None:
    page.context.set_extra_http_headers(extra)
    problems = _watch(page)
    for path in WALK:
        page.goto(base_url + path)
        page.wait_for_load_state("networkidle")  # the favicon is fetched after the load
    assert problems == []


def test_suggestions_name_listed_tours_not_yet_viewed(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tours")
    listed = set(re.findall(r'href="/tours/([a-z-]+)"', page.content()))
    viewed: list[str] = []
    for slug in ["hawaii-family", "hawaii-couples", "kyoto-autumn"]:
        page.goto(f"{base_url}/tours/{slug}")
        viewed.append(slug)
        items = page.locator("[data-omo-item]").evaluate_all(
            "els => els.map(e => e.dataset.omoItem)"
        )
        assert set(items) <= listed - set(viewed)
        width = page.evaluate("document.documentElement.clientWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no overflow
