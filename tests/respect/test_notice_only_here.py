"""``#omo-notice`` (and the notice's signed mark) belong to the preferences page alone: a
"Don't show me this" on a block without an ``id`` returns to the site page exactly as its URL
was, whatever its query says (``?saved=1`` is the site's own there), so the browser is not sent
to an element that page does not have. Through the whole stack, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.respect.preferences import marked

from ..conftest import client_for, origin, page_app
from ..test_dismiss_flash import RULES, form

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
NO_ID = (  # the block has no id: the visitor returns to the page's top
    '<!doctype html><html><head></head><body><div data-omo-slot="hero">Default hero</div>'
    "</body></html>"
)


@pytest.mark.parametrize(
    ("target", "page", "notice"),
    [
        ("/_omotenashi/preferences?saved=1", "/_omotenashi/preferences", True),
        ("/shop/_omotenashi/preferences?saved=1", "/shop/_omotenashi/preferences", True),
        ("/tours?saved=1", "/_omotenashi/preferences", False),  # a site page's own query
        ("/?erased=1", "/_omotenashi/preferences", False),
        ("/_omotenashi/preferences?saved=1", "/shop/_omotenashi/preferences", False),
        ("/x/_omotenashi/preferences?saved=1", "/_omotenashi/preferences", False),
    ],
)
def test_only_the_preferences_page_is_marked(target: str, page: str, notice: bool) -> None:
    signer = CookieSigner(Settings(secret_keys=["k" * 32]))
    went = marked(signer, target, "v1", page)
    if notice:
        assert went.startswith(target + "&n=") and went.endswith("#omo-notice")
    else:
        assert went == target


@pytest.mark.parametrize("back", ["/?saved=1", "/tours?erased=1&page=2", "/?reset=1"])
async def test_a_dismiss_returns_to_the_site_page_as_it_was(
    make_settings: Make, omotenashi_redis: redis.Redis, back: str
) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(page_app(NO_ID), settings=settings)) as client:
        await client.get("/")
        fields = {**form((await client.get("/")).text, "omo-dismiss"), "next": back}
        went = await client.post(
            "/_omotenashi/preferences", data=fields, headers={"origin": origin(client)}
        )
    assert (went.status_code, went.headers["location"]) == (303, back)
