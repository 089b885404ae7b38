"""What every example app must do with Omotenashi in front of it, checked the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import redis
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Settings
from omotenashi.testing import Written

from ..conftest import lifespan, switch_history

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def example_settings(redis_url: str, rules_dir: Path, **overrides: Any) -> Settings:
    """The example's own rules; the test Redis and key; every page view personalised."""
    return Settings(
        secret_keys=["test-key"],
        redis={"url": redis_url, "read_timeout": 2.0, "write_timeout": 2.0},
        rules={"dir": rules_dir},
        respect={"fresh_share": 0.0},
        **overrides,
    )


@asynccontextmanager
async def served(app: Any, *, with_lifespan: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """A client to the app in-process, inside its lifespan as a server would run it."""
    transport = httpx.ASGITransport(app=Written(app))
    async with httpx.AsyncClient(transport=transport, base_url="http://site.test") as client:
        if not with_lifespan:
            yield client
            return
        async with lifespan(app):
            yield client


def slot(response: httpx.Response, name: str = "greeting") -> tuple[str, str | None]:
    """(text, rule id) of a slot on a page."""
    node = LexborHTMLParser(response.text).css_first(f'[data-omo-slot="{name}"]')
    assert node is not None, f"no slot {name!r} on the page"
    return node.text(strip=True), node.attributes.get("data-omo-rule")


def assert_personal_and_private(response: httpx.Response) -> None:
    """Personalised HTML never goes to a shared cache, and says it varies by cookie."""
    assert response.status_code == 200
    vary = {v.strip().lower() for v in response.headers.get("vary", "").split(",")}
    assert "cookie" in vary
    directives = {d.strip().lower() for d in response.headers["cache-control"].split(",")}
    assert "private" in directives and "public" not in directives


def profile_views(client: redis.Redis) -> dict[str, int]:
    """Page views per stored profile."""
    return {
        key: int(client.hget(key, "V") or 0)  # type: ignore[arg-type]
        for key in client.keys("omo:{*}:p2")
    }


async def first_and_return_visit(client: httpx.AsyncClient) -> tuple[httpx.Response, ...]:
    """A new visitor's first page, then the same page again with the cookie it got."""
    first = await client.get("/", headers=BROWSER)
    again = await client.get("/", headers=BROWSER)
    return first, again


def assert_welcomed_back(first: httpx.Response, again: httpx.Response, default: str) -> None:
    assert slot(first) == (default, None)
    assert "omo_vid=" in first.headers["set-cookie"]
    assert "httponly" in first.headers["set-cookie"].lower()
    text, rule = slot(again)
    assert rule == "welcome-back" and text.startswith("Welcome back!")
    for response in (first, again):
        assert_personal_and_private(response)


async def assert_not_counted(
    client: httpx.AsyncClient, store: redis.Redis, paths: list[str]
) -> None:
    """Requests to these paths leave every profile's page views as they were."""
    before = profile_views(store)
    assert before, "visit a page first, so that there is a profile to compare"
    for path in paths:
        response = await client.get(path, headers=BROWSER)
        assert response.status_code == 200, path
    assert profile_views(store) == before


async def tea_house_journey(client: httpx.AsyncClient, store: redis.Redis) -> None:
    """The small examples' visit: welcomed back, static files and sign-in page not counted,
    an event tracked, and the profile kept through a sign-in."""
    first, again = await first_and_return_visit(client)
    assert_welcomed_back(first, again, "Welcome to the tea house.")
    assert "seen before this one: 1" in again.text  # the view read it with get_visitor
    await assert_not_counted(client, store, ["/static/site.css", "/login"])
    await client.post("/cart")
    signed_in = await client.post("/login", data={"user": "aiko"})
    assert signed_in.status_code == 303
    assert "omo_vid=" in signed_in.headers["set-cookie"]  # now the user's profile
    third = await client.get("/", headers=BROWSER)
    assert "seen before this one: 2" in third.text  # what was done anonymously followed
    (key,) = store.keys("omo:{*}:p2")
    assert store.hget(key, "eadd_to_cart") == "1"
    assert profile_views(store) == {key: 3}
    await assert_history_switch_honoured(client)


async def assert_history_switch_honoured(client: httpx.AsyncClient) -> None:
    """With the browsing history switched off, the page says nothing of what the visitor
    viewed (the app asks ``visitor.history_off``); switched back on, it does again."""
    await switch_history(client, on=False)
    off = await client.get("/", headers=BROWSER)
    assert off.status_code == 200 and "seen before" not in off.text
    await switch_history(client, on=True)
    back = await client.get("/", headers=BROWSER)
    assert "seen before this one:" in back.text
