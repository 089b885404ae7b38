"""Conditions that can never all hold: a rule with them can never fire (``omotenashi check``
says so, as an error). Only what is certain is said: a rule that might fire is never called
one that cannot."""

from __future__ import annotations

from collections.abc import Callable

from omotenashi.engine.compare import equal, equal_to, number_of
from omotenashi.rules.model import Compare, Scalar, When
from omotenashi.rules.text import nfc


def _range(cmp: Compare) -> tuple[float, float]:
    low, high = float("-inf"), float("inf")
    if cmp.at_least is not None:
        low = max(low, cmp.at_least)
    if cmp.gt is not None:
        low = max(low, cmp.gt + 1e-9)
    if cmp.at_most is not None:
        high = min(high, cmp.at_most)
    if cmp.lt is not None:
        high = min(high, cmp.lt - 1e-9)
    if isinstance(cmp.eq, (int, float)) and not isinstance(cmp.eq, bool):
        low, high = max(low, cmp.eq), min(high, cmp.eq)
    return low, high


def _both(a: Scalar, b: Scalar) -> bool:
    """Whether a value can equal both ``a`` and ``b`` as the engine's ``eq`` tests them (3 and
    "3.0", ``Gold`` and ``gold``, ``true`` and "true" can): tried on the values themselves, as
    folded text, as numbers, and true and false (what any value equal to both is like)."""
    return _both_of(a)(b)


def _both_of(a: Scalar) -> Callable[[Scalar], bool]:
    """``_both(a, ·)`` with ``a``'s side worked out once, for an ``eq`` against each value of
    its ``in:`` (a long eq was folded again for each: quadratic in the rule file). ``a``'s own
    forms that equal it are kept with how ``equal`` reads them (lower case, number, folded),
    so that testing one against ``b`` costs ``b``'s length, not ``a``'s."""
    is_a, folded = equal_to(a), nfc(str(a)).casefold()
    own = [x for x in (True, False, a, folded, number_of(a), number_of(folded)) if x is not None]
    read = [
        (isinstance(x, bool), str(x).lower(), number_of(x), nfc(str(x)).casefold())
        for x in own
        if is_a(x)
    ]

    def both(b: Scalar) -> bool:
        fold_b, lower_b, number_b, is_b = (
            nfc(str(b)).casefold(),
            str(b).lower(),
            number_of(b),
            equal_to(b),
        )
        for flag, lower, number, fold in read:  # is_b(x), from x's forms (compare._equals)
            if flag or isinstance(b, bool):
                if lower == lower_b:
                    return True
            elif number_b is not None and number is not None:
                if number == number_b:
                    return True
            elif fold == fold_b:
                return True
        forms = (b, fold_b, number_b, number_of(fold_b))
        return any(x is not None and is_b(x) and is_a(x) for x in forms)

    return both


def _same(a: Scalar, b: Scalar) -> bool:
    """Whether every value the engine's ``eq`` holds equal to ``a`` it holds equal to ``b``:
    both numbers and equal (3 and "3.0"), both text that is no number and equal ignoring case
    (Gold and gold), or true and false as words ("TRUE" and true)."""
    return _same_as(a)(b)


def _same_as(a: Scalar) -> Callable[[Scalar], bool]:
    """``_same(a, ·)`` with ``a``'s forms worked out once (a long eq against many ne parts)."""
    lower, number, folded = str(a).lower(), number_of(a), nfc(str(a)).casefold()

    def same(b: Scalar) -> bool:
        if isinstance(a, bool) or isinstance(b, bool):
            return lower == str(b).lower()
        other = number_of(b)
        if number is not None or other is not None:
            return number == other
        return folded == nfc(str(b)).casefold()

    return same


def _shown(value: object, most: int = 60) -> str:
    """``value!r`` for a message, cut to about ``most`` characters (a value can be 100 KB); a
    list names its first values and how many more."""
    if isinstance(value, list) and len(value) > 3:
        return (
            f"[{', '.join(_shown(v, most // 3) for v in value[:3])}, and {len(value) - 3:,} more]"
        )
    said = repr(value)
    return said if len(said) <= most else f"{said[: most - 10]}… ({len(said):,} characters)"


