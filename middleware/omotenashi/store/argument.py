"""The record script's argument: a request's change as JSON, built without ``json.dumps``.

The bytes are exactly those of ``json.dumps(payload, separators=(",", ":"))`` over
:meth:`Change.payload` with the reasons coded (store/why.py), ``new_ttl`` added and
``measure_ttl`` when there is one (tests/store/test_argument.py compares the two), so the script
reads what it always read. It is cheaper because the keys are written once, here, and what a
page view leaves empty costs nothing: the fields that are usually empty are written as a
constant, lists of names are joined by the C string encoder, ``now`` is turned into text once
(shared by every reason's time, the engine's ``now`` itself), and the reasons, the same few
sentences again and again, are coded and quoted once per distinct sentence, and each rule's
entry (its name and its sentences, all but the time) once per distinct rule and sentences.
Anything json writes its own way (a name that is not a string, NaN) is left to json.
"""

from __future__ import annotations

import json
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any

from omotenashi.engine.change import Change
from omotenashi.store.why import encode, encode_all

_dumps = json.JSONEncoder(separators=(",", ":")).encode  # json.dumps's bytes, without its setup
_INF = float("inf")
_NO_TEXT = '""'
_str = encode_basestring_ascii  # in C; a TypeError for what is not a str
_TEXT = frozenset({str})  # what a cached rule entry may have been told
_UNRECORDED = ',"unrecorded":true'  # only when set, as Change.payload (a page not counted)


def _num(x: object) -> str:
    """A number as ``json.dumps`` writes it (``repr``: of these exact types, their own)."""
    if (type(x) is float and -_INF < x < _INF) or type(x) is int:
        return repr(x)
    return _dumps(x)  # NaN, infinities, bools and the unexpected: json's own answer


def _names(items: list[str]) -> str:
    if type(items) is not list:
        return _dumps(items)
    return f"[{','.join(map(_str, items))}]" if items else "[]"


def _obj(value: object) -> str:
    return "{}" if type(value) is dict and not value else _dumps(value)


def _bool(value: object) -> str:
    return "true" if value is True else "false" if value is False else _dumps(value)


@lru_cache(maxsize=4096, typed=True)  # the same few sentences again and again: coded once
def _reason(said: object) -> str:
    """One reason, coded (store/why.py) and quoted."""
    return _str(encode(str(said)))


@lru_cache(maxsize=4096)  # a rule and its sentences: the same few pairs again and again
def _rule(rule: str, said: tuple[str, ...]) -> tuple[str, str]:
    """A shown rule's entry around its time: ``"<rule>":[`` and ``,[<reasons>]]``."""
    return f"{_str(rule)}:[", f",[{','.join(map(_reason, said))}]]"


def _shown_why(shown_why: dict[str, list[object]], now: float, now_text: str) -> str:
    parts = []
    # a time equal to ``now`` (another float object, as the engine's usually is): its text
    # (equal floats but zeros have the same bits, so the same text; NaN is equal to nothing)
    same = type(now) is float and now != 0.0
    for rule, (at, said) in shown_why.items():
        if type(said) is list and set(map(type, said)) <= _TEXT:  # sentences: as a cache key
            head, tail = _rule(rule, tuple(said))
        else:  # anything else said (never cached: 1.0 and True are one key)
            reasons = ",".join(map(_reason, said)) if isinstance(said, list) else ""
            head, tail = f"{_str(rule)}:[", f",[{reasons}]]"
        when = now_text if at is now or (same and type(at) is float and at == now) else _num(at)
        parts.append(f"{head}{when}{tail}")
    return f"{{{','.join(parts)}}}"


def record_argument(
    change: Change,
    ttl: int,
    half_life: float,
    new_ttl: int,
    measure_ttl: int = 0,
    learn: str = "",
    compact: bool = False,
) -> str:
    """The change as the record script's one argument (JSON). ``new_ttl``: the life of a
    profile of one visit (0: the full ``ttl``); ``measure_ttl``: at least this long when it
    holds a first exposure (the attribution window; store/privacy.py); ``learn``: the item
    whose first view would teach recommendations (the script answers whether it is one);
    ``compact``: written in the compact forms (store/forms.py)."""
    try:
        return _fast(change, ttl, half_life, new_ttl, measure_ttl, learn, compact)
    except TypeError:  # a name that is not a string, an unhashable reason: json's own way
        return _dumps(payload(change, ttl, half_life, new_ttl, measure_ttl, learn, compact))


