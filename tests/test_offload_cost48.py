"""A page goes to a worker thread by what its scan costs, not by its length alone
(asgi/offload.py ``is_big``): markup dense in tags, table cells, hidden elements or slots costs
4-8x an ordinary page per byte, and under OMOTENASHI_THREAD_ABOVE it held the event loop for
0.2-1.1 s. Ordinary pages are judged by their length, as before."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import offload
from omotenashi.asgi.offload import is_big

from .conftest import client_for
from .test_big_pages import HERO, RULES, SHOWN, page, watch_threads


@pytest.fixture(autouse=True)
def _fresh_verdicts() -> None:
    """Each test's pages judged afresh (offload keeps the verdicts of pages seen before)."""
    offload._verdicts.clear()


KIB = 1024
ABOVE = 256 * KIB
CARDS = (
    b'<div class="card"><h2><a href="/t/1">Tour</a></h2><p>Days of <b>sun</b> and '
    b'<em>sea</em>.</p><ul><li>One</li><li>Two</li></ul><img src="/i/1.jpg" alt=""></div>\n'
)
ARTICLE = b"<p>" + b"Days of sun and sea on the island, with the family. " * 40 + b"</p>\n"


def sized(piece: bytes, size: int, head: bytes = b"<!doctype html><html><body>") -> bytes:
    """A page of ``size`` bytes: ``head``, then ``piece`` repeated and cut to fit."""
    body = piece * ((size - len(head)) // len(piece) + 1)
    return head + body[: size - len(head)]


@pytest.mark.parametrize(
    ("piece", "size"),
    [  # each under the threshold by length, each costing 3-8x an ordinary page per byte
        (b"<a>", 120 * KIB),
        (b"<td>", 100 * KIB),
        (b"<table><tr><td>", 120 * KIB),
        (b"<b><div>", 160 * KIB),
        (b"<li>", 160 * KIB),
        (b"<div>", 200 * KIB),
        (b"<div hidden>", 200 * KIB),
        (b'<div data-omo-slot="hero"></div>', 200 * KIB),
        (b'<i role="link">y</i>', 200 * KIB),  # (last69: a control's tag read whole)
        # dos70: names in any case, as the scanner finds them; a space before "="; the
        # attributes a hidden element is found by
        (b"<i DATA-OMO-SLOT=hero>x</i>" + b"." * 8, 120 * KIB),
        (b"<I ROLE=link a b c d e f g h i j k l m n o p q r s t u v w>x</I>", 120 * KIB),
        (b"<TABLE>x<B>y</B>z<TR>q" + b"." * 14, 120 * KIB),
        (b'<i role ="link">x</i>', 120 * KIB),
        (b'<i style="display:none">x</i>', 160 * KIB),
        (b"<i inert>x</i>....", 160 * KIB),
        (b"<I HIDDEN>x</I>...", 160 * KIB),
        (b"<SVG><FONT SIZE=1>", 160 * KIB),  # (last70: each broken out of)
    ],
    ids=["a", "td", "table", "misnest", "li", "div", "hidden", "slot", "role"]
    + ["SLOT", "ROLE-attrs", "TABLE-foster", "role-space", "style", "inert", "HIDDEN", "svg-font"],
)
def test_a_page_dense_in_costly_markup_goes_to_a_thread_under_the_threshold(
    piece: bytes, size: int
) -> None:
    body = sized(piece, size)
    assert len(body) <= ABOVE and is_big(body, ABOVE)


def test_the_slot_counted_is_the_sites_own() -> None:
    body = sized(b'<div data-spot="hero"></div>', 200 * KIB)
    assert is_big(body, ABOVE, "data-spot")
    assert not is_big(body, ABOVE)  # the default's name is not in it


@pytest.mark.parametrize(
    ("body", "big"),
    [  # ordinary pages: judged by their length, as before
        (sized(CARDS, 230 * KIB), False),
        (sized(CARDS, ABOVE + 1), True),
        (page(ABOVE).encode()[:ABOVE], False),  # bench/bigpage.py's product list
        (sized(ARTICLE, ABOVE), False),
        (sized(ARTICLE, ABOVE + 1), True),
        (b"", False),
        (b"<" * (ABOVE // 9), False),  # each '<' counts 9 bytes: exactly the threshold
        (b"<" * (ABOVE // 9 + 1), True),
    ],
    ids=[
        "cards",
        "cards-over",
        "bench-list",
        "article",
        "article-over",
        "empty",
        "lt-at",
        "lt-over",
    ],
)
def test_an_ordinary_page_is_judged_by_its_length(body: bytes, big: bool) -> None:
    assert is_big(body, ABOVE) is big


def td_app() -> Any:
    """A slot, then a flood of table cells (90 KiB: tag-dense markup, a third of the length)."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = f"<!doctype html><html><body>{HERO}<table>{'<td>x' * (90 * KIB // 5)}</table>"
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body.encode()})

    return app


@pytest.mark.anyio
async def test_a_tag_dense_page_under_the_threshold_is_personalised_in_a_thread(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = watch_threads(monkeypatch)
    mw = Omotenashi(td_app(), settings=make_settings(RULES))  # the default threshold
    async with client_for(mw) as client:
        response = await client.get("/", params={"q": "x"})
    assert response.status_code == 200 and SHOWN in response.text
    assert ran["x"] != threading.get_ident()


def test_a_page_judged_before_is_judged_alike_without_counting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counted: list[int] = []
    real = offload.scan_cost

    def counting(body: bytes, slot: str = "data-omo-slot") -> int:
        counted.append(len(body))
        return real(body, slot)

    monkeypatch.setattr(offload, "scan_cost", counting)
    dense = sized(b"<td>", 100 * KIB)
    assert is_big(dense, ABOVE) and is_big(bytes(bytearray(dense)), ABOVE)  # (equal bytes)
    assert counted == [len(dense)]  # the same page again reuses the verdict
    assert is_big(dense, ABOVE, "data-spot")  # another slot name: counted again
    assert len(counted) == 2


def test_a_page_too_short_to_cost_that_much_is_never_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(offload, "scan_cost", lambda *_: pytest.fail("counted"))
    short = sized(b"<td>", int(ABOVE / offload.MOST_COSTLY))
    assert not is_big(short, ABOVE)
