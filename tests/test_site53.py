"""site53: a shop built as web teams build them, shopped in Chromium.

- The "i" of a ``selector:`` rule had an id made of the selector (``omo-i-header nav
  a[href=&#x27;/cart&#x27;``: spaces, its ``]`` lost), and ``.promo`` gave the same id as a
  slot named ``promo``: a selector's "i" has no id now; a slot's keeps ``omo-i-<slot>``.
- A mistyped endpoint (``/_omotenashi/preferences/``, Django's trailing slash) showed a
  browser bare JSON; it gets a short page with our links.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from omotenashi import Omotenashi

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio

PAGE = (
    '<!doctype html><html><body><header><nav><a href="/cart">Cart</a></nav></header>'
    '<div data-omo-slot="promo">Default</div><p class="promo">Plain</p></body></html>'
)
RULES = """
rules:
  - {id: cart-link, selector: "header nav a[href='/cart']", text: "Your cart", why: "Cart."}
  - {id: promo-slot, slot: promo, text: "Slot offer", why: "An offer."}
  - {id: promo-class, selector: ".promo", text: "Class offer", why: "Another offer."}
"""


async def test_an_i_has_a_valid_id_once_or_none(make_settings: Any) -> None:
    settings = make_settings(RULES, respect={"disclosure": True})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = (await client.get("/")).text
    assert page.count('<details class="omo-i"') == 3
    ids = re.findall(r'<details class="omo-i"(?: id="([^"]*)")?', page)
    assert sorted(ids) == ["", "", "omo-i-promo"]


@pytest.mark.parametrize(
    ("accept", "kind"), [("text/html,application/xhtml+xml", "text/html"), ("*/*", "json")]
)
async def test_a_mistyped_endpoint_answers_a_browser_with_a_page(
    make_settings: Any, accept: str, kind: str
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        got = await client.get("/_omotenashi/preferences/", headers={"accept": accept})
    assert got.status_code == 404
    assert kind in got.headers["content-type"]
    if kind == "text/html":
        assert 'href="/_omotenashi/preferences"' in got.text
        assert "There is no such Omotenashi page: &#x27;/preferences/&#x27;." in got.text
        assert "<title>There is no such page</title>" in got.text  # ("That did not work")
    else:
        assert got.json() == {"error": "there is no such Omotenashi page: '/preferences/'"}


async def test_our_words_say_they_are_english_on_a_page_in_another_language(
    make_settings: Any,
) -> None:
    """Screen readers read "Because:" and "Don't show me this" with the page's voice (a
    Japanese one on a lang="ja" page): ours carry lang="en"; the editor's reason does not."""
    page = '<!doctype html><html lang="ja"><body><div data-omo-slot="hero">既定</div></body></html>'
    rules = (
        'rules:\n  - {id: ja, slot: hero, text: "ようこそ", why: "おすすめです。", '
        "when: {new: true}}\n"
    )
    settings = make_settings(rules, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        got = (await client.get("/")).text
    assert '<p class="omo-because" lang="en" dir="ltr">Because:</p><ul lang="en" dir="ltr">' in got
    assert '<button type="submit" lang="en" dir="ltr" aria-label="Don\'t show me this' in got
    assert '<summary id="omo-why-name" lang="en" dir="ltr">Why this page looks this way<' in got
    # (a11y68) the "i"'s name, our sentence quoting the why, as the button's; the panel's
    # landmark named by its English summary, not an aria-label read in Japanese
    assert 'title="Why you see this" lang="en" dir="ltr">i</summary>' in got
    assert '<aside class="omo-why-page" aria-labelledby="omo-why-name">' in got
    assert "<strong>おすすめです。</strong>" in got  # (the page's language)
