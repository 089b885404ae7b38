"""One compiled condition: a test over :class:`Facts` and the sentences that explain it;
comparisons of one value (``Compare``) with sentences true of the value they were given."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from omotenashi.engine import explain as ex
from omotenashi.engine.facts import Facts
from omotenashi.rules.model import Compare
from omotenashi.rules.text import nfc

Check = Callable[[Facts], bool]
Say = Callable[[Facts], list[str]]


@dataclass(frozen=True)
class Condition:
    """One compiled test. ``text`` sums it up for editors' tools; ``reasons(facts)`` are true
    of the visitor whenever the test holds, ``denials(facts)`` whenever it does not. ``guard``:
    a ``not:``, which holds back rather than chooses (its sentences are said, not kept:
    disclosure.kept_reasons)."""

    check: Check
    text: str
    yes: Say | None = None
    no: Say | None = None
    guard: bool = False

    def reasons(self, facts: Facts) -> list[str]:
        return self.yes(facts) if self.yes is not None else [self.text]

    def denials(self, facts: Facts) -> list[str]:
        return self.no(facts) if self.no is not None else [f"not: {self.text}"]


def explain(conditions: list[Condition], facts: Facts) -> list[str]:
    """Why every one of ``conditions`` holds for ``facts`` (ask only when they do)."""
    out: list[str] = []
    for condition in conditions:
        yes = condition.yes  # (Condition.reasons without its own call: per block shown)
        for reason in yes(facts) if yes is not None else (condition.text,):  # each once, in
            if reason not in out:  # order (no generator per rule)
                out.append(reason)
    return out


def deny(conditions: list[Condition], facts: Facts) -> list[str]:
    """Why not all of ``conditions`` hold: the first one that fails, in its own words."""
    for condition in conditions:
        if not condition.check(facts):
            return condition.denials(facts)
    return []


def same(check: Check, say: Callable[[Facts], str], text: str) -> Condition:
    """A condition whose sentence describes the visitor's actual value, true either way."""
    return Condition(check, text, lambda f: [say(f)], lambda f: [say(f)])


def fixed(check: Check, yes: str, no: str) -> Condition:
    return Condition(check, yes, None, lambda f: [no])


def all_hold(conditions: list[Condition], facts: Facts) -> bool:
    for condition in conditions:  # a plain loop: no generator per call (decide's hot path)
        if not condition.check(facts):
            return False
    return True


_DIGITS = r"\d(?:_?\d)*"
# What float() reads (ASCII): checked first, so text that is not a number costs no exception.
_NUMERIC = re.compile(
    rf"\s*[+-]?(?:(?:{_DIGITS}(?:\.(?:{_DIGITS})?)?|\.{_DIGITS})(?:e[+-]?{_DIGITS})?"
    r"|inf(?:inity)?|nan)\s*",
    re.IGNORECASE | re.ASCII,
)


def number_of(value: object) -> float | None:
    """``value`` as a number; None for text that is none, for NaN (no number equals it, so
    "NaN", "Nan" the name or a script's lost price, is text, equal to itself) and for an int
    too long for a float (over 308 digits: compared as its text)."""
    try:
        if isinstance(value, (bool, int, float)):
            number = float(value)
        elif not isinstance(value, str):
            return None
        elif value.isascii():
            if not _NUMERIC.fullmatch(value):
                return None
            number = float(value)
        else:  # other scripts' digits (rare): float() decides
            number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if number == number else None


def equal(a: object, b: object) -> bool:
    """Equality as editors mean it: 3 == "3", True == "true", text ignores case."""
    return _equals(b)(a)


def equal_to(b: object) -> Callable[[object], bool]:
    """``equal(·, b)``, ``b``'s forms worked out once: for many values tested against one."""
    return _equals(b)


def _equals(b: object) -> Callable[[object], bool]:
    """``equal(·, b)`` with ``b``'s forms (number, lower case, folded) worked out once; text
    in NFC (rules/text.py), so that ``café`` written either way is one."""
    lower, fold, nb = str(b).lower(), nfc(str(b)).casefold(), number_of(b)
    if isinstance(b, bool):
        return lambda a: a is not None and str(a).lower() == lower

    def test(a: object) -> bool:
        if a is None:
            return False
        if isinstance(a, bool):
            return str(a).lower() == lower
        if nb is not None and (na := _number(a)) is not None:
            return na == nb
        return _folded(a) == fold

    return test


