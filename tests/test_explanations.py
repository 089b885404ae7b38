"""Reasons shown to visitors come from what actually matched: negation and values included, and
every sentence true of the visitor at that moment (checked by an oracle that reads the facts)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pytest
import yaml
from demo_site.app import demo_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.conditions import compile_when, deny, explain
from omotenashi.engine.decide import Decision
from omotenashi.engine.disclosure import EVERYONE, Disclosure, labels, note, panel, with_reasons
from omotenashi.engine.facts import Device, Facts, RequestInfo
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit
from omotenashi.loader.journey import load_journey
from omotenashi.loader.reload import load_all
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.rules.model import When
from omotenashi.settings import RespectSettings

ROOT = Path(__file__).resolve().parent.parent
DESKTOP = Device("desktop", "Chrome", "Linux", False)
PHONE = Device("mobile", "Mobile Safari", "iOS", False)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def facts(**kw: Any) -> Facts:
    return Facts(**{"device": DESKTOP, "now": NOW, **kw})


def when(text: str) -> When:
    return When.model_validate(yaml.safe_load(text))


@pytest.mark.parametrize(
    ("condition", "given_facts", "reasons"),
    [
        ("{cart_abandoned: false}", {"cart_items": 0}, ["we know of nothing in your cart"]),
        (
            "{cart_abandoned: false}",
            {"cart_items": 2},
            ["nothing in your cart has been left waiting"],
        ),
        (
            "{cart_abandoned: true}",
            {"cart_items": 1, "cart_abandoned": True},
            ["you put something in your cart earlier, and we have no record of a purchase since"],
        ),
        ("{views: {at_least: 3}}", {"views": 7}, ["you have seen 3 or more pages here"]),
        ("{views: {lt: 3}}", {"views": 1}, ["we know of fewer than 3 pages you have seen here"]),
        (
            "{query: {utm_campaign: winter-sale}}",
            {"query": {"utm_campaign": "winter-sale"}},
            ["you came from our winter-sale link"],
        ),
        (
            "{not: {query: {utm_campaign: winter-sale}}}",
            {"query": {"utm_campaign": "spring"}},
            ["you did not come from our winter-sale link"],
        ),
        (
            "{not: {query: {utm_campaign: winter-sale}}}",
            {},
            ["the link you followed was not from one of our campaigns"],
        ),
        ("{not: {new: true}}", {"visits": 3, "is_new": False}, ["you have visited us before"]),
        (
            "{returning: false}",
            {"is_new": True},
            ["we have no record of an earlier visit of yours"],
        ),
        (
            "{interest: {hawaii: {at_least: 2}}}",
            {"interests": {"hawaii": 2.4}},
            ["you have looked at pages about hawaii 2 or more times"],
        ),
        (
            "{not: {interest: {hawaii: {at_least: 2}}}}",
            {"interests": {"hawaii": 0.7}},
            ["you have not looked at pages about hawaii 2 or more times lately"],
        ),
        ("{purchases: 0}", {}, ["we know of no purchase of yours"]),
        ("{not: {cart_items: {at_least: 1}}}", {}, ["we know of nothing in your cart"]),
        (
            "{attr: {first_name: {exists: true}}}",
            {"attrs": {"first_name": "Aiko"}},
            ["we know your first name"],
        ),
        ("{attr: {age: {at_least: 18}}}", {"attrs": {"age": 40}}, ["your age is 18 or more"]),
        ("{not: {attr: {age: {at_least: 18}}}}", {}, ["we do not know your age"]),
        (
            "{stage: [interest, consideration]}",
            {"stage": "interest"},
            ["you have been exploring what we offer"],
        ),
        ("{device: [mobile, tablet]}", {"device": PHONE}, ["you are on a phone"]),
        ("{not: {device: mobile}}", {}, ["you are on a computer"]),
        (
            "{any: [{device: mobile}, {views: {at_least: 3}}]}",
            {"views": 5},
            ["you have seen 3 or more pages here"],  # only the branch that matched
        ),
        (
            "{not: {any: [{device: mobile}, {views: {at_least: 3}}]}}",
            {"views": 1},
            ["you are on a computer", "we know of fewer than 3 pages you have seen here"],
        ),
        (
            "{viewed_in_list: sale}",
            {"viewed": frozenset({"kyoto-autumn"}), "lists": {"sale": frozenset({"kyoto-autumn"})}},
            ["you looked at “kyoto autumn”, which is in our sale list"],
        ),
        (
            "{event: {join_club: {at_least: 1}}}",
            {"events": {"join_club": 1}},
            ["you have done “join club” before"],
        ),
        ("{weekday: [tue]}", {}, ["it is Tuesday (UTC time)"]),
        ("{time: '09:00-17:00'}", {}, ["it is between 09:00 and 17:00 (UTC time)"]),
    ],
)
def test_reasons_say_what_matched(
    condition: str, given_facts: dict[str, Any], reasons: list[str]
) -> None:
    conditions = compile_when(when(condition), "UTC")
    f = facts(**given_facts)
    assert all(c.check(f) for c in conditions)
    assert explain(conditions, f) == reasons


@pytest.mark.parametrize(
    ("condition", "given_facts", "denial"),
    [
        ("{cart_abandoned: true}", {}, ["we know of nothing in your cart"]),
        (
            "{views: {at_least: 3}}",
            {"views": 1},
            ["we know of fewer than 3 pages you have seen here"],
        ),
        (
            "{query: {utm_campaign: spring}}",
            {"query": {"utm_campaign": "x"}},
            ["you did not come from our spring link"],
        ),
        ("{new: true}", {"is_new": False}, ["you have visited us before"]),
    ],
)
def test_a_condition_that_fails_says_what_is_true_instead(
    condition: str, given_facts: dict[str, Any], denial: list[str]
) -> None:
    conditions = compile_when(when(condition), "UTC")
    f = facts(**given_facts)
    assert not all(c.check(f) for c in conditions)
    assert deny(conditions, f) == denial


def test_a_rule_without_conditions_and_a_forced_rule_say_so() -> None:
    ruleset = _demo_rules()
    rule = next(r for r in ruleset.rules if r.id == "winter-campaign-tagline")
    assert with_reasons(Decision(rule, "tagline"), facts()).reasons == (
        "a preview link for testing asked for this block",
    )
    everyone = next(r for r in ruleset.rules if not r.conditions)
    assert everyone.rule.recommend is not None  # the demo's only rule without conditions
    # its items differ per visitor and each says why: never "it may be shown to anyone"
    assert with_reasons(Decision(everyone, "x"), facts()).reasons == ()
    plain = replace(everyone, rule=everyone.rule.model_copy(update={"recommend": None}))
    assert with_reasons(Decision(plain, "x"), facts()).reasons == (EVERYONE,)


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://www.google.com/search?q=x", "www.google.com"),
        ("https://www.google.com." + "&" * 9000 + "/", "www.google.com." + "&" * 238),
    ],
)
def test_a_reason_names_a_referrer_host_no_longer_than_a_real_one(referrer: str, host: str) -> None:
    """The Referer is the visitor's to send: a host past DNS's 253 characters is cut there, so
    the notes and panels kept for reuse (engine/disclosure.py) stay small whatever is sent."""
    conditions = compile_when(when("{referrer: '*google*'}"), "UTC")
    assert explain(conditions, facts(referrer=referrer)) == [f"you came from {host}"]


# -- the property: for any visitor, every reason shown is true of them ------------------------

STAGE_OF = {
    "you are getting to know us": "awareness",
    "you have been exploring what we offer": "interest",
    "you have been getting ready to book (for example, something went into your cart)": (
        "consideration"
    ),
    "you have bought from us": "purchase",
    "you have reached the furthest stage of your journey with us": "loyalty",
}
# The demo's own words for its stages (its journey file's ``stages:``), said instead
SITE_STAGE_OF = {said: stage for stage, said in load_journey(ROOT / "rules").stage_words.items()}
DEVICE_OF = {"a phone": "mobile", "a tablet": "tablet", "a computer": "desktop"}
Oracle = Callable[[re.Match[str], Facts], bool]
ORACLE: list[tuple[str, Oracle]] = [
    (
        r"you have looked at pages about (.+) (\d+) or more times",
        lambda m, f: f.interests.get(topic(m[1]), 0) >= int(m[2]),
    ),
    (r"you have looked at pages about (.+)", lambda m, f: f.interests.get(topic(m[1]), 0) > 0),
    (
        r"you have not looked at pages about (.+) (\d+) or more times lately",
        lambda m, f: f.interests.get(topic(m[1]), 0) < int(m[2]),
    ),
    (
        "|".join(re.escape(s) for s in STAGE_OF | SITE_STAGE_OF),
        lambda m, f: f.stage == (STAGE_OF | SITE_STAGE_OF)[m[0]],
    ),
    (r"you have visited us before", lambda m, f: not f.is_new),
    (r"you have bought from us before", lambda m, f: f.purchases >= 1),
    (r"we know of no purchase of yours", lambda m, f: f.purchases == 0),
    (r"we have no record of an earlier visit of yours", lambda m, f: f.is_new),
    (r"you are on (a phone|a tablet|a computer)", lambda m, f: f.device.kind == DEVICE_OF[m[1]]),
    (r"you came from our (.+) link", lambda m, f: f.query.get("utm_campaign") == m[1]),
    (r"you did not come from our (.+) link", lambda m, f: f.query.get("utm_campaign") != m[1]),
    (
        r"the link you followed was not from one of our campaigns",
        lambda m, f: not f.query.get("utm_campaign"),
    ),
    (r"we know of nothing in your cart", lambda m, f: f.cart_items == 0),
    (r"there is something in your cart", lambda m, f: f.cart_items >= 1),
    (r"nothing in your cart has been left waiting", lambda m, f: not f.cart_abandoned),
    (
        r"you put something in your cart earlier, and we have no record of a purchase since",
        lambda m, f: f.cart_abandoned,
    ),
    (
        r"you looked at (.+), which (is|are) in our (.+) list",
        lambda m, f: (
            (m[2] == "is") == (len(named(m[1])) == 1)
            and all(item in f.viewed & f.lists[m[3]] for item in named(m[1]))
        ),
    ),
    (r"you looked at (.+)", lambda m, f: named(m[1]) <= f.viewed),
    (r"we have no record of you looking at (“.+)", lambda m, f: not named(m[1]) & f.viewed),
    (r"you bought (“.+)", lambda m, f: named(m[1]) <= f.bought),
    (r"we have no record of you buying (“.+)", lambda m, f: not named(m[1]) & f.bought),
    (r"you have (“.+”) in your cart", lambda m, f: named(m[1]) <= f.in_cart),
    (r"we have no record of (“.+”) in your cart", lambda m, f: not named(m[1]) & f.in_cart),
    (
        r"you are on ((?:the page|a page|any page|our home page).*)",
        lambda m, f: on_one_of(m[1], f.path),
    ),
    (
        r"you are not on ((?:the page|a page|any page|our home page).*)",
        lambda m, f: not on_one_of(m[1], f.path),
    ),
    (r"we know your first name", lambda m, f: bool(f.attrs.get("first_name"))),
    (r"we do not know your first name", lambda m, f: not f.attrs.get("first_name")),
    (r"you are in our group “(.+)”", lambda m, f: group(m[1]) in f.segments),
    (r"you are not in our group “(.+)”", lambda m, f: group(m[1]) not in f.segments),
    (r"you are looking at (“.+)", lambda m, f: {f.pages.get(f.path)} == titled_in(m[1])),
    (r"you are not looking at (“.+)", lambda m, f: f.pages.get(f.path) not in titled_in(m[1])),
    (
        r"we have no record of you looking at anything in our (.+) list",
        lambda m, f: not f.viewed & f.lists[m[1]],
    ),
    (r"you have done “(.+)” before", lambda m, f: f.events.get(m[1].replace(" ", "_"), 0) > 0),
    (
        r"we have no record of you doing “(.+)”",
        lambda m, f: f.events.get(m[1].replace(" ", "_"), 0) == 0,
    ),
    (re.escape(EVERYONE), lambda m, f: True),
]


def topic(word: str) -> str:
    """The topic a reason names by the catalogue's word for it ("trips for two" → couple)."""
    return {label: t for t, label in DEMO.catalog.labels.items()}.get(word, word)


