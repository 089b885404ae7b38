"""Rule reloads happen in the background: never inside a request, one swap, last good kept."""

from __future__ import annotations

import asyncio
import gc
import sys
import weakref
from pathlib import Path
from typing import TypeVar

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
PAGE = b'<html><body><h1 data-omo-slot="hero">Default</h1></body></html>'
RULES = 'rules:\n  - {id: a, slot: hero, text: "TEXT", why: "because"}\n'
R = TypeVar("R", bound=Reloader)


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


def _reloader(tmp_path: Path, kind: type[R] = Reloader) -> tuple[R, Path]:  # type: ignore[assignment]
    """A reloader (of ``kind``) over one rule file, and that file."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (tmp_path / "snippets").mkdir()
    (rules / "site.yaml").write_text(RULES.replace("TEXT", "First"))
    cfg = RulesSettings(dir=rules, snippets_dir=tmp_path / "snippets", reload_interval=3600)
    return kind(cfg, Metrics()), rules / "site.yaml"


async def test_a_reload_leaves_the_collector_and_thread_switching_as_they_were(
    tmp_path: Path,
) -> None:
    reloader, rule_file = _reloader(tmp_path)
    interval = sys.getswitchinterval()
    rule_file.write_text(RULES.replace("TEXT", "Second"))
    assert (await reloader.check()).ruleset.rules[0].template is not None
    assert reloader.metrics["reload"] == 1
    assert gc.isenabled()
    assert sys.getswitchinterval() == interval


async def test_the_replaced_set_is_freed_once_no_request_holds_it(tmp_path: Path) -> None:
    reloader, rule_file = _reloader(tmp_path)
    held = reloader.maybe_reload()  # a request under way keeps the set it started with
    first = weakref.ref(held.ruleset)
    rule_file.write_text(RULES.replace("TEXT", "Second"))
    await reloader.check()
    await asyncio.sleep(0.2)
    assert first() is held.ruleset  # still whole for the request
    assert [r.id for r in held.ruleset.rules] == ["a"]
    del held  # the request is done
    for _ in range(500):  # bounded wait for the thread that lets it go, not a timing test
        if first() is None:
            break
        await asyncio.sleep(0.01)
    assert first() is None


async def test_a_reload_keeps_the_snippet_environment_unless_a_snippet_changed(
    tmp_path: Path,
) -> None:
    reloader, rule_file = _reloader(tmp_path)
    snippet = tmp_path / "snippets" / "s.html"
    snippet.write_text("<b>one</b>")
    first = (await reloader.check()).renderer.env  # a new snippet: a new environment
    rule_file.write_text(RULES.replace("TEXT", "Second"))
    assert (await reloader.check()).renderer.env is first
    snippet.write_text("<b>number two</b>")
    assert (await reloader.check()).renderer.env is not first
