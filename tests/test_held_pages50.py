"""http50: pages the middleware holds back. A page the app sends in parts is held at most
OMOTENASHI_HOLD_SECONDS after its first part: a page streamed slowly reached the visitor only
when it ended (10 s to the first byte of a page sent over 10 s), and one kept open never did.
Once the time is up, what is held goes out as the app sent it and the rest streams through as
it comes, in order, not personalised; a page whose parts all come in time is personalised as
before (real Redis, the middleware called as a server calls it: the app sends its last part
only once the visitor has the first). A page not as long as its Content-Length, or one with
trailers (which may describe its bytes), goes out as the app sent it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import responder

from .test_big_pages import HERO, RULES, SHOWN

pytestmark = pytest.mark.anyio
HEAD = f"<!doctype html><html><head><title>t</title></head><body>{HERO}".encode()
TAIL = b"<p>the rest</p></body></html>"
SCOPE = {
    "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
    "scheme": "http", "path": "/", "raw_path": b"/", "query_string": b"", "root_path": "",
    "headers": [(b"host", b"shop.test"), (b"accept", b"text/html")],
    "client": ("127.0.0.1", 1), "server": ("shop.test", 80),
}  # fmt: skip


async def served(mw: Omotenashi, app_waits: bool) -> tuple[list[dict[str, Any]], bool]:
    """What the visitor gets; and whether the first part reached them before the app sent
    its last (``app_waits``: the app sends its last part only then)."""
    sent: list[dict[str, Any]] = []
    first_out = asyncio.Event()
    early = False

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal early
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": HEAD, "more_body": True})
        if app_waits:
            await asyncio.wait_for(first_out.wait(), 10)  # (held for good: a failure, not a hang)
        else:
            await asyncio.sleep(0.01)
        early = first_out.is_set()
        await send({"type": "http.response.body", "body": TAIL, "more_body": False})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body":
            first_out.set()

    mw.app = app
    await mw.startup()
    try:
        await mw(dict(SCOPE), receive, send)
        await asyncio.sleep(0.3)  # (a clock left running would send more by now)
    finally:
        await mw.shutdown()
    return sent, early


async def once(app: Any, settings: Settings) -> tuple[list[dict[str, Any]], Omotenashi]:
    """What the middleware around ``app`` sends for one GET of a page, and the middleware."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    mw = Omotenashi(app, settings=settings)
    await mw.startup()
    try:
        await mw(dict(SCOPE), receive, send)
    finally:
        await mw.shutdown()
    return sent, mw


def body_of(sent: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_a_page_still_unfinished_when_its_time_is_up_streams_as_sent(
    make_settings: Callable[..., Settings], caplog: pytest.LogCaptureFixture
) -> None:
    mw = Omotenashi(lambda *a: None, settings=make_settings(RULES, hold_seconds=0.1))
    sent, early = await served(mw, app_waits=True)
    assert early  # the visitor had the first part before the app sent the rest
    assert [m["type"] for m in sent] == ["http.response.start", *["http.response.body"] * 2]
    assert [m.get("more_body", False) for m in sent[1:]] == [True, False]
    assert body_of(sent) == HEAD + TAIL  # as the app sent it, in order: not personalised
    assert sent[0]["headers"] == [  # the app's, private as a page rewritten would be (56)
        (b"content-type", b"text/html; charset=utf-8"),
        (b"vary", b"Cookie, Sec-GPC, DNT"),
        (b"cache-control", b"private"),
    ]
    assert mw.metrics._counts["held_too_long"] == 1
    (said,) = [r.getMessage() for r in caplog.records if "still unfinished" in r.getMessage()]
    assert said.startswith("omotenashi: page '/' was still unfinished 0.1 s after its first part")


@pytest.mark.parametrize("hold", [2.0, 0])
async def test_a_page_whose_parts_come_in_time_is_personalised(
    make_settings: Callable[..., Settings], hold: float
) -> None:
    """(0: no limit, held to its end as before)"""
    mw = Omotenashi(lambda *a: None, settings=make_settings(RULES, hold_seconds=hold))
    sent, early = await served(mw, app_waits=False)
    assert not early
    assert body_of(sent) == (HEAD + TAIL).replace(HERO.encode(), SHOWN.encode())
    assert len([m for m in sent if m["type"] == "http.response.body"]) == 1
    assert mw.metrics._counts["held_too_long"] == 0


@pytest.mark.parametrize("declared", [b"9999", b"5"])
async def test_a_body_not_as_long_as_its_content_length_goes_out_as_sent(
    make_settings: Callable[..., Settings], declared: bytes
) -> None:
    """(http50) An app that declares 9999 bytes and sends fewer (or more): the page was
    personalised and sent whole with a right length, where the server would have cut it. It
    goes out as the app sent it (the server then cuts it as it would without us)."""
    page = HEAD + TAIL
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", declared)]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": page})

    sent, mw = await once(app, make_settings(RULES))
    assert (b"content-length", declared) in sent[0]["headers"]
    assert body_of(sent) == page  # not personalised: as the app sent it
    assert mw.metrics._counts["page_refused"] == 1


