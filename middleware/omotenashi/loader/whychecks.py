"""``omotenashi check``: an editor's ``why:`` that contradicts the rule's own conditions, and
words shown to visitors as written (``why:``, ``text:``) that would not read as meant.

A ``why:`` is shown to visitors above the reasons derived from what matched, so it must never
say what the conditions rule out: "You left a tour in your cart" on a rule that needs
``cart_abandoned: false``. Only what the conditions say plainly is read (conditions under
``not:`` count as negated; ``any:`` branches are left alone, since any one may hold).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from omotenashi.rules.model import Compare, Rule, When

WHY_KEPT = 200  # characters of a reason a visitor's history keeps (engine/page.py)
_TEMPLATE = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!--")
_ENTITY = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
Said = tuple[str, str, str]  # (level, problem, hint)

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
    if when.bought is not None and not negated:  # (not having bought one says nothing more)
        yield "bought", True
    if when.in_cart is not None and not negated:  # (one not in the cart: others may be)
        yield "cart", True
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
_mention(
    "returning",
    r"\b(welcome back|been here before|you('ve| have)? visited (us |this site |our site )?"
    r"(before|again|more than once|\w+ times)|visited (us )?before|returning|you('ve| have)? "
    r"(come|came) back|your last visit)\b",
    r"$^",
)
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


def why_problems(why: str) -> list[Said]:
    """What makes ``why`` (shown to visitors as written, in the "i") read wrong."""
    words = why.strip()
    if not words:
        return [
            (
                "error",
                f"the why is blank ({why!r}): visitors would read 'Why you see this:' and nothing",
                "write one sentence a visitor would understand",
            )
        ]
    out: list[Said] = []
    if found := _TEMPLATE.search(words):
        out.append(
            (
                "error",
                f"the why has template syntax ({found.group()!r}), but it is shown as written: "
                "visitors would see the braces",
                "write plain words: a why cannot name the visitor or use with: values",
            )
        )
    out += [("warning", *said) for said in _markup(words, "the why")]
    if "\n" in words or "\r" in words:
        out.append(
            (
                "warning",
                "the why has a line break, shown as a space: it reads as one line",
                "write one sentence on one line",
            )
        )
    if len(words) > WHY_KEPT:
        out.append(
            (
                "warning",
                f"the why is {len(words)} characters: a visitor's history of what they saw "
                f"keeps only the first {WHY_KEPT}",
                "keep it to one short sentence",
            )
        )
    return out


LONG_TEXT = 10_000  # characters of text: copy for a slot is a sentence or a paragraph


def text_problems(text: str) -> list[Said]:
    """Markup in ``text:`` copy, which is escaped by design: shown to visitors as written; and
    copy far longer than a slot holds (a paste gone wrong: it goes into every page it fills)."""
    said: list[Said] = [
        ("warning", *m) for m in _markup(text, "the text", "; use a snippet for markup")
    ]
    if len(text) > LONG_TEXT:
        said.append(
            (
                "warning",
                f"the text is {len(text):,} characters long, and every page it fills grows by "
                "that much",
                f"keep copy under {LONG_TEXT:,} characters: a slot holds a sentence or a "
                "paragraph, longer content belongs in the page itself",
            )
        )
    return said


def _markup(words: str, what: str, fix: str = "") -> list[tuple[str, str]]:
    out = []
    if tag := _TAG.search(words):
        out.append(
            (
                f"{what} has HTML ({tag.group()!r}), shown as written: visitors would see "
                f"{tag.group()!r}",
                f"write plain text{fix}",
            )
        )
    if entity := _ENTITY.search(words):
        out.append(
            (
                f"{what} has an HTML entity ({entity.group()!r}), shown as written: visitors "
                f"would see {entity.group()!r}",
                "write the character itself: & rather than &amp;",
            )
        )
    return out