def _member(options: list[Any]) -> Callable[[object], bool]:
    """``any(equal(·, o) for o in options)``, by look-ups: the value is read as a number and
    folded once, whatever the options (dos64: each of 40,000 options folded an 8 KiB query
    value again, 374 ms of the event loop)."""
    lowers = {str(o).lower() for o in options}  # (what a True or False value is compared by)
    flags = {str(o).lower() for o in options if isinstance(o, bool)}
    plain = [o for o in options if not isinstance(o, bool)]
    numbers = {n for o in plain if (n := number_of(o)) is not None}
    words = {nfc(str(o)).casefold() for o in plain if number_of(o) is None}
    every = {nfc(str(o)).casefold() for o in plain}

    def test(a: object) -> bool:
        if a is None:
            return False
        if isinstance(a, bool):
            return str(a).lower() in lowers
        if flags and str(a).lower() in flags:
            return True
        if (na := _number(a)) is not None:
            return na in numbers or _folded(a) in words
        return _folded(a) in every

    return test


@lru_cache(maxsize=64)  # (one value, many rules testing it: each asks again: dos64)
def _fold_text(text: str) -> str:
    return nfc(text).casefold()


@lru_cache(maxsize=64)
def _number_text(text: str) -> float | None:
    return number_of(text)


def _folded(value: object) -> str:
    """``value`` as text compares: NFC, case folded (kept for the values asked for again)."""
    return _fold_text(value if type(value) is str else str(value))


def _number(value: object) -> float | None:
    """:func:`number_of`, kept for the texts asked for again."""
    return _number_text(value) if type(value) is str else number_of(value)


_BOUNDS = frozenset({"lt", "at_most", "gt", "at_least"})


def _bounded(bound: float, op: Callable[[float, float], bool]) -> Callable[[object], bool]:
    def test(value: object) -> bool:
        number = number_of(value)
        return number is not None and op(number, bound)

    return test


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": operator.lt,
    "at_most": operator.le,
    "gt": operator.gt,
    "at_least": operator.ge,
}


def compare(
    get: Callable[[Facts], object], cmp: Compare, subject: ex.Subject, *, number: bool = False
) -> Condition:
    """``number``: ``get`` always gives an int or a float (a count, an interest), so a single
    bound is tested directly, without reading the value as a number first."""
    tests: list[tuple[str, object, Callable[[object], bool]]] = []
    if cmp.exists is not None:
        want = cmp.exists
        tests.append(("exists", want, lambda v: (v is not None and v != "") == want))
    if cmp.eq is not None:
        eq = cmp.eq
        tests.append(("eq", eq, _equals(eq)))
    if cmp.ne is not None:
        ne = cmp.ne
        is_ne = _equals(ne)
        tests.append(("ne", ne, lambda v: not is_ne(v)))
    if cmp.in_ is not None:
        options = cmp.in_
        tests.append(("in", list(options), _member(list(options))))
    if cmp.contains is not None:
        needle = nfc(cmp.contains).lower()
        tests.append(
            ("contains", cmp.contains, lambda v: v is not None and needle in nfc(str(v)).lower())
        )
    for name, bound, op in (
        ("lt", cmp.lt, lambda x, y: x < y),
        ("at_most", cmp.at_most, lambda x, y: x <= y),
        ("gt", cmp.gt, lambda x, y: x > y),
        ("at_least", cmp.at_least, lambda x, y: x >= y),
    ):
        if bound is not None:
            tests.append((name, bound, _bounded(bound, op)))

    def check_all(f: Facts) -> bool:
        value = get(f)
        return all(t(value) for _, _, t in tests)

    only = tests[0][2] if tests else bool

    def check_one(f: Facts) -> bool:  # the usual case: one test, called directly
        return only(get(f))

    check = check_one if len(tests) == 1 else check_all
    if number and len(tests) == 1 and tests[0][0] in _OPERATORS:
        against, limit = _OPERATORS[tests[0][0]], tests[0][1]

        def check(f: Facts) -> bool:
            return against(get(f), limit)

    def unknown(value: object) -> bool:
        return value is None or value == ""

    # What each test says depends on the test alone (or, for a value we do not know, on
    # nothing): worked out once, not per request.
    said = list(dict.fromkeys(subject.say(op, want) for op, want, _ in tests))
    said_unknown = [subject.unknown] if tests else []

    def yes(f: Facts) -> list[str]:
        value = get(f)  # (unknown() inlined: asked for every block shown)
        return list(said_unknown if value is None or value == "" else said)

    def no(f: Facts) -> list[str]:
        value = get(f)
        for op, want, test in tests:
            if test(value):
                continue
            if op == "exists":
                return [subject.say("exists", not want)]
            if unknown(value):
                return [subject.unknown]
            if op in _BOUNDS and number_of(value) is None:  # ("thirty": held, not a number)
                return [subject.say("numeric", False)]
            return [subject.say(ex.NEGATE.get(op, op), want)]
        return []

    summary = "; ".join(subject.say(op, want) for op, want, _ in tests)
    return Condition(check, summary, yes, no)