@pytest.mark.parametrize("ours", ["refused", "failed"])
async def test_the_servers_error_about_a_short_body_is_not_chained_to_ours(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch, ours: str
) -> None:
    """mount70: uvicorn's "Too little data for declared Content-Length" traceback opened with
    our PageRefused ("During handling of the above exception ..."): the app's bug read as ours.
    The page goes out after our handling ends, so the server's error stands alone."""
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", b"9999")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": HEAD + TAIL})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:  # as uvicorn's h11 protocol does
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            raise RuntimeError("Too little data for declared Content-Length")

    if ours == "failed":  # (a bug of ours: the original page is served all the same)

        async def broken(*_: Any) -> Any:
            raise ValueError("a bug")

        monkeypatch.setattr(responder, "personalised", broken)
    mw = Omotenashi(app, settings=make_settings(RULES))
    await mw.startup()
    try:
        with pytest.raises(RuntimeError, match="Too little data") as raised:
            await mw(dict(SCOPE), receive, send)
    finally:
        await mw.shutdown()
    assert raised.value.__context__ is None, repr(raised.value.__context__)
    counted = "page_refused" if ours == "refused" else "splice_error"
    assert mw.metrics._counts[counted] == 1


async def test_a_page_with_trailers_goes_out_as_sent(
    make_settings: Callable[..., Settings],
) -> None:
    """(http50) Trailers follow the body and may describe its bytes (a Content-Digest): a
    rewritten page went out with the digest of the app's. Such a response passes as sent."""
    page = HEAD + TAIL
    trailer = [(b"content-digest", b"sha-256=:AAAA:")]
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"trailer", b"content-digest")]

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": headers}
        await send({**start, "trailers": True})
        await send({"type": "http.response.body", "body": page})
        await send({"type": "http.response.trailers", "headers": trailer})

    sent, mw = await once(app, make_settings(RULES))
    assert body_of(sent) == page
    assert sent[-1] == {"type": "http.response.trailers", "headers": trailer}


async def test_an_app_cancelled_while_its_page_is_held_sends_nothing_after(
    make_settings: Callable[..., Settings],
) -> None:
    """(eyefinal) A server cancels the app when its visitor leaves (an outer timeout does too):
    the hold clock kept running, and 2 s later the held 200 went out after the app had ended,
    counted and logged as held too long."""
    sent: list[dict[str, Any]] = []

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": HEAD, "more_body": True})
        await asyncio.sleep(100)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    mw = Omotenashi(app, settings=make_settings(RULES, hold_seconds=0.1))
    await mw.startup()
    try:
        running = asyncio.ensure_future(mw(dict(SCOPE), receive, send))
        await asyncio.sleep(0.02)
        running.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running
        await asyncio.sleep(0.3)  # past the hold: a clock left running has sent by now
    finally:
        await mw.shutdown()
    assert sent == [] and mw.metrics._counts["held_too_long"] == 0
