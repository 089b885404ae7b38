"""``omotenashi check``: an editor's ``why:`` that contradicts the rule's own conditions.

A ``why:`` is shown to visitors above the reasons derived from what matched, so it must never
say what the conditions rule out: "You left a tour in your cart" on a rule that needs
``cart_abandoned: false``. Only what the conditions say plainly is read (conditions under
``not:`` count as negated; ``any:`` branches are left alone, since any one may hold).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from omotenashi.rules.model import Compare, Rule, When

Claim = tuple[str, bool]  # (concept, whether the conditions require it: True, or rule it out)


def _zero(cmp: Compare | None) -> bool | None:
    """True: the comparison needs 0; False: it needs at least 1; None: it does not say."""
    if cmp is None:
        return None
    if cmp.eq in (0, "0") or cmp.at_most == 0 or cmp.lt == 1:
        return True
    if (cmp.at_least is not None and cmp.at_least >= 1) or cmp.gt == 0 or cmp.ne in (0, "0"):
        return False
    return None


def claims(when: When, negated: bool = False) -> Iterator[Claim]:
    """What the conditions require of the visitor, as (concept, holds) pairs."""

    def say(concept: str, holds: bool) -> Claim:
        return concept, holds != negated

    if when.cart_abandoned is not None:
        yield say("cart", when.cart_abandoned)
    empty = _zero(when.cart_items)
    if empty is not None:
        yield say("cart", not empty)
    none_bought = _zero(when.purchases)
    if none_bought is not None:
        yield say("bought", not none_bought)
    if when.stage is not None:
        bought = {"purchase", "loyalty"}
        if bought.isdisjoint(when.stage):
            yield say("bought", False)
        elif set(when.stage) <= bought:
            yield say("bought", True)
    for flag, first in ((when.new, True), (when.returning, False)):
        if flag is not None:
            yield say("first-visit", flag == first)
            yield say("returning", flag != first)
    if when.device is not None:
        yield say("phone", "mobile" in when.device)
    for sub in when.all or []:
        yield from claims(sub, negated)
    if when.not_ is not None:
        yield from claims(when.not_, not negated)


# What a sentence mentions, and whether it says the concept holds (True) or not (False).
MENTIONS: dict[str, Callable[[str], bool | None]] = {}


def _mention(concept: str, yes: str, no: str) -> None:
    yes_re, no_re = re.compile(yes, re.I), re.compile(no, re.I)

    def test(text: str) -> bool | None:
        if no_re.search(text):
            return False
        return True if yes_re.search(text) else None

    MENTIONS[concept] = test


_mention(
    "cart", r"\b(cart|basket)\b", r"\b(cart|basket) is empty\b|\bnothing in your (cart|basket)"
)
_mention(
    "bought",
    r"\b(booked|bought|purchased|your (booking|purchase|order))\b",
    r"\b(not|never|yet to) (booked|bought|purchased)\b|\bfirst (booking|purchase)\b",
)
_mention("first-visit", r"\bfirst (time|visit)\b|\bnew here\b", r"\bnot your first\b")
_mention("returning", r"\b(welcome back|been here before|visited (us )?before|returning)\b", r"$^")
_mention("phone", r"\b(phone|mobile)\b", r"$^")


def why_contradictions(rule: Rule) -> list[str]:
    """Each way the rule's ``why`` says something its conditions rule out."""
    out: list[str] = []
    required = dict(claims(rule.when))
    for concept, mentioned in MENTIONS.items():
        says = mentioned(rule.why)
        if says is None or concept not in required or required[concept] == says:
            continue
        out.append(
            f"rule {rule.id!r} explains itself as {rule.why!r}, but its conditions "
            f"{'rule that out' if says else 'require it'} ({_WORDS[concept]}): visitors would "
            "read an untrue reason; reword the why, or let the derived reasons speak"
        )
    return out


_WORDS = {
    "cart": "something in the cart",
    "bought": "a purchase",
    "first-visit": "a first visit",
    "returning": "an earlier visit",
    "phone": "a phone",
}
