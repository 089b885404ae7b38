from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi import Omotenashi, Settings
from omotenashi.engine.headers import add_vary, make_private, media_type
from omotenashi.engine.pagehttp import private_headers

from .conftest import client_for, page_app


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ([], b"Cookie"),
        ([(b"vary", b"Accept-Encoding")], b"Accept-Encoding, Cookie"),
        ([(b"Vary", b"cookie")], b"cookie"),
    ],
)
def test_vary_cookie_is_added_once(before: list[tuple[bytes, bytes]], after: bytes) -> None:
    headers = add_vary(before, b"Cookie")
    assert [v for k, v in headers if k.lower() == b"vary"] == [after]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, b"private"),
        (b"public, max-age=600, s-maxage=3600", b"private, max-age=600"),
        (b"no-store", b"private, no-store"),
        # Django's never_cache (its admin): kept whole, only private made sure of.
        (
            b"max-age=0, no-cache, no-store, must-revalidate, private",
            b"private, max-age=0, no-cache, no-store, must-revalidate",
        ),
        (b'private="set-cookie", max-age=60', b"private, max-age=60"),
        (b"public, max-age=31536000, immutable", b"private, max-age=31536000, immutable"),
        (b"private, no-cache", b"private, no-cache"),
    ],
)
def test_shared_caches_are_told_to_keep_out(given: bytes | None, expected: bytes) -> None:
    headers = [(b"cache-control", given)] if given else []
    assert make_private(headers) == [(b"cache-control", expected)]


def test_media_type_and_charset() -> None:
    assert media_type([(b"content-type", b'text/HTML; Charset="ISO-8859-1"')]) == (
        "text/html",
        "iso-8859-1",
    )
    assert media_type([]) == ("", "utf-8")


directive = st.sampled_from(
    [b"public", b"private", b"no-store", b"no-cache", b"must-revalidate", b"immutable"]
) | st.builds(
    lambda name, n: name + b"=" + str(n).encode(),
    st.sampled_from([b"max-age", b"s-maxage", b"stale-while-revalidate"]),
    st.integers(0, 10**6),
)


@given(st.lists(directive, max_size=6), st.sampled_from([b", ", b",", b" , "]))
def test_cache_control_is_only_ever_made_stricter(parts: list[bytes], sep: bytes) -> None:
    (name, value), *_ = make_private([(b"cache-control", sep.join(parts))])
    out = [d.strip() for d in value.split(b",")]
    assert out[0] == b"private" and out.count(b"private") == 1
    assert not [d for d in out if d == b"public" or d.startswith(b"s-maxage")]
    kept = [d for d in parts if d not in (b"public", b"private") and not d.startswith(b"s-max")]
    assert out[1:] == kept  # no-store, max-age ... exactly as the app sent them


BODY_BYTES = [
    (b"content-digest", b"sha-256=:4IrDDlpMQboMYTPWqMc90ymZv+8TWu0ax7FE7N77v8o=:"),
    (b"repr-digest", b"sha-256=:4IrDDlpMQboMYTPWqMc90ymZv+8TWu0ax7FE7N77v8o=:"),
    (b"Digest", b"SHA-256=4IrDDlpMQboMYTPWqMc90ymZv+8TWu0ax7FE7N77v8o="),
    (b"content-md5", b"FjoQ53Qg83H2qfKXbpDqNw=="),
    (b"signature-input", b'sig1=("content-digest" "content-type");created=1618884473'),
    (b"signature", b"sig1=:YWJj:"),
    (b"accept-ranges", b"bytes"),
]
NAMES = {k.decode().lower() for k, _ in BODY_BYTES}
SLOT_PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
HERO_RULE = 'rules:\n  - {id: hero, slot: hero, text: "Welcome", why: "Everyone."}\n'


