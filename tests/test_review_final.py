"""Final review: a recommendation rendered once and kept is only kept when the snippet never
looked at the visitor, whichever way it looks, and draws nothing anew, in whatever snippet
it brings in. Then the user-side review of 3f67b97..HEAD, each failing on the code it read: the
one-time word after "Don't show me this" no longer says a reason is gone while a block giving
it stays, nor goes into a closed <dialog> or a datalist left open at </body>; a sign-in on a
page fetched ahead merges nothing where such pages record nothing. One known limit stays xfail
(an element hidden by its own attribute, left open to the end of the page)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Omotenashi, Settings, identify
from omotenashi.engine.render import render_items
from omotenashi.loader.snippets import Renderer
from omotenashi.testing import written

from .conftest import client_for, page_app
from .test_dismiss_flash import OFF, PAGE, RULES, form, said, signed, submit

Make = Callable[..., Settings]

ENV = SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


@pytest.mark.parametrize(
    "source",
    [
        "{% if visitor != {} %}back{% else %}new{% endif %}",
        "{% if {} != visitor %}back{% else %}new{% endif %}",
        "{% if visitor == {} %}new{% else %}back{% endif %}",
        "{% if visitor %}back{% else %}new{% endif %}",
        "{{ visitor|length }}",
    ],
)
def test_a_kept_recommendation_is_what_this_visitor_would_get(source: str) -> None:
    template = ENV.from_string(source)
    owner = object()
    render_items(template, {}, {}, owner, ("same items",))  # a new visitor's, first
    kept = render_items(template, {}, {"name": "Bob"}, owner, ("same items",))
    fresh = render_items(template, {}, {"name": "Bob"}, object(), ("same items",))
    assert kept == fresh


DRAW = "{{ ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']|random }}"


@pytest.mark.parametrize(
    "snippet",
    [
        DRAW,
        '{% include "card.html" %}',
        '{% from "macros.html" import card %}{{ card() }}',
        '{% import "macros.html" as m %}{{ m.card() }}',
        '{% extends "base.html" %}',
        '{% include ["none.html", "card.html"] %}',
    ],
)
def test_a_snippet_that_draws_anew_is_rendered_anew_for_every_page(
    tmp_path: Path, snippet: str
) -> None:
    (tmp_path / "card.html").write_text(DRAW)
    (tmp_path / "macros.html").write_text(f"{{% macro card() %}}{DRAW}{{% endmacro %}}")
    (tmp_path / "base.html").write_text(f"{{% block b %}}{DRAW}{{% endblock %}}")
    (tmp_path / "recs.html").write_text(snippet)
    template = Renderer(tmp_path).snippet("recs.html")
    owner = object()
    drawn = {render_items(template, {}, {"stage": "interest"}, owner, ("k",)) for _ in range(60)}
    assert len(drawn) > 1


SAME_REASON = """
rules:
  - {id: seen-hero, slot: hero, text: "Welcome back", when: {views: {at_least: 1}},
     category: history, why: "You have been here before."}
  - {id: promo-back, slot: promo, text: "Back again offer", when: {views: {at_least: 1}},
     category: offers, why: "You have been here before."}
"""


@pytest.mark.anyio
async def test_done_is_not_said_while_a_block_with_that_reason_stays(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(SAME_REASON, respect={"disclosure": True, "page_panel": True})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        await client.get("/")
        before = await client.get("/")
        await submit(client, form(before.text, "omo-dismiss"))
        back = await client.get("/")
    assert "Back again offer" in back.text  # the other entry still shows, with reason R
    assert not said(back).startswith("Done: you won't see “You have been here before” again.")
    assert said(back) == "Done: you won't see that block again. Undo Your choices"


HIDING = {
    "dialog": "<dialog><p>Newsletter</p>",  # a closed <dialog> renders nothing
    "datalist": "<datalist><option>a",
    # (from a run over html5lib-tests' documents, checked in Chromium: each hides what is put in)
    "option": "<option>a",  # outside a select: not shown
    "rp": "<ruby>a<rp>(",  # ruby's fallback parentheses: not shown
    "waiting-link": '<p><a href="/elsewhere">y</p>',  # re-opened around it: a link
    "waiting-link-in-bold": '<p><b><a href="/elsewhere">y</p>',  # (a <b> alone: bold, seen)
    # hidden, not heard or not usable by its own attributes, left open to </body>
    "hidden": "<div hidden>",
    "inert": "<div inert>",
    "aria-hidden": '<div aria-hidden="true">',
}


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("tail", "anchor"),
    [
        pytest.param(tail, anchor, id=f"{name}-{anchor or 'end'}")
        for name, tail in HIDING.items()
        for anchor in ("hero", "")
    ],
)
async def test_the_word_is_not_spent_where_it_cannot_be_seen(
    make_settings: Make, omotenashi_redis: redis.Redis, tail: str, anchor: str
) -> None:
    """At the page's end (a block with no element id) or right after the block (one with)."""
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    mw = Omotenashi(page_app(PAGE.replace("</body>", tail + "</body>")), settings=settings)
    async with client_for(mw) as client:
        flash = {"r": "seen-hero", "t": int(time.time()), "a": anchor}
        client.cookies.set("omo_vid", signed(mw, OFF, flash), domain="shop.test")
        page = await client.get("/")
        kept = mw.signer.read(client.cookies["omo_vid"])
    node = word = LexborHTMLParser(page.text).css_first("#omo-done")
    parents = []
    while node is not None and node.parent is not None:
        node = node.parent
        parents.append(node.tag)
    hidden = {"dialog", "datalist", "div", "option", "rp", "a", "b"} & set(parents)
    # (or the page's waiting link or bold re-opened inside it, around its words)
    wrapped = word is not None and word.css_first('a[href="/elsewhere"]') is not None
    spent = kept is not None and kept.flash is None
    assert not (spent and (hidden or wrapped)), (parents, spent)


@pytest.mark.anyio
async def test_a_sign_in_on_a_page_fetched_ahead_writes_nothing(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    from starlette.requests import Request

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await identify(Request(scope, receive), "42")
        head = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": PAGE.encode()})

    mw = Omotenashi(app, settings=make_settings(RULES, respect={"count_prefetch": False}))
    async with client_for(mw) as client:
        await client.get("/account", headers={"sec-purpose": "prefetch"})
        await written()
    assert list(omotenashi_redis.scan_iter(match="omo:*")) == []
