"""The periods a cap counts in, on the site's calendar (``OMOTENASHI_RULES_TIMEZONE``).

A cap's count is kept with the key of its period (profile field ``k<rule>``,
``<key>:<count>``):

- ``v<start>``: a visit, named by when it began (Unix seconds);
- ``d<n>``: the ``n``-th day since 1970-01-01 on the site's calendar (local midnight to
  midnight, however long daylight saving time makes it);
- ``w<n>``: the ``n``-th week, Monday to Sunday on the site's calendar (week 0 began on
  Monday 1969-12-29);
- ``ever``.

A day's number is the same in every zone for the same local date, so UTC's days keep the keys
they had when days were UTC's only. Weeks ran from a Thursday (Unix weeks) until 2026-12-03:
a week's count kept on a Monday to Wednesday before that starts again once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

PERIODS = ("visit", "day", "week", "ever")
_EPOCH = date(1970, 1, 1).toordinal()
_DAY = 86400


def site_zone(name: str) -> tzinfo:
    """The calendar of the time zone named ``name`` (``OMOTENASHI_RULES_TIMEZONE``)."""
    return UTC if name == "UTC" else ZoneInfo(name)


def day_number(at: float, zone: tzinfo = UTC) -> int:
    """The number of the site's day ``at`` falls in (``d<n>``)."""
    if zone is UTC:
        return int(at // _DAY)
    try:
        return datetime.fromtimestamp(at, zone).date().toordinal() - _EPOCH
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: UTC's arithmetic
        return int(at // _DAY)


def week_number(day: int) -> int:
    """The number of the Monday-to-Sunday week day ``day`` falls in (``w<n>``)."""
    return (day + 3) // 7  # day 0, 1970-01-01, was a Thursday: week 0 began 3 days before


def period_key(per: str, now: float, visit_start: float | None, zone: tzinfo = UTC) -> str:
    """The key of the period of kind ``per`` (``visit``, ``day``, ``week``, ``ever``) that
    ``now`` falls in."""
    if per == "visit":
        return f"v{int(visit_start or now)}"
    if per == "day":
        return f"d{day_number(now, zone)}"
    if per == "week":
        return f"w{week_number(day_number(now, zone))}"
    return "ever"


def within(stored: str, key: str, zone: tzinfo = UTC) -> bool:
    """Whether every showing counted in the period ``stored`` falls in the period ``key``: the
    same one, or a shorter one inside it (a visit begun today, a day of this week; any, for
    ever), so a cap an editor lengthens (``per: day`` to ``week``) keeps what was shown."""
    if stored == key or key == "ever":
        return stored == key or stored[:1] in ("v", "d", "w")
    kind, at = stored[:1], stored[1:]
    if not (at.isdigit() and key[1:].isdigit()) or kind + key[:1] not in ("vd", "vw", "dw"):
        return False
    day = day_number(int(at), zone) if kind == "v" else int(at)  # (a visit: when it began)
    return (day if key[0] == "d" else week_number(day)) == int(key[1:])


def first_date(key: str) -> str | None:
    """The site's date (ISO 8601) the day or week ``key`` begins on (None: not one)."""
    kind, at = key[:1], key[1:]
    if kind not in ("d", "w") or not at.isdigit():
        return None
    try:
        return date.fromordinal((int(at) if kind == "d" else int(at) * 7 - 3) + _EPOCH).isoformat()
    except (OverflowError, ValueError):  # a day no calendar holds
        return None


def first_moment(key: str, zone: tzinfo = UTC) -> datetime | None:
    """The moment the site's day or week ``key`` began, on the site's clocks: its first date's
    midnight, or its first moment when daylight saving time skips midnight (01:00 in
    America/Santiago on the change day). None: not a day or week, or no calendar holds it."""
    first = first_date(key)
    if first is None:
        return None
    try:  # fold 0: a midnight skipped is read at the offset before, the day's first moment
        start = datetime.fromisoformat(first).replace(tzinfo=zone).timestamp()
        return datetime.fromtimestamp(start, zone)
    except (OverflowError, OSError, ValueError):
        return None


def next_key(key: str) -> str:
    """The day or week after ``key``'s (a key of another kind: itself)."""
    if key[:1] in ("d", "w") and key[1:].isdigit():
        return f"{key[0]}{int(key[1:]) + 1}"
    return key
