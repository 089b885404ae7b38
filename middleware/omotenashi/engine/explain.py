"""Sentences a visitor can read about one comparison, true whenever the comparison says so.

A :class:`Subject` knows how to talk about one value (pages seen, a profile detail, a query
parameter, an interest); :func:`say` turns one test of a ``Compare`` into a sentence, and the
negated operator into the sentence that is true when the test fails. Nothing here reads facts:
``conditions`` picks which sentence applies to the visitor at that moment.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

# The operator whose truth is exactly the failure of another (bounds and equality).
NEGATE = {
    "lt": "at_least",
    "at_least": "lt",
    "gt": "at_most",
    "at_most": "gt",
    "eq": "ne",
    "ne": "eq",
    "in": "not_in",
    "not_in": "in",
    "contains": "not_contains",
    "not_contains": "contains",
}

# The stages in words that fit any journey file: what moves a visitor to a stage is each site's
# to say (its transitions; a club joined on the first page may lead to loyalty), so these say
# where the visitor is, never how long or how much they have been with us. A site's own words
# (the journey file's ``stages:``) come first: :func:`stage_words`.
STAGE_WORDS = {
    "awareness": "you are getting to know us",
    "interest": "you have been exploring what we offer",
    "consideration": "you have been getting ready to book (for example, something went into "
    "your cart)",
    "purchase": "you have bought from us",
    "loyalty": "you have reached the furthest stage of your journey with us",
}
NO_STAGE = "you are somewhere on your journey with us"
DEVICE_WORDS = {"mobile": "a phone", "tablet": "a tablet", "desktop": "a computer"}
_WILD = re.compile(r"[*?\[]")  # what makes a path glob more than one page
DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def stage_words(stage: str, site: Mapping[str, str]) -> str:
    """The visitor's stage as they read it: the site's words for it (``site``, from the journey
    file's ``stages:``), else the built-in ones."""
    return site.get(stage) or STAGE_WORDS.get(stage, NO_STAGE)


def number(value: object) -> str:
    """3.0 -> "3", 2.5 -> "2.5"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def words(slug: object) -> str:
    """An editor's slug as words: ``join_club`` -> "join club"."""
    return str(slug).replace("_", " ").replace("-", " ")


def kind_label(labels: Mapping[str, str], name: str) -> str:
    """A kind as visitors read it: its ``label:`` (``categories: {onsen: {label: 温泉}}``:
    japan53), else its name in words ("Browsing history")."""
    return labels.get(name) or words(name).capitalize()


def either(values: Sequence[object], last: str = "or") -> str:
    items = [number(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def quantity(op: str, value: object) -> str:
    """How much, in words, of a value (an age, an interest; a count: :func:`counted`):
    ("at_least", 3) -> "3 or more", ("lt", 18) -> "less than 18"."""
    if op in ("in", "not_in") and isinstance(value, list):
        listed = either(value)
        return listed if op == "in" else f"a number other than {listed}"
    n = number(value)
    return {
        "at_least": f"{n} or more",
        "gt": f"more than {n}",
        "lt": f"less than {n}",
        "at_most": f"at most {n}",
        "eq": f"exactly {n}",
        "ne": f"a number other than {n}",
    }.get(op, n)


def counted(op: str, value: object, noun: str) -> str:
    """How many ``noun`` (singular; its plural adds "s"), in words: the noun agrees with the
    number next to it, singular only after a 1 ("exactly 1 item", "more than 1 item"; "0
    items", "1.5 items", "1 or more items"), and "other than" puts it first ("a number of
    items other than 1")."""
    many = f"{noun}s"
    if op in ("in", "not_in") and isinstance(value, list):
        values = _ascending(value)
        listed = either(values)
        if not values:  # (never holds; its negation always does)
            return f"a number of {many} in an empty list" if op == "in" else f"any number of {many}"
        if op == "not_in":
            once = noun == "time" and listed == "1"
            return f"a number of {many} other than {'once' if once else listed}"
        if noun == "time" and listed == "1":
            return "once"
        return f"{listed} {noun if number(values[-1]) == '1' else many}"
    n = number(value)
    if noun == "time" and n == "1":  # "more than once", not "more than 1 time" (editor63)
        return _ONCE.get(op, "once")
    one = noun if n == "1" else many
    return {
        "at_least": f"{n} or more {many}",
        "gt": f"more than {n} {one}",
        "lt": f"fewer than {n} {one}",
        "at_most": f"at most {n} {one}",
        "eq": f"exactly {n} {one}",
        "ne": f"a number of {many} other than {n}",
    }.get(op, f"{n} {one}")


# A count of times bounded by 1, in words (a count is whole: fewer than once is 0 times).
_ONCE = {
    "at_least": "at least once",
    "gt": "more than once",
    "lt": "0 times",
    "at_most": "at most once",
    "eq": "exactly once",
    "ne": "a number of times other than once",
}


def _ascending(values: list[object]) -> list[object]:
    """Numbers smallest first ("1 or 2 items", the noun by the largest); else as written."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return sorted(values)  # type: ignore[type-var]
    return values


class Subject(Protocol):
    """How to talk about one value; ``unknown`` is true when there is no value at all.

    ``say(op, value)``: ``op`` is a test of ``Compare`` or its negation (:data:`NEGATE`),
    ``"exists"`` (``value``: whether there is one) or ``"numeric"`` (``value`` False: the value
    held is not a number, so no bound holds; we do know it)."""

    @property
    def unknown(self) -> str: ...

    def say(self, op: str, value: object) -> str: ...


@dataclass(frozen=True)
class Count:
    """A count of ``noun`` (singular: "item"): ``template`` has ``{n}``, how many with the noun
    (:func:`counted`); ``zero`` and ``some`` read better for none and one or more.

    ``known`` (with ``{n}``, of ``known_noun`` if given) is said of a count that can only have
    lost what it counted (a profile that expired idle starts again at 0 while the visitor
    keeps their cookie): "at least" stays true of such a count, "fewer than" or "exactly"
    only of what we know, so every other bound is said as what we know."""

    template: str
    noun: str
    zero: str = ""
    some: str = ""
    unknown: str = "we have not counted this yet"
    known: str = ""
    known_noun: str = ""

    def say(self, op: str, value: object) -> str:
        if op == "exists":
            return "we keep a count of this" if value else "we keep no count of this"
        if op == "numeric":
            return "we could not read this count as a number"
        if self.zero and _means_zero(op, value):
            return self.zero
        if self.some and _means_some(op, value):
            return self.some
        if self.known and op not in ("at_least", "gt"):
            return self.known.format(n=counted(op, value, self.known_noun or self.noun))
        return self.template.format(n=counted(op, value, self.noun))


# What a bound means for a whole count (those with ``zero`` and ``some`` are): fewer than
# 0.5 is none, at least 0.5 is one or more.
def _means_zero(op: str, value: object) -> bool:
    if isinstance(value, bool):
        return False
    if op == "eq":
        return value in (0, "0")
    if not isinstance(value, (int, float)):
        return False
    return (op == "at_most" and 0 <= value < 1) or (op == "lt" and 0 < value <= 1)


def _means_some(op: str, value: object) -> bool:
    if isinstance(value, bool):
        return False
    if op == "ne":
        return value in (0, "0")
    if not isinstance(value, (int, float)):
        return False
    return (op == "at_least" and 0 < value <= 1) or (op == "gt" and 0 <= value < 1)


@dataclass(frozen=True)
class Value:
    """A value the visitor or the link gave: ``noun`` is e.g. "your first name"."""

    noun: str
    unknown: str = ""
    equals: str = ""  # a nicer sentence for eq, with {v}
    differs: str = ""  # and for ne

    def __post_init__(self) -> None:
        if not self.unknown:
            object.__setattr__(self, "unknown", f"we do not know {self.noun}")

    def say(self, op: str, value: object) -> str:
        v = number(value)
        if op == "eq" and self.equals:
            return self.equals.format(v=v)
        if op == "ne" and self.differs:
            return self.differs.format(v=v)
        if op == "exists":
            return f"we know {self.noun}" if value else self.unknown
        if op == "numeric":  # (a bound failed on a value that is not a number: we know it)
            return f"{self.noun} is not a number we can compare"
        if op in ("in", "not_in") and isinstance(value, list):
            return f"{self.noun} is {'' if op == 'in' else 'not '}{either(value)}"
        return {
            "eq": f"{self.noun} is {v}",
            "ne": f"{self.noun} is not {v}",
            "contains": f"{self.noun} contains “{v}”",
            "not_contains": f"{self.noun} does not contain “{v}”",
        }.get(op) or f"{self.noun} is {quantity(op, value)}"


@dataclass(frozen=True)
class Interest:
    """A topic's interest: about one point per page on the topic, fading with time.

    A score of at least n needs at least n page views on the topic (each adds at most one),
    so that is said plainly; anything else is said as what it is, a recent interest."""

    topic: str
    unknown: str = ""
    label: str = ""  # how the site names the topic (the catalogue's labels), else its words

    def say(self, op: str, value: object) -> str:
        t = self.label or words(self.topic)
        if op == "at_least" and isinstance(value, (int, float)) and not isinstance(value, bool):
            times = max(1, math.ceil(value))
            if times == 1:
                return f"you have looked at pages about {t}"
            return f"you have looked at pages about {t} {times} or more times"
        if op == "lt" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"you have not looked at pages about {t} {number(value)} or more times lately"
        if op == "exists":
            return "we keep a measure of your interests" if value else "we keep no interests"
        if op == "numeric":
            return f"we could not read your interest in {t} as a number"
        return f"your recent interest in {t} is {quantity(op, value)}"


def quoted(values: Iterable[object], last: str = "or") -> str:
    return either([f"“{words(v)}”" for v in values], last)


def groups(segments: Iterable[str], named: Mapping[str, str], last: str = "or") -> str:
    """Segments by the site's words for them (the journey file's ``segment_words:``), quoted."""
    return either(list(dict.fromkeys(f"“{named.get(s) or words(s)}”" for s in segments)), last)


def titled(items: Iterable[str], titles: Mapping[str, str], last: str = "or") -> str:
    """Items by the names visitors know them by (the catalogue's titles), quoted."""
    return either([f"“{titles.get(i) or words(i)}”" for i in items], last)


def page_words(glob: str) -> str:
    """A rule's path pattern in plain words: ``/tours/*`` -> "a page under /tours/",
    ``/about`` -> "the page /about", ``/`` -> "our home page", ``/tours/*/book`` -> "a page
    matching /tours/*/book"."""
    head = glob.rstrip("*")
    if glob == "/":
        return "our home page"
    if not _WILD.search(glob):
        return f"the page {glob}"
    if not _WILD.search(head):  # only stars at the end (a star matches "/" too)
        if head in ("", "/"):  # (every path starts with "/")
            return "any page"
        if head.endswith("/"):
            return f"a page under {head}"
        return f"a page whose address starts with {head}"
    return f"a page matching {glob}"


def page_title(glob: str, pages: Mapping[str, str]) -> str:
    """The title of the catalogue item whose page ``glob`` is (``pages``: Facts.pages), quoted;
    "" when it is a pattern or no item's page."""
    title = "" if _WILD.search(glob) else pages.get(glob, "")
    return f"“{title}”" if title else ""


def loosely(path: str) -> str:
    """A path as a lenient server may read it (any case, slashes merged, none at the end):
    a page whose path is ``glob`` so read may well be that item's page."""
    return re.sub("/+", "/", path).rstrip("/").lower()


def host(url: str) -> str:
    """The site a link came from; never longer than a real host name (253 characters): the
    Referer is the visitor's to send, and the notes that name it are kept for reuse. A name
    in Japanese, Chinese or Korean is given as its readers write it (:func:`readable`)."""
    try:  # (without a user part: browsers never send one, inject52)
        return readable(urlsplit(url).netloc.rpartition("@")[2][:253]) or url[:60]
    except ValueError:
        return url[:60]


# Kana, CJK ideographs (and their iteration marks), Hangul: the scripts of the names Japanese,
# Chinese and Korean sites are registered under
_CJK = "\u3005\u3006\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_SHOWN = re.compile(f"[a-z0-9-]*[{_CJK}][a-z0-9{_CJK}-]*")
# ... but these pass for ASCII beside Latin letters (a katakana dot for ".", a long vowel mark or
# the ideograph one for "-", katakana no for "/" ...: Chromium's IDN spoof checks), and the
# long vowel and iteration marks belong after kana only
_LOOKS_ASCII = re.compile(
    "[\u30fb\u30fc\u4e00\u30ce\u30bd\u30be\u30f3\u4e36\u4e40\u4e41\u4e3f\u30fd\u30fe]"
)
_AFTER_KANA = re.compile("(?<![\u3041-\u309f\u30a1-\u30fa])[\u30fc\u30fd\u30fe]")
_LATIN = re.compile("[a-z]")


def readable(netloc: str) -> str:
    """``netloc`` with each punycode label (``xn--r8jz45g``) that is kana, CJK or Hangul (and
    ASCII letters, digits, hyphens) in those characters (``例え``), as a reader of the site
    writes it; any other label stays punycode, as browsers keep a name that could pass for
    another (``xn--pple-43d``, a Cyrillic а; a katakana dot between Latin letters)."""
    if "xn--" not in netloc.lower():
        return netloc
    userinfo, at, hostport = netloc.rpartition("@")
    name, colon, port = hostport.partition(":")
    if name.startswith("["):  # an IPv6 address
        return netloc
    labels = name.split(".")
    for i, label in enumerate(labels):
        if label[:4].lower() == "xn--":
            try:
                named = label.lower().encode("ascii").decode("idna")
            except UnicodeError:
                continue
            if _SHOWN.fullmatch(named) and not _AFTER_KANA.search(named):
                if not (_LATIN.search(named) and _LOOKS_ASCII.search(named)):
                    labels[i] = named
    return f"{userinfo}{at}{'.'.join(labels)}{colon}{port}"


def attr_subject(name: str) -> Value:
    return Value(f"your {words(name)}")


def query_subject(key: str, first: bool = False) -> Value:
    link = "the link you first came from" if first else "the link you followed"
    # (what the first link said is only known as recorded: not before consent, words52)
    if key == "utm_campaign":
        came = "you first came from" if first else "you came from"
        return Value(
            f"the campaign of {link}",
            unknown="we have no record of a campaign link you first came by"
            if first
            else f"{link} was not from one of our campaigns",
            equals=came + " our {v} link",
            differs=("you did not first come from" if first else "you did not come from")
            + " our {v} link",
        )
    if key.startswith("utm_"):
        unknown = (
            f"we have no record of the {key[4:]} of the link you first came by"
            if first
            else f"{link} names no {key[4:]}"
        )
        return Value(f"the {words(key[4:])} of {link}", unknown=unknown)
    return Value(f"“{key}” in {link}", unknown=f"{link} has no “{key}”")
