"""Compile a rule's ``when`` into a predicate over :class:`Facts` (a closed vocabulary, no eval)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import time as dtime
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo

from omotenashi.engine.facts import Facts
from omotenashi.rules.model import Compare, When

Check = Callable[[Facts], bool]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Condition:
    """One compiled test, with a sentence a visitor could read."""

    check: Check
    text: str


def compile_when(when: When, default_tz: str) -> list[Condition]:
    """The conditions of ``when``; all must hold."""
    out: list[Condition] = []
    tz = ZoneInfo(when.timezone or default_tz)
    if when.stage is not None:
        stages = frozenset(when.stage)
        out.append(
            Condition(lambda f: f.stage in stages, _join("you are at the", when.stage, "stage"))
        )
    if when.segment is not None:
        segs = frozenset(when.segment)
        out.append(
            Condition(
                lambda f: not segs.isdisjoint(f.segments), _join("you look like", when.segment, "")
            )
        )
    for name, cmp in (when.attr or {}).items():
        out.append(_compare(_attr(name), cmp, f"your {name.replace('_', ' ')}"))
    for topic, cmp in (when.interest or {}).items():
        out.append(_compare(_interest(topic), cmp, f"your interest in {topic}"))
    if when.visits is not None:
        out.append(_compare(lambda f: f.visits, when.visits, "your number of visits"))
    if when.new is not None:
        want_new = when.new
        out.append(
            Condition(
                lambda f: f.is_new == want_new,
                "this is your first visit" if want_new else "you have been here before",
            )
        )
    if when.returning is not None:
        want_ret = when.returning
        out.append(
            Condition(
                lambda f: (not f.is_new) == want_ret,
                "you have been here before" if want_ret else "this is your first visit",
            )
        )
    if when.device is not None:
        kinds = frozenset(when.device)
        out.append(
            Condition(lambda f: f.device.kind in kinds, _join("you are on a", when.device, ""))
        )
    if when.browser is not None:
        browsers = frozenset(b.lower() for b in when.browser)
        out.append(
            Condition(
                lambda f: f.device.browser.lower() in browsers, _join("you use", when.browser, "")
            )
        )
    if when.os is not None:
        systems = frozenset(o.lower() for o in when.os)
        out.append(
            Condition(
                lambda f: f.device.os.lower() in systems, _join("your device runs", when.os, "")
            )
        )
    if when.path is not None:
        globs = tuple(when.path)
        out.append(
            Condition(
                lambda f: any(fnmatchcase(f.path, g) for g in globs), "of the page you are on"
            )
        )
    for key, cmp in (when.query or {}).items():
        out.append(_compare(_query(key), cmp, "the link you followed"))
    if when.referrer is not None:
        refs = tuple(when.referrer)
        out.append(
            Condition(
                lambda f: bool(f.referrer) and any(fnmatchcase(f.referrer, g) for g in refs),
                "the site you came from",
            )
        )
    if when.language is not None:
        langs = tuple(lang.lower() for lang in when.language)
        out.append(
            Condition(lambda f: _language_matches(f.languages, langs), "your browser's language")
        )
    if when.country is not None:
        countries = frozenset(c.upper() for c in when.country)
        out.append(Condition(lambda f: f.country.upper() in countries, "the country you are in"))
    if when.time is not None:
        start, end = _window(when.time)
        out.append(
            Condition(
                lambda f: _in_window(f.now.astimezone(tz).time(), start, end), "the time of day"
            )
        )
    if when.weekday is not None:
        days = frozenset(when.weekday)
        out.append(
            Condition(
                lambda f: _DAYS[f.now.astimezone(tz).weekday()] in days, "the day of the week"
            )
        )
    if when.views is not None:
        out.append(_compare(lambda f: f.views, when.views, "how many pages you have seen"))
    if when.purchases is not None:
        out.append(_compare(lambda f: f.purchases, when.purchases, "your bookings with us"))
    if when.cart_items is not None:
        out.append(_compare(lambda f: f.cart_items, when.cart_items, "what is in your cart"))
    for name, cmp in (when.event or {}).items():
        out.append(_compare(_event(name), cmp, f"you did this before: {name.replace('_', ' ')}"))
    if when.absent_days is not None:
        out.append(_compare(lambda f: f.absent_days, when.absent_days, "how long you were away"))
    if when.cart_abandoned is not None:
        want_abandoned = when.cart_abandoned
        out.append(
            Condition(lambda f: f.cart_abandoned == want_abandoned, "you left items in your cart")
        )
    if when.viewed is not None:
        items = frozenset(when.viewed)
        out.append(Condition(lambda f: not items.isdisjoint(f.viewed), "a tour you looked at"))
    if when.viewed_in_list is not None:
        list_name = when.viewed_in_list
        out.append(
            Condition(
                lambda f: not f.viewed.isdisjoint(f.lists.get(list_name, ())),
                f"something you looked at is in our {list_name.replace('_', ' ')} list",
            )
        )
    for key, cmp in (when.first_utm or {}).items():
        out.append(_compare(_first_touch(key), cmp, "how you first found us"))
    if when.first_referrer is not None:
        first_refs = tuple(when.first_referrer)
        out.append(
            Condition(
                lambda f: any(
                    fnmatchcase(f.first_touch.get("referrer", ""), g) for g in first_refs
                ),
                "how you first found us",
            )
        )
    for sub in when.all or []:
        out.extend(compile_when(sub, default_tz))
    if when.any is not None:
        branches = [compile_when(sub, default_tz) for sub in when.any]
        out.append(
            Condition(lambda f: any(all_hold(b, f) for b in branches), "one of several things")
        )
    if when.not_ is not None:
        inner = compile_when(when.not_, default_tz)
        out.append(Condition(lambda f: not all_hold(inner, f), "something that is not the case"))
    return out


def all_hold(conditions: list[Condition], facts: Facts) -> bool:
    return all(c.check(facts) for c in conditions)


def _join(prefix: str, values: Sequence[str], suffix: str) -> str:
    words = " or ".join(str(v) for v in values)
    return " ".join(p for p in (prefix, words, suffix) if p)


def _language_matches(have: tuple[str, ...], want: tuple[str, ...]) -> bool:
    return any(h == w or h.startswith(w + "-") for h in have for w in want)


def _window(text: str) -> tuple[dtime, dtime]:
    a, b = text.split("-")
    return dtime.fromisoformat(a), dtime.fromisoformat(b)


def _in_window(now: dtime, start: dtime, end: dtime) -> bool:
    if start <= end:
        return start <= now < end
    return now >= start or now < end  # overnight, e.g. 22:00-06:00


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(a: object, b: object) -> bool:
    """Equality as editors mean it: 3 == "3", True == "true", text ignores case."""
    if a is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return str(a).lower() == str(b).lower()
    na, nb = _number(a), _number(b)
    if na is not None and nb is not None:
        return na == nb
    return str(a).casefold() == str(b).casefold()


def _attr(name: str) -> Callable[[Facts], object]:
    return lambda f: f.attrs.get(name)


def _interest(topic: str) -> Callable[[Facts], object]:
    return lambda f: f.interests.get(topic, 0.0)


def _event(name: str) -> Callable[[Facts], object]:
    return lambda f: f.events.get(name, 0)


def _first_touch(key: str) -> Callable[[Facts], object]:
    return lambda f: f.first_touch.get(key)


def _query(key: str) -> Callable[[Facts], object]:
    return lambda f: f.query.get(key)


def _bounded(bound: float, op: Callable[[float, float], bool]) -> Callable[[object], bool]:
    def test(value: object) -> bool:
        number = _number(value)
        return number is not None and op(number, bound)

    return test


def _compare(get: Callable[[Facts], object], cmp: Compare, subject: str) -> Condition:
    tests: list[Callable[[object], bool]] = []
    if cmp.exists is not None:
        want = cmp.exists
        tests.append(lambda v: (v is not None and v != "") == want)
    if cmp.eq is not None:
        eq = cmp.eq
        tests.append(lambda v: _equal(v, eq))
    if cmp.ne is not None:
        ne = cmp.ne
        tests.append(lambda v: not _equal(v, ne))
    if cmp.in_ is not None:
        options = cmp.in_
        tests.append(lambda v: any(_equal(v, o) for o in options))
    if cmp.contains is not None:
        needle = cmp.contains.lower()
        tests.append(lambda v: v is not None and needle in str(v).lower())
    for bound, op in (
        (cmp.lt, lambda x, y: x < y),
        (cmp.at_most, lambda x, y: x <= y),
        (cmp.gt, lambda x, y: x > y),
        (cmp.at_least, lambda x, y: x >= y),
    ):
        if bound is not None:
            tests.append(_bounded(bound, op))

    def check(f: Facts) -> bool:
        value = get(f)
        return all(t(value) for t in tests)

    return Condition(check, subject)
