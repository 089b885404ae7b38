"""What the beacon (``POST /_omotenashi/events``, asgi/endpoints.py) accepts, and its answers.

A body is one event or ``{"events": [...]}`` (1 to 20); each event is checked as ``track``
checks the app's (asgi/api.py) and its strings must be Unicode text Redis can store
(engine/change.py ``check_storable``: a lone surrogate such as ``"\\ud800"`` is refused here,
never sent to Redis). Nothing here does I/O: the endpoint reads the body and writes.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omotenashi.asgi import measuring
from omotenashi.asgi.api import EVENT_NAME, NAME_RULE, check_event
from omotenashi.engine.change import Change, bad_item, check_storable
from omotenashi.engine.facts import purpose_tokens
from omotenashi.engine.journey import Journey
from omotenashi.engine.periods import site_zone
from omotenashi.engine.understand import Visit, events_change
from omotenashi.errors import PayloadError, StoreError, WriteQueueFull
from omotenashi.rules.goals import Goal
from omotenashi.settings import Settings
from omotenashi.store.breaker import refusal, refused
from omotenashi.store.erasures import Erased

#: Why nothing is stored, per privacy decision (respect/privacy.py): answered 202 with it.
PRIVATE_REASONS = {
    "gpc": "your browser asks sites not to track you (Global Privacy Control or Do Not Track)",
    "consent": "you have not given consent",
    "bot": "bots do not send events",
    "withdrawn": "you have withdrawn your consent",
    "revoked": "this site has turned personalisation off for you",
    "nothing": "you chose to personalise nothing",
    "unread": "your browser sent more cookies than we read, and ours was not among those read",
}
PREVIEW_REASON = "this browser previews a forced variant (QA): its events teach nothing"
# Sent from a page the browser fetched ahead of use (a prerender): not seen yet. Only the
# browser sets Sec-Purpose (no script can), unlike Purpose, which a page's fetch could send.
AHEAD_REASON = "sent from a page the browser fetched ahead (Sec-Purpose: prefetch), not yet seen"


def sent_ahead(headers: Mapping[str, str], settings: Settings) -> bool:
    """Whether a request comes from a page the browser fetched ahead of use (prerender), on a
    site where such pages are not counted (OMOTENASHI_RESPECT_COUNT_PREFETCH=false)."""
    if settings.respect.count_prefetch:
        return False
    return "prefetch" in purpose_tokens(headers.get("sec-purpose", ""))


# Every event of the batch was a viewed item, and the visitor's browsing history is off
# (engine/understand.py build_change leaves them out): answered 202 with it, nothing written.
HISTORY_REASON = "your browsing history is off, so the items you view are not kept"


def length_refused(length: str, limit: int) -> tuple[int, str] | None:
    """(status, why) for a ``Content-Length`` that is not a plain number of bytes (400: "²"
    and "1e3" are not, though ``str.isdigit`` takes the first) or is over ``limit`` (413)."""
    length = length.strip()
    if not (length.isascii() and length.isdigit()):
        return 400, f"Content-Length is not a number of bytes: {length[:20]!r}"
    if len(length) > 12 or int(length) > limit:
        return 413, f"the body is over {limit} bytes"
    return None


class BeaconEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=EVENT_NAME.pattern)
    data: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class BeaconBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[BeaconEvent] = Field(min_length=1, max_length=20)


def not_stored(reason: str) -> dict[str, object]:
    """The 202 answer of a beacon that stores nothing, for a privacy ``reason`` or another."""
    return {"stored": False, "reason": f"nothing is stored: {PRIVATE_REASONS.get(reason, reason)}"}


def to_keep(
    visit: Visit,
    journey: Journey,
    goals: Iterable[Goal],
    settings: Settings,
    cohorts: Mapping[str, str] = {},  # noqa: B006 (read only)
) -> Change | str:
    """The record the beacon's events make, with the goals they reach, or why nothing is
    kept: every event was a viewed item, and the visitor's browsing history is off
    (``visit.choices``: engine/understand.py leaves those out). ``cohorts``: a renamed rule's
    id now -> the former id its conversions are filed under (measuring.cohorts)."""
    gap, respect = settings.session_gap, settings.respect
    change = events_change(visit, journey, session_gap=gap, respect=respect)
    if change.empty:
        return HISTORY_REASON
    # ("personalise nothing" is private: the endpoint answers before it gets here)
    days, zone = settings.measure.attribution_days, site_zone(settings.rules.timezone)
    measuring.count(
        change, visit.profile, goals, path=None, window_days=days, zone=zone, cohorts=cohorts
    )
    return change


QUEUE_FULL = {"stored": False, "reason": "too many writes are waiting; try again shortly"}


def store_failed(exc: StoreError) -> dict[str, object]:
    """The 202 answer of a beacon the store did not take: it refused the write (an error
    reply: OOM under maxmemory, WRONGTYPE ...) or did not answer (down, breaker open). A fixed
    phrase per kind: the server's own words (key names, memory figures) stay in the log and
    the ``redis_refused`` count (store/store.py), out of a public answer."""
    if isinstance(exc, WriteQueueFull):  # counted as record_dropped, never asked of Redis
        return QUEUE_FULL
    if isinstance(exc, Erased):  # by the visitor, since this beacon read their profile
        return not_stored("what was kept about you was being erased while they were on their way")
    cause = exc.__cause__
    if cause is not None and refused(cause):
        if refusal(cause).startswith("OOM"):
            return {"stored": False, "reason": "the profile store is full"}
        return {"stored": False, "reason": "the profile store refused the write"}
    return UNAVAILABLE


UNAVAILABLE = {"stored": False, "reason": "the profile store is unavailable"}


def read_events(body: bytes, allowed: Collection[str]) -> BeaconBatch | tuple[int, str]:
    """The events of ``body``, or the status and reason to refuse it with (400: not JSON;
    422: not events, an event the journey does not allow, or data that cannot be stored)."""
    try:
        raw = json.loads(body)
        given = raw if isinstance(raw, dict) and "events" in raw else {"events": [raw]}
        cut = _cut(given)
        if cut is not given:  # its first error is the whole batch's, and costs no more
            BeaconBatch.model_validate(cut)
        batch = BeaconBatch.model_validate(given)
    except (ValueError, RecursionError) as exc:  # JSON and pydantic errors both
        if isinstance(exc, ValidationError):  # an event it may not send says so first
            name = _not_allowed(raw, allowed)
            return 422, _refused(name, allowed) if name is not None else _first_error(exc)
        return 400, "JSON nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
    for event in batch.events:
        if event.name not in allowed:
            return 422, _refused(event.name, allowed)
        try:
            check_event(event.name, event.data)
            check_storable(event.data)  # a lone surrogate: Redis would refuse the whole write
        except PayloadError as exc:
            return 422, str(exc)
        if (bad := bad_item(event.name, event.data)) is not None:  # (nothing of it kept)
            return 422, bad
    return batch


_VALUE = (str, int, float, bool, type(None))  # what an event's data may hold (BeaconEvent)


def _cut(given: dict[str, object]) -> dict[str, object]:
    """``given`` with what only adds errors after its first one left out: after an event's
    first data value that is not a ``_VALUE`` (a list, an object), its other values, and after
    the first key that is no field, the other keys (each would make errors pydantic builds
    whole: a 64 KiB body of them took 100 ms). Pydantic reports a batch's errors event by
    event in order, each event's fields before its extra keys, a dict's in its order: the
    errors of the cut batch are the whole batch's without some after the first, so its first
    error is the same. ``given`` itself when nothing is left out."""
    events = given.get("events")
    if isinstance(events, list):
        kept = [_cut_event(event) for event in events]
        if any(k is not e for k, e in zip(kept, events, strict=True)):
            given = {**given, "events": kept}
    return _first_extra(given, ("events",))


def _cut_event(event: object) -> object:
    if not isinstance(event, dict):
        return event
    data = event.get("data")
    if isinstance(data, dict):
        for i, value in enumerate(data.values()):
            if not isinstance(value, _VALUE):
                if i + 1 < len(data):
                    event = {**event, "data": dict(list(data.items())[: i + 1])}
                break
    return _first_extra(event, ("name", "data"))


def _first_extra(obj: dict[str, object], fields: tuple[str, ...]) -> dict[str, object]:
    """``obj`` without its keys that are no field after the first such key."""
    extra = [key for key in obj if key not in fields]
    if len(extra) < 2:
        return obj
    return {key: value for key, value in obj.items() if key in fields or key == extra[0]}


def _refused(name: str, allowed: Collection[str]) -> str:
    listed = ", ".join(allowed) or "none"
    return f"event {name!r} cannot be sent from the browser (allowed: {listed})"


def _not_allowed(raw: object, allowed: Collection[str]) -> str | None:
    """The first event name in ``raw`` (a batch that did not validate) the browser may not
    send: that, not the shape of its data, is what it needs to hear."""
    events = raw.get("events") if isinstance(raw, dict) and "events" in raw else [raw]
    for event in events if isinstance(events, list) else ():
        name = event.get("name") if isinstance(event, dict) else None
        if isinstance(name, str) and EVENT_NAME.fullmatch(name) and name not in allowed:
            return name
    return None


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    said = str(err["msg"])
    if err["type"] == "string_pattern_mismatch" and err["loc"][-1:] == ("name",):
        said = f"{err['input']!r} is no event name: {NAME_RULE}"  # (journey65: a regex)
    return f"{where}: {said}" if where else said
