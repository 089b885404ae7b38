"""A sign-in with the browsing history off, through the demo site: the account (read on every
device) gets no stage browsing alone reached, even beside an event no transition reads, and
lists no block shown for what was browsed (hunt44). Real middleware, real Redis."""

from __future__ import annotations

import re

import pytest
from demo_site.app import create_app, demo_settings

from .conftest import ROOT, client_for, origin

pytestmark = pytest.mark.anyio
UA = {
    "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0 Safari/537.36",
    "accept": "text/html",
}
KINDS = ["campaigns", "visits", "device", "journey", "recommendations"]  # history unticked


def _words(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


async def _history_off(client: object) -> None:
    same = {"origin": origin(client)}  # type: ignore[arg-type]
    page = await client.get("/_omotenashi/preferences")  # type: ignore[attr-defined]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    form = {"csrf": token.group(1), "action": "save", "category": KINDS}
    saved = await client.post("/_omotenashi/preferences", data=form, headers=same)  # type: ignore[attr-defined]
    assert saved.status_code == 303


@pytest.mark.parametrize("event", [None, "video_play"], ids=["browsed-only", "a-beacon-event"])
async def test_a_stage_browsing_alone_reached_stays_out_beside_an_unrelated_event(
    omotenashi_redis_url: str, event: str | None
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    async with client_for(create_app(ROOT, settings), headers=UA) as client:
        for path in ["/", "/tours/hawaii-family", "/tours/kyoto-autumn", "/tours"]:
            await client.get(path)
        same = {"origin": origin(client)}
        if event:
            sent = await client.post("/_omotenashi/events", json={"name": event}, headers=same)
            assert sent.status_code == 204
        exported = (await client.get("/_omotenashi/preferences/export")).json()
        assert exported["profile"]["stage"] == "interest"  # three pages seen
        await _history_off(client)
        await client.post("/login", data={"username": "aiko"}, headers=same)
        account = (await client.get("/_omotenashi/preferences/export")).json()
    assert account["visitor_id"].startswith("u")
    assert account["profile"]["stage"] == "awareness"


async def test_the_account_lists_no_block_shown_for_what_was_browsed(
    omotenashi_redis_url: str,
) -> None:
    settings = demo_settings(ROOT, redis={"url": omotenashi_redis_url}, respect={"fresh_share": 0})
    app = create_app(ROOT, settings)
    async with client_for(app, headers=UA) as one:
        for path in ["/tours/hawaii-family", "/tours/hawaii-family", "/"]:
            home = await one.get(path)
        assert "Aloha, families!" in home.text  # a block on what they browsed, shown
        await _history_off(one)
        await one.post("/login", data={"username": "aiko"}, headers={"origin": origin(one)})
    async with client_for(app, headers=UA) as two:  # another device
        await two.get("/")
        await two.post("/login", data={"username": "aiko"}, headers={"origin": origin(two)})
        page = _words((await two.get("/_omotenashi/preferences")).text)
        account = (await two.get("/_omotenashi/preferences/export")).json()
    assert account["visitor_id"].startswith("u")  # (signed in: the account's page)
    assert "hawaii-family-hero" not in str(account["profile"])
    assert "Hawaii tours for families" not in page
