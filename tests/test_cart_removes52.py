"""words52 (2 P2): ``remove_from_cart`` after an add of the same item in one request left the
item in the cart (removals were applied before additions), and its ``qty`` was read as "all of
it" (the README says it takes ``item, qty``), so a cart holding two showed none after one went.
Now a removal takes back what the request added first, then comes off what is kept, by
``qty`` when one is given (all of it when not). The profile the request uses (change.apply)
and the one Redis keeps (the record script) agree. Through the middleware, real Redis."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track
from omotenashi.engine.change import Change, apply
from omotenashi.engine.profile import Profile

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


def shop() -> Starlette:
    """``/`` a page; ``POST /cart`` tracks each of its JSON list of ``[event, data]`` in order
    and answers the cart the request's own profile holds after them."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse("<!doctype html><p>shop")

    async def cart(request: Request) -> PlainTextResponse:
        for name, data in json.loads(await request.body()):
            await track(request, name, data)
        return PlainTextResponse("ok")

    return Starlette(routes=[Route("/", page), Route("/cart", cart, methods=["POST"])])


def kona(qty: int | None = None) -> dict[str, Any]:
    return {"item": "kona"} if qty is None else {"item": "kona", "qty": qty}


ADD, REMOVE = "add_to_cart", "remove_from_cart"


@pytest.mark.parametrize(
    ("before", "now", "left"),
    [
        ([], [(ADD, kona(1)), (REMOVE, kona())], {}),  # (it stayed: {"kona": 1})
        ([], [(ADD, kona(2)), (REMOVE, kona(1))], {"kona": 1}),
        ([(ADD, kona(2))], [(REMOVE, kona(1))], {"kona": 1}),  # (all went)
        ([(ADD, kona(3))], [(ADD, kona(1)), (REMOVE, kona(2))], {"kona": 2}),
        ([(ADD, kona(2))], [(REMOVE, kona(5))], {}),
        ([(ADD, kona(2))], [(REMOVE, kona())], {}),  # no qty: all of it, as ever
        ([(ADD, kona(2))], [(REMOVE, kona()), (ADD, kona(1))], {"kona": 1}),
        ([(ADD, kona(2))], [(REMOVE, kona()), (ADD, kona(3)), (REMOVE, kona(1))], {"kona": 2}),
        ([(ADD, kona(2))], [(REMOVE, kona(0))], {}),  # a qty that is none: all of it
        ([(ADD, kona(2))], [(REMOVE, {"item": "kona", "qty": "1"})], {}),
        ([(ADD, kona(1))], [(REMOVE, kona(1)), ("purchase", {})], {}),
    ],
)
async def test_a_removal_takes_what_it_says_in_the_order_it_came(
    make_settings: Make,
    before: list[tuple[str, dict[str, Any]]],
    now: list[tuple[str, dict[str, Any]]],
    left: dict[str, int],
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(""))
    async with client_for(mw) as client:
        page = await client.get("/")
        assert page.status_code == 200
        for events in (before, now):
            if events:
                done = await client.post("/cart", content=json.dumps(events))
                assert done.status_code == 200
        await mw.drain()
        vid = mw.signer.identify(f"omo_vid={client.cookies['omo_vid']}").vid
        kept = await mw.store.load(vid)
    assert kept.cart == left
    # what the request's own profile held (change.apply) is what Redis keeps
    profile = Profile()
    for events in (before, now):
        change = Change(now=1_800_000_000.0)
        for name, data in events:
            change.add_event(name, data)
        profile = apply(profile, change, half_life=86400.0)
    assert profile.cart == left
