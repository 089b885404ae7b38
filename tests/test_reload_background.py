"""Rule reloads happen in the background: never inside a request, one swap, last good kept."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
PAGE = b'<html><body><h1 data-omo-slot="hero">Default</h1></body></html>'
RULES = 'rules:\n  - {id: a, slot: hero, text: "TEXT", why: "because"}\n'


def _middleware(tmp_path: Path, url: str, interval: float) -> tuple[Omotenashi, Path]:
    rules = tmp_path / "rules"
    rules.mkdir()
    (tmp_path / "snippets").mkdir()
    (rules / "site.yaml").write_text(RULES.replace("TEXT", "First"))
    settings = Settings(
        redis={"url": url},
        rules={"dir": rules, "snippets_dir": tmp_path / "snippets", "reload_interval": interval},
        respect={"fresh_share": 0},
    )
    return Omotenashi(page_app(PAGE), settings=settings), rules / "site.yaml"


async def test_a_request_never_loads_rules_itself(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    mw, rule_file = _middleware(tmp_path, omotenashi_redis_url, interval=3600)
    async with client_for(mw) as client:
        assert "First" in (await client.get("/")).text
        rule_file.write_text(RULES.replace("TEXT", "Second"))
        assert "First" in (await client.get("/")).text  # the watcher has not looked yet
        await mw.rules.check()
        assert "Second" in (await client.get("/")).text


async def test_the_watcher_picks_up_an_edit_by_itself(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    mw, rule_file = _middleware(tmp_path, omotenashi_redis_url, interval=0.01)
    async with client_for(mw) as client:
        first = mw.rules.maybe_reload()
        await client.get("/")  # starts the watcher on this event loop
        rule_file.write_text(RULES.replace("TEXT", "Second"))
        for _ in range(500):  # bounded wait for the background load, not a timing test
            if mw.rules.current is not first:
                break
            await asyncio.sleep(0.01)
        assert "Second" in (await client.get("/")).text
    assert mw.metrics["reload"] == 1


async def test_a_broken_edit_keeps_the_last_good_set_in_force(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    mw, rule_file = _middleware(tmp_path, omotenashi_redis_url, interval=3600)
    async with client_for(mw) as client:
        good = mw.rules.maybe_reload()
        rule_file.write_text("rules:\n  - {id: a, slot: hero, text: [not, text]}\n")
        assert await mw.rules.check() is good
        assert "First" in (await client.get("/")).text
    assert mw.metrics["rule_error"] == 1
