"""The "Your data" page's lists for what the profile keeps beyond visits, topics, items and
events (respect/shown.py ``data_sections`` puts them in order): each family of the export
(engine/profile.py ``to_export``) in a few plain lines, long lists cut with "and N more"."""

from __future__ import annotations

import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sized
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from omotenashi.engine import explain
from omotenashi.engine.bidi import put_in, sentence
from omotenashi.engine.explain import words
from omotenashi.engine.facts import Facts, in_cart
from omotenashi.engine.journey import Journey
from omotenashi.engine.periods import site_zone
from omotenashi.engine.profile import Profile
from omotenashi.recommend.catalog import Catalog
from omotenashi.respect.capwords import caps_lines
from omotenashi.respect.joinedwords import joined_lines
from omotenashi.respect.pairwords import pair_line, pairs_kept, side
from omotenashi.rules.model import Rule, When
from omotenashi.rules.text import unstopped

MAX_LISTED = 30
Section = tuple[str, list[str]]


def stage_sentence(stage: str, site: Mapping[str, str] | None = None) -> str:
    """The stage as a visitor reads it (the preferences page says it too): the words a block's
    reasons use for it (the site's, from the journey file's ``stages:``, else the built-in
    ones) as a sentence; "" for a stage we have no words for."""
    said = (site or {}).get(stage) or explain.STAGE_WORDS.get(stage, "")
    return sentence(said) if said else ""  # (as the reasons end it: no "!." journey62)


STAGE_WORDS = {stage: stage_sentence(stage) for stage in explain.STAGE_WORDS}  # built-in ones


# Percent-escapes of non-ASCII bytes: what a browser's address bar shows decoded (an escaped
# "&", "=", "#" or "/" stays escaped: decoded, it would read as another address)
_ESCAPED = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+")
# ... but not invisible or reordering characters, nor ones that pass for "/" or a space
_HIDDEN = frozenset("\u00ad\u115f\u1160\u3164\uffa0\u2215\u2044\uff0f\u29f8")


# What the first page's link named (its utm_* parameters, engine/profile.py FIRST_TOUCH, as
# the export keeps them) and the site the visitor came from, in a visitor's words: only what
# is kept, which is what the link said, not what we make of it
FIRST_TOUCH_WORDS = {
    "utm_source": "Where the link you first came by says it was from",
    "utm_medium": "What kind of link you first came by, as it says",
    "utm_campaign": "The campaign the link you first came by was part of",
    "utm_term": "The search words the link you first came by names",
    "utm_content": "Which of our links or ads you first came by, as it names itself",
    "referrer": "The site you first came to us from",
}


def first_touch(profile: Profile) -> list[str]:
    """How the visitor first found us, a line per value kept (:data:`FIRST_TOUCH_WORDS`): the
    referrer as a browser's address bar shows it (``https://search.yahoo.co.jp/search?p=京都``,
    not ``?p=%E4%BA%AC%E9%83%BD``; a host in kana, CJK or Hangul in those)."""
    return [put_in("{}: {}", label, value) for label, value in first_touch_parts(profile)]


def first_touch_parts(profile: Profile) -> list[tuple[str, str]]:
    """:func:`first_touch`'s lines as (what it is, the value), the value as it is shown."""
    return [
        (FIRST_TOUCH_WORDS.get(k) or words(k), _address(v) if k == "referrer" else v)
        for k, v in profile.first_touch.items()
    ]


def _address(url: str) -> str:
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return url
    shown = _ESCAPED.sub(_decoded, url)
    host = explain.readable(netloc)
    return shown.replace(netloc, host, 1) if host != netloc else shown


def _decoded(run: re.Match[str]) -> str:
    """A run of escaped bytes as the text they are in UTF-8, when each character is one a
    reader can see for what it is; as it was otherwise (a cut in a character: the text before)."""
    data = bytes.fromhex(run[0].replace("%", ""))
    try:
        text, kept = data.decode("utf-8"), len(data)
    except UnicodeDecodeError as error:
        text, kept = data[: error.start].decode("utf-8"), error.start
    if not text or any(unicodedata.category(c)[0] in "CZ" or c in _HIDDEN for c in text):
        return run[0]
    return text + run[0][3 * kept :]


