"""data47 P2: "Your data" says what was kept before a sign-in was joined to the account only
when something was kept, counting only those sign-ins. A visitor who signed in before any page
was counted (the login page first, or every page before it under Global Privacy Control) was
told of "1 record from before you signed in": the merge of an empty anonymous profile was
recorded like any other. Through the whole stack, against a real Redis."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

import httpx
import pytest
import redis

from omotenashi import Settings

from ..conftest import client_for, page_words
from ..test_privacy_paths import site

pytestmark = pytest.mark.anyio
DATA = "/_omotenashi/preferences/data"
EXPORT = "/_omotenashi/preferences/export"
GPC = {"sec-gpc": "1"}
BEFORE = "before you signed in"
ONE = "Joined to your account when you signed in on "  # (words48: what it joined follows)
TWO = "What we kept about you before 2 of your sign-ins was joined to your account"


async def signed_in_first(client: httpx.AsyncClient) -> None:
    await client.post("/login/mei")
    await client.get("/tours/kyoto")


async def under_gpc_first(client: httpx.AsyncClient) -> None:
    await client.get("/tours/kyoto", headers=GPC)  # nothing kept, no cookie set
    await client.get("/tours/lapland", headers=GPC)
    await client.post("/login/mei")  # Global Privacy Control off by now
    await client.get("/tours/kyoto")


async def a_page_first(client: httpx.AsyncClient) -> None:
    await client.get("/tours/kyoto")
    await client.post("/login/mei")


async def twice_with_pages(client: httpx.AsyncClient) -> None:
    await a_page_first(client)
    await client.post("/logout")
    await a_page_first(client)


async def again_with_none(client: httpx.AsyncClient) -> None:
    await a_page_first(client)
    await client.post("/logout")
    await client.post("/login/mei")  # nothing kept in between
    await client.get("/tours/lapland")


@pytest.mark.parametrize(
    ("visit", "joined", "said"),
    [
        (signed_in_first, 0, ""),
        (under_gpc_first, 0, ""),
        (a_page_first, 1, ONE),
        (twice_with_pages, 2, TWO),
        (again_with_none, 1, ONE),
    ],
    ids=["signed-in-first", "under-gpc-first", "a-page-first", "twice", "again-with-none"],
)
async def test_a_sign_in_is_said_to_join_only_what_was_kept_before_it(
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
    visit: Callable[[httpx.AsyncClient], Awaitable[None]],
    joined: int,
    said: str,
) -> None:
    async with client_for(site(make_settings)) as client:
        await visit(client)
        page = html.unescape(page_words((await client.get(DATA)).text))
        export = (await client.get(EXPORT)).json()
    assert export["visitor_id"].startswith("u")  # signed in
    assert len(export["profile"]["merged_ids"]) == joined, export["profile"]["merged_ids"]
    if said:
        assert said in page, page
    else:
        assert BEFORE not in page and "Earlier visits joined" not in page, page
