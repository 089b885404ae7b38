"""What our logs tell an operator's tools about visitors (README: What our logs and metrics
contain). Sites ship logs to third parties and keep them for months: every record at every
level (DEBUG too, tracebacks included), driven through odd and failing paths with a real
Valkey, must hold no value a visitor sent or the site knows of them (a cookie, a query, a
referrer, a user id, an address, a name a snippet read ...), and what any outsider can set off
on every request is said once, not once a request (a second visitor doing the same adds no
warning)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import EmbeddedRedis, Omotenashi, Settings, consent, identify, remember
from omotenashi.engine.render import without_visitor
from omotenashi.errors import QUOTED, PayloadError, ProfileNotReady
from omotenashi.proxy import proxy_app
from omotenashi.quiet import Quiet
from omotenashi.store.embedded import free_port
from omotenashi.testing import Written

from .conftest import client_for
from .live_server import serving

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
Factory = Callable[..., EmbeddedRedis]
SECRET = "S3CRET"  # in every value a visitor sends below; no log line may hold it
ADDRESS = "203.0.113.77"
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default hero</div></body></html>'
# A snippet that fails for every visitor, its error quoting what it read of them
RULES = """
rules:
  - {id: hello, slot: hero, snippet: hello.html, why: "Hi."}
"""
SNIPPETS = {"hello.html": "<b>{{ {'a': 1}[visitor.name] }}</b>"}
JOURNEY = """
beacon:
  events: [video_play]
  per_minute: 100
"""
JSON = {"content-type": "application/json", "origin": "http://shop.test"}


class Everything(logging.Handler):
    """Every record, from any logger, as a log shipper would send it (tracebacks too)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def lines(self) -> list[str]:
        out = []
        for record in self.records:
            text = f"{record.name} {record.levelname} {record.getMessage()}"
            if record.exc_info and record.exc_info[1] is not None:
                text += "\n" + "".join(traceback.format_exception(record.exc_info[1]))
            out.append(text)
        return out

    def ours(self, level: int = logging.WARNING) -> list[str]:
        return [
            r.getMessage()
            for r in self.records
            if r.name.startswith("omotenashi") and r.levelno >= level
        ]


@pytest.fixture
def everything() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def named(request: Request) -> HTMLResponse:  # the app remembers the visitor's name
        await remember(request, first_name=request.query_params["n"])
        return HTMLResponse(PAGE)

    async def login(request: Request) -> PlainTextResponse:
        await identify(request, request.query_params["u"])
        return PlainTextResponse("ok")

    async def withdraw(request: Request) -> PlainTextResponse:
        await consent(request, False)
        return PlainTextResponse("ok")

    routes = [Route("/name", named), Route("/login", login), Route("/withdraw", withdraw)]
    return Starlette(routes=[*routes, Route("/{p:path}", page)])


def odd_headers(mark: str) -> dict[str, str]:
    return {
        "user-agent": f"Mozilla/5.0 (X11; Linux x86_64) {mark}",
        "accept-language": f"x-{mark[:8]},ja;q=0.5",
        "referer": f"https://search.example/?q={mark}&email={mark}@example.com",
        "x-forwarded-for": ADDRESS,
        "cookie": f"omo_vid={mark}.forged.sig; omo_preview={mark}; omo_consent={mark}",
    }