def _both_ways(eq: Scalar, ne: Scalar) -> str:
    """What a value that must equal ``eq`` and not equal ``ne`` (:func:`_same`) is asked."""
    if str(eq) == str(ne):
        return f"it must both equal and not equal {_shown(eq)}"
    return (
        f"it must equal {_shown(eq)} and not equal {_shown(ne)}, which rules compare as one value"
    )


def _impossible_compare(cmp: Compare) -> str | None:
    low, high = _range(cmp)
    if low > high:
        return "its bounds leave no value"
    if cmp.eq is not None and cmp.ne is not None and _same(cmp.eq, cmp.ne):
        return _both_ways(cmp.eq, cmp.ne)
    eq = cmp.eq
    if eq is not None and cmp.in_ is not None and not any(map(_both_of(eq), cmp.in_)):
        return f"{_shown(eq)} is not in {_shown(cmp.in_)}"
    valued = (eq is not None and not equal("", eq)) or cmp.at_least is not None  # ("" is none)
    if cmp.exists is False and valued:
        return "it must not exist yet have a value"
    return None


def counts_of(when: When) -> list[tuple[tuple[str, ...], Compare]]:
    """Each count a condition compares (``visits``, ``interest.food`` ...), with its field's
    path; counts are never below 0 (visits never below 1)."""
    out: list[tuple[tuple[str, ...], Compare]] = []
    for name in ("visits", "views", "purchases", "cart_items", "absent_days"):
        if (cmp := getattr(when, name)) is not None:
            out.append(((name,), cmp))
    for group in ("interest", "event"):
        out += [((group, key), cmp) for key, cmp in (getattr(when, group) or {}).items()]
    return out


def contradictions(when: When) -> list[str]:
    """Why these conditions can never all hold (empty: they might)."""
    found: list[str] = []
    if when.new is True and when.returning is True:
        found.append("new: true and returning: true cannot both hold")
    if when.new is False and when.returning is False:
        found.append("new: false and returning: false cannot both hold")
    if when.new is True and when.visits is not None and _range(when.visits)[0] > 1:
        found.append("a first visit (new: true) has exactly 1 visit")
    if when.time is not None and when.time[:5] == when.time[6:]:  # (time53)
        found.append(
            f"time: {when.time!r} holds at no time (a window ends just before its end time; "
            "for the whole day remove time:, and a window may cross midnight, e.g. 22:00-02:00)"
        )
    for field_name in ("stage", "segment", "device", "weekday", "path"):
        value = getattr(when, field_name)
        if value is not None and len(value) == 0:
            found.append(f"{field_name}: [] matches nothing")
    singles = {
        "visits": when.visits,
        "views": when.views,
        "purchases": when.purchases,
        "cart_items": when.cart_items,
        "absent_days": when.absent_days,
    }
    groups = {
        "attr": when.attr,
        "interest": when.interest,
        "query": when.query,
        "event": when.event,
        "first_utm": when.first_utm,
    }
    for name, cmp in singles.items():
        if cmp is not None and (why := _impossible_compare(cmp)):
            found.append(f"{name}: {why}")
    for path, cmp in counts_of(when):
        low, high = _range(cmp)
        if path != ("visits",) and low <= high < 0:  # (bounds that leave none: said above)
            found.append(f"{'.'.join(path)}: it asks for less than 0, and no count is below 0")
    low, high = _range(when.visits) if when.visits is not None else (1.0, 1.0)
    if low <= high < 1:  # (bounds that leave no value: said above)
        found.append("visits: it asks for fewer than 1, and a page view counts its own visit")
    for group, mapping in groups.items():
        for key, cmp in (mapping or {}).items():
            if why := _impossible_compare(cmp):
                found.append(f"{group}.{key}: {why}")
    for sub in when.all or []:
        found.extend(contradictions(sub))
    if when.all:
        found.extend(_apart([when, *when.all]))
    whys = [contradictions(w) for w in when.any or []]
    if whys and all(whys):  # each branch's first reason: what to fix (editor51)
        said = "; ".join(f"any[{n}]: {why[0]}" for n, why in enumerate(whys[:3]))
        more = f"; and {len(whys) - 3} more" if len(whys) > 3 else ""
        found.append(f"none of the any: branches can hold ({said}{more})")
    return found


