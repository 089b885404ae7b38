"""A force link opened in a private browser (GPC/DNT, no consent) says why it changes nothing,
in the same words whether the site gives such visitors contextual rules (the default) or
passes their pages as the app made them (OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false). Through
the whole stack against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.preview import ForceSigner

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = """
rules:
  - {id: forced, slot: hero, text: Forced, when: {stage: loyalty}, why: "loyal visitors"}
"""
KINDS = {  # the request's headers, the site's respect settings, why the link changes nothing
    "gpc": (
        {"sec-gpc": "1"},
        {},
        "not applied: this browser sends Global Privacy Control or Do Not Track: it is never "
        "forced",
    ),
    "no-consent": (
        {},
        {"consent_required": True},
        "not applied: this browser has not given consent: it is never forced",
    ),
}
FOREIGN = "refused: not signed with this site's preview keys, or cut or changed since"


@pytest.mark.parametrize("link", ["valid", "foreign"])
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("contextual", [True, False], ids=["contextual", "private-untouched"])
async def test_a_force_link_in_a_private_browser_says_the_same_on_both_paths(
    make_settings: Make, omotenashi_redis: redis.Redis, contextual: bool, kind: str, link: str
) -> None:
    headers, respect, not_applied = KINDS[kind]
    settings = make_settings(RULES, respect={**respect, "private_contextual": contextual})
    signer = ForceSigner(settings if link == "valid" else Settings(secret_keys=["other-key"]))
    token = signer.make(rules=["forced"], ttl=60)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw, headers=headers) as client:
        page = await client.get(f"/?omo_preview={token}")
    assert page.headers.get("x-omotenashi-preview") == (not_applied if link == "valid" else FOREIGN)
    assert ">Default<" in page.text and "Forced" not in page.text
    assert "omo_preview" not in page.headers.get("set-cookie", "")  # the link is not kept
    assert "private" in page.headers["cache-control"]  # said of this browser: no shared copy
    assert list(omotenashi_redis.scan_iter(match="omo:*")) == []


@pytest.mark.parametrize("contextual", [True, False], ids=["contextual", "private-untouched"])
async def test_a_private_browser_without_a_force_link_gets_no_preview_header(
    make_settings: Make, omotenashi_redis: redis.Redis, contextual: bool
) -> None:
    settings = make_settings(RULES, respect={"private_contextual": contextual})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = await client.get("/", headers={"sec-gpc": "1"})
    assert "x-omotenashi-preview" not in page.headers and ">Default<" in page.text
