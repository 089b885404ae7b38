"""A force link's block whose rule is off for everyone (``enabled: false``, its schedule not
begun or over) is said to be shown by the link (qa64: its "i" said "Nothing about you chose
this: it may be shown to anyone", which no visitor can be shown); one that is on says its own
reason, as ever. The real middleware, a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.identity.preview import ForceSigner

from .conftest import client_for
from .conftest import page_words as words

RULES = """
rules:
  - {id: on, slot: a, text: "ON", why: "Everyone sees it."}
  - {id: off, slot: b, text: "OFF", enabled: false, why: "Everyone sees it."}
  - {id: later, slot: c, text: "LATER", schedule: {start: "2999-01-01"}, why: "Everyone."}
  - {id: over, slot: d, text: "OVER", schedule: {end: "2001-01-01"}, why: "Everyone."}
"""
PAGE = "<!doctype html><html><body>" + "".join(
    f'<div data-omo-slot="{s}">-</div>' for s in "abcd"
) + "</body></html>"  # fmt: skip


@pytest.mark.anyio
@pytest.mark.parametrize(("rule", "link"), [("on", False), ("off", True), ("later", True),
                                            ("over", True)])  # fmt: skip
async def test_a_forced_block_off_for_everyone_is_said_to_be_the_links(
    make_settings: Callable[..., Settings], rule: str, link: bool
) -> None:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)
    token = ForceSigner(mw.settings).make(rules=[rule])
    async with client_for(mw) as client:
        got = await client.get(f"/?omo_preview={token}", headers={"accept": "text/html"})
    block = LexborHTMLParser(got.text).css_first(f'[data-omo-rule="{rule}"]')
    assert block is not None and rule in got.headers["x-omotenashi-rules"].split(",")
    said = words(block.html or "")
    assert ("Shown by a preview link, not because of you" in said) is link
    assert ("it may be shown to anyone" in said) is not link


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"attrs": "tier=gold"}, "attrs: give a mapping"),
        ({"attrs": ["ab", "cd"]}, "attrs: give a mapping"),
        ({"rules": "kyoto-hero"}, "rules: give a list"),
        ({"segments": "vip"}, "segments: give a list"),
        ({"ttl": -5}, "ttl: a preview link lives a whole number of seconds, 1 or more"),
        ({"ttl": 3600.0}, "ttl: a preview link lives a whole number of seconds"),  # (last66)
        ({"at": float("nan")}, "at: a moment is seconds since 1970"),  # (eye66)
        ({"at": 1e30}, "at: a moment is seconds since 1970"),
    ],
)
def test_a_force_token_of_the_wrong_shape_is_refused_as_it_is_made(
    make_settings: Callable[..., Settings], given: dict[str, object], said: str
) -> None:
    """qa66: attrs="tier=gold" made a token the site met with a traceback (its page served
    without the preview's reason), ["ab", "cd"] became {"a": "b", "c": "d"}, ttl=-5 a token
    already expired."""
    from omotenashi.errors import ConfigError

    with pytest.raises(ConfigError, match=said):
        ForceSigner(make_settings(RULES)).make(**given)  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", [{"a": "tier=gold"}, {"r": "on"}, {"g": {"vip": 1}}])
def test_a_signed_token_of_the_wrong_shape_is_refused_with_a_reason(
    make_settings: Callable[..., Settings], payload: dict[str, object]
) -> None:
    import time

    signer = ForceSigner(make_settings(RULES))
    token = signer._serializer.dumps({"x": int(time.time()) + 60, **payload})
    assert signer.check(token) == "refused: not a force link"


@pytest.mark.anyio
async def test_the_page_panel_does_not_call_a_forced_block_chosen_for_you(
    make_settings: Callable[..., Settings],
) -> None:
    """qa66: "1 part of this page is chosen for you:", then "Shown by a preview link, not
    because of you"."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    rules = RULES + '  - {id: fans, slot: a, text: "FANS", when: {visits: {at_least: 9}}, '
    rules += 'priority: 90, why: "You come often."}\n'
    settings = make_settings(rules, respect={"disclosure": True, "page_panel": True})
    mw = Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)
    token = ForceSigner(mw.settings).make(rules=["fans"])
    async with client_for(mw) as client:
        got = await client.get(f"/?omo_preview={token}", headers={"accept": "text/html"})
    panel = LexborHTMLParser(got.text).css_first("aside.omo-why-page")
    said = words(panel.html or "") if panel is not None else ""
    assert "1 part of this page is shown by a preview link:" in said
    assert "chosen for you" not in said


def test_a_signed_moment_out_of_range_is_no_moment(make_settings: Callable[..., Settings]) -> None:
    """eye66: a token whose ``t`` was 1e30 failed every page it opened (a traceback)."""
    import time

    signer = ForceSigner(make_settings(RULES))
    token = signer._serializer.dumps({"x": int(time.time()) + 60, "r": ["on"], "t": 1e30})
    forced = signer.read(token)
    assert forced is not None and forced.at is None
