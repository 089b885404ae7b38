"""Condition values editors write in words: weekdays, time zones and dates, read as written."""

from __future__ import annotations

import calendar
import difflib
import math
import re
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator

_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A weekday: its three letters or its full English name, in any case. Nothing else is cut
# down to three letters (``sonntag`` is not ``son``, ``saturn`` is not ``sat``).
DAYS = {**{name: name[:3] for name in _NAMES}, **{name[:3]: name[:3] for name in _NAMES}}
WEEKDAY_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {"type": "string", "enum": [*(n[:3] for n in _NAMES), *_NAMES]},
}


def weekdays(value: object) -> object:
    """Each day written as a known name, as its three letters; any other value as written
    (validation then refuses it, quoting it, with the names to write), a number as text: 6
    was told "this should be a list", and [6] that it is no string (Saturday or Sunday?)."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        return value
    return [
        DAYS.get(v.strip().lower(), v) if isinstance(v, str) else _number_as_text(v) for v in value
    ]


def _number_as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


@cache
def _zones() -> tuple[tuple[str, ...], dict[str, str]]:
    names = tuple(sorted(available_timezones()))
    return names, {name.lower(): name for name in names}


def zone_problem(value: str) -> tuple[str, str] | None:
    """Why ``value`` is not a time zone, and the fix (the zone meant when one is close)."""
    try:
        ZoneInfo(value)
        return None
    except (ZoneInfoNotFoundError, ValueError):
        pass
    names, lowered = _zones()
    meant = lowered.get(value.strip().lower())
    if meant is None:
        close = difflib.get_close_matches(value, names, n=1, cutoff=0.75)
        meant = close[0] if close else None
    hint = f"did you mean {meant!r}?" if meant else "use an IANA name such as Asia/Tokyo or UTC"
    return f"{value!r} is not a time zone", hint


_MOMENT = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt]|\s+)(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)


def moment_problem(text: str) -> str | None:
    """What makes ``text``, written as a date and maybe a time, not a real moment (None: it
    is real, or not written as a date at all: pydantic words that)."""
    found = _MOMENT.match(text)
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(p) if p else 0 for p in found.groups())
    if not 1 <= month <= 12:
        return f"month {month} does not exist"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return f"{calendar.month_name[month]} {year} has no day {day}"
    if hour > 23:
        return f"hour {hour} does not exist: hours run from 00 to 23"
    if minute > 59 or second > 59:
        return f"{hour:02}:{minute:02}:{second:02} is not a time of day"
    return None


def _a_zone(value: str) -> str:
    problem = zone_problem(value)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    return value


#: A setting that names a time zone (``OMOTENASHI_RULES_TIMEZONE``): refused at startup, with the
#: zone meant when one is close, rather than at the first rule or page that needs it.
ZoneName = Annotated[str, AfterValidator(_a_zone)]


# Conditions on counts, compared with numbers.
COUNTS = ("visits", "views", "purchases", "cart_items", "absent_days", "interest", "event")
# Conditions on a list of values, where one value may be written bare (``bought: kyoto``).
LISTED = (
    *("stage", "segment", "viewed", "bought", "in_cart", "first_referrer", "device", "browser"),
    *("os", "path", "referrer", "language", "country"),
)


# An empty list where values are named: it never holds (under ``not:``, always), a list left
# half written; refused where it is written, in rules and the journey alike (problem, fix)
EMPTY_LIST = ("an empty list matches nothing", "name at least one, or leave it out")


def as_list(value: object) -> object:
    """One value written where a list goes, as a list of it (``stage: interest``)."""
    return [value] if isinstance(value, (str, int, float, bool)) else value


def lists_not_empty(schema: dict[str, Any]) -> None:
    """The JSON schema's side of refusing an empty list (model.py ``When._listify``): each
    listed field's array has at least one item, so an editor's schema check agrees."""
    for name in LISTED:
        for branch in schema.get("properties", {}).get(name, {}).get("anyOf", []):
            if branch.get("type") == "array":
                branch["minItems"] = 1


# A count written as a comparison in one string (``visits: ">= 3"``, ``views: "3+"``): read as
# text, it equals no count, and the rule would never fire (under ``not:``, always hold).
_WRITTEN_COMPARISON = re.compile(r"\s*(>=|=>|<=|=<|!=|==|>|<|=)?\s*(\d+(?:\.\d+)?)\s*(\+)?\s*")
_OPERATORS = {">=": "at_least", "=>": "at_least", "<=": "at_most", "=<": "at_most"}
_OPERATORS |= {">": "gt", "<": "lt", "!=": "ne", "==": "eq", "=": "eq"}


def count_problem(condition: Any) -> tuple[str, str] | None:
    """What is wrong with what a count is compared with (``condition``: a Compare, or a
    mapping of them, as ``interest:``), and the fix; None when each value is a number (``"3"``
    is 3) or none is given."""
    for compare in condition.values() if isinstance(condition, dict) else [condition]:
        if compare is None:
            continue
        others = [(value, False) for value in (compare.ne, *(compare.in_ or []))]
        written = [(compare.eq, True), *others]
        for value, bare in written:
            if isinstance(value, bool):  # true would equal 1 and say "True" to visitors
                fix = "write {at_least: 1} for one or more, or 0 for none"
                return f"{str(value).lower()} is not a count", fix
            if isinstance(value, float) and not math.isfinite(value):  # YAML's .nan, .inf
                return f"{value!r} is not a count", "write a number, e.g. 3, or {at_least: 3}"
            if not isinstance(value, str) or _number(value):
                continue
            found = _WRITTEN_COMPARISON.fullmatch(value)
            if bare and found is not None and (found[1] or found[3]):
                operator = "at_least" if found[3] else _OPERATORS[found[1]]
                return f"{value!r} is not a number", f"write {{{operator}: {found[2]}}}"
            return f"{value!r} is not a number", "write a number, e.g. 3, or {at_least: 3}"
    return None


def bound_problem(value: object) -> tuple[str, str] | None:
    """What is wrong with a bound (``lt``, ``at_most``, ``gt``, ``at_least``), and the fix:
    true (a number to pydantic: 1), or no finite number (YAML's ``.nan``, ``.inf``, ``1e999``:
    the rule would never fire, under ``not:`` always hold; rules61); None when it is fine or no
    number at all (the model says so)."""
    if isinstance(value, bool):
        return f"{str(value).lower()} is not a number", "write a number, e.g. 1"
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return f"{value!r} is not a number", "write a finite number, e.g. 3"
    return None


def _number(text: str) -> bool:
    """Whether a count can equal ``text``: a finite number ("nan" and "inf" are no count)."""
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
