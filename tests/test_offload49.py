"""edge49: what decides whether a page is scanned on the event loop or in a worker thread
(asgi/offload.py) cannot be fooled. A gzip body is judged by what it inflates to, not by 8x its
compressed length (1 KB of gzip held a 1 MiB flood of ``<a>``, scanned on the loop for ~1 s);
and a verdict is reused only for the same page, byte for byte, never for another page of the
same length (a costly page padded to an ordinary page's length stayed on the loop)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import offload
from omotenashi.asgi.offload import is_big
from omotenashi.engine.eucjp import EUC_JP
from omotenashi.engine.lookalikes import BIG5

from .conftest import client_for
from .test_big_pages import HERO, RULES, SHOWN, watch_threads

KIB = 1024
ABOVE = 256 * KIB


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> None:
    offload._verdicts.clear()


def flood(size: int) -> str:
    return f"<!doctype html><html><body>{HERO}<div>{'<a>' * (size // 3)}</div></body></html>"


def gzip_app(size: int) -> Any:
    """A page of ``size`` bytes of ``<a>``, sent gzip-compressed (a few hundred bytes)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = gzip.compress(flood(size).encode(), mtime=0)
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.anyio
@pytest.mark.parametrize(("size", "in_thread"), [(1 * KIB, False), (120 * KIB, True)])
async def test_a_gzip_page_is_judged_by_what_it_holds(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    size: int,
    in_thread: bool,
) -> None:
    ran = watch_threads(monkeypatch)
    mw = Omotenashi(gzip_app(size), settings=make_settings(RULES))  # the default threshold
    async with client_for(mw) as client:
        response = await client.get("/", params={"q": "x"})
    assert len(gzip.compress(flood(size).encode(), mtime=0)) * 8 < ABOVE  # (8x: on the loop)
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == flood(size).replace(HERO, SHOWN)  # (httpx inflates it)
    assert (ran["x"] != threading.get_ident()) is in_thread


@pytest.mark.anyio
async def test_a_gzip_body_that_does_not_inflate_is_sent_as_the_app_made_it(
    make_settings: Callable[..., Settings],
) -> None:
    broken = gzip.compress(flood(1 * KIB).encode(), mtime=0)[:-12]  # truncated

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": broken})

    mw = Omotenashi(app, settings=make_settings(RULES))
    async with client_for(mw) as client:
        async with client.stream("GET", "/") as response:
            sent = b"".join([part async for part in response.aiter_raw()])
    assert response.status_code == 200 and sent == broken


def test_a_costly_page_of_an_ordinary_pages_length_is_counted_for_itself() -> None:
    size = 120 * KIB
    cards = (b'<div class="card"><p>Tour of the islands, days of sun.</p></div>\n' * size)[:size]
    costly = (b"<a>" * size)[:size]
    assert not is_big(cards, ABOVE)  # an ordinary page of that length: on the loop
    assert is_big(costly, ABOVE)  # then another of the same length: counted, in a thread
    assert not is_big(cards, ABOVE) and is_big(costly, ABOVE)  # (each its own)


def legacy_app(charset: str, char: str, count: int) -> Any:
    """A page in ``charset`` holding ``char`` ``count`` times (a few tens of KB)."""
    page = f"<!doctype html><html><body>{HERO}<p>{char * count}</p></body></html>"

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", f"text/html; charset={charset}".encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        codec = {"euc-jp": EUC_JP, "big5": BIG5}.get(charset, charset)  # (as browsers write)
        await send({"type": "http.response.body", "body": page.encode(codec)})

    return app


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("charset", "char", "count", "in_thread"),
    [
        ("big5", "／", 20_000, True),  # 40 KB: each one a Python call of our codec, twice
        ("euc-jp", "①", 20_000, True),
        ("euc-jp", "～", 20_000, True),  # (a look-alike, written one by one too: last66)
        ("big5", "一", 20_000, False),  # (C all the way)
        ("euc-jp", "あ", 20_000, False),  # (a trail byte of 0xAD, 0xF9-0xFC counts: ~5%)
        ("utf-8", "／", 20_000, False),
    ],
)
async def test_a_page_whose_characters_our_codecs_read_one_by_one_leaves_the_loop(
    make_settings: Callable[..., Settings],
    monkeypatch: pytest.MonkeyPatch,
    charset: str,
    char: str,
    count: int,
    in_thread: bool,
) -> None:
    """dos66: a 250 KB Big5 page full of ／ cost 785 ms, an EUC-JP one full of ① 328 ms, on the
    event loop (judged by its markup alone, an ordinary page's): every other request waited."""
    ran = watch_threads(monkeypatch)
    mw = Omotenashi(legacy_app(charset, char, count), settings=make_settings(RULES))
    async with client_for(mw) as client:
        response = await client.get("/", params={"q": "x"})
    assert SHOWN in response.text
    assert (ran["x"] != threading.get_ident()) is in_thread
