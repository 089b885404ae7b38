"""``in_cart: [items]``: whether any of these items is in the visitor's cart now (the profile's
cart, item → quantity), said to the visitor by the items' titles, only those in it; checked by
``omotenashi check`` like ``bought:``; a history condition as ``cart_items`` is (off under GPC
and with the browsing history off). Through the middleware, with a real Redis: a block under
``not: {in_cart: [x]}`` goes once x is in the cart, and its "i" never says anything untrue."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change
from omotenashi.engine.conditions import all_hold, compile_when, deny, explain
from omotenashi.engine.facts import Facts
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import HISTORY_FIELDS, VISITOR_READS, Profile
from omotenashi.engine.understand import Visit, understand
from omotenashi.loader.journey import load_journey
from omotenashi.respect.yourdata import groups_now
from omotenashi.rules.model import When, is_contextual

from ..conftest import client_for, page_words, switch_history
from ..test_bought_condition import check_says
from ..test_history_off import tracking_shop

Make = Callable[..., Settings]
TITLES = {"kyoto-autumn": "Kyoto in autumn", "paris-art": "Paris and its museums"}
KYOTO, PARIS = "“Kyoto in autumn”", "“Paris and its museums”"


@pytest.mark.parametrize(
    ("when", "cart", "holds", "said"),
    [
        ({"in_cart": ["kyoto-autumn"]}, {"kyoto-autumn"}, True, [f"you have {KYOTO} in your cart"]),
        (
            {"in_cart": "kyoto-autumn"},
            {"kyoto-autumn", "x"},
            True,
            [f"you have {KYOTO} in your cart"],
        ),
        (  # several listed: only those in the cart are named
            {"in_cart": ["kyoto-autumn", "paris-art", "bali-retreat"]},
            {"paris-art"},
            True,
            [f"you have {PARIS} in your cart"],
        ),
        (
            {"in_cart": ["paris-art", "kyoto-autumn"]},
            {"kyoto-autumn", "paris-art"},
            True,
            [f"you have {KYOTO} and {PARIS} in your cart"],
        ),
        (
            {"in_cart": ["kyoto-autumn"]},
            set(),
            False,
            [f"we have no record of {KYOTO} in your cart"],
        ),
        (
            {"in_cart": ["kyoto-autumn", "paris-art"]},
            {"bali-retreat"},
            False,
            [f"we have no record of {KYOTO} or {PARIS} in your cart"],
        ),
        (
            {"not": {"in_cart": ["kyoto-autumn"]}},
            {"paris-art"},
            True,
            [f"we have no record of {KYOTO} in your cart"],
        ),
        (
            {"not": {"in_cart": ["kyoto-autumn"]}},
            {"kyoto-autumn"},
            False,
            [f"you have {KYOTO} in your cart"],
        ),
        (  # the demo's way: neither booked nor in the cart
            {"not": {"any": [{"bought": ["kyoto-autumn"]}, {"in_cart": ["kyoto-autumn"]}]}},
            set(),
            True,
            [
                f"we have no record of you buying {KYOTO}",
                f"we have no record of {KYOTO} in your cart",
            ],
        ),
        ({"in_cart": ["spa-day"]}, set(), False, ["we have no record of “spa day” in your cart"]),
    ],
    ids=[
        "one",
        "bare",
        "one-of-three",
        "two",
        "empty",
        "others",
        "not",
        "not-held",
        "demo",
        "words",
    ],
)
def test_in_cart_holds_on_the_items_in_the_cart_and_says_which(
    when: dict[str, object], cart: set[str], holds: bool, said: list[str]
) -> None:
    conditions = compile_when(When.model_validate(when), "UTC")
    facts = Facts(in_cart=frozenset(cart), cart_items=len(cart), titles=TITLES)
    assert all_hold(conditions, facts) is holds
    assert (explain if holds else deny)(conditions, facts) == said


def _facts(cart: dict[str, int]) -> Facts:
    visit = Visit(visitor_id="v", profile=Profile(visits=2, cart=cart), now=1_000_000.0)
    change = Change(now=1_000_000.0)
    return understand(visit, change, Journey())[1]


def test_the_facts_hold_the_items_in_the_cart_and_nothing_for_an_empty_one() -> None:
    assert _facts({"kyoto-autumn": 2, "paris-art": 0}).in_cart == {"kyoto-autumn"}
    assert _facts({}).in_cart == frozenset()


def test_in_cart_is_history_as_cart_items_is() -> None:
    assert not is_contextual(When.model_validate({"in_cart": ["kyoto-autumn"]}))
    assert not is_contextual(When.model_validate({"not": {"in_cart": ["kyoto-autumn"]}}))
    assert "in_cart" in VISITOR_READS["cart"] and "cart" in HISTORY_FIELDS


def test_the_data_page_derives_a_group_on_the_cart_as_a_page_would(tmp_path: Path) -> None:
    (tmp_path / "journey.yaml").write_text("segments:\n  kyoto-cart: {in_cart: [kyoto-autumn]}\n")
    journey = load_journey(tmp_path)
    assert groups_now(Profile(cart={"kyoto-autumn": 1}), journey, 0.0) == {"kyoto-cart"}
    assert groups_now(Profile(cart={"paris-art": 1}), journey, 0.0) == frozenset()


@pytest.mark.parametrize(
    ("when", "why", "said"),
    [
        ("{in_cart: [kyoto-autumn]}", "Your Kyoto tour is waiting.", []),
        ("{not: {in_cart: [kyoto-autumn]}}", "Your cart is empty.", []),  # (others may be in it)
        (
            "{in_cart: [kyoto-autum]}",
            "A tour for you.",
            [
                "rules/site.yaml:2: warning: rules[0].when.in_cart[0]: 'kyoto-autum' is not an "
                "item of the catalogue (did you mean 'kyoto-autumn'?)"
            ],
        ),
        (
            "{in_cart: [kyoto-autumn]}",
            "Your cart is empty.",
            ["rules/site.yaml:2: warning: rules[0].why: rule 'r' explains itself as"],
        ),
        (
            "{in_cart: {kyoto-autumn: 1}}",
            "Because.",
            [
                "rules/site.yaml:2: error: rules[0].when.in_cart: this should be a list, not "
                "{'kyoto-autumn': 1} (write a list, e.g. [a, b])"
            ],
        ),
        (
            "{in_crt: [kyoto-autumn]}",
            "Because.",
            [
                "rules/site.yaml:2: error: rules[0].when.in_crt: unknown field 'in_crt' "
                "(did you mean 'in_cart'?)"
            ],
        ),
    ],
    ids=["fine", "not-fine", "near-id", "why-contradicts", "not-a-list", "misspelt"],
)
def test_check_reads_in_cart_like_bought(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    when: str,
    why: str,
    said: list[str],
) -> None:
    code = check_says(tmp_path, monkeypatch, capsys, when, why, said)
    assert code == (1 if any(": error: " in part for part in said) else 0)


# -- through the middleware, a real Redis ---------------------------------------------------

RULES = """
    rules:
      - id: kyoto-offer
        slot: hero
        text: "Autumn in Kyoto: see the Kyoto tour"
        when: {not: {in_cart: [kyoto-autumn]}}
        category: browsing-history
        why: "A tour we think you will like."
      - id: kyoto-waiting
        slot: notice
        text: "Your Kyoto tour is ready to book"
        when: {in_cart: [kyoto-autumn, paris-art]}
        category: browsing-history
        why: "A tour is ready to book."
      - id: cart-count
        slot: count
        text: "Something is in your cart"
        when: {cart_items: {at_least: 1}}
        category: browsing-history
        why: "Something is in your cart."
      - id: campaign
        slot: tagline
        text: "Winter sale"
        when: {query: {utm_campaign: winter}}
        category: campaigns
        why: "You came from our winter campaign."