async def odd_requests(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    """Queries with campaign values, e-mails and tokens, a referrer, odd headers, forged
    cookies, a force link that is no good, an endpoint that is not there."""
    headers = odd_headers(mark)
    await client.get(f"/?utm_source={mark}&email={mark}&omo_preview={mark}", headers=headers)
    await client.get(f"/p/{mark}?token={mark}", headers=headers)
    await client.get(f"/_omotenashi/{mark}", headers=headers)


async def huge_headers_and_bots(
    client: httpx.AsyncClient, mark: str, server: EmbeddedRedis
) -> None:
    huge = {"cookie": f"omo_vid={mark * 2000}", "user-agent": mark * 2000, "referer": mark * 2000}
    await client.get(f"/?{mark * 500}", headers={**huge, "accept-language": mark * 2000})
    bot = f"Mozilla/5.0 (compatible; Googlebot/2.1; {mark})"
    for _ in range(3):
        await client.get(f"/?q={mark}", headers={"user-agent": bot})
        await client.post("/_omotenashi/events", content="{}", headers={**JSON, "user-agent": bot})


async def visitor_data_in_a_snippet(
    client: httpx.AsyncClient, mark: str, server: EmbeddedRedis
) -> None:
    """A snippet's error quotes what it read: here the visitor's first name."""
    await client.get("/name", params={"n": f"{mark}-Aiko"})
    for _ in range(2):
        await client.get("/")


async def bad_beacons(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    await client.get("/")  # a cookie: events follow a page view
    bodies = [
        f'{{"name": "{mark}"}}',
        f'{{"name": "video_play", "data": {{"x": ["{mark}"]}}}}',
        f'{{"name": "video_play", "data": {{"{mark}": 1}}}}',
        f'{{"name": "video_play", "data": {{"x": "{mark * 500}"}}}}',
        f"{mark} not json",
    ]
    for body in bodies:
        await client.post("/_omotenashi/events", content=body, headers=JSON)
    await client.post("/_omotenashi/events", content="{}", headers={**JSON, "content-length": mark})


async def junk_preferences(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    await client.get("/")
    form = {"csrf": mark, "action": mark, "category": mark, "rule": mark}
    await client.post("/_omotenashi/preferences", data=form, headers={"origin": "http://shop.test"})
    await client.get(f"/_omotenashi/preferences?{mark}=1")


async def odd_sign_ins(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    await client.get("/")
    for user in (f"{mark}@example.com", f"{mark}\u202e\u0000", f"{mark} " * 300):
        await client.get("/login", params={"u": user})
    await client.get("/")


async def redis_full(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    redis.Redis.from_url(server.url).config_set("maxmemory", "1")
    await client.get("/name", params={"n": mark})
    await client.get(f"/?q={mark}")
    await client.get("/login", params={"u": mark})
    await client.post("/_omotenashi/events", content='{"name": "video_play"}', headers=JSON)


async def redis_down(client: httpx.AsyncClient, mark: str, server: EmbeddedRedis) -> None:
    """Redis stopped: pages, sign-ins and withdrawals of consent (whose erase fails)."""
    await client.get("/")
    server.stop()
    for _ in range(3):
        await client.get(f"/?q={mark}", headers=odd_headers(mark))
    await client.get("/login", params={"u": mark})
    await client.get("/withdraw")
    await client.post("/_omotenashi/events", content='{"name": "video_play"}', headers=JSON)


Scenario = Callable[[httpx.AsyncClient, str, EmbeddedRedis], Awaitable[None]]
SCENARIOS: dict[str, Scenario] = {
    "odd-requests": odd_requests,
    "huge-headers-and-bots": huge_headers_and_bots,
    "visitor-data-in-a-snippet": visitor_data_in_a_snippet,
    "bad-beacons": bad_beacons,
    "junk-preferences": junk_preferences,
    "odd-sign-ins": odd_sign_ins,
    "redis-full": redis_full,
    "redis-down": redis_down,
    # a URL with options takes redis-py's client (as Sentinel, Cluster and TLS do), whose
    # errors name the keys of a pipeline's commands: each holds the visitor's id
    "redis-full-redis-py": redis_full,
    "redis-down-redis-py": redis_down,
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_no_log_line_holds_what_a_visitor_sent_and_a_second_visitor_adds_no_warning(
    make_settings: Make, embedded_redis_factory: Factory, everything: Everything, name: str
) -> None:
    server = embedded_redis_factory()
    redis.Redis.from_url(server.url).config_set("maxmemory-policy", "noeviction")
    url = f"{server.url}?socket_keepalive=true" if name.endswith("redis-py") else server.url
    timeouts = {"url": url, "read_timeout": 0.3, "write_timeout": 0.3}
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY, redis=timeouts, metrics=True)
    mw = Omotenashi(shop(), settings=settings)
    scenario = SCENARIOS[name]
    async with client_for(mw) as first:
        await scenario(first, f"{SECRET}1kenji", server)
        await mw.drain()
        told = everything.ours()
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=Written(mw)), base_url="http://shop.test"
        ) as second:  # another visitor, the same doings
            await scenario(second, f"{SECRET}2aiko", server)
            await mw.drain()
        scraped = (await first.get("/_omotenashi/metrics")).text
    assert "omotenashi_requests_total" in scraped and SECRET not in scraped  # labels: fixed sets
    lines = [line for line in everything.lines() if not line.startswith("httpx ")]
    assert not [line for line in lines if SECRET in line or ADDRESS in line], lines
    assert everything.ours() == told  # said once at most, not once per visitor
    if name == "visitor-data-in-a-snippet":  # what failed is still said, once
        assert [line for line in told if line.startswith("omotenashi: rule hello")] == [
            "omotenashi: rule hello: snippet 'hello.html': failed to render: 'dict object' "
            "has no attribute '…'; the slot keeps its default"
        ]


def origin_that_breaks_off() -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-length", b"1000")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"x" * 10, "more_body": True})
        raise RuntimeError("the origin broke off")  # the server cuts the connection

    return app


@pytest.mark.parametrize("origin", ["down", "breaks-off"])
async def test_the_proxy_names_a_failed_request_by_its_path_once_a_minute(
    make_settings: Make, everything: Everything, origin: str
) -> None:
    settings = make_settings(RULES, SNIPPETS)
    target = f"/account/{SECRET}0?token={SECRET}1&email={SECRET}2@example.com"
    if origin == "down":
        mw = proxy_app(f"http://127.0.0.1:{free_port()}", settings=settings)
        async with client_for(mw) as client:
            statuses = [(await client.get(target)).status_code for _ in range(3)]
        assert statuses == [502] * 3
    else:
        async with serving(origin_that_breaks_off(), lifespan="off") as url:
            mw = proxy_app(url, settings=settings)
            async with client_for(mw) as client:
                for _ in range(3):
                    with pytest.raises(AssertionError):  # httpx: the response never ended
                        await client.get(target)
    said = [r.getMessage() for r in everything.records if r.name == "omotenashi.proxy"]
    assert len(said) == 1, said  # three failures, one line
    assert f"/account/{SECRET}0" in said[0]  # the path, without its query
    assert not [line for line in everything.lines() if "token=" in line and "httpx" not in line]


async def test_the_proxy_s_line_per_request_names_no_visitor(
    omotenashi_redis_url: str,
) -> None:
    """``omotenashi proxy`` logs a line per request by default (uvicorn's, at info): with the
    path, never its query nor the visitor's address."""

    async def page(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"hello"})

    port = free_port()
    env = {**os.environ, "OMOTENASHI_REDIS_URL": omotenashi_redis_url}
    env["OMOTENASHI_SECRET_KEYS"] = "k" * 32
    async with serving(page, lifespan="off") as origin:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "omotenashi.cli", "proxy", "--upstream", origin, "--port", str(port)),
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            async with httpx.AsyncClient() as client:
                for _ in range(200):
                    try:
                        await client.get(f"http://127.0.0.1:{port}/up")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.05)
                url = f"http://127.0.0.1:{port}/orders/{SECRET}0?email={SECRET}1@example.com"
                assert (await client.get(url)).text == "hello"
        finally:
            process.terminate()
            assert process.stdout is not None
            out = (await asyncio.wait_for(process.stdout.read(), 30)).decode()
            await process.wait()
    (line,) = [line for line in out.splitlines() if f"/orders/{SECRET}0" in line]
    assert '"GET /orders/S3CRET0 HTTP/1.1" 200' in line, out
    assert f"{SECRET}1" not in out and "127.0.0.1:" not in line, out


