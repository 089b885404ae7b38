"""Redis replies read into the engine's types (the profile's layout: store/scripts.py)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from omotenashi.engine.profile import FIRST_TOUCH, STAGE_ORDER, Profile, json_or_text
from omotenashi.store.why import decode

_FIRST = frozenset(FIRST_TOUCH)
_STAGES = {str(rank): stage for rank, stage in enumerate(STAGE_ORDER, 1)}


def profile_from_reply(reply: list[Any]) -> Profile:
    """The load script's reply (the profile hash, the also set, an old deny marker) as a
    Profile, in one pass over the hash.

    The hash is made a dict first (in C), so the first visit's time, which the others count
    from, is known before the pass; the plain fields are then read by name and skipped in it.
    """
    it = iter(reply[0])
    fields: dict[str, str] = dict(zip(it, it, strict=False))  # pairs: HGETALL's are whole
    get = fields.get
    p = Profile()
    p.first_seen = first_seen = _float(get("F"))
    base = first_seen or 0.0  # the other times count from it
    attrs: dict[str, Any] = {}
    interests: dict[str, tuple[float, float]] = {}
    shown: dict[str, int] = {}
    said: dict[str, str] = {}
    events: dict[str, int] = {}
    cart: dict[str, int] = {}
    viewed: dict[str, float] = {}
    first: dict[str, str] = {}
    caps: dict[str, tuple[str, int]] = {}
    merged: dict[str, float] = {}
    measured: dict[str, str] = {}
    bought: list[str] = []
    for field, value in fields.items():
        kind = field[:1]
        if kind < "a":  # a plain field (capitals: read by name below) or a numbered reason
            continue
        name = field[1:]
        if kind == "s":
            count, _, rest = value.partition(" ")
            shown[name] = int(count) if count.isdecimal() else _int(count)
            if rest:
                said[name] = rest
        elif kind == "i":
            score, _, at = value.partition(" ")
            interests[name] = (_float(score) or 0.0, base + (_float(at) or 0.0))
        elif kind == "w":
            viewed[name] = base + (_float(value) or 0.0)
        elif kind == "k":
            period, _, n = value.rpartition(":")
            caps[name] = (period, _int(n))
        elif kind == "e":
            events[name] = _int(value)
        elif kind == "c":
            if (qty := _int(value)) > 0:
                cart[name] = qty
        elif kind == "a":
            attrs[name] = json_or_text(value)
        elif kind == "m":
            measured[name] = value
        elif kind == "f":
            if name in _FIRST:
                first[name] = value
        elif kind == "b":
            bought.append(name)
        elif kind == "x":
            merged[name] = base + (_float(value) or 0.0)
    p.visits, p.views = _int(get("N")), _int(get("V"))
    p.purchases = _int(get("P"))
    p.last_seen, p.cart_at = _since(base, get("L")), _since(base, get("CA"))
    p.purchase_at = _since(base, get("PA"))
    p.visit_start = _since(base, get("VS")) or (first_seen if p.visits else None)
    p.absent_days = _float(get("AD"))
    rank = get("G")
    p.stage = (_STAGES.get(rank) or _stage(rank)) if rank else "awareness"
    if segments := get("SG"):
        p.segments = frozenset(s for s in segments.split(",") if s)
    p.revoked = "revoked" in fields or (len(reply) > 2 and reply[2] is not None)
    p.attrs, p.interests, p.shown, p.events, p.cart = attrs, interests, shown, events, cart
    p.viewed, p.first_touch, p.caps, p.merged, p.measured = viewed, first, caps, merged, measured
    p.purchased = frozenset(bought)
    if said:
        p.shown_why = why = {}
        for rule, text in said.items():  # "<when> <reasons>" (when: from base)
            at, _, refs = text.partition(" ")
            when = base + (float(at) if at.isdecimal() else _float(at) or 0.0)
            inline = refs[:1] == "\x1f"  # in the value itself, else numbered fields
            why[rule] = (when, list(_inline(refs)) if inline else _numbered(refs, fields))
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
        except ValueError:
            return 0


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