"""
SLOTS = "".join(f'<div data-omo-slot="{s}">-</div>' for s in ("hero", "notice", "count", "tagline"))
CATALOG = """
items:
  - {id: kyoto-autumn, title: Kyoto in autumn, url: /tours/kyoto-autumn, tags: [kyoto]}
  - {id: paris-art, title: Paris and its museums, url: /tours/paris-art, tags: [culture]}
"""
CART_RULES = {"kyoto-offer", "kyoto-waiting", "cart-count"}


def _site(tmp_path: Path, make_settings: Make) -> Omotenashi:
    settings = make_settings(
        textwrap.dedent(RULES), respect={"disclosure": True, "page_panel": False}
    )
    (tmp_path / "rules" / "catalog.yaml").write_text(CATALOG)
    return Omotenashi(tracking_shop(SLOTS), settings=settings)


def _shown(page: httpx.Response) -> set[str]:
    return set(re.findall(r'data-omo-rule="([^"]+)"', page.text))


def _said(page: httpx.Response) -> str:
    """The page's words (the "i" says each reason as a sentence: "Because: We have …")."""
    return page_words(page.text)


@pytest.mark.anyio
async def test_a_block_not_for_a_tour_in_the_cart_goes_once_it_is_in_the_cart(
    tmp_path: Path, make_settings: Make
) -> None:
    async with client_for(_site(tmp_path, make_settings)) as client:
        before = await client.get("/")
        await client.get("/app/track?name=add_to_cart&item=kyoto-autumn")
        held = await client.get("/")
        await client.get("/app/track?name=remove_from_cart&item=kyoto-autumn")
        again = await client.get("/")
    assert _shown(before) == {"kyoto-offer"}
    assert f"Because: We have no record of {KYOTO} in your cart." in _said(before)
    assert "You have" not in _said(before)
    assert _shown(held) == {"kyoto-waiting", "cart-count"}  # the offer is gone
    assert f"Because: You have {KYOTO} in your cart." in _said(
        held
    )  # (Paris, listed, is not named)
    assert "Paris" not in _said(held) and "no record" not in _said(held)
    assert _shown(again) == {"kyoto-offer"}


@pytest.mark.anyio
async def test_with_the_history_off_or_gpc_in_cart_rules_are_off_as_cart_items_ones(
    tmp_path: Path, make_settings: Make
) -> None:
    async with client_for(_site(tmp_path, make_settings)) as client:
        await client.get("/")
        await client.get("/app/track?name=add_to_cart&item=kyoto-autumn")
        on = await client.get("/?utm_campaign=winter")
        gpc = await client.get("/?utm_campaign=winter", headers={"sec-gpc": "1"})
        await switch_history(client, on=False)
        off = await client.get("/?utm_campaign=winter")
        await client.get("/app/track?name=remove_from_cart&item=kyoto-autumn")
        off_empty = await client.get("/?utm_campaign=winter")
    assert _shown(on) == {"kyoto-waiting", "cart-count", "campaign"}
    for page in (gpc, off, off_empty):  # none of the three, whatever the cart holds
        assert _shown(page) & CART_RULES == set() and "campaign" in _shown(page)
        assert "in your cart" not in _said(page)
