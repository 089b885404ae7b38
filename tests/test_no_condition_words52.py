"""words52 P2: the "i" of a block with no condition said "This is shown to every visitor.",
untrue where a holdout keeps it from some (and a cap or the budget from others). It says now
that nothing about the visitor chose it. Through the middleware, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_words

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: spring, slot: hero, text: "Spring sale", holdout: 50%, why: "Our spring sale."}
"""


async def test_a_block_with_no_condition_never_says_every_visitor_sees_it(
    make_settings: Make,
) -> None:
    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(PAGE))])
    mw = Omotenashi(app, settings=make_settings(RULES, respect={"disclosure": True}))
    said: list[str] = []
    held = 0
    async with client_for(mw) as client:
        for _ in range(24):  # (both groups met but for 2 in 2**24)
            client.cookies.clear()
            page = await client.get("/")
            if "Spring sale" in page.text:
                said.append(" ".join(page_words(page.text).split()))
            else:
                held += 1  # (the held-out group: the block is kept from them)
    assert said and held  # both groups met
    for words in said:
        assert "Nothing about you chose this: it may be shown to anyone." in words
        assert "every visitor" not in words
