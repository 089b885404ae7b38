"""Restraint by intent: one block per intent on a page (the slot falls to its next rule), and a
block's intent counts against the frequency cap of every rule with that intent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from omotenashi.engine.facts import Facts
from omotenashi.engine.periods import period_key
from omotenashi.engine.personalise import personalise
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, Restraint, intent_cap
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.understand import Visit, build_change
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

NOW = 1_790_000_000.0
PAGE = (
    '<div data-omo-slot="hero">hero</div><p data-omo-slot="tagline">tagline</p>'
    '<div data-omo-slot="notice">notice</div>'
)
RULES = """
rules:
  - {id: cart-hero, slot: hero, text: Cart hero, intent: cart-reminder, priority: 80,
     cap: {views: 3, per: day}, why: "Your cart."}
  - {id: cart-tagline, slot: tagline, text: Cart tagline, intent: cart-reminder, priority: 60,
     cap: {views: 3, per: day}, why: "Your cart."}
  - {id: plain-tagline, slot: tagline, text: Plain tagline, priority: 10, why: "Always."}
  - {id: cart-notice, slot: notice, text: Cart notice, intent: cart-reminder, priority: 70,
     why: "Your cart."}
"""


def ruleset(tmp_path: Path, text: str = RULES) -> RuleSet:
    (tmp_path / "r.yaml").write_text(text)
    return load_ruleset(tmp_path, Renderer(tmp_path))


def restraint(
    profile: Profile | None = None, intent_budget: int = 1, rules: RuleSet | None = None
) -> Restraint:
    cfg = RespectSettings(intent_budget=intent_budget, budget=10)
    periods = rules.intent_periods if rules else {}
    return Restraint(cfg, Prefs(), profile or Profile(), NOW, True, intent_periods=periods)


def facts() -> Facts:
    return Facts(now=datetime.fromtimestamp(NOW, UTC))


@pytest.mark.parametrize(
    ("budget", "shown", "tagline"),
    [
        (1, ["cart-hero", "plain-tagline"], "Plain tagline"),
        (2, ["cart-hero", "plain-tagline", "cart-notice"], "Plain tagline"),
        (3, ["cart-hero", "cart-tagline", "cart-notice"], "Cart tagline"),
    ],
)
def test_one_block_per_intent_and_the_slot_falls_to_its_next_rule(
    tmp_path: Path, budget: int, shown: list[str], tagline: str
) -> None:
    out = personalise(PAGE, ruleset(tmp_path), facts(), {}, restraint=restraint(None, budget))
    assert [d.id for d in out.applied] == shown
    assert f'data-omo-rule="{out.applied[1].id}">{tagline}</p>' in out.html


def test_an_intent_counts_against_the_cap_of_every_rule_with_that_intent(
    tmp_path: Path,
) -> None:
    rules = ruleset(tmp_path)
    first = restraint(rules=rules)
    shown = personalise(PAGE, rules, facts(), {}, restraint=first).applied
    record = first.caps_to_record(shown)
    day = period_key("day", NOW, None)
    assert record[intent_cap("cart-reminder", "day")] == [day, 1, 1]  # period, count, added
    used = {k: (str(v[0]), 3) for k, v in record.items()}  # as if three were shown today
    later = restraint(Profile(caps=used), rules=rules)
    again = personalise(PAGE, rules, facts(), {}, restraint=later).applied
    # cart-tagline was never shown itself, but its intent was: its cap is used up too
    assert [d.id for d in again] == ["plain-tagline", "cart-notice"]


def test_a_visit_that_began_with_a_sign_in_keeps_its_per_visit_caps(tmp_path: Path) -> None:
    """The first record of a signed-in user can be the sign-in itself (an event, no page
    view): the next page view starts the visit, and until then the first sighting stands in."""
    signed_in = Profile(first_seen=NOW - 5, last_seen=NOW - 5)  # no visit_start yet
    change = build_change(
        Visit("u", signed_in, NOW), view=True, session_gap=1800, respect=RespectSettings()
    )
    assert change.new_visit and change.absent_days is None
    rules = ruleset(
        tmp_path,
        'rules:\n  - {id: hi, slot: hero, text: Hi, cap: {views: 1, per: visit}, why: "Hi."}\n',
    )
    first = restraint(signed_in)
    record = first.caps_to_record(personalise(PAGE, rules, facts(), {}, restraint=first).applied)
    caps = {k: (str(v[0]), int(str(v[1]))) for k, v in record.items()}
    later = Restraint(
        RespectSettings(), Prefs(), Profile(first_seen=NOW - 5, caps=caps), NOW + 60, True
    )
    assert personalise(PAGE, rules, facts(), {}, restraint=later).applied == []


@pytest.mark.parametrize(
    ("caps", "written"),
    [
        ("cap: {views: 3, per: day}", {"day"}),
        ("cap: {views: 1, per: visit}", {"visit"}),
        ("", set()),  # no rule about the intent is capped: no count of it is ever read
    ],
)
def test_a_page_view_counts_an_intent_only_in_the_periods_its_capped_rules_read(
    tmp_path: Path, caps: str, written: set[str]
) -> None:
    rules = ruleset(
        tmp_path,
        "rules:\n"
        "  - {id: shown, slot: hero, text: Hi, intent: sale, why: Hi.}\n"
        f"  - {{id: other, slot: notice, text: Hi, intent: sale, why: Hi., {caps}}}\n",
    )
    made = restraint(intent_budget=2, rules=rules)
    shown = personalise(PAGE, rules, facts(), {}, restraint=made).applied
    assert "shown" in [d.id for d in shown]
    record = made.caps_to_record(shown)
    assert {k.rsplit(":", 1)[1] for k in record if k.startswith("~intent:")} == written