def named(text: str) -> set[str]:
    """The items a reason names by their titles (“Kyoto in autumn” → kyoto-autumn)."""
    ids = {title: i for i, title in DEMO.catalog.titles.items()}
    return {ids.get(t, t.replace(" ", "-")) for t in re.findall(r"“([^”]+)”", text)}


def group(word: str) -> str:
    """The segment a reason names by the journey's words for it ("members of our travel club")."""
    return {said: s for s, said in DEMO_JOURNEY.segment_words.items()}.get(word, word)


def titled_in(text: str) -> set[str | None]:
    """The titles a reason names (“Kyoto in autumn” or “Lapland aurora”)."""
    return set(re.findall(r"“([^”]+)”", text))


def on_one_of(text: str, path: str) -> bool:
    """The path is on one of the pages a reason names ("a page under /tours/ or the page /")."""
    kinds: dict[str, Callable[[str], bool]] = {
        "the page ": lambda g: path == g,
        "our home page": lambda g: path == "/",
        "a page under ": lambda g: path.startswith(g),
        "a page whose address starts with ": lambda g: path.startswith(g),
        "a page matching ": lambda g: fnmatchcase(path, g),
    }
    found = re.findall(
        r"(the page |a page under |a page whose address starts with |"
        r"a page matching |our home page)(\S*?)(?:,| or |$)",
        text,
    )
    assert found or text == "any page", text
    return text == "any page" or any(kinds[kind](glob) for kind, glob in found)


