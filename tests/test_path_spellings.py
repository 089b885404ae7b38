"""The excluded and untracked paths hold for every spelling of a path that the app or the
proxy's origin serves as the same page: merged slashes, ``;params``, another case, percent
encoding of plain characters, a backslash, a trailing dot. Over-excluding is the safe side."""

from __future__ import annotations

import asyncio
import glob
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.paths import normal_path, path_matcher
from omotenashi.proxy import proxy_app

from .conftest import asgi_get, page_app
from .live_server import serving

Make = Callable[..., Settings]
PAGE = '<html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "shown to everyone"}\n'
ACCEPT = "text/html,application/xhtml+xml,*/*;q=0.8"

# (the path an ASGI server hands over undecoded, the request target through the proxy: its
# server decodes %XX once, so a percent spelling needs one more encoding to reach the path)
LEFT_ALONE = [
    ("//admin/x", "//admin/x"),  # nginx and many origins merge slashes
    ("/admin;jsessionid=1/x", "/admin;jsessionid=1/x"),  # Tomcat/Jetty drop ;params
    ("/ADMIN/x", "/ADMIN/x"),  # IIS, macOS/Windows file systems, some CDNs
    ("/Wp-Admin/options.php", "/Wp-Admin/options.php"),
    ("/%61dmin/x", "/%2561dmin/x"),  # a server that leaves the path undecoded
    ("/%41DMIN/x", "/%2541DMIN/x"),
    ("/admin\\x", "/admin\\x"),  # IIS reads a backslash as a slash
    ("/admin./x", "/admin./x"),  # Windows drops a name's trailing dots and spaces
    ("/favicon.ico.", "/favicon.ico."),
    ("/static;v=2/app.css", "/static;v=2/app.css"),
    ("/LOGIN", "/LOGIN"),  # untracked: known, but not counted nor personalised
    ("//login", "//login"),
    ("/%6cogin", "/%256cogin"),
    ("/Accounts;x/profile", "/Accounts;x/profile"),
    ("/admin", "/admin"),  # a folder glob (/admin/*) holds for the folder's own page too
    ("/ADMIN", "/ADMIN"),
    ("/admin;x", "/admin;x"),
    ("/accounts", "/accounts"),
]
# ``..;`` is ``..`` to Tomcat: a dot segment, for the app to resolve (the proxy refuses it)
ONLY_THE_APP = ["/x/..;/admin/x", "/x/%2e%2e/admin/x"]
PERSONALISED = [
    "/administrator-tips",  # no over-exclusion: /admin/* needs the slash
    "/tours/admin/x",
    "/tours;x/page",
    "/TOURS/Page",
    "/adminx/y",
    "/a%20b",
    "/static-pages/x",
]


def starlette_app() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    return Starlette(routes=[Route("/{path:path}", page)])


async def middleware_response(settings: Settings, path: str) -> tuple[bytes, bytes]:
    """(headers, body) from the middleware around a Starlette app, and the app's own."""
    mw = Omotenashi(starlette_app(), settings=settings)
    await mw.startup()
    try:
        sent = await asgi_get(mw, path, ACCEPT)
        await mw.drain()
    finally:
        await mw.shutdown()
    bare = await asgi_get(starlette_app(), path, ACCEPT)
    assert sent[0]["status"] == bare[0]["status"] == 200
    return _joined(sent), _joined(bare)


def _joined(messages: list[dict[str, Any]]) -> bytes:
    head = b"".join(k + b": " + v + b"\n" for k, v in messages[0]["headers"])
    return head + b"\n" + b"".join(m.get("body", b"") for m in messages[1:])


async def proxy_response(settings: Settings, target: str) -> tuple[int, bytes, bytes]:
    """(status, head, body) of a GET of ``target``, sent as written, through the proxy."""
    async with serving(page_app(PAGE), lifespan="off") as origin:
        mw = proxy_app(origin, settings=settings)
        async with serving(mw) as url:
            parts = urlsplit(url)
            reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
            head = f"GET {target} HTTP/1.1\r\nHost: shop.test\r\nAccept: {ACCEPT}\r\n"
            writer.write(f"{head}Connection: close\r\n\r\n".encode("latin-1"))
            await writer.drain()
            answer = await reader.read()
            writer.close()
            await writer.wait_closed()
            await mw.drain()
    top, _, body = answer.partition(b"\r\n\r\n")
    return int(top.split()[1]), top.lower(), body


