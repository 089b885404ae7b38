"""``omotenashi proxy`` before a static site (``python -m http.server``), driven by Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, expect

from omotenashi.store.embedded import free_port

from .proxied_site import (
    omotenashi_proxy,
    silent_origin,
    static_origin,
    wait_for_views,
    write_site,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_site(tmp_path_factory.mktemp("inn"))


@pytest.fixture(scope="module")
def proxied(site: tuple[Path, Path], omotenashi_redis_url: str) -> Iterator[str]:
    pages, rules = site
    with static_origin(pages) as origin:
        with omotenashi_proxy(origin, omotenashi_redis_url, rules) as url:
            yield url


def test_a_static_site_behind_the_proxy_is_personalised_as_a_visitor_browses(
    browser: Browser, proxied: str, omotenashi_redis: redis.Redis
) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        first = page.goto(proxied + "/")
        assert first is not None and first.status == 200
        hero = page.locator('[data-omo-slot="hero"]')
        expect(hero).to_have_text("Stay with us")
        expect(hero).to_have_css("color", "rgb(0, 102, 51)")  # the stylesheet came through
        assert "private" in first.headers["cache-control"]
        assert "cookie" in first.headers["vary"].lower()
        wait_for_views(omotenashi_redis, 1)

        page.get_by_role("link", name="The Kyoto room").click()
        expect(page.locator("h1")).to_have_text("The Kyoto room")
        wait_for_views(omotenashi_redis, 2)
        page.get_by_role("link", name="Back to the inn").click()

        expect(hero).to_have_text("Your Kyoto room is waiting")
        expect(hero).to_have_attribute("data-omo-rule", "kyoto-hero")
        expect(page.locator('[data-omo-slot="tagline"]')).to_have_text("Welcome back to the inn.")
        why = page.locator('[data-omo-why="kyoto-hero"]').first
        why.locator("summary").click()  # the visitor asks why
        expect(why.get_by_text("You looked at the Kyoto room.").first).to_be_visible()
        # Three pages, one profile; the stylesheet and the why note added no page views.
        assert list(wait_for_views(omotenashi_redis, 3).values()) == [3]
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["omo_vid"]["httpOnly"] is True
    finally:
        context.close()


@pytest.mark.parametrize(
    ("origin", "status", "text"),
    [("down", 502, "Bad Gateway"), ("slow", 504, "Gateway Timeout")],
)
def test_an_origin_that_is_down_or_slow_gets_a_plain_page(
    browser: Browser,
    site: tuple[Path, Path],
    omotenashi_redis_url: str,
    origin: str,
    status: int,
    text: str,
) -> None:
    _, rules = site
    timeouts = {"OMOTENASHI_PROXY_READ_TIMEOUT": "1", "OMOTENASHI_PROXY_CONNECT_TIMEOUT": "1"}
    with silent_origin() as silent:
        upstream = silent if origin == "slow" else f"http://127.0.0.1:{free_port()}"
        with omotenashi_proxy(upstream, omotenashi_redis_url, rules, **timeouts) as url:
            context = browser.new_context()
            page = context.new_page()
            try:
                response = page.goto(url + "/")
                assert response is not None and response.status == status
                expect(page.locator("h1")).to_have_text(text)
                assert response.headers["cache-control"] == "no-store"
            finally:
                context.close()