def true_of(sentence: str, f: Facts) -> bool:
    for pattern, holds in ORACLE:
        match = re.fullmatch(pattern, sentence)
        if match:
            return holds(match, f)
    raise AssertionError(f"no oracle knows the sentence {sentence!r}: add it")


def _demo_rules() -> Any:
    return load_ruleset(ROOT / "rules", Renderer(ROOT / "snippets"))


TOPICS = ["hawaii", "family", "couple", "kyoto", "culture", "japan", "lapland"]
ITEMS = ["hawaii-family", "hawaii-couples", "kyoto-autumn", "lapland-aurora"]


@st.composite
def visitors(draw: st.DrawFn) -> Facts:
    visits = draw(st.integers(1, 6))
    in_cart = frozenset(draw(st.lists(st.sampled_from(ITEMS), max_size=2)))
    cart = len(in_cart) + draw(st.integers(0, 3 - len(in_cart)))
    return facts(
        stage=draw(st.sampled_from(list(STAGE_OF.values()))),
        segments=frozenset(draw(st.lists(st.sampled_from(["family", "couple", "member"])))),
        interests={t: draw(st.floats(0, 5).map(lambda x: round(x, 1))) for t in TOPICS},
        visits=visits,
        is_new=visits <= 1,
        views=draw(st.integers(0, 30)),
        cart_items=cart,
        cart_abandoned=cart > 0 and draw(st.booleans()),
        device=draw(st.sampled_from([DESKTOP, PHONE, Device("tablet", "Safari", "iOS", False)])),
        query=draw(st.sampled_from([{}, {"utm_campaign": "winter-sale"}, {"utm_campaign": "x"}])),
        attrs=draw(st.sampled_from([{}, {"first_name": "Aiko"}])),
        viewed=frozenset(draw(st.lists(st.sampled_from(ITEMS)))),
        bought=frozenset(draw(st.lists(st.sampled_from(ITEMS), max_size=2))),
        in_cart=in_cart,
        lists=DEMO_LISTS,
        events={"join_club": draw(st.integers(0, 1))},
        purchases=draw(st.integers(0, 2)),
        path=draw(st.sampled_from(["/", "/cart", "/tours/kyoto-autumn", "/tours/lapland-aurora"])),
        titles=DEMO.catalog.titles,
        labels=DEMO.catalog.labels,
        pages=DEMO.catalog.page_titles,
        segment_words=DEMO_JOURNEY.segment_words,
    )