def day(at: float | None, zone: str = "UTC") -> str:
    """A moment as the visitor's pages give it: on the site's clock (``zone``,
    OMOTENASHI_RULES_TIMEZONE, named, as the first visit's date is: the visitor's own may
    differ); "" for none."""
    if not at:
        return ""
    try:
        if zone == "UTC":
            return datetime.fromtimestamp(at, UTC).strftime("%d %B %Y, %H:%M UTC")
        named = f"%d %B %Y, %H:%M ({zone} time)"
        return datetime.fromtimestamp(at, site_zone(zone)).strftime(named)
    except (OverflowError, OSError, ValueError):
        return ""


def first_visit(at: float | None, zone: str) -> str:
    """The sentence on the first visit on record: its date on the site's calendar (``zone``,
    OMOTENASHI_RULES_TIMEZONE, named: the visitor's own may differ); "" without one."""
    try:
        first = datetime.fromtimestamp(at, site_zone(zone)).strftime("%d %B %Y") if at else ""
    except (OverflowError, OSError, ValueError):
        first = ""
    return f"The first visit we have on record was on {first} ({zone} time)." if first else ""


def points(score: float) -> str:
    """A topic's score as points: "2 points", "1.5 points", "1 point" (to a tenth)."""
    said = f"{score:.1f}".removesuffix(".0")
    return f"{said} point{'s' * (said != '1')}"


def latest_first(
    items: Iterable[str], times: Mapping[str, float], name: Callable[[str], str] = str
) -> list[str]:
    """``items`` the latest first, by ``times`` (the profile's: when each was last viewed or
    bought); one without a time last; alike (times are whole seconds, and the store keeps no
    order within one: a purchase's items share its time), by ``name`` as the list shows it."""
    return sorted(items, key=lambda i: (i not in times, -times.get(i, 0.0), name(i), i))


def listed(items: Sized, limit: int = 10) -> int:
    """How many of ``items`` are named: ``limit``, or all of them where one more would be left
    out (naming it costs what "and 1 more" does: visitor62)."""
    return len(items) if len(items) <= limit + 1 else limit


def cut(lines: list[str], limit: int = MAX_LISTED) -> list[str]:
    """At most ``limit`` lines (:func:`listed`); then one that says how many more the download
    holds."""
    shown = listed(lines, limit)
    if shown == len(lines):
        return lines
    return [*lines[:shown], f"… and {len(lines) - shown} more (all in the download)"]


def away(days: float) -> str:
    """A time away in the unit it reads best in (visitor52: 40 minutes read "0.0" days)."""
    minutes, hours = round(days * 1440), round(days * 24)  # (rounded first: never "60 minutes")
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if hours < 24:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{days:.1f} days"


def visit_lines(profile: Profile, zone: str = "UTC") -> list[str]:
    """The times kept with the visits, beyond the first and last (on the site's clock)."""
    out = []
    if profile.visit_start is not None:
        out.append(f"This visit began: {day(profile.visit_start, zone)}")
    if profile.absent_days is not None:
        out.append(f"Time away before this visit: {away(profile.absent_days)}")
    if profile.cart_at is not None:
        out.append(f"Cart last changed: {day(profile.cart_at, zone)}")
    if profile.purchase_at is not None:
        out.append(f"Last purchase: {day(profile.purchase_at, zone)}")
    return out


def group_names(segments: Iterable[str], named: Mapping[str, str]) -> list[str]:
    """The visitor's segments as the site names them (the journey file's ``segment_words:``),
    else their ids in words."""
    return [named.get(s) or words(s) for s in sorted(segments)]


def groups_now(profile: Profile, journey: Journey, now: float) -> frozenset[str]:
    """The visitor's segments now: the ones kept, and the ones the journey's ``segments:``
    derive from what is kept alone, as the next page would (its reasons say "you are in our
    group …"); one that reads the request or the time (path, device, new, absent_days …) is
    left out: its answer here would be made up."""
    kept = [name for name, when in journey.spec.segments.items() if _reads_kept(when)]
    if not kept:
        return frozenset(profile.segments)
    facts = Facts(
        stage=profile.stage,
        attrs=profile.attrs,
        interests=profile.interest_now(now, journey.half_life),
        visits=profile.visits,
        views=profile.views,
        purchases=profile.purchases,
        cart_items=sum(profile.cart.values()),
        events=profile.events,
        viewed=frozenset(profile.viewed),
        bought=profile.purchased,
        in_cart=in_cart(profile.cart),
        lists=journey.lists,
        first_touch=profile.first_touch,
    )
    return frozenset(profile.segments) | (journey.derive_segments(facts) & frozenset(kept))


