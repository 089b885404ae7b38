"""The Japanese site (tests/japan_site.py) through the middleware, a real Valkey and real
Chromium: the hero's Japanese copy reads as the editor wrote it in every charset (no mojibake, no
〜 turned into ～, EUC-JP pages with ① and 髙 personalised), and the "i", the page panel and the
preferences page keep to a 320 px phone with a long unbroken Japanese reason."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import uvicorn
from playwright.sync_api import Browser
from tests.japan_site import CHARSETS, HERO, WHY, Charset, japan_app, japan_settings

from omotenashi import Omotenashi, Settings
from omotenashi.store.embedded import free_port

TOUR = f"/{quote('ツアー')}/{quote('京都')}?q={quote('京都')}"
# what Chromium shows of the hero: HERO, in every charset (ISO-2022-JP's 〜 too: mount64)
SHOWN = {c.id: HERO for c in CHARSETS}
LONG_WHY = "京都の紅葉の名所を巡る日帰りツアーのページを何度もご覧になっていたため" * 4 + "。"


@contextmanager
def live(settings: Settings) -> Iterator[str]:
    """The Japanese site behind the middleware, served by uvicorn in a thread."""
    port = free_port()
    config = uvicorn.Config(
        Omotenashi(japan_app(), settings=settings), host="127.0.0.1", port=port, log_level="error"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, omotenashi_redis_url: str) -> Iterator[str]:
    root = tmp_path_factory.mktemp("japan")
    with live(japan_settings(root, omotenashi_redis_url)) as url:
        yield url


@pytest.mark.parametrize("charset", CHARSETS, ids=[c.id for c in CHARSETS])
def test_chromium_shows_the_japanese_hero_as_written(
    browser: Browser, site: str, charset: Charset
) -> None:
    page = browser.new_page()
    response = page.goto(f"{site}{TOUR}&cs={charset.id}")
    assert response is not None and response.headers["x-omotenashi-rules"] == "kyoto-hero"
    assert page.inner_text("h1") == SHOWN[charset.id]
    assert page.title() == "京都ツアー"
    assert page.inner_text("main p") == "秋の京都へ。"
    page.close()


@pytest.mark.parametrize("width", [320, 1024])
def test_a_long_japanese_reason_keeps_to_a_phone(
    browser: Browser, tmp_path: Path, omotenashi_redis_url: str, width: int
) -> None:
    settings = japan_settings(tmp_path, omotenashi_redis_url, disclosure=True, page_panel=True)
    site_yaml = settings.rules.dir / "site.yaml"
    site_yaml.write_bytes(site_yaml.read_bytes().replace(WHY.encode(), LONG_WHY.encode()))
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    with live(settings) as url:
        page.goto(f"{url}{TOUR}&cs=shift_jis")
        page.click("details.omo-i summary")
        page.click("#omo-why summary")
        assert page.inner_text("details.omo-i strong") == LONG_WHY
        assert page.inner_text("#omo-why-kyoto-hero strong") == LONG_WHY
        wide = page.evaluate("document.documentElement.scrollWidth")
        page.goto(f"{url}/_omotenashi/preferences")
        assert LONG_WHY in page.inner_text("main")
        wide_preferences = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert (wide, wide_preferences) == (width, width)
