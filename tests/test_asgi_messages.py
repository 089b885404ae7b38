"""The ASGI messages an app may send, as the spec allows them: headers as any iterable of pairs
(a generator is read once), and an app's own ``Transfer-Encoding`` on a page that goes out whole
with its length (both together is a response RFC 9112 forbids, and proxies refuse it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from omotenashi import Omotenashi

from .conftest import client_for
from .test_middleware import PAGE, RULES, SNIPPETS, Make

pytestmark = pytest.mark.anyio

JSON = b'{"ok": true}'


def shaped_app(shape: str, *, extra: tuple[tuple[bytes, bytes], ...] = ()) -> Any:
    """``/`` is an HTML page, ``/api`` JSON; the start message's headers come as ``shape``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        html = scope["path"] == "/"
        kind = b"text/html; charset=utf-8" if html else b"application/json"
        pairs = [(b"content-type", kind), (b"x-app", b"1"), (b"set-cookie", b"session=s1")]
        pairs += extra

        def generated() -> Iterator[tuple[bytes, bytes]]:
            yield from pairs

        headers = {"list": pairs, "tuple": tuple(pairs), "generator": generated()}[shape]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE.encode() if html else JSON})

    return app


@pytest.mark.parametrize("shape", ["list", "tuple", "generator"])
@pytest.mark.parametrize(
    ("path", "visitor"),
    [
        ("/", "new"),  # the page, the new visitor's cookie added
        ("/", "returning"),  # the page rewritten for them
        ("/", "gpc"),  # a private visitor (contextual rules only)
        ("/api", "returning"),  # passed through as sent
    ],
)
async def test_the_apps_headers_survive_whatever_iterable_they_come_in(
    make_settings: Make, shape: str, path: str, visitor: str
) -> None:
    mw = Omotenashi(shaped_app(shape), settings=make_settings(RULES, SNIPPETS))
    gpc = {"sec-gpc": "1"} if visitor == "gpc" else {}
    async with client_for(mw) as client:
        if visitor == "returning":
            await client.get("/")
        response = await client.get(path, headers={"accept": "text/html", **gpc})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html" if path == "/" else "appl")
    assert response.headers["x-app"] == "1"
    assert "session=s1" in response.headers.get_list("set-cookie")
    if visitor == "returning" and path == "/":
        assert "Welcome back" in response.text  # (the rewritten page, the app's headers kept)


async def test_a_page_the_app_sent_chunked_goes_out_with_its_length_alone(
    make_settings: Make,
) -> None:
    extra = ((b"transfer-encoding", b"chunked"),)
    mw = Omotenashi(shaped_app("list", extra=extra), settings=make_settings(RULES, SNIPPETS))
    async with client_for(mw) as client:
        await client.get("/")
        response = await client.get("/", headers={"accept": "text/html"})
    assert "Welcome back" in response.text
    assert "transfer-encoding" not in response.headers
    assert response.headers["content-length"] == str(len(response.content))