def exported(profile: Profile, catalog: Catalog, journey: Journey, zone: str) -> dict[str, Any]:
    """The download's profile: every stored field (Profile.to_export), and ``groups_now``, the
    groups the data page lists (:func:`groups_now`: the kept ones and those worked out from
    what is kept; visitor70: the page said the download held all of it, while its
    ``segments`` held only the kept ones)."""
    now = sorted(groups_now(profile, journey, time.time()))
    return {**profile.to_export(catalog.pair_names, zone), "groups_now": now}


# What a segment may read to be worked out from the profile alone: not the request (path,
# device, referrer, new ...), nor the time (absent_days, weekday, an abandoned cart)
_KEPT_FIELDS = frozenset(
    {"stage", "attr", "interest", "visits", "views", "purchases", "cart_items", "event"}
    | {"viewed", "viewed_in_list", "bought", "in_cart", "first_referrer", "first_utm"}
    | {"all", "any", "not_"}
)


def _reads_kept(when: When) -> bool:
    """Whether ``when`` reads only what the profile keeps (then a page would derive the same)."""
    given = [name for name in type(when).model_fields if getattr(when, name) is not None]
    parts = [*(when.all or ()), *(when.any or ()), *([when.not_] if when.not_ else [])]
    return set(given) <= _KEPT_FIELDS and all(_reads_kept(part) for part in parts)


def groups_sentence(segments: frozenset[str], named: Mapping[str, str]) -> list[str]:
    """ "Groups you are in: members of our travel club." (none when there are none)."""
    if not segments:
        return []
    names = group_names(segments, named)  # (a right-to-left name in <bdi>: last58)
    return [put_in("Groups you are in: " + ", ".join(["{}"] * len(names)) + ".", *names)]


def more_sections(
    profile: Profile,
    title: Callable[[str], str],
    why: Mapping[str, str],
    stages: Mapping[str, str] | None = None,
    zone: str = "UTC",
    listed: Container[str] | None = None,
    groups: Mapping[str, str] | None = None,
    segments: frozenset[str] | None = None,
    pair_names: Mapping[str, str] | None = None,
    unmeasured: str = "",
    testing: Container[str] | None = None,
) -> list[Section]:
    """Stage, groups, bought items, suggestion pairs, caps, merged ids and measurement
    (``unmeasured``: a private visitor's, who is not measured now, whose pages ``adapts`` or
    pass ``untouched``: :func:`measured_lines`);
    ``title``: an item's name; ``why``: the rule set's reasons by rule id; ``stages``: the
    site's words for its stages (the journey file's ``stages:``); ``listed``: the ids, codes
    and digests the catalogue names now (``Catalog.pair_titles``), when known: a side of a
    pair not among them is an item gone, whatever its form (an id, as written with
    OMOTENASHI_REDIS_COMPACT off, or a code); ``groups``: the site's words for segments;
    ``segments``: the visitor's now (:func:`groups_now`; else the profile's kept ones);
    ``pair_names``: the catalogue's ids by code (``Catalog.pair_names``)."""
    stage = stage_sentence(profile.stage, stages) or "We have not placed you yet."
    rows: list[Section] = [("How far along we think you are", [stage])]
    if mine := profile.segments if segments is None else segments:
        named = group_names(mine, groups or {})
        rows.append(("Groups the site put you in", cut(named)))
    if profile.purchased:  # (editors' blocks may still name it)
        bought = [title(i) for i in latest_first(profile.purchased, profile.bought_at, title)]
        rows.append(("What you bought (the latest first)", cut(bought)))
    if profile.also:  # (a pair kept in two forms, written before codes and since, is one)
        said = Counter(
            pair_line(side(title, s, listed), side(title, i, listed))
            for s, i in sorted(pairs_kept(profile, pair_names or {}, listed or ()).values())
        )
        rows.append(
            (
                "Kept by an earlier version of this site, no longer used (they go when they "
                "expire or when you erase your data): items you viewed, and one other "
                "visitors viewed with each",
                # two pairs said alike (items gone, or titled alike): one line, counted
                cut([f"{line} ({n} pairs)" if n > 1 else line for line, n in said.items()]),
            )
        )
    if profile.caps:  # counters: a rule's, its intent's per period, the name's (restraint.py)
        rows.append(
            (
                "How often blocks were shown to you, so that none shows too often",
                caps_lines(profile),
            )
        )
    if profile.merged:  # (one per sign-in that joined something kept: store.py Store.merge)
        joined = joined_lines(profile, zone, day)  # (what each joined: respect/joinedwords.py)
        rows.append(("Earlier visits joined to your account when you signed in", joined))
    measured = measured_lines(profile, why, zone, unmeasured=unmeasured, testing=testing)
    if measured:
        rows.append(("Measuring whether blocks help (you count once in each)", cut(measured)))
    return rows


