"""Omotenashi under a path prefix (``uvicorn --root-path /app``, ``Mount("/shop", ...)``) and
under a server offering ``http.response.pathsend``.

ASGI servers put the prefix in ``root_path`` and (uvicorn, Starlette's Mount) at the start of
``path`` too: every path is judged without it (exclusions, rule and journey paths, our own
endpoints), and every URL written for the browser (links, forms, redirects) starts with it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Mount, Route

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.arrival import route_path, url_root

from .conftest import form_token, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    '<!doctype html><html><head></head><body><div data-omo-slot="hero" id="top">Default</div>'
    '<p data-omo-slot="tagline">Default tagline</p><p data-omo-slot="fan"></p></body></html>'
)
RULES = """
rules:
  - {id: hi, slot: hero, text: "Hello", why: "Shown to everyone."}
  - {id: tours, slot: tagline, text: "Tours!", when: {path: "/tours/*"}, why: "A tour page."}
  - {id: fan, slot: fan, text: "Fan", when: {interest: {tours: {at_least: 1}}}, why: "Tours."}
"""
JOURNEY = 'topics:\n  - {path: "/tours/*", topics: [tours]}\n'
DISCLOSED = {"respect": {"disclosure": True, "page_panel": True}}


def client(app: Any, root_path: str = "") -> httpx.AsyncClient:
    """A client whose requests reach ``app`` as a server given ``root_path`` sends them."""
    transport = httpx.ASGITransport(app=app, root_path=root_path)
    return httpx.AsyncClient(transport=transport, base_url="http://shop.test")


@pytest.mark.parametrize(
    ("scope", "route", "root"),
    [
        ({"path": "/app/tours/a", "root_path": "/app"}, "/tours/a", "/app"),
        ({"path": "/tours/a", "root_path": "/app"}, "/tours/a", "/app"),  # path without it
        ({"path": "/app", "root_path": "/app"}, "/", "/app"),  # the mount's own root
        ({"path": "/apple/x", "root_path": "/app"}, "/apple/x", "/app"),  # not under it
        ({"path": "/app/x", "root_path": "/app/"}, "/x", "/app"),
        ({"path": "/x", "root_path": "/"}, "/x", ""),
        ({"path": "/x", "root_path": ""}, "/x", ""),
        ({"path": "/x"}, "/x", ""),
        ({"path": "//evil.example/x", "root_path": "//evil.example"}, "/x", "/evil.example"),
        ({"path": "/a b/x", "root_path": "/a b"}, "/x", "/a%20b"),  # given decoded
        ({"path": '/"><x/y', "root_path": '/"><x'}, "/y", "/%22%3E%3Cx"),
    ],
)
async def test_the_route_path_and_the_url_root_of_a_scope(
    scope: dict[str, Any], route: str, root: str
) -> None:
    assert (route_path(scope), url_root(scope)) == (route, root)


@pytest.mark.parametrize(
    ("root_path", "url", "hero", "tours"),
    [
        ("", "/tours/a", True, True),  # the control
        ("/app", "/app/tours/a", True, True),  # a rule's path: without the prefix
        ("/app", "/tours/a", True, True),  # a server whose path leaves the prefix out
        ("/app", "/app/shop", True, False),
        ("/app", "/app/static/page.html", False, False),  # excluded
        ("/app", "/app/admin/", False, False),
        ("/app", "/app/admin", False, False),
        ("/app", "/static/page.html", False, False),
        ("/proxy/shop", "/proxy/shop/media/a.html", False, False),
    ],
)
async def test_paths_are_judged_without_the_root_path(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    root_path: str,
    url: str,
    hero: bool,
    tours: bool,
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, journey=JOURNEY))
    await mw.startup()
    try:
        async with client(mw, root_path) as c:
            first = await c.get(url, headers={"accept": "text/html"})
            await mw.drain()
            again = await c.get(url, headers={"accept": "text/html"})
        await mw.drain()
    finally:
        await mw.shutdown()
    assert ('data-omo-rule="hi"' in first.text) is hero
    assert ('data-omo-rule="tours"' in first.text) is tours  # a rule's path
    assert ('data-omo-rule="fan"' in again.text) is tours  # a journey topic's path
    assert ("set-cookie" in first.headers) is hero  # excluded: not even a cookie
    if not hero:
        assert first.text == PAGE and omotenashi_redis.keys("omo:*") == []


@pytest.mark.parametrize(
    ("root_path", "url", "root"),
    [
        ("", "/_omotenashi/preferences", ""),
        ("/app", "/app/_omotenashi/preferences", "/app"),
        ("/app", "/_omotenashi/preferences", "/app"),  # a server whose path leaves it out
        ("/a b", "/a%20b/_omotenashi/preferences", "/a%20b"),
        ("/app/", "/app/_omotenashi/preferences", "/app"),
    ],
)
async def test_the_preferences_page_answers_and_links_under_the_root_path(
    make_settings: Make, root_path: str, url: str, root: str
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    await mw.startup()
    try:
        async with client(mw, root_path) as c:
            page = await c.get(url, headers={"accept": "text/html"})
            data = await c.get(url + "/data", headers={"accept": "text/html"})
            token = form_token(page.text)
            form = {"csrf": token, "action": "save"}
            saved = await c.post(url, data=form, headers={"origin": "http://shop.test"})
            refused = await c.post(url, data={"csrf": "x"}, headers={"accept": "text/html"})
    finally:
        await mw.shutdown()
    assert page.status_code == 200 and data.status_code == 200
    forms = re.findall(r'action="([^"]+)"', page.text)
    assert forms and set(forms) == {f"{root}/_omotenashi/preferences"}
    assert f'href="{root}/">Back to the site' in page.text
    assert f'href="{root}/_omotenashi/preferences">' in data.text
    assert saved.status_code == 303
    assert (
        saved.headers["location"].partition("&n=")[0] == f"{root}/_omotenashi/preferences?saved=1"
    )
    assert refused.status_code == 403
    assert f'href="{root}/_omotenashi/preferences"' in refused.text
    assert f'href="{root}/">Back to the site' in refused.text


@pytest.mark.parametrize(
    ("root_path", "url", "root"),
    [
        ("", "/tours/a?x=1", ""),
        ("/app", "/app/tours/a?x=1", "/app"),
        ("/app", "/tours/a?x=1", "/app"),
        ("/a b", "/a%20b/tours/a?x=1", "/a%20b"),
    ],
)
async def test_the_links_in_a_page_and_the_dismiss_reach_omotenashi_under_the_root_path(
    make_settings: Make, root_path: str, url: str, root: str
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, **DISCLOSED))
    await mw.startup()
    try:
        async with client(mw, root_path) as c:
            first = await c.get(url, headers={"accept": "text/html"})
            page = await c.get(url, headers={"accept": "text/html"})  # with the cookie
            form = {
                "csrf": form_token(page.text),
                "action": "dismiss",
                "rule": "hi",
                "next": re.findall(r'name="next" value="([^"]+)"', page.text)[0],
            }
            headers = {"origin": "http://shop.test"}
            dismissed = await c.post(f"{root}/_omotenashi/preferences", data=form, headers=headers)
            after = await c.get(dismissed.headers["location"], headers={"accept": "text/html"})
    finally:
        await mw.shutdown()
    cookie = first.headers["set-cookie"]
    assert "; Path=/;" in cookie + ";"  # the whole site: every page under the prefix too
    links = re.findall(r'(?:href|action)="([^"#]*_omotenashi[^"#]*)"', page.text)
    assert links and set(links) == {f"{root}/_omotenashi/preferences"}
    assert f'name="next" value="{root}/tours/a?x=1#top"' in page.text  # the page, query too
    assert (
        dismissed.status_code == 303
        # (at the confirmation that follows the block, #top)
        and dismissed.headers["location"].partition("&n=")[0] == f"{root}/tours/a?x=1#omo-done"
    )
    assert 'data-omo-rule="hi"' in page.text and 'data-omo-rule="hi"' not in after.text


async def test_a_mounted_omotenashi_judges_and_links_under_the_mount(make_settings: Make) -> None:
    async def shop_page(request: Any) -> HTMLResponse:
        return HTMLResponse(PAGE)

    inner = Starlette(routes=[Route("/tours/a", shop_page), Route("/static/x.html", shop_page)])
    mw = Omotenashi(inner, settings=make_settings(RULES, **DISCLOSED))
    app = Starlette(routes=[Mount("/shop", mw)])
    await mw.startup()
    try:
        async with client(app, "/proxy") as c:  # behind a proxy's prefix as well
            home = "/proxy/shop"
            prefs = await c.get(f"{home}/_omotenashi/preferences", headers={"accept": "text/html"})
            static = await c.get(f"{home}/static/x.html", headers={"accept": "text/html"})
            page = await c.get(f"{home}/tours/a", headers={"accept": "text/html"})
    finally:
        await mw.shutdown()
    assert prefs.status_code == 200 and f'action="{home}/_omotenashi/preferences"' in prefs.text
    assert static.text == PAGE and "set-cookie" not in static.headers
    assert 'data-omo-rule="tours"' in page.text
    assert f'href="{home}/_omotenashi/preferences"' in page.text


@pytest.mark.parametrize("url", ["/api/tours/a", "/tours/a", "/api/admin/x"])
async def test_a_wrapped_fastapi_apps_own_root_path_is_the_one_judged(
    make_settings: Make, url: str
) -> None:
    """``Omotenashi(FastAPI(root_path="/api"))``: FastAPI sets the root_path inside; the
    middleware around it judges and links with it, as ``add_middleware`` would."""
    with warnings.catch_warnings():  # deprecated (FastAPI 0.165), still honoured
        warnings.simplefilter("ignore")
        api = FastAPI(root_path="/api")
    api.add_api_route("/{page:path}", lambda page: HTMLResponse(PAGE))
    mw = Omotenashi(api, settings=make_settings(RULES, **DISCLOSED))
    await mw.startup()
    try:
        async with client(mw) as c:
            page = await c.get(url, headers={"accept": "text/html"})
    finally:
        await mw.shutdown()
    if "admin" in url:  # excluded (/admin/*): the page as the app made it
        assert page.text == PAGE and "set-cookie" not in page.headers
    else:
        assert 'data-omo-rule="tours"' in page.text
        assert 'href="/api/_omotenashi/preferences"' in page.text


# -- a server that sends files itself (http.response.pathsend, Granian's; zerocopysend) ------


async def serve(app: Any, extensions: dict[str, Any]) -> list[dict[str, Any]]:
    """What a server offering ``extensions`` receives from ``app`` for a page GET; it refuses
    anything before ``http.response.start``, as servers do."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if not sent and message["type"] != "http.response.start":
            raise RuntimeError(f"expected http.response.start, got {message['type']}")
        if message["type"] == "http.response.zerocopysend":
            os.close(message["file"])  # sent, as a server would
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": "/page", "raw_path": b"/page",
        "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
        "headers": [(b"host", b"shop.test"), (b"accept", b"text/html")],
        "server": ("shop.test", 80), "extensions": extensions,
    }  # fmt: skip
    await app(scope, receive, send)
    return sent


