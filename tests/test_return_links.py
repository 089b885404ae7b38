""" "Don't show me this" (and its Undo) returns the visitor to the page they were on: the same
path, as their browser wrote it, and the same query (a search's results, a listing's page), not
the path as decoded (a space in it sent them to the home page, a ``%3F`` cut it in two) nor the
path alone. Through the whole stack against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Settings
from omotenashi.engine.facts import RequestInfo

from .conftest import client_for
from .test_dismiss_flash import form, site, submit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


@pytest.mark.parametrize(
    ("url", "back"),
    [
        ("/", "/"),
        ("/search?q=kyoto&page=2", "/search?q=kyoto&page=2"),
        ("/tours/new%20york", "/tours/new%20york"),  # decoded, a space: it went to "/"
        ("/sale/50%25-off", "/sale/50%25-off"),  # decoded, "50%-off" is no URL
        ("/ask/why%3F", "/ask/why%3F"),  # decoded, "/ask/why?" lost the "?"
        ("/tours/%E4%BA%AC%E9%83%BD?from=mail", "/tours/%E4%BA%AC%E9%83%BD?from=mail"),
        ("/find?q=%22tea%22", "/find?q=%22tea%22"),
        # what decoding the path loses: an encoded "/" (one path segment), an accent written
        # decomposed (NFD: the path is read in NFC), a "%" escape in lower case
        ("/files/a%2Fb?v=1", "/files/a%2Fb?v=1"),
        ("/tours/cafe%CC%81", "/tours/cafe%CC%81"),
        ("/tours/%e4%ba%ac", "/tours/%e4%ba%ac"),
        # a query a URL cannot carry as it is (a backslash, read as "/"): the path alone
        ("/find?q=a\\b", "/find"),
        # a query longer than rules read (8 KiB): the path alone, not the query cut short
        ("/find?q=" + "k" * 8190, "/find?q=" + "k" * 8190),
        ("/find?q=" + "k" * 8191 + "&page=2", "/find"),
    ],
)
async def test_a_choice_made_on_a_page_returns_to_that_page(
    make_settings: Make, url: str, back: str
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get(url)
        page = await client.get(url)
        dismiss = form(page.text, "omo-dismiss")
        assert dismiss["next"] == f"{back}#hero"
        dismissed = await submit(client, dismiss)
        # back to that page, at the confirmation that follows the block (#hero)
        assert (dismissed.status_code, dismissed.headers["location"]) == (303, f"{back}#omo-done")
        undo = form((await client.get(url)).text, "omo-undo")
        assert undo["next"] == f"{back}#hero"


@pytest.mark.parametrize(
    ("path", "raw", "root", "back"),
    [
        ("/files/a/b", "/files/a%2Fb", "", "/files/a%2Fb"),
        # a raw path that is not this path (an app or server rewrote it): the path, encoded
        ("/new", "/old", "", "/new"),
        ("/a b", "/a b", "", "/a%20b"),  # not URL text as it is
        ("//evil.example", "//evil.example", "", "//evil.example"),  # (safe_next refuses it)
        # behind a root: a mount passes the root on in raw_path, a proxy that strips it not
        ("/a/b", "/shop/a%2Fb", "/shop", "/shop/a%2Fb"),
        ("/a/b", "/a%2Fb", "/shop", "/shop/a%2Fb"),
        ("/x/y", "/caf%C3%A9/x%2Fy", "/caf%C3%A9", "/caf%C3%A9/x%2Fy"),
        ("/x/y", "/x%2Fy", "/caf%C3%A9", "/caf%C3%A9/x%2Fy"),
        ("/", "/shop", "/shop", "/shop/"),  # the mount's own root: its path, encoded
        ("/b", "/shop/a", "/shop", "/shop/b"),  # rewritten: the path, encoded
        ("/a/b", "/shop//a%2Fb", "/shop", "/shop/a/b"),
    ],
)
def test_the_return_path_is_the_written_one_only_when_it_is_this_page(
    path: str, raw: str, root: str, back: str
) -> None:
    assert RequestInfo.from_parts(path, "", {}, root=root, raw_path=raw).back == back
