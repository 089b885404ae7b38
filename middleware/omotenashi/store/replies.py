"""Redis replies read into the engine's types (the profile's layout: store/scripts.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from omotenashi.engine.facts import site_of
from omotenashi.engine.profile import FIRST_TOUCH, STAGE_ORDER, Profile, json_or_text
from omotenashi.store.pieces import joined
from omotenashi.store.why import decode

# what parsing a reply that is not a profile raises (store.py ``bad_reply`` turns it into a
# failed read)
NOT_A_REPLY = (ValueError, TypeError, IndexError, KeyError, AttributeError)
_FIRST = frozenset(FIRST_TOUCH)
_STAGES = {str(rank): stage for rank, stage in enumerate(STAGE_ORDER, 1)}


def profile_from_reply(reply: list[Any]) -> Profile:
    """The load script's reply (the profile hash, the also set, an old deny marker) as a
    Profile, in one pass over the hash.

    The hash is made a dict first (in C), so the first visit's time, which the others count
    from, is known before the pass; the plain fields are then read by name and skipped in it.
    The new Profile's own empty collections are filled in place, and a value is parsed
    directly, its fallback (a value that does not parse) only taken when that fails.
    """
    it = iter(reply[0])
    fields = joined(dict(zip(it, it, strict=False)))  # pairs: HGETALL's are whole
    get = fields.get
    p = Profile()  # its empty collections are filled in place
    p.first_seen = first_seen = _float(get("F"))
    base = first_seen or 0.0  # the other times count from it
    last = _float(get("L"))  # a shown rule's time left out is this (compact: store/forms.py)
    shown, why, interests, viewed = p.shown, p.shown_why, p.interests, p.viewed
    bought: list[str] = []
    uncounted: list[str] = []
    for field, value in fields.items():
        if field < "a":  # a plain field (capitals: read by name below) or a numbered reason
            continue  # (its first character is before "a", or it is empty)
        kind, name = field[0], field[1:]
        if kind == "s":
            count, _, said = value.partition(" ")
            try:
                shown[name] = int(count)
            except ValueError:
                shown[name] = _int(count)
            if said:  # "<when> <reasons>" (when: from base), or the reasons alone: L's
                if said[0] == "\x1f" or " " not in said:  # (a time has a space after it)
                    when, refs = base + (last or 0.0), said.removeprefix(".")
                else:
                    at, _, refs = said.partition(" ")
                    try:
                        when = base + float(at)
                    except ValueError:
                        when = base
                if refs[:1] == "\x1f":  # in the value itself, else numbered fields
                    why[name] = (when, list(_inline(refs)))
                else:
                    why[name] = (when, _numbered(refs, fields))
        elif kind == "i":
            score, _, at = value.partition(" ")  # no time: F's (compact: store/forms.py)
            try:
                interests[name] = (float(score) or 0.0, base + float(at or 0))
            except ValueError:
                interests[name] = (_float(score) or 0.0, base + (_float(at) or 0.0))
        elif kind == "w":  # "<when>", then "?" while not counted for popularity (coview.py)
            if value[-1:] == "?":  # (no number ends so: read without a failed parse first)
                uncounted.append(name)
                viewed[name] = base + (_float(value.rstrip("?")) or 0.0)
            else:
                try:
                    viewed[name] = base + float(value)
                except ValueError:
                    viewed[name] = base
        elif kind == "k":
            period, _, n = value.rpartition(":")
            p.caps[name] = (period, _int(n))
        elif kind == "e":
            p.events[name] = _int(value)
        elif kind == "c":
            if (qty := _int(value)) > 0:
                p.cart[name] = qty
        elif kind == "a":
            p.attrs[name] = json_or_text(value)
        elif kind == "m":
            p.measured[name] = value
        elif kind == "f":
            if name == "referrer":  # the site alone (a value kept whole before it was, too)
                if site := site_of(value):
                    p.first_touch[name] = site
            elif name in _FIRST:
                p.first_touch[name] = value
        elif kind == "b":  # "<when>": the last time it was bought (from base)
            bought.append(name)
            p.bought_at[name] = base + (_float(value) or 0.0)
        elif kind == "x":  # "<when>", then " <marks>": what it joined (engine/joined.py)
            at, _, marks = value.strip().partition(" ")
            if not (marks.isascii() and marks.isalpha()):  # (none: a time alone)
                at, marks = value, ""
            p.merged[name] = base + (_float(at) or 0.0)
            if marks:
                p.joined[name] = marks
    if (plain := get("V")) is not None:
        p.views = _int(plain)
    if (plain := get("N")) is not None:
        p.visits = _int(plain)
    elif p.views >= 1:  # left out when 1 (compact): a view starts a visit (store/forms.py)
        p.visits = 1
    if (plain := get("L")) is not None:
        p.last_seen = _since(base, plain)
    p.visit_start = _since(base, get("VS")) or (first_seen if p.visits else None)
    if (rank := get("G")) is not None:
        p.stage = (_STAGES.get(rank) or _stage(rank)) if rank else "awareness"
    if (plain := get("P")) is not None:
        p.purchases = _int(plain)
    if (plain := get("PA")) is not None:
        p.purchase_at = _since(base, plain)
    if (plain := get("CA")) is not None:
        p.cart_at = _since(base, plain)
    if (plain := get("AD")) is not None:
        p.absent_days = _float(plain)
    if segments := get("SG"):
        p.segments = frozenset(s for s in segments.split(",") if s)
    p.viewed_full = "WX" in fields
    if (ho := get("HO")) is not None:  # bits (store/scripts.py): 1 history, 2 nothing; one
        bits = int(ho) if ho.isdigit() and len(ho) < 4 else 1  # with neither (no number, 0, 4)
        p.unrecorded = bool(bits & 1) or not bits & 2  # is the history's, as older writers' 1
        p.unrecorded_nothing = bool(bits & 2)
    if again := get("R"):  # (rare: journey58)
        p.rejudge = frozenset(again.split(","))
    p.revoked = "revoked" in fields or (len(reply) > 2 and reply[2] is not None)
    if bought:
        p.purchased = frozenset(bought)
    if uncounted:
        p.uncounted = frozenset(uncounted)
    if len(reply) > 1 and reply[1]:
        p.also = {m: _float(s) or 0.0 for m, s in pairs(reply[1]).items()}
    return p


def _stage(rank: str) -> str:
    n = _int(rank)
    return STAGE_ORDER[n - 1] if 1 <= n <= len(STAGE_ORDER) else "awareness"


def _numbered(refs: str, fields: dict[str, str]) -> list[str]:
    """The reasons kept as numbered fields (``<n>.<n>...``; a missing one is left out)."""
    return [decode(fields[n]) for n in refs.split(".") if n[:1].isdigit() and n in fields]


@lru_cache(maxsize=4096)  # the same few reasons again and again: read once (a fresh list each)
def _inline(refs: str) -> tuple[str, ...]:
    """The reasons kept in the value itself, each after a ``\\x1f``."""
    return tuple(decode(s) for s in refs[1:].split("\x1f"))


def _since(base: float, value: str | None) -> float | None:
    at = _float(value)
    return None if at is None else base + at


def pairs(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))


def _int(value: str | None) -> int:
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except (ValueError, OverflowError):  # "inf", "3e3301": a number no count can be
            return 0


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
