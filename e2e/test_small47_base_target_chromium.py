"""small47, in Chromium: on a page whose ``<base target="_blank">`` opens every link and form
in a new tab, "Don't show me this" and then Undo post in the visitor's own tab (``omotenashi
proxy`` before a static site): no new tab opens, and the page comes back with the block
switched off, then on again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from .proxied_site import omotenashi_proxy, static_origin

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><base target="_blank"><title>Maple Inn</title></head>
<body><h1 id="hero" data-omo-slot="hero">Stay with us</h1><p>A quiet inn.</p></body></html>
"""
RULES = """
rules:
  - id: welcome-back
    slot: hero
    text: "Welcome back to the inn"
    when: {views: {at_least: 1}}
    why: "You have visited us before."
"""


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory, omotenashi_redis_url: str) -> Iterator[str]:
    root = tmp_path_factory.mktemp("targeted")
    site, rules = root / "site", root / "rules"
    site.mkdir()
    rules.mkdir()
    (site / "inn.html").write_text(PAGE)
    (rules / "inn.yaml").write_text(RULES)
    with static_origin(site) as origin:
        with omotenashi_proxy(origin, omotenashi_redis_url, rules) as url:
            yield url


def test_dismiss_and_undo_stay_in_the_tab_on_a_page_with_a_base_target(
    browser: Browser, proxied: str
) -> None:
    context = browser.new_context()
    opened: list[Page] = []
    context.on("page", lambda p: opened.append(p))
    try:
        tab = context.new_page()
        tab.goto(proxied + "/inn.html")
        tab.reload()  # the second view is personalised
        hero = tab.locator("#hero")
        expect(hero).to_have_text("Welcome back to the inn")
        tab.locator("details.omo-i > summary").click()
        tab.get_by_role("button", name=re.compile("^Don't show me this")).click()
        expect(tab).to_have_url(proxied + "/inn.html#omo-done")
        expect(hero).to_have_text("Stay with us")
        expect(tab.locator("#omo-done")).to_contain_text("Done: you won't see")
        tab.get_by_role("button", name=re.compile("^Undo")).click()
        expect(tab.locator("#omo-done")).to_contain_text("Undone:")
        expect(hero).to_have_text("Welcome back to the inn")
        assert opened == [tab]  # no other tab or window
    finally:
        context.close()