def file_app(html: Path, kind: str) -> Any:
    """Starlette's FileResponse (sends the file itself only when offered), or an app that
    sends it as ``kind`` whatever it is offered."""
    if kind == "starlette":

        async def page(request: Any) -> FileResponse:
            return FileResponse(html)

        return Starlette(routes=[Route("/page", page)])

    async def raw(scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        if kind == "http.response.pathsend":
            await send({"type": kind, "path": str(html)})
        else:  # zerocopysend: an open file, sent by the server
            await send({"type": kind, "file": os.open(html, os.O_RDONLY), "more_body": False})

    return raw


@pytest.mark.parametrize(
    ("kind", "personalised"),
    [
        ("starlette", True),  # offered pathsend: it sends the file so, and it is read here
        ("http.response.pathsend", True),
        ("http.response.zerocopysend", False),  # not offered; sent anyway: out as it is
    ],
)
async def test_a_page_sent_as_a_file_goes_out_after_its_start(
    make_settings: Make, tmp_path: Path, kind: str, personalised: bool
) -> None:
    html = tmp_path / "page.html"
    html.write_text(PAGE)
    offered = {"http.response.pathsend": {}, "http.response.zerocopysend": {}}
    mw = Omotenashi(file_app(html, kind), settings=make_settings(RULES))
    await mw.startup()
    try:
        sent = await serve(mw, offered)
        await mw.drain()
    finally:
        await mw.shutdown()
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    body = b"".join(m.get("body", b"") for m in sent)
    assert (b'data-omo-rule="hi"' in body) is personalised
    if not personalised:
        assert [m["type"] for m in sent] == ["http.response.start", kind]
    assert offered == {"http.response.pathsend": {}, "http.response.zerocopysend": {}}


def named_file(path: Path, content_type: bytes) -> Any:
    """An app that hands the server ``path`` (``http.response.pathsend``) as ``content_type``."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert "http.response.zerocopysend" not in scope["extensions"]  # (a held page cannot)
        start = {"type": "http.response.start", "status": 200}
        await send({**start, "headers": [(b"content-type", content_type)]})
        await send({"type": "http.response.pathsend", "path": str(path)})

    return app


@pytest.mark.parametrize(
    ("name", "content_type", "size", "read"),
    [
        ("site.css", b"text/css", 100, False),  # not a page: the server sends it, zero-copy
        ("logo.png", b"image/png", 100, False),
        ("big.html", b"text/html", 3_000_000, False),  # past OMOTENASHI_MAX_BODY: as sent
        ("gone.html", b"text/html", -1, False),  # the server's own error, as without us
        ("fifo.html", b"text/html", -2, False),  # not a regular file: never read here
        ("page.html", b"text/html", 0, True),
    ],
)
async def test_only_a_page_a_server_would_send_from_a_file_is_read_here(
    make_settings: Make, tmp_path: Path, name: str, content_type: bytes, size: int, read: bool
) -> None:
    path = tmp_path / name
    if size >= 0:
        path.write_bytes(PAGE.encode() + b" " * size)
    elif size == -2:
        os.mkfifo(path)  # (reading it would wait for a writer for ever)
    offered = {"http.response.pathsend": {}, "http.response.zerocopysend": {}}
    mw = Omotenashi(named_file(path, content_type), settings=make_settings(RULES))
    await mw.startup()
    try:
        sent = await serve(mw, offered)
    finally:
        await mw.shutdown()
    kinds = [m["type"] for m in sent]
    if read:
        assert kinds == ["http.response.start", "http.response.body"]
        assert b'data-omo-rule="hi"' in sent[1]["body"]
    else:
        assert kinds == ["http.response.start", "http.response.pathsend"]
        assert sent[1]["path"] == str(path)


async def test_a_framework_keeps_the_servers_file_sending_for_what_is_no_page(
    make_settings: Make, tmp_path: Path
) -> None:
    css = tmp_path / "site.css"
    css.write_text("body { color: teal }")

    async def sheet(request: Any) -> FileResponse:
        return FileResponse(css)

    app = Starlette(routes=[Route("/page", sheet)])  # (a tracked path, as /page is)
    mw = Omotenashi(app, settings=make_settings(RULES))
    await mw.startup()
    try:
        sent = await serve(mw, {"http.response.pathsend": {}})
    finally:
        await mw.shutdown()
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.pathsend"]
