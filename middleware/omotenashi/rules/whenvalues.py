"""Condition values editors write in words: weekdays and time zones, read as written."""

from __future__ import annotations

import difflib
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
    (validation then refuses it, quoting it)."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return value
    return [DAYS.get(v.strip().lower(), v) if isinstance(v, str) else v for v in value]


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


def _a_zone(value: str) -> str:
    problem = zone_problem(value)
    if problem is not None:
        raise ValueError(f"{problem[0]}: {problem[1]}")
    return value


#: A setting that names a time zone (``OMOTENASHI_RULES_TIMEZONE``): refused at startup, with the
#: zone meant when one is close, rather than at the first rule or page that needs it.
ZoneName = Annotated[str, AfterValidator(_a_zone)]
