"""``omotenashi check`` warns when an editor's ``why:`` says what the rule's conditions rule out,
and a transparency page that only states what is true: "personalise nothing" keeps nothing new,
GPC sets no cookie, erase asks first, the export has a readable page."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change
from omotenashi.loader.checks import check
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store

from .conftest import client_for

PREFS = "/_omotenashi/preferences"


@pytest.mark.parametrize(
    ("rule", "warning"),
    [
        ("when: {cart_abandoned: false}\n    why: You left a tour in your cart.", "rule that out"),
        ("when: {not: {cart_abandoned: true}}\n    why: Your cart misses you.", "rule that out"),
        ("when: {cart_items: 0}\n    why: Your basket is waiting.", "rule that out"),
        ("when: {cart_abandoned: true}\n    why: You left a tour in your cart.", None),
        ("when: {cart_abandoned: false}\n    why: A tour you looked at is on sale.", None),
        ("when: {stage: interest}\n    why: You booked a tour with us.", "a purchase"),
        ("when: {stage: purchase}\n    why: You booked a tour with us.", None),
        ("when: {new: true}\n    why: Welcome back to our shop.", "an earlier visit"),
        ("when: {returning: true}\n    why: This is your first visit.", "a first visit"),
        ("when: {device: desktop}\n    why: You are on your phone.", "a phone"),
        ("when: {purchases: {at_least: 1}}\n    why: You have not booked yet.", "require it"),
    ],
)
def test_check_warns_when_why_contradicts_the_conditions(
    tmp_path: Path, rule: str, warning: str | None
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(
        f"rules:\n  - id: r\n    slot: s\n    text: Hi\n    {rule}\n"
    )
    found = [f.message for f in check(tmp_path / "rules", tmp_path / "snippets")]
    said = [m for m in found if "explains itself" in m]
    if warning is None:
        assert said == []
    else:
        assert len(said) == 1 and warning in said[0] and "'r'" in said[0]


RULES = """
rules:
  - {id: hawaii, slot: hero, text: Aloha, when: {interest: {hawaii: {at_least: 1}}},
     category: browsing-history, why: "You looked at Hawaii."}
"""


def app(make_settings: Callable[..., Settings]) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(
            '<html><head><meta name="omotenashi:topics" content="hawaii"></head>'
            '<body><div data-omo-slot="hero">Default</div></body></html>'
        )

    return Omotenashi(
        Starlette(routes=[Route("/", page), Route("/tours/{x}", page)]),
        settings=make_settings(RULES, respect={"fresh_share": 0}),
    )


async def _save(client: httpx.AsyncClient, **form: str | list[str]) -> httpx.Response:
    page = (await client.get(PREFS)).text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    return await client.post(PREFS, data={"csrf": token, **form})


@pytest.mark.anyio
async def test_personalise_nothing_keeps_nothing_new_and_says_so(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    async with client_for(app(make_settings)) as client:
        await client.get("/")
        before = {k: omotenashi_redis.hgetall(k) for k in omotenashi_redis.keys("omo:*")}
        await _save(client, action="save", nothing="1", category=["browsing-history"])
        for _ in range(3):
            assert "Aloha" not in (await client.get("/tours/hawaii")).text
        after = {k: omotenashi_redis.hgetall(k) for k in omotenashi_redis.keys("omo:*")}
        page = (await client.get(PREFS)).text
    assert after == before  # no views, interests or events: only the choice, in the cookie
    assert "We store nothing new about you" in page and 'name="nothing" value="1" checked' in page


@pytest.mark.anyio
async def test_gpc_preferences_explain_and_set_no_cookie(
    make_settings: Callable[..., Settings],
) -> None:
    async with client_for(app(make_settings), headers={"sec-gpc": "1"}) as client:
        response = await client.get(PREFS)
    assert "Global Privacy Control" in response.text and "set-cookie" not in response.headers
    assert 'id="omo-switches"' in response.text  # a choice gets a cookie of its own
    assert "nothing to switch off" not in response.text


@pytest.mark.anyio
async def test_erase_asks_first_and_the_export_has_a_readable_page(
    make_settings: Callable[..., Settings], omotenashi_redis: redis.Redis
) -> None:
    async with client_for(app(make_settings)) as client:
        await client.get("/tours/hawaii")
        await client.get("/tours/hawaii")  # the second page sees the interest the first made
        asked = await _save(client, action="erase")
        assert asked.headers["location"].partition("&n=")[0] == PREFS + "?confirm=erase#erase"
        assert omotenashi_redis.keys("omo:*")
        readable = (await client.get(PREFS + "/data")).text
        assert "Pages seen: 2" in readable and 'href="/_omotenashi/preferences/export"' in readable
        shown = (await client.get(PREFS)).text
        assert "You looked at Hawaii." in shown
        assert "You have looked at pages about hawaii." in shown  # the reason when it was shown
        done = await _save(client, action="erase", confirm="yes")
    assert (
        done.headers["location"].partition("&n=")[0] == PREFS + "?erased=1"
        and omotenashi_redis.keys("omo:*") == []
    )


@pytest.mark.anyio
async def test_why_a_block_was_shown_is_kept_bounded_and_follows_a_sign_in(
    omotenashi_redis_url: str,
) -> None:
    store = Store(Settings(redis={"url": omotenashi_redis_url}).redis, Metrics())
    store.connect(omotenashi_redis_url)
    try:
        change = Change(now=1000.0, view=True, shown=["a"])
        change.shown_why = {"a": [1000.0, ["your cart is empty"]]}
        await store.record("anon-why", change, 86400.0)
        assert (await store.load("anon-why")).shown_why == {"a": (1000.0, ["your cart is empty"])}
        assert await store.merge("anon-why", "u-why", 2000.0, 86400.0)
        merged = await store.load("u-why")
        assert merged.shown == {"a": 1} and merged.shown_why["a"][1] == ["your cart is empty"]
    finally:
        await store.erase("u-why")
        await store.aclose()
