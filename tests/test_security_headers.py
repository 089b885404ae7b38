"""Redirects, preview links, shared caches, the user salt, response headers and malformed
input (issue 11, items 9-12, 14, 15). Against a real Redis."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import ConfigError, Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.identity.preview import ForceSigner
from omotenashi.respect.preferences import safe_next

from .conftest import client_for, page_app

pytestmark = pytest.mark.security
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
BEACON = "/_omotenashi/events"
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
JOURNEY = "beacon:\n  events: [video_play]\n"
DEEP_DATA = b'{"name": "video_play", "data": ' + b'{"a":' * 600 + b"1" + b"}" * 601


@pytest.mark.parametrize(
    ("given", "followed"),
    [
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\r/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("\\/evil.example", "/"),
        ("//evil.example", "/"),
        ("/ /evil.example", "/"),
        ("/\x00/evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        ("/tours/kyoto?x=1#top", "/tours/kyoto?x=1#top"),
        ("/", "/"),
        # (edge49) no Location longer than MAX_NEXT: 16 KiB of non-ASCII text was 48 KiB
        ("/" + "é" * 16384, "/"),
        ("/" + "é" * 2730, "/" + "é" * 2730),  # (6 escaped bytes each: 16,381 in all)
        ("/" + "é" * 2731, "/"),
        ("/" + "a" * 16383, "/" + "a" * 16383),
        ("/" + "a" * 16384, "/"),
        ("/tours/京都", "/tours/京都"),
    ],
)
def test_dismiss_follows_only_a_path_on_this_site(given: str, followed: str) -> None:
    assert safe_next(given) == followed


@pytest.mark.anyio
async def test_dismiss_with_a_tab_in_next_is_no_open_redirect(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        page = (await client.get(PREFS)).text
        token = page.split('name="csrf" value="')[1].split('"')[0]
        form = {"csrf": token, "action": "dismiss", "rule": "hi", "next": "/\t/evil.example"}
        response = await client.post(PREFS, data=form)
    assert response.status_code == 303 and response.headers["location"] == "/"


@pytest.mark.anyio
@pytest.mark.parametrize(("scheme", "secure"), [("https", True), ("http", False)])
async def test_the_preview_cookie_is_short_lived_strict_and_secure_on_https(
    make_settings: Make, scheme: str, secure: bool
) -> None:
    settings = make_settings(RULES)
    token = ForceSigner(settings).make(rules=["hi"], host="shop.test")
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        response = await client.get(f"{scheme}://shop.test/?omo_preview={token}")
        elsewhere = await client.get(
            f"{scheme}://shop.test/?omo_preview={token}", headers={"host": "other.test"}
        )
    (cookie,) = [c for c in response.headers.get_list("set-cookie") if c.startswith("omo_preview=")]
    assert "SameSite=Strict" in cookie and "HttpOnly" in cookie
    assert ("; Secure" in cookie) is secure
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert 3500 < max_age <= 3600
    assert "omo_preview" not in elsewhere.headers.get("set-cookie", "")  # made for shop.test


@pytest.mark.parametrize(("max_age", "ttl"), [(3600, 3601), (60, 3600), (3600, 7 * 86400)])
def test_preview_links_cannot_outlive_the_configured_maximum(max_age: int, ttl: int) -> None:
    signer = ForceSigner(Settings(secret_keys=["k"], preview_max_age=max_age))
    with pytest.raises(ConfigError, match="at most"):
        signer.make(rules=["a"], ttl=ttl)
    assert signer.read(signer.make(rules=["a"])) is not None


@pytest.mark.anyio
async def test_cdn_cache_headers_go_when_the_page_is_personalised(make_settings: Make) -> None:
    cdn = [
        (b"cdn-cache-control", b"max-age=600"),
        (b"surrogate-control", b"max-age=600"),
        (b"cloudflare-cdn-cache-control", b"max-age=600"),
        (b"cache-control", b"public, s-maxage=600, max-age=60"),
    ]
    mw = Omotenashi(page_app(PAGE, headers=cdn), settings=make_settings(RULES))
    async with client_for(mw) as client:
        response = await client.get("/")
    assert "Hello" in response.text
    names = {name.lower() for name in response.headers}
    assert not names & {"cdn-cache-control", "surrogate-control", "cloudflare-cdn-cache-control"}
    assert response.headers["cache-control"] == "private, no-store"  # (http50, qa50)


@pytest.mark.parametrize(
    ("keys", "salt", "same_as"),
    [
        (["new", "old"], "", (["newer", "new", "old"], "")),  # adding keys keeps it
        (["k"], "mine", (["other"], "mine")),  # a set salt wins
    ],
)
def test_the_user_salt_is_secret_and_stable(
    keys: list[str], salt: str, same_as: tuple[list[str], str]
) -> None:
    signer = CookieSigner(Settings(secret_keys=keys, user_salt=salt))
    other = CookieSigner(Settings(secret_keys=same_as[0], user_salt=same_as[1]))
    assert signer.user_salt == other.user_salt
    assert signer.user_salt != "omotenashi" and len(signer.user_salt) >= 4
    assert CookieSigner(Settings(secret_keys=["else"])).user_salt != signer.user_salt


def test_without_keys_each_process_has_its_own_user_salt() -> None:
    assert CookieSigner(Settings()).user_salt != CookieSigner(Settings()).user_salt


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("GET", PREFS, "text/html"),
        ("GET", PREFS + "/export", "application/json"),
        ("GET", BEACON, "application/json"),
        ("POST", BEACON, "application/json"),
        ("GET", "/_omotenashi/nowhere", "application/json"),
    ],
)
async def test_every_endpoint_says_nosniff_no_store_and_pages_carry_a_csp(
    make_settings: Make, method: str, path: str, kind: str
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES, journey=JOURNEY))
    async with client_for(mw) as client:
        await client.get("/")
        response = await client.request(method, path, headers={"content-type": "text/plain"})
    assert response.headers["content-type"].startswith(kind)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-store"
    csp = response.headers.get("content-security-policy", "")
    if kind == "text/html":
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    else:
        assert csp == ""


def site() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    return Starlette(routes=[Route("/", page)])


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "headers", "body"),
    [
        ("GET", "/", {"referer": "http://[::1"}, b""),
        ("GET", "/?utm_source=x", {"referer": "http://[::1/x", "origin": "http://[::1"}, b""),
        ("POST", BEACON, {"origin": "http://[::1"}, b'{"name": "video_play"}'),
        ("POST", BEACON, {"referer": "http://[::1"}, b"[" * 2000 + b"]" * 2000),
        ("POST", BEACON, {}, b'{"events": ' + b"[" * 1500 + b"]" * 1500 + b"}"),
        ("POST", BEACON, {}, DEEP_DATA),
        ("POST", PREFS, {"origin": "http://[::1"}, b"action=save"),
        ("GET", PREFS, {"referer": "http://[::1", "cookie": "omo_vid=%%%; omo_vid=\x7f"}, b""),
    ],
    ids=[
        "referer",
        "origin-page",
        "origin-beacon",
        "deep-array",
        "deep-events",
        "deep-data",
        "origin-prefs",
        "cookie",
    ],
)
async def test_malformed_input_is_answered_without_a_traceback(
    make_settings: Make,
    caplog: pytest.LogCaptureFixture,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes,
) -> None:
    mw = Omotenashi(site(), settings=make_settings(RULES, journey=JOURNEY))
    caplog.set_level(logging.INFO, logger="omotenashi")
    async with client_for(mw) as client:
        await client.get("/")
        sent = {"content-type": "application/json", **headers}
        response = await client.request(method, path, headers=sent, content=body)
    assert response.status_code < 500, response.text
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records]


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("made_for", "url", "headers", "trust", "refused"),
    [
        ("shop.example:443", "https://shop.example/", {}, False, None),  # default port dropped
        ("shop.example", "https://x/", {"host": "Shop.Example:443"}, False, None),
        ("shop.example:80", "http://shop.example/", {}, False, None),
        ("shop.example:8443", "https://shop.example/", {}, False, "made for shop.example:8443"),
        ("shop.example", "http://staging.example/", {}, False, "this is staging.example"),
        # behind a proxy: its X-Forwarded-Host only when the site trusts it
        ("shop.example", "http://app:8000/", {"x-forwarded-host": "shop.example"}, True, None),
        (
            "shop.example",
            "http://app:8000/",
            {"x-forwarded-host": "evil.example, shop.example", "x-forwarded-proto": "https"},
            True,
            None,
        ),
        (  # the last value is the one the trusted proxy added; a client's own come first
            "shop.example",
            "http://app:8000/",
            {"x-forwarded-host": "shop.example, evil.example"},
            True,
            "made for shop.example, this is evil.example",
        ),
        (
            "shop.example",
            "http://app:8000/",
            {"x-forwarded-host": "shop.example"},
            False,
            "made for shop.example, this is app:8000",
        ),
        (
            "shop.example",
            "http://shop.example/",
            {"x-forwarded-host": "evil.example"},
            True,
            "made for shop.example, this is evil.example",
        ),
    ],
)
async def test_a_force_link_works_on_its_host_however_it_is_written_and_says_why_not(
    make_settings: Make,
    made_for: str,
    url: str,
    headers: dict[str, str],
    trust: bool,
    refused: str | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(RULES, trust_forwarded_host=trust, debug_header=False)
    token = ForceSigner(settings).make(rules=["hi"], host=made_for)
    caplog.set_level(logging.DEBUG, logger="omotenashi")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        response = await client.get(f"{url}?omo_preview={token}", headers=headers)
    said = response.headers.get("x-omotenashi-preview")
    if refused is None:
        assert said is None and response.headers["x-omotenashi-rules"] == "hi"
        assert "omo_preview=" in response.headers.get("set-cookie", "")
    else:
        assert said is not None and said.startswith("refused: ") and refused in said
        assert "omo_preview" not in response.headers.get("set-cookie", "")
        assert "x-omotenashi-rules" not in response.headers
        assert [r.getMessage() for r in caplog.records if "force link" in r.getMessage()] == [
            f"omotenashi: force link {said}"
        ]
        assert token not in said


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("overrides", "signed_with", "refused"),
    [
        ({"preview_keys": ["qa-key"]}, "preview", None),
        (
            {"preview_keys": ["qa-key"]},
            "cookie",
            "refused: not signed with this site's preview keys, or cut or changed since",
        ),
        ({}, "cookie", None),  # no preview keys: the cookie keys sign links, as before
        (
            {},
            "preview",
            "refused: not signed with this site's preview keys, or cut or changed since",
        ),
        (
            {"preview_enabled": False},
            "cookie",
            "refused: force links are off on this site (OMOTENASHI_PREVIEW_ENABLED)",
        ),
        ({"preview_keys": ["qa-key"]}, "expired", "refused: expired"),
    ],
)
async def test_force_links_are_signed_with_their_own_key_and_can_be_switched_off(
    make_settings: Make, overrides: dict[str, object], signed_with: str, refused: str | None
) -> None:
    settings = make_settings(RULES, debug_header=False, **overrides)  # cookie key: "test-key"
    signer = {
        "preview": ForceSigner(Settings(secret_keys=["qa-key"])),
        "cookie": ForceSigner(Settings(secret_keys=["test-key"])),
        "expired": ForceSigner(settings),
    }[signed_with]
    token = signer.make(rules=["hi"], ttl=60)
    if signed_with == "expired":  # (made as a link is, its time gone by: make refuses ttl<1)
        token = signer._serializer.dumps({"r": ["hi"], "x": int(time.time()) - 1})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        client.cookies.set("omo_preview", token)  # the --cookie form
        response = await client.get("/")
    assert response.headers.get("x-omotenashi-preview") == refused
    assert ("x-omotenashi-rules" in response.headers) is (refused is None)


def test_a_preview_key_must_not_be_a_cookie_key() -> None:
    with pytest.raises(ConfigError, match="also a cookie key"):
        ForceSigner(Settings(secret_keys=["k1", "k2"], preview_keys=["k2"]))


@pytest.mark.anyio
async def test_the_force_cookie_is_bound_to_its_host_too(make_settings: Make) -> None:
    settings = make_settings(RULES, debug_header=False)
    token = ForceSigner(settings).make(rules=["hi"], host="shop.test")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        client.cookies.set("omo_preview", token)
        here = await client.get("/")
        there = await client.get("/", headers={"host": "other.test"})
    assert here.headers["x-omotenashi-rules"] == "hi"
    assert "x-omotenashi-rules" not in there.headers
    assert (
        there.headers["x-omotenashi-preview"] == "refused: made for shop.test, this is other.test"
    )


@pytest.mark.anyio
async def test_a_link_refused_on_a_host_with_odd_bytes_still_serves_the_page(
    make_settings: Make,
) -> None:
    """A token made in code for a host in its own script (not punycode) and a Host header with
    a Latin-1 byte: the refusal is said in ASCII, and the app's page is served."""
    settings = make_settings(RULES, debug_header=False)
    token = ForceSigner(settings).make(rules=["hi"], host="東京.example")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        client.cookies.set("omo_preview", token)
        there = await client.get("/", headers={"host": "caf\xe9.test".encode("latin-1")})
        home = await client.get("/", headers={"host": "xn--1lqs71d.example"})
    assert there.status_code == 200 and "made for" in there.headers["x-omotenashi-preview"]
    assert there.headers["x-omotenashi-preview"].isascii()
    assert home.headers.get("x-omotenashi-rules") == "hi"  # its own host, as browsers send it
