"""proxy51: an absolute-form request target (``GET http://x/admin/ HTTP/1.1``, which the proxy
sends on as ``/admin/``) is judged by its path: the excluded and untracked paths held for
``/admin/`` but not for ``http://x/admin/``, whose page got a visitor cookie, a page view and
a rewrite. And CONNECT and TRACE are refused (405, before the origin): h11 read an origin's
2xx to CONNECT as a tunnel, a broken answer and a traceback each time; TRACE echoed cookies."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Settings
from omotenashi.proxy import proxy_app

from .live_server import serving
from .test_proxy_hardening import raw_request

pytestmark = pytest.mark.anyio
PAGE = b'<!doctype html><html><body><p data-omo-slot="hero">Default</p></body></html>'
RULES = 'rules:\n  - {id: hello, slot: hero, text: "Hello there", why: "Everyone sees it."}\n'


class Origin:
    def __init__(self) -> None:
        self.seen: list[str] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.seen.append(f"{scope['method']} {scope['path']}")
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": PAGE})


async def raw(url: str, method: str, target: str) -> tuple[bytes, bytes]:
    """``method target`` exactly as written, as a browser page would ask: (head, body)."""
    browser = "Accept: text/html\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0\r\n"
    head, body = await raw_request(url, method, target, browser)
    return head.lower(), body


@pytest.mark.parametrize(
    ("target", "personalised"),
    [
        ("/admin/", False),
        ("http://x/admin/", False),
        ("HTTP://x:8080/admin/users?id=1", False),
        ("/login", False),  # (untracked: no cookie, no rewrite)
        ("http://x/login", False),
        ("http://x/tours", True),  # (an ordinary page: as /tours)
        ("admin/", False),  # (eye51b: no "/" first: sent on as /admin/)
        ("http://x%3F/admin/", False),  # (the "?" is the authority's, read before decoding)
        ("http://x%23/admin/", False),
        ("http://x%3f/login", False),
        ("https://", True),  # (the site's root)
    ],
)
async def test_an_absolute_form_target_is_judged_by_its_path(
    make_settings: Callable[..., Settings], target: str, personalised: bool
) -> None:
    origin = Origin()
    async with serving(origin) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            head, body = await raw(url, "GET", target)
    assert (b"Hello there" in body) is personalised, body
    assert (b"set-cookie: omo_vid=" in head) is personalised, head
    assert origin.seen and origin.seen[0].split(" ", 1)[1].startswith("/")


@pytest.mark.parametrize("method", ["CONNECT", "TRACE"])
async def test_connect_and_trace_are_refused_before_the_origin(
    make_settings: Callable[..., Settings], method: str
) -> None:
    origin = Origin()
    async with serving(origin) as origin_url:
        async with serving(proxy_app(origin_url, settings=make_settings(RULES))) as url:
            head, body = await raw(url, method, "/connect")
    assert head.startswith(b"http/1.1 405 "), head
    assert b"allow: get, head, post, put, patch, delete, options" in head
    assert b"not passed on to the site" in body
    assert origin.seen == []