@pytest.mark.anyio
@pytest.mark.parametrize("path", [path for path, _ in LEFT_ALONE] + ONLY_THE_APP)
async def test_the_middleware_leaves_every_spelling_of_such_a_path_alone(
    make_settings: Make, omotenashi_redis: redis.Redis, path: str
) -> None:
    sent, bare = await middleware_response(make_settings(RULES), path)
    assert b"set-cookie:" not in sent and b"data-omo-rule" not in sent
    assert sent == bare  # byte for byte the app's response: no slot filled, no cookie
    assert omotenashi_redis.keys("omo:*") == []  # no profile, no page view


@pytest.mark.anyio
@pytest.mark.parametrize("target", [target for _, target in LEFT_ALONE])
async def test_the_proxy_leaves_every_spelling_of_such_a_path_alone(
    make_settings: Make, omotenashi_redis: redis.Redis, target: str
) -> None:
    status, head, body = await proxy_response(make_settings(RULES), target)
    assert (status, body) == (200, PAGE.encode())  # the origin's page as it sent it
    assert b"set-cookie" not in head and b"x-omotenashi" not in head
    assert omotenashi_redis.keys("omo:*") == []


@pytest.mark.anyio
@pytest.mark.parametrize("path", PERSONALISED)
@pytest.mark.parametrize("via", ["middleware", "proxy"])
async def test_ordinary_paths_are_still_personalised(
    make_settings: Make, omotenashi_redis: redis.Redis, path: str, via: str
) -> None:
    if via == "middleware":
        sent, _ = await middleware_response(make_settings(RULES), path)
        head, _, body = sent.partition(b"\n\n")
    else:
        _, head, body = await proxy_response(make_settings(RULES), path)
    assert b'data-omo-rule="hi"' in body
    assert b"set-cookie" in head.lower()
    assert omotenashi_redis.keys("omo:*") != []


@pytest.mark.parametrize(
    ("path", "normal"),
    [
        ("/tours/page", "/tours/page"),
        ("//admin//x/", "/admin/x/"),
        ("/admin;jsessionid=1/x;p=1", "/admin/x"),
        ("/a/;x/b", "/a/b"),
        ("/ADMIN/X", "/admin/x"),
        ("/%61%44min/%7e", "/admin/~"),
        ("/%2541", "/%2541"),  # %25 is "%", no plain character: left encoded
        ("/%%34%31", "/a"),  # what one decoding makes decodable is decoded too
        ("/a%2fb%5Cc\\d", "/a/b/c/d"),
        ("/admin. /x. .", "/admin/x"),
        ("/x/.. /a/..;y/b/%2e", "/x/../a/../b/."),  # dot segments stay for the app
        ("/...", "/"),
        ("", ""),
        ("/", "/"),
    ],
)
def test_the_normal_form_of_a_path(path: str, normal: str) -> None:
    assert normal_path(path) == normal


# pieces that normalising joins, splits, decodes or drops, so that they meet often
PIECES = ["/", "//", ";", "%", "%4", "%2", "%41", "%2e", "%2F", "%5c", ".", "..", "\\", " "]
PIECES += ["A", "a", "4", "1", "e", "~", "İ", "Σ"]


@example("%4%41")  # one decoding makes "%4A": decodable again
@given(st.lists(st.sampled_from(PIECES)).map("".join) | st.text())
def test_normalising_never_raises_and_is_idempotent(path: str) -> None:
    once = normal_path(path)
    assert normal_path(once) == once
    assert path_matcher([glob.escape(once)])(path)  # a path matches its own normal form


@pytest.mark.parametrize(
    ("globs", "path", "matches"),
    [
        (["/Admin/*"], "/Admin/x", True),  # the glob as written, case and all
        (["/Admin/*"], "/ADMIN/x", True),
        (["/admin/*"], "/admin", False),
        (["/a[!b]c"], "/aBc", True),  # fail closed: as sent, [!b] takes B
        ([], "/admin/x", False),
    ],
)
def test_globs_match_the_path_as_sent_or_its_normal_form(
    globs: list[str], path: str, matches: bool
) -> None:
    assert path_matcher(globs)(path) is matches
