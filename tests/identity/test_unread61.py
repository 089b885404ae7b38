"""inputs60: a visitor who chose "personalise nothing" became a stranger, given a new cookie
that replaced theirs (the choice lost, their pages recorded), when ours could not be read:
16 KB of other cookies before it (past what is read of the header), or more cookies of our
name signed by another site (a staging site on the parent domain) than are tried. Such a
request is now "unread" (respect/privacy.py): nothing read, written or set, their cookie left
as it is, and every path says why."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.requestheaders import MAX_COOKIES
from omotenashi.identity.cookie import COOKIES_TRIED, Identity
from tests.conftest import client_for, page_app, page_words
from tests.identity.test_cookie import signer
from tests.test_proxy_upstream import RULES

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hi</h1></body></html>'
STAGING = signer(400 * 86400, "the-staging-site's-key")  # well formed, not ours
FOREIGN = "; ".join(
    f"omo_vid={STAGING.sign(Identity(f'{n:032x}', True, 0.0))}" for n in range(COOKIES_TRIED)
)
LONG = f"big={'x' * MAX_COOKIES}"
UNREAD = "more cookies than we read"


async def their_cookie(client: httpx.AsyncClient) -> str:
    """The cookie a first page gives, taken out of the client's jar (sent by hand after)."""
    await client.get("/")
    theirs = client.cookies["omo_vid"]
    client.cookies.clear()
    return theirs


def keys(server: redis.Redis) -> int:
    return sum(1 for _ in server.scan_iter("u61:*"))


@pytest.mark.parametrize(
    ("crowd", "unread"),
    [(FOREIGN, True), (LONG, True), (FOREIGN.rsplit("; ", 1)[0], False), ("big=x", False)],
)
async def test_a_visitor_whose_cookie_cannot_be_read_is_neither_a_stranger_nor_recorded(
    crowd: str, unread: bool, make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    settings = make_settings(RULES, redis={"key_prefix": "u61"}, respect={"page_panel": True})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    for key in omotenashi_redis.scan_iter("u61:*"):
        omotenashi_redis.delete(key)
    async with client_for(mw) as client:
        first = await client.get("/")
        vid = mw.signer.identify(first.headers["set-cookie"].split(";")[0]).vid
        client.cookies.clear()
        # their cookie: "Personalise nothing for me", chosen before
        theirs = f"omo_vid={mw.signer.sign(Identity(vid, False, 0.0, prefs={'n': True}))}"
        sent = {"cookie": f"{crowd}; {theirs}"}
        before = keys(omotenashi_redis)
        page = await client.get("/", headers=sent)
        prefs = await client.get("/_omotenashi/preferences", headers=sent)
        data = await client.get("/_omotenashi/preferences/data", headers=sent)
        event = await client.post(
            "/_omotenashi/events",
            content='{"name": "video_play"}',
            headers={**sent, "content-type": "application/json", "origin": "http://shop.test"},
        )
        after = keys(omotenashi_redis)
    assert before > 0 and after == before  # nothing written under a new id (nor theirs)
    for answer in (page, prefs):  # their cookie kept: no new one replaces it
        assert answer.status_code == 200 and "set-cookie" not in answer.headers
    assert page.headers["x-omotenashi-rules"] == "-"  # none
    assert event.status_code == 202 and event.json()["stored"] is False
    said = " ".join(page_words(prefs.text).split())
    if unread:
        assert UNREAD in event.json()["reason"]
        assert f"Your browser sent this site {UNREAD}" in said
        assert "leave our cookie as it is (with any choices in it)" in said
        # (visitor61: they were told "Nothing." is kept, and to give consent)
        cannot = "We cannot tell: your browser sent more cookies than we read"
        assert cannot in said and "Nothing." not in said and "give consent" not in said
        assert cannot in " ".join(page_words(data.text).split())
    else:  # theirs read: their own choice, said as theirs
        assert "you chose to personalise nothing" in event.json()["reason"]
        assert "You chose “Personalise nothing for me”" in said and UNREAD not in said


async def test_a_new_visitor_with_few_cookies_is_given_one(make_settings: Make) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"cookie": "big=x; " + FOREIGN.split("; ")[0]})
    assert page.headers["set-cookie"].startswith("omo_vid=")


