"""On a page with a ``<base>`` (``omotenashi proxy`` before a static site), in Chromium:
base47, whose ``<base href>`` names another host, "Don't show me this" posts to the site, not
to that host, and the visitor lands back on the page with the block switched off and the
confirmation said; small47, whose ``<base target="_blank">`` opens every link and form in a new
tab, "Don't show me this" and then Undo post in the visitor's own tab."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from .proxied_site import omotenashi_proxy, static_origin

CDN = "https://cdn.invalid/"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">{base}<title>Maple Inn</title></head>
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


@contextmanager
def inn(root: pytest.TempPathFactory, redis_url: str, base: str) -> Iterator[str]:
    """The inn's page with ``base`` in its head, behind ``omotenashi proxy``: its URL."""
    where = root.mktemp("based")
    site, rules = where / "site", where / "rules"
    site.mkdir()
    rules.mkdir()
    (site / "inn.html").write_text(PAGE.format(base=base))
    (rules / "inn.yaml").write_text(RULES)
    with static_origin(site) as origin:
        with omotenashi_proxy(origin, redis_url, rules) as url:
            yield url


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory, omotenashi_redis_url: str) -> Iterator[str]:
    with inn(tmp_path_factory, omotenashi_redis_url, f'<base href="{CDN}">') as url:
        yield url


@pytest.fixture(scope="module")
def targeted(tmp_path_factory: pytest.TempPathFactory, omotenashi_redis_url: str) -> Iterator[str]:
    with inn(tmp_path_factory, omotenashi_redis_url, '<base target="_blank">') as url:
        yield url


def dismiss(tab: Page, url: str) -> None:
    """The second view (personalised), then "Don't show me this" on its hero: back at it."""
    tab.goto(url + "/inn.html")
    tab.reload()  # the second view is personalised
    hero = tab.locator("#hero")
    expect(hero).to_have_text("Welcome back to the inn")
    tab.locator("details.omo-i > summary").click()
    tab.get_by_role("button", name=re.compile("^Don't show me this")).click()
    expect(tab).to_have_url(url + "/inn.html#omo-done")
    expect(hero).to_have_text("Stay with us")
    expect(tab.locator("#omo-done")).to_contain_text("Done: you won't see")


def test_dismiss_on_a_page_with_a_cdn_base_lands_back_on_the_site(
    browser: Browser, proxied: str
) -> None:
    context = browser.new_context()
    away: list[str] = []

    def refuse(route: Route) -> None:  # (cdn.invalid has no address: nothing may go there)
        away.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^https?://cdn\.invalid/"), refuse)
    posted: list[Request] = []
    context.on("request", lambda r: posted.append(r) if r.method == "POST" else None)
    try:
        dismiss(context.new_page(), proxied)
        assert [r.url for r in posted] == [proxied + "/_omotenashi/preferences"]
        assert away == []
    finally:
        context.close()


def test_dismiss_and_undo_stay_in_the_tab_on_a_page_with_a_base_target(
    browser: Browser, targeted: str
) -> None:
    context = browser.new_context()
    opened: list[Page] = []
    context.on("page", lambda p: opened.append(p))
    try:
        tab = context.new_page()
        dismiss(tab, targeted)
        tab.get_by_role("button", name=re.compile("^Undo")).click()
        expect(tab.locator("#omo-done")).to_contain_text("Undone:")
        expect(tab.locator("#hero")).to_have_text("Welcome back to the inn")
        assert opened == [tab]  # no other tab or window
    finally:
        context.close()