DEMO_JOURNEY = load_journey(ROOT / "rules")
DEMO_LISTS = DEMO_JOURNEY.lists
DEMO_RULES = _demo_rules()


@settings(max_examples=300, deadline=None)
@given(visitors())
def test_every_reason_shown_for_a_demo_rule_is_true_of_that_visitor(f: Facts) -> None:
    for rule in DEMO_RULES.rules:
        if all(c.check(f) for c in rule.conditions):
            for reason in with_reasons(Decision(rule, "slot"), f).reasons:
                assert true_of(reason, f), (rule.id, reason)
        else:  # and what the preview tool says about a rule that did not fire is true too
            for reason in deny(rule.conditions, f):
                assert true_of(reason, f), (rule.id, reason)


# -- the same property through the whole engine, from generated profiles ------------------------

SLOTS = "".join(
    f'<div data-omo-slot="{name}">default</div>'
    for name in ("hero", "featured", "notice", "also-like")
)
HOME = (
    "<!doctype html><html><head></head><body>"
    f'<p data-omo-slot="tagline">t</p><img data-omo-slot="hero-image" src="/x.svg" alt="">'
    f"{SLOTS}</body></html>"
)
DEMO = load_all(demo_settings(ROOT).rules)
DAY = 86400.0


@st.composite
def profiles(draw: st.DrawFn) -> Profile:
    now = NOW.timestamp()
    cart = draw(st.dictionaries(st.sampled_from(ITEMS), st.integers(1, 2), max_size=2))
    visits = draw(st.integers(0, 5))
    topics = draw(st.sets(st.sampled_from(TOPICS)))
    return Profile(
        visits=visits,
        views=draw(st.integers(0, 20)) if visits else 0,
        last_seen=now - draw(st.floats(0, 40)) * DAY if visits else None,
        visit_start=now - DAY if visits else None,
        stage=draw(st.sampled_from(list(STAGE_OF.values()))),
        attrs=draw(st.sampled_from([{}, {"first_name": "Aiko"}])),
        interests={t: (draw(st.floats(0, 4)), now - DAY) for t in topics},
        events={"join_club": draw(st.integers(0, 1))},
        purchases=draw(st.integers(0, 2)),
        cart=cart,
        cart_at=now - draw(st.floats(0, 2)) * DAY if cart else None,
        viewed={item: now - DAY for item in draw(st.sets(st.sampled_from(ITEMS)))},
        purchased=frozenset(draw(st.sets(st.sampled_from(ITEMS), max_size=2))),
    )