def test_identify_tells_a_cookie_it_could_not_read() -> None:
    s = signer()
    ours = f"omo_vid={s.sign(Identity('ab' * 16, True, 0.0))}"
    assert s.identify(f"{FOREIGN}; {ours}").unread  # (one more to try: it could be theirs)
    assert not s.identify(f"{FOREIGN.rsplit('; ', 1)[0]}; {ours}").unread  # (theirs: read)
    assert not s.identify(FOREIGN).unread and not s.identify(f"{FOREIGN}; omo_vid=%").unread
    assert s.identify("a=1", cut=True).unread and not s.identify("a=1").unread
    assert s.identify("omo_vid=; " * 16 + "omo_vid=x").unread  # (past those read)
    assert not s.identify("omo_vid=; " * 15 + "omo_vid=x").unread
    assert not s.identify(None).unread


def test_the_cookie_header_says_when_it_was_cut() -> None:
    from omotenashi.asgi.requestheaders import COOKIES_CUT, request_headers

    def read(*values: bytes) -> dict[str, str]:
        return request_headers({"headers": [(b"cookie", v) for v in values]})

    assert COOKIES_CUT not in read(b"a" * MAX_COOKIES)
    assert COOKIES_CUT in read(b"a" * (MAX_COOKIES + 1))
    assert COOKIES_CUT not in read(b"a" * (MAX_COOKIES - 10), b"b" * 8)
    assert COOKIES_CUT in read(b"a" * (MAX_COOKIES - 10), b"b" * 9)
    assert COOKIES_CUT in read(b"a" * MAX_COOKIES, b"b")


@pytest.mark.parametrize("gpc", [False, True])
async def test_a_choice_made_where_our_cookie_cannot_be_read_sets_no_cookie(
    gpc: bool, make_settings: Make
) -> None:
    # (under GPC, a choice without our cookie is kept in a new one: here it would replace
    # theirs, which we could not read)
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    ours = f"omo_vid={mw.signer.sign(Identity('ab' * 16, False, 0.0))}"
    sent = {"cookie": f"{LONG}; {ours}", "origin": "http://shop.test"}
    async with client_for(mw) as client:
        answer = await client.post(
            "/_omotenashi/preferences",
            data={"action": "save", "nothing": "1"},
            headers={**sent, **({"sec-gpc": "1"} if gpc else {})},
        )
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    assert "more cookies than we read" in " ".join(page_words(answer.text).split())


@pytest.mark.parametrize("gpc", [False, True])
async def test_what_is_kept_is_not_known_where_ours_is_unread_whatever_the_reason(
    gpc: bool, make_settings: Make
) -> None:
    # (last61c: under GPC too, whose reason comes first, the pages said "Nothing." of a
    # visitor whose profile was kept)
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        theirs = await their_cookie(client)
        sent = {"cookie": f"{LONG}; omo_vid={theirs}", **({"sec-gpc": "1"} if gpc else {})}
        pages = [
            " ".join(
                page_words(
                    (await client.get(f"/_omotenashi/preferences{p}", headers=sent)).text
                ).split()
            )
            for p in ("", "/data")
        ]
    for said in pages:
        assert "We cannot tell: your browser sent more cookies than we read" in said
        assert "We keep nothing about you." not in said


async def test_the_download_says_what_is_kept_is_not_known_where_ours_is_unread(
    make_settings: Make,
) -> None:
    # (final61: it said "kept": false, the profile null, beside the data page's "We cannot tell")
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        theirs = await their_cookie(client)
        read = await client.get(
            "/_omotenashi/preferences/export", headers={"cookie": f"omo_vid={theirs}"}
        )
        unread = await client.get(
            "/_omotenashi/preferences/export", headers={"cookie": f"{LONG}; omo_vid={theirs}"}
        )
    assert read.json()["kept"] is True and "unread" not in read.json()
    assert unread.json()["kept"] is None and unread.json()["unread"].startswith("We cannot tell")


@pytest.mark.parametrize("gpc", [False, True])
async def test_consent_kept_in_an_unread_cookie_is_not_said_missing(
    gpc: bool, make_settings: Make
) -> None:
    # (final61: in consent mode, a visitor whose consent is in our cookie, unread, was told
    # "You have not given consent", and the beacon said so)
    settings = make_settings(RULES, respect={"consent_required": True})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    theirs = mw.signer.sign(Identity("ab" * 16, False, 0.0, prefs={"c": True}))
    sent = {"cookie": f"{LONG}; omo_vid={theirs}", **({"sec-gpc": "1"} if gpc else {})}
    async with client_for(mw) as client:
        prefs = await client.get("/_omotenashi/preferences", headers=sent)
        event = await client.post(
            "/_omotenashi/events",
            content='{"name": "video_play"}',
            headers={**sent, "content-type": "application/json", "origin": "http://shop.test"},
        )
    said = " ".join(page_words(prefs.text).split())
    assert "not given consent" not in said and "not given consent" not in event.text
    assert (UNREAD in event.json()["reason"]) is not gpc
