"""proxy51 P3: an app (or a proxy's origin) that sets a cookie named as our visitor cookie
replaces the visitor's in the browser, who is then new at their next page; it passed unsaid.
It is said now (a WARNING, at most once an hour), and the app's cookie is left as it is.
Through the real middleware, against a real Redis."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.asgi import setcookie

from .conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
SAID = "the app sets a cookie named 'omo_vid', the name of Omotenashi's visitor cookie"


def setting(kind: str) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        page: Response = (
            HTMLResponse("<!doctype html><p>shop") if kind == "page" else JSONResponse({"a": 1})
        )
        page.set_cookie("omo_vid", "the-apps-own")
        page.set_cookie("theirs", "kept")
        return page

    return answer


@pytest.mark.parametrize("kind", ["page", "json"])
async def test_an_app_setting_our_cookie_name_is_said_once(
    make_settings: Make, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:  # fmt: skip
    monkeypatch.setattr(setcookie, "_CLASH", setcookie.quiet.Quiet(setcookie.log, every=3600.0))
    app = Starlette(routes=[Route("/", setting(kind))])
    mw = Omotenashi(app, settings=make_settings(""))
    with caplog.at_level(logging.WARNING, "omotenashi"):
        async with client_for(mw) as client:
            answers = [await client.get("/") for _ in range(3)]
    said = [r.getMessage() for r in caplog.records if SAID in r.getMessage()]
    assert len(said) == 1  # (once: not a line per response)
    cookies = answers[0].headers.get_list("set-cookie")
    assert any(c.startswith("omo_vid=the-apps-own") for c in cookies)  # the app's, as it was
    assert any(c.startswith("theirs=kept") for c in cookies)


async def test_an_app_with_cookies_of_its_own_names_is_not_warned_of(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    def answer(request: Request) -> Response:
        page = HTMLResponse("<!doctype html><p>shop")
        page.set_cookie("omo_vid_backup", "x")  # (a longer name that starts like ours)
        return page

    mw = Omotenashi(Starlette(routes=[Route("/", answer)]), settings=make_settings(""))
    with caplog.at_level(logging.WARNING, "omotenashi"):
        async with client_for(mw) as client:
            await client.get("/")
    assert not [r for r in caplog.records if "the app sets a cookie named" in r.getMessage()]
