"""base47, in Chromium: on a page whose ``<base href>`` names another host, "Don't show me
this" posts to the site (``omotenashi proxy`` before a static site), not to that host, and the
visitor lands back on the page with the block switched off and the confirmation said."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Request, Route, expect

from .proxied_site import omotenashi_proxy, static_origin

CDN = "https://cdn.invalid/"
PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><base href="{CDN}"><title>Maple Inn</title></head>
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
    root = tmp_path_factory.mktemp("based")
    site, rules = root / "site", root / "rules"
    site.mkdir()
    rules.mkdir()
    (site / "inn.html").write_text(PAGE)
    (rules / "inn.yaml").write_text(RULES)
    with static_origin(site) as origin:
        with omotenashi_proxy(origin, omotenashi_redis_url, rules) as url:
            yield url


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
        assert [r.url for r in posted] == [proxied + "/_omotenashi/preferences"]
        assert away == []
    finally:
        context.close()
