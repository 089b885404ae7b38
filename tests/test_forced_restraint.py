"""A force link (QA preview) lifts restraint for the rules it names and for nothing else: they
show whatever their conditions, caps, budget, intent and the browser's own switches, counted
first; every other slot is decided as without the link (switches, history off, caps, budget,
one block per intent, the name's uses), and the panel, the "i" and X-Omotenashi-Why say so."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine import EngineConfig, Forced, RequestInfo, Visit, personalise_page
from omotenashi.engine.disclosure import FORCED, HISTORY_OFF
from omotenashi.engine.journey import Journey
from omotenashi.engine.periods import period_key
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.preview import ForceSigner
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

from .conftest import client_for, form_token, origin
from .conftest import page_words as words

Make = Callable[..., Settings]
ROOT = Path(__file__).resolve().parent.parent
NOW = 1.7e9
RULES = """
rules:
  - {id: ctx, slot: a, text: CTX, category: promos, why: "every page"}
  - {id: seen, slot: b, text: SEEN, when: {views: {at_least: 2}}, category: offers,
     why: "a few pages"}
  - {id: kyoto, slot: c, text: KYOTO, when: {interest: {kyoto: {at_least: 1}}},
     category: browsing-history, why: "Kyoto"}
  - {id: cart, slot: d, text: CART, when: {cart_items: {at_least: 1}}, category: cart,
     why: "the cart"}
  - {id: capped, slot: e, text: CAPPED, cap: {views: 1, per: day}, category: promos,
     why: "once a day"}
"""
PAGE = (
    "<!doctype html><html><body>"
    + "".join(f'<div data-omo-slot="{s}">-</div>' for s in "abcde")
    + "</body></html>"
)
VISITOR = Profile(  # returning, two views, Kyoto browsed, a cart, "capped" already seen today
    visits=2,
    views=3,
    last_seen=NOW - 60,
    visit_start=NOW - 600,
    interests={"kyoto": (2.0, NOW - 60)},
    cart={"x": 1},
    caps={"capped": (period_key("day", NOW, None), 1)},
)


def page(
    tmp_path: Path,
    forced: frozenset[str] | None,
    off: frozenset[str] = frozenset(),
    off_rules: frozenset[str] = frozenset(),
    rules: str = RULES,
    profile: Profile = VISITOR,
    respect: dict[str, int] | None = None,
) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """``{rule shown: its reasons}`` and the X-Omotenashi-Why entries of the page for
    ``profile`` with those switches off, through a force link for ``forced`` (None: none)."""
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "site.yaml").write_text(textwrap.dedent(rules))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id="qa",
        profile=profile,
        now=NOW,
        request=RequestInfo.from_parts("/", "", {}),
        choices=Prefs(off_rules=off_rules, off_categories=off),
        forced=None if forced is None else Forced(rules=forced),
    )
    config = EngineConfig(
        respect=RespectSettings.model_validate({"fresh_share": 0, **(respect or {})})
    )
    result = personalise_page(PAGE, visit, ruleset, Journey(), config)
    return {d.id: d.reasons for d in result.shown}, result.why


@pytest.mark.parametrize(
    ("off", "off_rules", "forced", "shown", "by_the_link"),
    [
        ((), (), "ctx", {"ctx", "seen", "kyoto", "cart"}, False),
        ((), (), "capped", {"capped", "ctx", "seen", "kyoto"}, False),  # past its cap; budget 4
        (("browsing-history",), (), "ctx", {"ctx"}, False),  # history off: nothing behavioural
        (("browsing-history",), (), "kyoto", {"ctx", "kyoto"}, True),  # but the rule forced
        (("offers", "cart"), (), "ctx", {"ctx", "kyoto"}, False),  # kinds switched off stay off
        (("offers", "cart"), (), "cart", {"ctx", "kyoto", "cart"}, True),
        ((), ("seen", "kyoto"), "kyoto", {"ctx", "cart", "kyoto"}, True),  # a block switched off
    ],
)
def test_a_force_link_lifts_restraint_for_its_rule_alone(
    tmp_path: Path,
    off: tuple[str, ...],
    off_rules: tuple[str, ...],
    forced: str,
    shown: set[str],
    by_the_link: bool,
) -> None:
    off_kinds, off_blocks = frozenset(off), frozenset(off_rules)
    without, _ = page(tmp_path, None, off_kinds, off_blocks)
    forcing, why = page(tmp_path, frozenset({forced}), off_kinds, off_blocks)
    assert set(forcing) == shown
    assert set(forcing) - {forced} <= set(without)  # every other block: as without the link
    assert why[0] == f"forced={forced}"
    assert ("history-off" in why) == ("browsing-history" in off)
    # a block the visitor's own switches refuse says the link showed it, not what they did
    assert (forcing[forced] == (FORCED,)) == by_the_link, forcing[forced]


TWO = """
rules:
  - {id: top, slot: a, text: TOP, priority: 30, why: "top"}
  - {id: mid, slot: b, text: MID, priority: 20, why: "mid"}
  - {id: low, slot: c, text: LOW, priority: 10, why: "low"}
"""
INTENT = """
rules:
  - {id: big, slot: a, text: BIG, intent: sale, priority: 50, why: "on sale"}
  - {id: plain, slot: a, text: PLAIN, priority: 1, why: "everyone"}
  - {id: small, slot: b, text: SMALL, intent: sale, priority: 10, why: "on sale"}
