"""The edges a review of the visitor-facing changes found ("Don't show me this" confirmation,
pages fetched ahead, private previews): each failed on the code it reviewed. Turbo's hover
prefetch records nothing and leaves the word for the page the visitor opens; the Undo form is
left out where the page leaves a form open (a </form> that is only text does not close it); a
block a preview link forces onto the page is not said to be gone; nothing is said, and no page
panel goes, where the page leaves a link or a button open at its end. Whole stack, real Redis."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.preview import ForceSigner
from omotenashi.testing import written

from .conftest import client_for
from .test_dismiss_flash import DONE, OFF, PAGE, form, said, signed, site, submit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


def with_flash(mw: Omotenashi) -> str:
    """A cookie whose choices have the hero block off and whose flash says so (just now)."""
    return signed(mw, OFF, {"r": "seen-hero", "t": int(time.time()), "a": "hero"})


async def test_a_turbo_hover_prefetch_records_nothing_and_leaves_the_flash(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings, count_prefetch=False)
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", with_flash(mw), domain="shop.test")
        hover = await client.get("/", headers={"x-sec-purpose": "prefetch"})
        await written()
        stored = omotenashi_redis.keys("omo:*")
        opened = await client.get("/")
    assert said(hover) == ""  # not on a page only fetched ahead
    assert stored == []  # nothing recorded for it
    assert said(opened).startswith(DONE)  # the page the visitor opens says it


# A form of the page left open to its end, and a '</form>' that is no end tag (template
# content, a script's text, a comment): the parser's form pointer is still set there.
OPEN_FORM = PAGE.replace("<body>", '<body><form action="/search" method="get"><input name="q">')
TEXT_END_TAGS = {
    "template": "<template><form></form></template>",
    "script": '<script>const row = "<form></form>";</script>',
    "comment": "<!-- </form> -->",
}


@pytest.mark.parametrize("tail", list(TEXT_END_TAGS.values()), ids=list(TEXT_END_TAGS))
async def test_the_undo_form_is_left_out_where_a_page_form_is_still_open(
    make_settings: Make, omotenashi_redis: redis.Redis, tail: str
) -> None:
    mw = site(make_settings, OPEN_FORM.replace("</body>", tail + "</body>"))
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", with_flash(mw), domain="shop.test")
        page = await client.get("/")
    assert said(page) == f"{DONE} Your choices"  # the link alone, as with no such text
    assert 'class="omo-undo"' not in page.text


async def test_a_block_forced_onto_the_page_is_not_said_to_be_gone(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    token = ForceSigner(mw.settings).make(rules=["seen-hero"], ttl=60)
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", with_flash(mw), domain="shop.test")
        page = await client.get(f"/?omo_preview={token}")
    assert page.headers["x-omotenashi-rules"] == "seen-hero"  # shown, by the link
    assert not said(page).startswith(DONE)


@pytest.mark.parametrize("left", ['<a href="/x">more', "<button>more"], ids=["link", "button"])
async def test_nothing_goes_where_the_page_leaves_a_link_or_button_open(
    make_settings: Make, omotenashi_redis: redis.Redis, left: str
) -> None:
    """Before a </body> inside an open <a> or <button>, the word and the page panel would be
    inside it (their links and buttons nested in the page's): neither goes there."""
    mw = site(make_settings, PAGE.replace("</body>", left + "</body>"))
    # (a flash without the block's id: one with it is said right after the block, html46)
    flash = {"r": "seen-hero", "t": int(time.time())}
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", signed(mw, OFF, flash), domain="shop.test")
        page = await client.get("/?utm_campaign=spring")  # a block shown: the panel is due
        closed = site(make_settings)
    assert "Spring offer" in page.text
    assert said(page) == "" and 'class="omo-why-page"' not in page.text
    assert page.text.endswith(left + "</body></html>")
    async with client_for(closed) as client:  # the same page with it closed: both go
        client.cookies.set("omo_vid", with_flash(closed), domain="shop.test")
        page = await client.get("/?utm_campaign=spring")
    assert said(page).startswith(DONE) and 'class="omo-why-page"' in page.text


async def test_dont_show_me_this_returns_to_a_page_whose_path_is_not_ascii(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """The way back is percent-escaped UTF-8, as a browser writes it (as latin-1 it went out as
    '/tours/??', another page), and the page there says what was done."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/tours/京都")
        page = await client.get("/tours/京都")
        fields = form(page.text, "omo-dismiss")
        assert fields["next"] == "/tours/%E4%BA%AC%E9%83%BD#hero"  # as the browser wrote it
        done = await submit(client, fields)
        assert (b"location", b"/tours/%E4%BA%AC%E9%83%BD#omo-done") in done.headers.raw
        back = await client.get(done.headers["location"])
    assert back.url.path == "/tours/京都" and said(back).startswith(DONE)


@pytest.mark.parametrize(
    ("sent", "says"),
    [
        ({"sec-fetch-mode": "navigate", "sec-fetch-dest": "document"}, True),
        ({}, True),  # an older browser, a plain client
        ({"sec-fetch-mode": "cors", "x-turbo-request-id": "1"}, True),  # a Turbo Drive visit
        ({"sec-fetch-mode": "cors", "hx-boosted": "true", "hx-request": "true"}, True),
        ({"sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}, False),  # a quick view's fetch
        ({"sec-fetch-mode": "cors", "x-turbo-request-id": "1", "turbo-frame": "cart"}, False),
        ({"sec-fetch-mode": "cors", "hx-request": "true"}, False),  # htmx swapping a part
        ({"sec-fetch-mode": "no-cors"}, False),
        ({"sec-fetch-mode": "navigate", "sec-fetch-dest": "iframe"}, False),  # a frame's page
    ],
)
async def test_the_word_waits_for_a_page_the_visitor_is_taken_to(
    make_settings: Make, omotenashi_redis: redis.Redis, sent: dict[str, str], says: bool
) -> None:
    """HTML a page's script fetches for a part of itself (a quick view, the next page of a list,
    a Turbo frame) neither says it nor spends it: the next page the visitor opens does."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        client.cookies.set("omo_vid", with_flash(mw), domain="shop.test")
        first = await client.get("/", headers=sent)
        opened = await client.get("/", headers={"sec-fetch-mode": "navigate"})
    assert said(first).startswith(DONE) is says
    assert said(opened).startswith(DONE) is not says  # said exactly once, on a page seen