Place = tuple[str | int, ...]  # under a rule's when: ("any", 1), ("all", 0, "any", 2)


def dead_branches(when: When, at: Place = ()) -> list[tuple[Place, str]]:
    """The ``any:`` branches that can never hold while another of theirs can (the rule then
    fires by the others: a warning, editor51), at any depth: each one's place under the
    ``when`` (``("any", 1)``, ``("all", 0, "any", 2)``) and its first reason."""
    found: list[tuple[Place, str]] = []
    branches = when.any or []
    whys = [contradictions(w) for w in branches]
    if not all(whys):  # (all of them: an error, said by contradictions)
        found += [((*at, "any", n), why[0]) for n, why in enumerate(whys) if why]
    for n, w in enumerate(branches):
        found += dead_branches(w, (*at, "any", n))
    for n, w in enumerate(when.all or []):
        found += dead_branches(w, (*at, "all", n))
    return found


_FLAGS = ("new", "returning", "cart_abandoned")


def _only(when: When | None, field_name: str) -> list[str] | None:
    """The values of ``when``'s ``field_name`` when it tests that field and nothing else."""
    if when is None or when.model_fields_set - {"timezone"} != {field_name}:
        return None
    values: list[str] | None = getattr(when, field_name)
    return values


def _apart(parts: list[When]) -> list[str]:
    """Why conditions that must all hold (a When's own, then each of its ``all:``) cannot hold
    together: no stage or device common to all, a flag both true and false, a value that must
    equal two things, or equal and not equal one (one pass, whatever the number of parts)."""
    found: list[str] = []
    for field_name in ("stage", "device"):
        common: set[str] | None = None
        for part in parts:
            values = getattr(part, field_name)
            if not values:  # (none: no test; an empty list: said as matching nothing)
                continue
            if common is not None and not common & set(values):
                found.append(f"{field_name}: {sorted(common)} and {values} have none in common")
                break
            common = set(values) if common is None else common & set(values)
        else:  # a `not:` of this field alone that every value left is in
            for part in parts:
                ruled_out = _only(part.not_, field_name)
                if common and ruled_out is not None and common <= set(ruled_out):
                    said = f"one of {sorted(common)} and none of {ruled_out} (its not:)"
                    found.append(f"{field_name}: it must be {said}")
                    break
    flags = {flag: {getattr(part, flag) for part in parts} for flag in _FLAGS}
    for flag, values in flags.items():
        if values >= {True, False}:
            found.append(f"{flag}: true and false cannot both hold")
    for side in (True, False):  # (in one part: contradictions says so)
        if side in flags["new"] and side in flags["returning"] and len(parts) > 1:
            word = str(side).lower()
            if not any(p.new is side and p.returning is side for p in parts):
                found.append(f"new: {word} and returning: {word} cannot both hold")
    equal: dict[tuple[str, str], Scalar] = {}
    unequal: dict[tuple[str, str], list[Scalar]] = {}
    alike: dict[tuple[str, str], Callable[[Scalar], bool]] = {}
    for part in parts:
        for group in ("query", "attr"):
            for key, cmp in (getattr(part, group) or {}).items():
                if cmp.ne is not None:
                    unequal.setdefault((group, key), []).append(cmp.ne)
                if cmp.eq is None:
                    continue
                was = equal.setdefault((group, key), cmp.eq)
                if (group, key) not in alike:  # (was's side once, however many parts)
                    alike[group, key] = _both_of(was)
                if not alike[group, key](cmp.eq):
                    both = f"{_shown(was)} and {_shown(cmp.eq)}"
                    found.append(f"{group}.{key}: it must equal both {both}")
    for (group, key), value in equal.items():
        same = _same_as(value)  # (value's side once, however many ne parts)
        for ne in unequal.get((group, key), ()):
            if same(ne):
                found.append(f"{group}.{key}: {_both_ways(value, ne)}")
                break
    return found
