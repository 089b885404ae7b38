"""Where our cookie is among cookies not read, whatever privacy reason comes first, the pages
never say nothing is kept from this browser: what that cookie's id holds is not known."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import Identity
from tests.conftest import client_for, page_app, page_words
from tests.identity.test_unread61 import LONG, PAGE, their_cookie
from tests.test_proxy_upstream import RULES

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


@pytest.mark.parametrize("consent_required", [False, True])
async def test_gpc_where_ours_is_unread_says_nothing_is_kept_from_this_visit_only(
    consent_required: bool, make_settings: Make
) -> None:
    # (eye61: the data page said "We keep nothing about you from this browser" beside "We
    # cannot tell", to a visitor whose profile was kept before their browser sent GPC)
    settings = make_settings(RULES, respect={"consent_required": consent_required})
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        if consent_required:  # (given before: kept in the cookie)
            theirs = mw.signer.sign(Identity("ab" * 16, False, 0.0, prefs={"c": True}))
        else:
            theirs = await their_cookie(client)
        sent = {"cookie": f"{LONG}; omo_vid={theirs}", "sec-gpc": "1"}
        pages = [
            " ".join(page_words(r.text).split())
            for p in ("", "/data")
            if (r := await client.get(f"/_omotenashi/preferences{p}", headers=sent))
        ]
    for said in pages:
        assert "We cannot tell" in said
        assert "Global Privacy Control" in said
        assert "from this browser" not in said
        assert "We keep nothing about you from this visit" in said