@pytest.mark.parametrize(
    ("method", "page", "content_type", "dropped"),
    [
        ("GET", SLOT_PAGE, "text/html; charset=utf-8", True),  # rewritten: false of its bytes
        ("HEAD", SLOT_PAGE, "text/html; charset=utf-8", True),  # as its GET may be
        ("GET", "<!doctype html><p>no slot</p>", "text/html; charset=utf-8", False),  # the app's
        ("GET", SLOT_PAGE, "application/json", False),  # never rewritten
        ("HEAD", SLOT_PAGE, "application/json", False),
    ],
    ids=["get-page", "head-page", "get-unchanged", "get-json", "head-json"],
)
@pytest.mark.anyio
async def test_checksums_and_ranges_go_with_the_apps_bytes(
    make_settings: Callable[..., Settings],
    method: str,
    page: str,
    content_type: str,
    dropped: bool,
) -> None:
    """A page whose bytes Omotenashi changed keeps no Content-Digest, Content-MD5 ... of the
    app's (a client or CDN that checks them would reject the page), nor Accept-Ranges (a Range
    request gets the app's bytes); a HEAD's GET may be changed, so its HEAD keeps none either."""
    app = page_app(page, content_type=content_type, headers=BODY_BYTES)
    mw = Omotenashi(app, settings=make_settings(HERO_RULE))
    async with client_for(mw) as client:
        response = await client.request(method, "/")
    assert response.status_code == 200
    if method == "GET" and dropped:
        assert "Welcome" in response.text and "Hello" not in response.text
    kept = NAMES & set(response.headers.keys())
    assert kept == (set() if dropped else NAMES)


@pytest.mark.parametrize(
    ("honour_gpc", "method", "vary"),
    [
        (True, "GET", "Accept-Encoding, Cookie, Sec-GPC, DNT"),
        (True, "HEAD", "Accept-Encoding, Cookie, Sec-GPC, DNT"),
        (False, "GET", "Accept-Encoding, Cookie"),
        (False, "HEAD", "Accept-Encoding, Cookie"),
    ],
)
@pytest.mark.anyio
async def test_a_personal_page_varies_on_the_signals_that_turn_personalisation_off(
    make_settings: Callable[..., Settings], honour_gpc: bool, method: str, vary: str
) -> None:
    """A browser that kept a personalised page (the app allowed max-age) must not show it again
    once GPC is switched on: where GPC is honoured, Vary names Sec-GPC and DNT too."""
    app = page_app(
        SLOT_PAGE,
        headers=[(b"vary", b"Accept-Encoding"), (b"cache-control", b"max-age=600")],
    )
    settings = make_settings(HERO_RULE, respect={"honour_gpc": honour_gpc})
    async with client_for(Omotenashi(app, settings=settings)) as client:
        response = await client.request(method, "/")
    assert response.headers["vary"] == vary
    assert response.headers["cache-control"] == "private, no-store"  # (http50, qa50)
    assert "Welcome" in response.text or method == "HEAD"


@pytest.mark.parametrize(
    ("app", "rewritten", "kept"),
    [
        (
            [(b"cache-control", b"public, max-age=31536000, immutable"), (b"age", b"500")],
            True,
            [(b"cache-control", b"private, no-store")],
        ),
        (
            [(b"expires", b"Thu, 01 Jan 2099 00:00:00 GMT"), (b"cache-control", b"max-age=60")],
            True,
            [(b"cache-control", b"private, no-store")],
        ),
        (
            [(b"cache-control", b"no-store, max-age=0, stale-while-revalidate=30")],
            True,
            [(b"cache-control", b"private, no-store")],
        ),
        (
            [(b"cache-control", b"must-revalidate, no-cache, max-age=5, stale-if-error=60")],
            True,
            [(b"cache-control", b"private, must-revalidate, no-cache, no-store")],
        ),
        (
            [(b"cache-control", b"public, max-age=600"), (b"age", b"5")],
            False,
            [(b"age", b"5"), (b"cache-control", b"private, max-age=600")],
        ),
    ],
    ids=["immutable-age", "expires", "no-store", "no-cache-kept", "not-rewritten"],
)
def test_a_page_rewritten_for_a_visitor_is_kept_nowhere(
    app: list[tuple[bytes, bytes]], rewritten: bool, kept: list[tuple[bytes, bytes]]
) -> None:
    """(http50, qa50) A rewritten page is true of the visitor when it is made (their cart,
    stage and choices are kept server-side, not in the request): the app's max-age, immutable
    and stale-* would have a browser show it again without asking (a cart reminder after the
    checkout), and Age and Expires describe the app's copy. no-store, not no-cache: Back
    restored such a page from the back/forward cache. A page left as the app made it keeps
    them."""
    out = private_headers(
        [(b"content-type", b"text/html"), *app], 9, (b"Cookie",), rewritten=rewritten
    )
    assert [(k, v) for k, v in out if k in (b"cache-control", b"age", b"expires")] == kept
