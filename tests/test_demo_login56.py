"""sec56 P2: another site's page could post the demo's sign-in form (login CSRF): the visitor
was signed in as the attacker, whose account then collected, and showed the attacker, what the
visitor browsed. The demo's sign-in takes only its own pages' posts (Sec-Fetch-Site, or
Origin from browsers without it)."""

from __future__ import annotations

import pytest

from .conftest import client_for, page_words
from .test_demo import demo

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("headers", "taken"),
    [
        ({"sec-fetch-site": "same-origin", "origin": "http://shop.test"}, True),
        ({"sec-fetch-site": "none"}, True),  # typed or bookmarked
        ({"origin": "http://shop.test"}, True),  # a browser without Sec-Fetch-Site
        ({}, True),  # no browser's form post (a script, a test client)
        ({"sec-fetch-site": "cross-site", "origin": "http://localhost:8957"}, False),
        ({"sec-fetch-site": "same-site", "origin": "http://evil.shop.test"}, False),
        ({"origin": "http://localhost:8957"}, False),
        ({"origin": "null"}, False),  # a sandboxed frame's, a data: page's
    ],
)
async def test_only_the_site_s_own_pages_sign_in(
    omotenashi_redis_url: str, headers: dict[str, str], taken: bool
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        await client.get("/")
        answer = await client.post("/login", data={"username": "mallory"}, headers=headers)
        data = await client.get("/_omotenashi/preferences/data")
    words = " ".join(page_words(data.text).split())
    assert answer.status_code == (303 if taken else 403)
    assert ("first name: mallory" in words) is taken