def payload(
    change: Change,
    ttl: int,
    half_life: float,
    new_ttl: int,
    measure_ttl: int = 0,
    learn: str = "",
    compact: bool = False,
) -> dict[str, Any]:
    """What the argument says, as a dict (json.dumps of it is the argument)."""
    out = change.payload(ttl, half_life)
    out["shown_why"] = {  # the reasons, compactly (store/why.py)
        rule: [at, encode_all(said if isinstance(said, list) else [])]
        for rule, (at, said) in change.shown_why.items()
    }
    out["new_ttl"] = new_ttl
    if measure_ttl:
        out["measure_ttl"] = measure_ttl
    if learn:
        out["learn"] = learn
    if compact:
        out["compact"] = True
    return out


def _fast(
    c: Change,
    ttl: int,
    half_life: float,
    new_ttl: int,
    measure_ttl: int = 0,
    learn: str = "",
    compact: bool = False,
) -> str:
    now = c.now
    now_text = _num(now)
    why = _shown_why(c.shown_why, now, now_text) if c.shown_why else "{}"
    absent = "null" if c.absent_days is None else _num(c.absent_days)
    gap = f',"gap":{_num(c.gap)}' if c.new_visit and c.gap else ""
    stage = _str(c.stage) if c.stage else _NO_TEXT
    was = f',"stage_was":{_str(c.stage_was)}' if c.stage_was else ""  # (rare: a move back)
    if c.counted or c.rejudged:  # (an event the journey moves on; a judgement again)
        was += _judged(c)
    tail = f',"learn":{_str(learn)}' if learn else ""
    tail += ',"compact":true}' if compact else "}"
    return (
        f'{{"now":{now_text},"since":{_num(c.since)}{_settings(ttl, half_life)}'
        f',"view":{_bool(c.view)}{_UNRECORDED if c.unrecorded else ""}'
        f',"new_visit":{_bool(c.new_visit)}{gap},"absent_days":{absent}'
        f',"topics":{_names(c.topics)},"items":{_names(c.items)},"shown":{_names(c.shown)}'
        f',"shown_why":{why}{_cart(c)}'
        f',"purchases":{_num(c.purchases)},"stage":{stage}'
        f',"stage_back":{_bool(c.stage_back)}{was}'
        f"{_kept(c)}{_ttls(new_ttl, measure_ttl)}{tail}"
    )


# What a page view usually leaves empty, as the calls below write it: one constant, no call
# per field (only when each is exactly an empty dict, or list, or False: json's own ``{}``)
_NO_CART = ',"events":{},"cart_add":{},"cart_remove":[],"cart_less":{},"cart_clear":false'
_NO_KEPT = ',"first":{},"attrs":{},"caps":{},"bought":[],"measure":{}'


def _cart(c: Change) -> str:
    events, add, remove, less = c.events, c.cart_add, c.cart_remove, c.cart_less
    clear = c.cart_clear
    if (
        clear is False
        and type(events) is dict
        and type(add) is dict
        and type(remove) is list
        and type(less) is dict
        and not (events or add or remove or less)
    ):
        return _NO_CART
    return (
        f',"events":{_obj(events)},"cart_add":{_obj(add)},"cart_remove":{_names(remove)}'
        f',"cart_less":{_obj(less)},"cart_clear":{_bool(clear)}'
    )


def _kept(c: Change) -> str:
    first, attrs, caps, bought, measure = c.first, c.attrs, c.caps, c.bought, c.measure
    if (
        type(first) is dict
        and type(attrs) is dict
        and type(caps) is dict
        and type(bought) is list
        and type(measure) is dict
        and not (first or attrs or caps or bought or measure)
    ):
        return _NO_KEPT
    return (
        f',"first":{_obj(first)},"attrs":{_obj(attrs)},"caps":{_obj(caps)}'
        f',"bought":{_names(bought)},"measure":{_obj(measure)}'
    )


@lru_cache(maxsize=64, typed=True)  # the site's settings: the same few on every record
def _settings(ttl: int, half_life: float) -> str:
    return f',"ttl":{_num(ttl)},"half_life":{_num(half_life)}'


@lru_cache(maxsize=64, typed=True)
def _ttls(new_ttl: int, measure_ttl: int) -> str:
    measure = f',"measure_ttl":{_num(measure_ttl)}' if measure_ttl else ""
    return f',"new_ttl":{_num(new_ttl)}{measure}'


def _judged(c: Change) -> str:
    """The counts an event's stage move was judged on, and the judgement again it took
    (store/stagemoves.py), as ``Change.payload`` writes them."""
    out = f',"counted":{_obj(c.counted)},"judged":{_str(c.judged)}' if c.counted else ""
    return out + (f',"rejudged":{_str(c.rejudged)}' if c.rejudged else "")
