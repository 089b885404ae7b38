"""The world's text in one form (rules/text.py): ``café`` written precomposed (NFC, what
browsers send) or as ``e`` and a combining accent (NFD, a macOS file name or a copy of one)
is one topic, one item, one page; a topic's case, spacing and unseen characters (a
right-to-left override) do not make another. Against a real Redis, through the middleware."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor, track
from omotenashi.asgi.arrival import route_path
from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts
from omotenashi.engine.journey import Journey
from omotenashi.engine.paths import normal_path, path_matcher
from omotenashi.engine.understand import page_tags
from omotenashi.recommend.catalog import CatalogFile
from omotenashi.rules.journey import JourneyFile
from omotenashi.rules.model import When
from omotenashi.rules.text import topic

from .conftest import asgi_get, client_for

Make = Callable[..., Settings]
NFC, NFD = "caf\u00e9", "cafe\u0301"
ETE_NFC, ETE_NFD = "\u00e9t\u00e9", "e\u0301te\u0301"
SLOT = '<div data-omo-slot="hero">Default</div>'


def html(topics: str = "") -> str:
    meta = f'<meta name="omotenashi:topics" content="{topics}">' if topics else ""
    return f"<!doctype html><html><head>{meta}</head><body>{SLOT}</body></html>"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        (NFD, NFC),
        ("Cafe\u0301", NFC),
        ("  CAF\u00c9 ", NFC),
        ("\u202ekyoto", "kyoto"),  # a right-to-left override would turn the sentence around
        ("ky\u200boto\u2066", "kyoto"),  # zero-width space, an isolate: look alike, are one
        ("new\u00a0york", "new york"),  # a no-break space
        ("new \u3000 York", "new york"),  # an ideographic space
        (
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
            "\U0001f468\u200d\U0001f469\u200d\U0001f467",
        ),
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),
    ],
)
def test_a_topic_has_one_form(written: str, kept: str) -> None:
    assert topic(written) == kept  # (a joiner and a non-joiner stay: emoji and Persian)


@given(st.text())
def test_a_topic_is_the_same_in_either_normal_form_and_once_made_stays(text: str) -> None:
    kept = topic(text)
    assert topic(unicodedata.normalize("NFD", text)) == kept
    assert topic(kept) == kept
    assert unicodedata.is_normalized("NFC", kept)


def test_a_page_journey_and_rule_spelling_of_a_topic_is_one_interest() -> None:
    journey = Journey(
        spec=JourneyFile.model_validate({"topics": [{"path": "/c/*", "topics": "Café"}]})
    )
    page = html(f"{NFC}, {NFD}, CAFE\u0301")
    assert page_tags(page, "/c/1", journey)[0] == [NFC]
    when = When.model_validate({"interest": {NFD.upper(): {"at_least": 1}}})
    assert all_hold(compile_when(when, "UTC"), Facts(interests={NFC: 1.0}))
    labels = CatalogFile.model_validate({"labels": {NFD: "Our cafés"}}).labels
    assert labels == {NFC: "Our cafés"}  # the catalogue names the topic pages send


@pytest.mark.parametrize(
    "cmp", [NFD, NFD.upper(), {"in": ["x", NFD]}, {"contains": "E\u0301"}, {"ne": "cafe"}]
)
def test_a_value_a_rule_names_in_nfd_is_the_nfc_one_a_link_or_the_app_gives(cmp: object) -> None:
    when = When.model_validate({"query": {"q": cmp}, "attr": {"city": cmp}})
    assert all_hold(compile_when(when, "UTC"), Facts(query={"q": NFC}, attrs={"city": NFC}))


@pytest.mark.parametrize("path", [f"/tours/{ETE_NFC}", f"/tours/{ETE_NFD}"])
def test_a_path_is_judged_in_nfc(path: str) -> None:
    assert route_path({"path": path}) == f"/tours/{ETE_NFC}"
    assert route_path({"path": f"/shop{path}", "root_path": "/shop"}) == f"/tours/{ETE_NFC}"
    assert normal_path(path.upper()) == f"/tours/{ETE_NFC}"
    when = When.model_validate({"path": f"/tours/{ETE_NFD}*"})
    assert all_hold(compile_when(when, "UTC"), Facts(path=route_path({"path": path})))
    assert path_matcher([f"/TOURS/{ETE_NFD.upper()}/*"])(path + "/x")  # excluded in any form


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html(request.query_params.get("t", "")))

    async def me(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        profile = await visitor.loaded()
        return PlainTextResponse(json.dumps(profile.to_export()))

    async def viewed(request: Request) -> PlainTextResponse:
        for item in (f"{NFD}-tour", f"{NFC}-tour"):
            await track(request, "view_item", {"item": item})
        await track(request, "purchase", {"items": [f"{NFD}-tour", f"{NFC}-tour"]})
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/me", me),
            Route("/viewed", viewed, methods=["POST"]),
            Route("/{path:path}", page),
        ]
    )


# written as a macOS editor may save them: NFD
RULES = f"""
rules:
  - {{id: fan, slot: hero, text: "For café lovers", why: "You like cafés.",
     when: {{interest: {{"{NFD}": {{at_least: 1.5}}}}}}}}
  - {{id: summer, slot: hero, priority: 1, text: "Summer tours", why: "You look at summer.",
     when: {{path: "/tours/{ETE_NFD}*"}}}}
"""
JOURNEY = f"""
topics:
  - {{path: "/tours/{ETE_NFD}*", topics: ["{NFD.upper()}"]}}
"""


@pytest.mark.anyio
async def test_two_spellings_of_a_topic_are_one_interest_that_rules_see(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        await client.get("/a", params={"t": NFD})
        await client.get("/b", params={"t": f"Caf\u00e9, \u202e{NFC}"})
        page = await client.get("/c")
        interests = json.loads((await client.get("/me")).text)["interests"]
    assert list(interests) == [NFC]
    assert 'data-omo-rule="fan"' in page.text  # the rule written in NFD fires


@pytest.mark.anyio
@pytest.mark.parametrize(
    "url",
    [
        "/tours/%C3%A9t%C3%A9",  # as a browser sends an NFC link
        "/tours/e%CC%81te%CC%81",  # and an NFD one
        f"/tours/{ETE_NFC}-2026",
    ],
)
async def test_a_rule_and_journey_path_hold_for_every_spelling_of_the_page(
    make_settings: Make, omotenashi_redis: redis.Redis, url: str
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        page = await client.get(url)
        interests = json.loads((await client.get("/me")).text)["interests"]
    assert 'data-omo-rule="summer"' in page.text
    assert list(interests) == [NFC]  # the journey's topic, in the one form


@pytest.mark.anyio
async def test_an_excluded_folder_holds_for_its_nfd_spelling(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, journey=JOURNEY, exclude_paths=[f"/{NFC}/*"])
    mw = Omotenashi(shop(), settings=settings)
    await mw.startup()
    try:
        sent = await asgi_get(mw, f"/{NFD}/admin")  # as the server decoded it
        await mw.drain()
    finally:
        await mw.shutdown()
    head: list[tuple[bytes, Any]] = sent[0]["headers"]
    assert not any(name == b"set-cookie" for name, _ in head)
    assert omotenashi_redis.keys("omo:*") == []


@pytest.mark.anyio
async def test_the_apps_item_ids_in_either_form_are_one_item(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        await client.get("/")
        await client.post("/viewed")
        profile = json.loads((await client.get("/me")).text)
    assert list(profile["viewed"]) == [f"{NFC}-tour"]
    assert profile["purchased"] == [f"{NFC}-tour"]
