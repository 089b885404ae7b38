"""qa49: a Cookie header may carry our cookie's name more than once (a staging site's, another
path's or an old domain's, or a broken one). The first that holds names the visitor: a bad one
sent first no longer makes them a stranger whose new cookie replaces theirs (their switches and
profile gone). A few are tried, no more, however many the header holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import COOKIES_TRIED, CookieSigner, Identity, cookie_values
from tests.conftest import client_for, page_app
from tests.identity.test_cookie import VID, signer
from tests.test_proxy_upstream import RULES

OTHER = "cd" * 16


@pytest.mark.parametrize(
    ("header", "values"),
    [
        ("omo_vid=a; omo_vid=b", ["a", "b"]),
        ('omo_vid="a" ;omo_vid= b ', ["a", "b"]),
        ("xomo_vid=1; omo_vid=2", ["2"]),  # the name inside another cookie's is not ours
        ("x=omo_vid=1; omo_vid=2", ["2"]),
        ("omo_vid=; omo_vid=2", [None, "2"]),
        (f"omo_vid={'v' * 4097}; omo_vid=2", [None, "2"]),  # longer than a browser keeps
        ("omo_vid=1;", ["1"]),
        ("a=1", []),
        ("", []),
    ],
)
def test_each_of_our_cookies_is_read_in_the_order_sent(
    header: str, values: list[str | None]
) -> None:
    assert list(cookie_values(header, "omo_vid")) == values


def cookie(s: CookieSigner, vid: str) -> str:
    return s.sign(Identity(vid=vid, is_new=True, issued_at=0))


@pytest.mark.parametrize(
    ("before", "vid"),
    [
        (["junk"], VID),
        (["", "junk.sig"], VID),
        (["junk"] * (COOKIES_TRIED - 1), VID),
        (["junk"] * COOKIES_TRIED, None),  # tried no further: a stranger
        # (eye49) what our signer never writes is passed over without counting
        (["", "x y", "a,b", "%00"] * 3, VID),
    ],
)
def test_the_first_of_our_cookies_that_holds_names_the_visitor(
    before: list[str], vid: str | None
) -> None:
    s = signer()
    header = "; ".join(f"omo_vid={v}" for v in [*before, cookie(s, VID), cookie(s, OTHER)])
    ident = s.identify(header)
    assert (ident.vid == vid) if vid else ident.is_new
    assert ident.is_new is (vid is None)


def test_a_header_full_of_our_name_is_read_a_few_times_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    s = signer()
    read: list[str | None] = []
    real = s.read
    monkeypatch.setattr(s, "read", lambda value: read.append(value) or real(value))
    assert s.identify("omo_vid=x; " * 5000 + f"omo_vid={cookie(s, VID)}").is_new
    assert len(read) == COOKIES_TRIED
    read.clear()  # junk that could not be ours is passed over, unread, among the first 16
    assert s.identify("omo_vid=; omo_vid=%; " * 7 + f"omo_vid={cookie(s, VID)}").vid == VID
    assert len(read) == 1
    read.clear()  # (eye49c) and no further: a header full of them is not walked
    assert s.identify("omo_vid=; " * 5000 + f"omo_vid={cookie(s, VID)}").is_new
    assert read == []


@pytest.mark.anyio
async def test_a_bad_cookie_of_our_name_sent_first_keeps_the_visitor(
    make_settings: Callable[..., Settings],
) -> None:
    page = '<!doctype html><html><body><h1 data-omo-slot="hero">Hi</h1></body></html>'
    mw = Omotenashi(page_app(page), settings=make_settings(RULES))
    async with client_for(mw) as client:
        first = await client.get("/")
        theirs = first.headers["set-cookie"].split(";")[0]
        client.cookies.clear()
        again = await client.get("/", headers={"cookie": f"omo_vid=stale-from-staging; {theirs}"})
    assert again.headers["x-omotenashi-rules"] == "welcome-back"  # their second view
    assert "set-cookie" not in again.headers or again.headers["set-cookie"].startswith(theirs)