@settings(max_examples=150, deadline=None)
@given(
    profiles(),
    st.sampled_from(["", "utm_campaign=winter-sale"]),
    st.sampled_from([DESKTOP, PHONE]),
)
def test_every_reason_the_engine_shows_is_true_of_the_visitor_at_that_moment(
    profile: Profile, query: str, device: Device
) -> None:
    visit = Visit(
        visitor_id="v" + str(abs(hash((profile.views, query)))),
        profile=profile,
        now=NOW.timestamp(),
        request=RequestInfo.from_parts("/", query, {}),
        device=device,
        is_new=profile.visits == 0,
    )
    config = EngineConfig(respect=RespectSettings(fresh_share=0, budget=6))
    result = personalise_page(HOME, visit, DEMO.ruleset, DEMO.journey, config, DEMO.catalog)
    for decision in result.shown:
        if decision.rule.rule.recommend is None:  # items carry their own reasons
            for reason in decision.reasons:
                assert true_of(reason, result.facts), (decision.id, reason)


def test_a_forced_block_never_claims_its_editors_reason_of_this_visitor() -> None:
    """A preview link shows a block to a visitor its conditions do not hold for: its note, its
    label and the page panel say a preview asked for it, never the editor's reason as a fact."""
    ruleset = _demo_rules()
    rule = next(r for r in ruleset.rules if r.id == "winter-campaign-tagline")
    forced = with_reasons(Decision(rule, "tagline"), facts())
    held = with_reasons(Decision(rule, "tagline"), facts(), checked=True)
    why = rule.rule.why
    said = note(forced, Disclosure(enabled=True), label=labels([forced])[forced.id])
    assert why not in said.replace("“" + why.rstrip("."), "")  # only inside the quote
    assert "Shown by a preview link, not because of you" in said
    assert "Shown by a preview link" in panel([forced], Disclosure(enabled=True, panel=True))
    assert why in note(held, Disclosure(enabled=True))  # a rule that holds keeps its reason


def test_the_panel_says_a_thing_once_for_blocks_that_say_the_same() -> None:
    """Two blocks with the same reason (the demo's interest hero and tagline) share one line
    of the page panel, counted, and each keeps the anchor its "i" links to."""
    ruleset = _demo_rules()
    hero, tagline = (
        next(r for r in ruleset.rules if r.id == rule_id)
        for rule_id in ("interest-hero", "interest-tagline")
    )
    same = ("you have been exploring what we offer",)
    said = panel(
        [Decision(hero, "hero", same), Decision(tagline, "tagline", same)],
        Disclosure(enabled=True, panel=True),
    )
    assert said.count("Help with choosing a tour.") == 1 and "(2 parts)" in said
    assert "2 parts of this page are chosen for you" in said
    assert 'id="omo-why-interest-hero"' in said and 'id="omo-why-interest-tagline"' in said
    other = panel(
        [Decision(hero, "hero", same), Decision(tagline, "tagline", ("you came from a link",))],
        Disclosure(enabled=True, panel=True),
    )
    assert other.count("Help with choosing a tour.") == 2 and "parts)" not in other
