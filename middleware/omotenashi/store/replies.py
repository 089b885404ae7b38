"""Redis replies read into the engine's types (the profile's layout: store/scripts.py)."""

from __future__ import annotations

from typing import Any

from omotenashi.engine.profile import FIRST_TOUCH, STAGE_ORDER, Profile, json_or_text
from omotenashi.store.why import decode

_FIRST = frozenset(FIRST_TOUCH)


def profile_from_reply(reply: list[Any]) -> Profile:
    """The load script's reply (the profile hash, the also set, an old deny marker) as a
    Profile, in one pass over the hash."""
    flat = reply[0]
    p = Profile()
    plain: dict[str, str] = {}
    attrs: dict[str, Any] = {}
    interests: dict[str, tuple[float, float]] = {}
    shown: dict[str, int] = {}
    said: dict[str, str] = {}
    sentences: dict[str, str] = {}
    events: dict[str, int] = {}
    cart: dict[str, int] = {}
    viewed: dict[str, float] = {}
    first: dict[str, str] = {}
    caps: dict[str, tuple[str, int]] = {}
    merged: dict[str, float] = {}
    measured: dict[str, str] = {}
    bought: list[str] = []
    for i in range(0, len(flat), 2):
        field, value = flat[i], flat[i + 1]
        kind, name = field[:1], field[1:]
        if kind == "s":
            count, _, rest = value.partition(" ")
            shown[name] = _int(count)
            if rest:
                said[name] = rest
        elif kind == "i":
            score, _, at = value.partition(" ")
            interests[name] = (_float(score) or 0.0, _float(at) or 0.0)
        elif kind.isdigit():
            sentences[field] = value
        elif kind == "w":
            viewed[name] = _float(value) or 0.0
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
            merged[name] = _float(value) or 0.0
        else:
            plain[field] = value
    p.visits, p.views = _int(plain.get("N")), _int(plain.get("V"))
    p.purchases = _int(plain.get("P"))
    p.first_seen = _float(plain.get("F"))
    base = p.first_seen or 0.0  # the other times count from it
    p.last_seen, p.cart_at = _since(base, plain.get("L")), _since(base, plain.get("CA"))
    p.purchase_at = _since(base, plain.get("PA"))
    p.visit_start = _since(base, plain.get("VS")) or (p.first_seen if p.visits else None)
    p.absent_days = _float(plain.get("AD"))
    rank = _int(plain.get("G"))
    p.stage = STAGE_ORDER[rank - 1] if 1 <= rank <= len(STAGE_ORDER) else "awareness"
    if segments := plain.get("SG"):
        p.segments = frozenset(s for s in segments.split(",") if s)
    p.revoked = "revoked" in plain or (len(reply) > 2 and reply[2] is not None)
    if base:
        interests = {topic: (score, base + at) for topic, (score, at) in interests.items()}
        viewed = {item: base + at for item, at in viewed.items()}
        merged = {anon: base + at for anon, at in merged.items()}
    p.attrs, p.interests, p.shown, p.events, p.cart = attrs, interests, shown, events, cart
    p.viewed, p.first_touch, p.caps, p.merged, p.measured = viewed, first, caps, merged, measured
    p.purchased = frozenset(bought)
    p.shown_why = {rule: _why(text, sentences, base) for rule, text in said.items()}
    if len(reply) > 1 and reply[1]:
        p.also = {m: _float(s) or 0.0 for m, s in pairs(reply[1]).items()}
    return p


def _why(text: str, sentences: dict[str, str], base: float) -> tuple[float, list[str]]:
    """``"<when> <reasons>"``: when (from ``base``), and the reasons: in the value after each
    ``\x1f``, or the numbered sentences (a missing one is left out)."""
    at, _, refs = text.partition(" ")
    if refs.startswith("\x1f"):
        said = [decode(s) for s in refs[1:].split("\x1f")]
    else:
        said = [decode(sentences[n]) for n in refs.split(".") if n in sentences]
    return base + (_float(at) or 0.0), said


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