"""
NAMES = """
rules:
  - {id: hi, slot: a, text: "Hi {{ visitor.name }}", priority: 50, why: "your name"}
  - {id: hey, slot: b, text: "Hey {{ visitor.name }}", priority: 10, why: "your name"}
"""


@pytest.mark.parametrize(
    ("rules", "respect", "forced", "shown"),
    [
        (TWO, {"budget": 2}, None, {"top", "mid"}),
        (TWO, {"budget": 2}, "low", {"low", "top"}),  # forced: placed first, in the budget
        (TWO, {"budget": 0}, "low", {"low"}),  # past the budget: the forced rule still shows
        (INTENT, {}, None, {"big"}),  # one block per intent: b keeps its default
        (INTENT, {}, "small", {"small", "plain"}),  # the forced one has the intent: a falls back
        (NAMES, {"name_per_page": 1}, None, {"hi"}),
        (NAMES, {"name_per_page": 1}, "hey", {"hey"}),  # the forced one used the name first
    ],
)
def test_forced_rules_count_first_for_budget_intent_and_name(
    tmp_path: Path, rules: str, respect: dict[str, int], forced: str | None, shown: set[str]
) -> None:
    named = replace(VISITOR, attrs={"first_name": "Aiko"})
    names = None if forced is None else frozenset({forced})
    got, _ = page(tmp_path, names, rules=rules, profile=named, respect=respect)
    assert set(got) == shown


SLOTS = (  # the demo's home page slots, its recommendations too
    '<p id="tagline" data-omo-slot="tagline">Journeys planned with care.</p>'
    '<section id="hero" data-omo-slot="hero">Default hero</section>'
    '<section id="featured" data-omo-slot="featured">Default featured</section>'
    '<div id="notice" data-omo-slot="notice"></div>'
    '<section id="also" data-omo-slot="also-like">No picks</section>'
)
BROWSED = ["/", "/tours/hawaii-family", "/tours/kyoto-autumn", "/tours/kyoto-autumn", "/"]
CAMPAIGN = "/?utm_campaign=winter-sale"  # its tagline: contextual, shown with history off
WHY = {
    "kyoto-hero": "You have been looking at our Kyoto tour",
    "you-may-also-like": "Tours we suggest: each one says why it is there",
    "welcome-back-tagline": "We recognise you from an earlier visit",
}


def demo(tmp_path: Path, make_settings: Make) -> Omotenashi:
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "snippets", tmp_path / "snippets")

    async def home(request: Request) -> HTMLResponse:
        return HTMLResponse(f"<!doctype html><html><body>{SLOTS}</body></html>")

    app = Starlette(routes=[Route("/", home), Route("/tours/{slug}", home)])
    respect = {"disclosure": True, "page_panel": True}
    return Omotenashi(app, settings=make_settings(respect=respect))


async def switch_off(client: httpx.AsyncClient, kinds: set[str]) -> None:
    """Save the preferences page with ``kinds`` switched off and every other kind on."""
    prefs = await client.get("/_omotenashi/preferences")
    on = set(re.findall(r'name="category" value="([^"]+)"', prefs.text))
    assert kinds <= on
    form = {"csrf": form_token(prefs.text), "action": "save", "category": sorted(on - kinds)}
    saved = await client.post(
        "/_omotenashi/preferences", data=form, headers={"origin": origin(client)}
    )
    assert saved.status_code == 303


def blocks(response: httpx.Response) -> set[str]:
    return set(re.findall(r'data-omo-rule="([^"]+)"', response.text))


def panel(response: httpx.Response) -> str:
    found = re.search(r'<aside class="omo-why-page".*?</aside>', response.text, re.S)
    return words(found.group(0)) if found else ""


@pytest.mark.parametrize(
    ("forced", "replaces"),
    [
        ("kyoto-hero", set()),  # about what they browsed, with their history off
        ("you-may-also-like", set()),  # recommendations, switched off
        ("welcome-back-tagline", {"winter-campaign-tagline"}),  # takes the campaign's slot
    ],
)
@pytest.mark.anyio
async def test_a_force_link_keeps_the_switches_of_a_browser_on_its_other_slots(
    tmp_path: Path,
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    forced: str,
    replaces: set[str],
) -> None:
    mw = demo(tmp_path, make_settings)
    token = ForceSigner(mw.settings).make(rules=[forced])
    async with client_for(mw) as client:
        for path in BROWSED:
            await client.get(path)
        await switch_off(client, {"browsing-history", "recommendations"})
        without = await client.get(CAMPAIGN)
        forcing = await client.get(f"{CAMPAIGN}&omo_preview={token}")
    assert blocks(without) == {"winter-campaign-tagline"}
    assert blocks(forcing) == blocks(without) - replaces | {forced}
    assert set(forcing.headers["x-omotenashi-rules"].split(",")) == blocks(forcing)
    assert forcing.headers["x-omotenashi-why"] == f"forced={forced}; history-off"
    said = panel(forcing)
    assert HISTORY_OFF in said
    # the forced block is the link's doing, never what they browsed; the rest is the campaign
    assert f"Shown by a preview link, not because of you (it is meant for: “{WHY[forced]}”)" in said
    becauses = set(re.findall(r"Because: ([^.]*)\.", said))
    assert becauses == {"A preview link for testing asked for this block"} | (
        set() if replaces else {"You came from our winter-sale link"}
    )
