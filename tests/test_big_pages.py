"""Big pages are personalised in a worker thread (OMOTENASHI_THREAD_ABOVE), so a long cold scan
does not hold up the event loop; small pages stay on the loop. Either way the page is the same,
byte for byte, with big and small pages served at once."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import offload
from omotenashi.engine.page import personalise_response

from .conftest import client_for


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> None:
    """Each test's pages judged afresh (offload keeps the verdicts of pages seen before)."""
    offload._verdicts.clear()


pytestmark = pytest.mark.anyio

RULES = """
rules:
  - id: hello
    slot: hero
    text: "Welcome"
    why: "Everyone."
"""
HERO = '<h1 data-omo-slot="hero">Hello</h1>'
SHOWN = '<h1 data-omo-slot="hero" data-omo-rule="hello">Welcome</h1>'
CARD = '<li class="card"><a href="/p/{i}"><b>Item {i}</b></a> <span data-x="{i}">$1</span></li>'
KIB = 1024


def page(size: int, q: str = "") -> str:
    """A tag-dense product list of about ``size`` bytes echoing ``q`` (a new length each time:
    no scan reused)."""
    cards, i = [], 0
    while sum(map(len, cards)) < size:
        cards.append(CARD.format(i=i))
        i += 1
    return f"<!doctype html><html><body>{HERO}<p>Results for {q}</p><ul>{''.join(cards)}</ul>"


def page_app() -> Any:
    """``/<size>?q=...``: a page of that many KiB; gzip-encoded when the path ends in .gz."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        name = scope["path"].strip("/")
        q = parse_qs(scope["query_string"].decode())["q"][0]
        body = page(int(name.removesuffix(".gz")) * KIB, q).encode()
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        if name.endswith(".gz"):
            body = gzip.compress(body, mtime=0)
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def watch_threads(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Which thread personalised each page (by its ``?q=``)."""
    ran: dict[str, int] = {}

    def recorded(body: bytes, *args: Any, **kw: Any) -> Any:
        visit = args[1]
        ran[visit.request.query.get("q", "")] = threading.get_ident()
        return personalise_response(body, *args, **kw)

    monkeypatch.setattr(offload, "personalise_response", recorded)
    return ran


@pytest.mark.parametrize(
    ("path", "above", "in_thread"),
    [
        ("/2", 256 * KIB, False),  # a small page: on the loop, no hand-off
        ("/300", 256 * KIB, True),  # past the default: in a worker thread
        ("/300", 400 * KIB, False),  # the setting raised past it
        ("/2", 0, True),  # 0: every page in a worker thread
        ("/2", 4 * KIB, False),  # under a lowered threshold: still on the loop
        ("/40.gz", 16 * KIB, True),  # gzip: judged by the 40 KiB it holds (4 KB sent)
        ("/40", 64 * KIB, False),  # the same page unzipped, under a threshold the gzip passes
    ],
)
async def test_a_big_page_is_personalised_in_a_worker_thread(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    above: int,
    in_thread: bool,
) -> None:
    ran = watch_threads(monkeypatch)
    mw = Omotenashi(page_app(), settings=make_settings(RULES, thread_above=above))
    async with client_for(mw) as client:
        response = await client.get(path, params={"q": "x"})
    assert response.status_code == 200
    assert response.text == page(int(path.strip("/").removesuffix(".gz")) * KIB, "x").replace(
        HERO, SHOWN
    )
    assert (ran["x"] != threading.get_ident()) is in_thread


async def test_big_and_small_pages_at_once_are_each_right_to_the_byte(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = watch_threads(monkeypatch)
    mw = Omotenashi(page_app(), settings=make_settings(RULES, thread_above=64 * KIB))
    sizes = [300, 2, 120, 1, 300, 4, 90, 2] * 3
    async with client_for(mw) as client:

        async def one(n: int, size: int) -> tuple[httpx.Response, str]:
            q = "q" * (n + 1)  # each page a new length: every big one a cold scan
            return await client.get(f"/{size}", params={"q": q}), q

        got = await asyncio.gather(*(one(n, size) for n, size in enumerate(sizes)))
    loop = threading.get_ident()
    for size, (response, q) in zip(sizes, got, strict=True):
        assert response.content == page(size * KIB, q).replace(HERO, SHOWN).encode()
        assert (ran[q] != loop) is (size * KIB > 64 * KIB)
