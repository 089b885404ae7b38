"""proxy60: an API's JSON labelled ``text/html`` (PHP's default label) was taken for a page:
a string holding slot markup was rewritten (its JSON broken by the note's quotes) and every
``fetch()`` of it counted as a page view. A body that reads as a JSON object or array passes
as the app sent it and counts nothing. And a page in ``x-gzip`` (gzip's old name, which
browsers read as gzip) is personalised as a gzip one is. Through the real middleware, against
a real Redis."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, get_visitor
from omotenashi.engine.pagehttp import is_json

from .conftest import client_for

Make = Callable[..., Settings]
RULES = """
rules:
  - {id: tagline, slot: tagline, text: "Hello there", why: "Everyone sees this."}
"""
PAGE = b"<!doctype html><p data-omo-slot='tagline'>x</p>"
API = json.dumps({"html": "<p data-omo-slot='tagline'>x</p>", "n": [1, 2]}).encode()


def shop() -> Starlette:
    async def page(request: Request) -> Response:
        return Response(PAGE, media_type="text/html")

    async def api(request: Request) -> Response:  # as PHP labels it
        return Response(b"\n " + API + b"\r\n", media_type="text/html")

    async def old_gzip(request: Request) -> Response:
        headers = {"content-encoding": "x-gzip"}
        return Response(gzip.compress(PAGE), media_type="text/html", headers=headers)

    async def views(request: Request) -> PlainTextResponse:
        visitor = get_visitor(request)
        assert visitor is not None
        return PlainTextResponse(str((await visitor.loaded()).views))

    routes = [Route("/", page), Route("/api", api), Route("/old", old_gzip), Route("/n", views)]
    return Starlette(routes=routes)


@pytest.mark.anyio
async def test_json_labelled_html_passes_as_sent_and_counts_no_view(make_settings: Make) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"accept": "text/html"})
        answers = [await client.get("/api") for _ in range(3)]
        views = (await client.get("/n")).text
    assert "Hello there" in page.text
    assert {a.content for a in answers} == {b"\n " + API + b"\r\n"}
    assert json.loads(answers[0].content)["html"] == "<p data-omo-slot='tagline'>x</p>"
    assert views == "1"  # the page alone


@pytest.mark.anyio
async def test_a_page_in_x_gzip_is_personalised_as_gzip(make_settings: Make) -> None:
    mw = Omotenashi(shop(), settings=make_settings(RULES))
    async with client_for(mw) as client:
        answer = await client.get("/old", headers={"accept": "text/html"})
    assert answer.headers["content-encoding"] == "x-gzip"
    assert "Hello there" in gzip.decompress(answer.content).decode()


@pytest.mark.parametrize(
    ("text", "json_"),
    [
        ('{"a": 1}', True),
        ("\ufeff\n [1, 2]\n\n", True),
        ("{}", True),
        ("[", False),
        ('{"a": 1]', False),
        ("<p>{}</p>", False),
        ("[Sale] <b>now</b>", False),
        ("[<b>3 new</b>] <div data-omo-slot=hero>x</div> [<a>more</a>]", False),  # (last60)
        ("{{#items}}<div data-omo-slot=hero>x</div>{{/items}}{{! end }}", False),
        ("[1] <p>x</p> [2]", False),
        ("[" * 100_000 + "]" * 100_000, False),  # (too deep to read: no page either way)
        ("", False),
        ("   ", False),
        ("x" * 10, False),
    ],
)
def test_what_reads_as_json(text: str, json_: bool) -> None:
    assert is_json(text) is json_