_NOW = {  # what a visitor not measured now sees, by how their pages are made (measured_lines)
    "adapts": "; you are not measured now",  # (what they see: their choices decide it too)
    "untouched": "; you are not measured now, and see pages as the site makes them, unchanged",
}
# (its test ended, switched off, past its schedule: no one new is counted, while the goals of
# those counted still are, within the attribution window: review67, hunt45)
_NOT_MEASURED = "; no one new is counted for it now"
_ENDED = {"t": "you were in the group that saw it", "c": "you were in the group that did not"}
_ARMS = {
    "treatment": "you are in the group that sees it",
    "control": "you are in the group that does not see it, to compare",
}


def measured_lines(
    profile: Profile,
    why: Mapping[str, str],
    zone: str = "UTC",
    *,
    unmeasured: str = "",
    testing: Container[str] | None = None,
) -> list[str]:
    """The measurement record (measure/counting.py: ``r|<rule>`` -> ``<arm>:<time>``,
    ``g|<rule>|<goal>``, ``o|<rule>`` -> ``<time>``) as one line per rule: its group, since
    when, the goals reached, when the visitor came back while its test was off. A private
    visitor (GPC, no consent: ``unmeasured``) is told their group is past, and what they see
    now: the larger group's where their pages ``adapts`` (engine/restraint.py), the site's
    own where they pass ``untouched`` (consent50, eye50). ``testing``: the rules measured now
    (a holdout in the rule set, on, in its schedule); another's group is said as past
    (upgrade67, measure67: "you are in the group that does not see it" of a rule gone, seen by
    all now, or switched off)."""
    now = _NOW.get(unmeasured, "")
    seen: dict[str, str] = {}
    goals: dict[str, list[str]] = {}
    off: dict[str, str] = {}
    other = 0
    for name, value in sorted(profile.measured.items()):
        kind, _, rest = name.partition("|")
        if kind == "r":
            arm, _, at = value.partition(":")
            group = _ARMS.get({"t": "treatment", "c": "control"}.get(arm, ""), "no group")
            ended = testing is not None and rest not in testing and group != "no group"
            past = bool(now) and group != "no group" and not ended
            if past:
                group = group.replace("you are", "you were", 1).removesuffix(", to compare")
            when = day(float(at), zone) if at.isdigit() else ""
            if ended:
                group = _ENDED[arm] + (f", from {when}" if when else "") + _NOT_MEASURED
            else:
                group += f", since {when}" if when else ""
            seen[rest] = group + now * past
            goals.setdefault(rest, [])
        elif kind == "g":
            rule, _, goal = rest.partition("|")
            goals.setdefault(rule, []).append(words(goal))
        elif kind == "o" and value.isdigit():  # back while its test was off (counting.py)
            off[rest] = day(float(value), zone)
            goals.setdefault(rest, [])
        else:
            other += 1
    out = []
    for rule, reached in goals.items():
        line = f"{unstopped(why.get(rule, 'A block this site no longer shows'))}: "
        line += seen.get(rule, "no group")
        if reached:
            line += "; goals reached after it: " + ", ".join(reached)
        if rule in off:
            line += f"; on {off[rule]} you came back while it was not being measured"
        out.append(line)
    if other:
        out.append(f"{other} other measurement record{'s' * (other != 1)} (in the download)")
    return out


def times_shown(group: list[tuple[Rule, int]], intent_budget: int) -> tuple[int, bool]:
    """How many pages showed an entry of several rules (one reason, one switch), and whether
    that is a lower bound: their sum when no two of them can be on one page (one slot; one
    intent at a budget of 1), else the most of any (a page that showed two counts once), at
    least."""
    total, most = sum(n for _, n in group), max(n for _, n in group)
    intents = {rule.intent for rule, _ in group}
    if len({(rule.slot, rule.selector) for rule, _ in group}) == 1 or (
        intent_budget == 1 and len(intents) == 1 and None not in intents
    ):
        return total, False
    return most, total > most


def times(n: int) -> str:
    """How often, as said to a visitor: "once", "3 times" (visitor62, last63b)."""
    return "once" if n == 1 else f"{n} times"
