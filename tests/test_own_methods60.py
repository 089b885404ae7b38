"""inputs60: the data page and the download take no form posts: a POST there was read as a
preferences form (403 without its token, a choice with it) while the download answered 405
"use GET or POST". Each now says what it takes, in its message and its ``Allow``."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Settings

from .conftest import client_for
from .test_beacon_edges import site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"


@pytest.mark.parametrize(
    ("method", "path", "error", "allow"),
    [
        ("POST", "/data", "use GET", "GET, HEAD"),
        ("POST", "/export", "use GET", "GET, HEAD"),
        ("PUT", "/data", "use GET", "GET, HEAD"),
        ("PUT", "", "use GET or POST", "GET, HEAD, POST"),
        ("DELETE", "", "use GET or POST", "GET, HEAD, POST"),
    ],
)
async def test_each_own_page_says_the_methods_it_takes(
    method: str, path: str, error: str, allow: str, make_settings: Make
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        origin = {"origin": str(client.base_url).rstrip("/")}
        answer = await client.request(method, PREFS + path, data={"csrf": "x"}, headers=origin)
        data = await client.get(PREFS + path) if path else None
    assert (answer.status_code, answer.json(), answer.headers["allow"]) == (
        405,
        {"error": error},
        allow,
    )
    assert data is None or data.status_code == 200