@pytest.mark.parametrize(
    ("error", "kept_out"),
    [
        (PayloadError("event data must be plain JSON values", {"x": SECRET * 1000}), None),
        (PayloadError("attribute names are printable characters", SECRET * 1000), None),
        (ProfileNotReady(f"{SECRET}-visitor-id"), SECRET),
    ],
    ids=["payload-dict", "payload-name", "profile-not-ready"],
)
def test_an_error_over_a_visitor_s_input_quotes_little_of_it(
    error: Exception, kept_out: str | None
) -> None:
    text = str(error)
    assert len(text) < 60 + QUOTED, text
    if kept_out is not None:
        assert kept_out not in text


@pytest.mark.parametrize(
    ("times", "lines"),
    [
        ([0.0], ["failed"]),
        ([0.0, 1.0, 59.0], ["failed"]),
        (
            [0.0, 1.0, 59.0, 60.0],
            ["failed", "failed (and 2 more like it since the last such line)"],
        ),
        ([0.0, 61.0, 122.0], ["failed", "failed", "failed"]),
    ],
)
def test_quiet_says_a_kind_once_a_minute_and_counts_the_rest(
    times: list[float], lines: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    now = [0.0]
    quiet = Quiet(logging.getLogger("omotenashi.test"), clock=lambda: now[0])
    caplog.set_level(logging.WARNING, logger="omotenashi.test")
    for at in times:
        now[0] = at
        quiet.say(logging.WARNING, "kind", "failed")
        quiet.say(logging.WARNING, f"other {at}", "other")  # another kind: its own minute
    assert [r.getMessage() for r in caplog.records if r.getMessage() != "other"] == lines


@pytest.mark.parametrize("url", ["plain", "with-options"])
async def test_a_full_server_s_errors_name_no_visitor_s_keys(
    embedded_redis_factory: Factory, everything: Everything, url: str
) -> None:
    """The demo shop (a catalogue: item views learn co-views in one pipeline with the page
    view) on a full Redis, through the fast path and through redis-py's client (a URL with
    options), whose errors quote a pipeline's commands, keys and arguments: key names carry
    the visitor's id."""
    from .test_demo import demo

    server = embedded_redis_factory()
    r = redis.Redis.from_url(server.url)
    r.config_set("maxmemory-policy", "noeviction")
    app = demo(f"{server.url}?socket_keepalive=true" if url == "with-options" else server.url)
    async with client_for(app) as client:
        for path in ["/", "/tours/kyoto-autumn", "/tours/hawaii-family"]:
            await client.get(path)
        await app.drain()
        r.config_set("maxmemory", "1")
        for path in ["/tours/kyoto-autumn", "/tours/hawaii-couples", "/tours", "/"]:
            assert (await client.get(path)).status_code == 200
        await app.drain()
        r.config_set("maxmemory", "0")
    lines = everything.lines()
    assert [line for line in lines if "maxmemory" in line]  # the failures were met
    assert not [line for line in lines if "omo:{" in line or "EVALSHA" in line.upper()], lines


SEEN = {"name": "Aiko", "cart": ["tour-kyoto-88"], "visits": 3, "device": "mobile"}


@pytest.mark.parametrize(
    ("reason", "logged"),
    [
        ("'dict object' has no attribute 'Aiko'", "'dict object' has no attribute '…'"),
        ("'dict object' has no attribute 'AIKO-san'", "'dict object' has no attribute '…'"),
        ("'dict object' has no attribute 'Ai'", "'dict object' has no attribute 'Ai'"),
        (
            'invalid literal for int() with base 10: "tour-kyoto-88"',
            "invalid literal for int() with base 10: '…'",
        ),
        ("no price for tour-kyoto-88 today", "no price for … today"),
        ("'headline' is undefined", "'headline' is undefined"),
        ("division by zero", "division by zero"),
        ("x" * 400, "x" * 299 + "…"),
    ],
)
def test_a_snippet_error_is_logged_without_the_visitor_s_values(reason: str, logged: str) -> None:
    assert without_visitor(reason, SEEN) == logged
