"""Which rules of one slot and priority can hold together (``omotenashi check``'s "same
priority" warning): pairwise (:func:`disjoint`) and for many at once, with bit sets
(:func:`overlapping`), which answer alike (tests/test_check_indexed.py)."""

from __future__ import annotations

from omotenashi.engine.compare import number_of
from omotenashi.rules.model import When
from omotenashi.rules.text import nfc


def _eq_form(value: object) -> object:
    """One form for ``eq`` values the engine holds equal (3 and "3.0", Gold and gold, true and
    "TRUE", Straße and STRASSE: engine/compare.py's ``equal``)."""
    if isinstance(value, bool):
        return ("text", str(value).lower())
    number = number_of(value)
    return ("text", nfc(str(value)).casefold()) if number is None else ("number", number)


def _sections(when: When) -> frozenset[str] | None:
    """The first path segments a ``path:`` condition allows (``/ja/*``: ``ja``; ``/ja``: ``ja``),
    or None where any may be (no ``path:``, or a glob with a wildcard in its first segment):
    rules of ``/ja/*`` and ``/en/*`` never hold together (site53)."""
    if when.path is None:
        return None
    out = set()
    for glob in when.path:
        first = glob[1:].partition("/")[0] if glob.startswith("/") else "*"
        if any(c in first for c in "*?["):
            return None
        out.add(first)
    return frozenset(out)


def disjoint(a: When, b: When) -> bool:
    """True when the two sets of conditions can provably never hold together."""
    here, there = _sections(a), _sections(b)
    if here is not None and there is not None and not here & there:
        return True
    for field_name in ("stage", "device"):
        x, y = getattr(a, field_name), getattr(b, field_name)
        if x is not None and y is not None and not set(x) & set(y):
            return True
    for flag in ("new", "returning", "cart_abandoned"):
        x, y = getattr(a, flag), getattr(b, flag)
        if x is not None and y is not None and x != y:
            return True
    if a.new is not None and b.returning is not None and a.new == b.returning:
        return True
    for group in ("query", "attr"):
        x, y = getattr(a, group) or {}, getattr(b, group) or {}
        for key in x.keys() & y.keys():
            ex, ey = x[key].eq, y[key].eq
            if ex is not None and ey is not None and _eq_form(ex) != _eq_form(ey):
                return True
    return False


def overlapping(whens: list[When]) -> list[bool]:
    """For each of ``whens``, whether another of them can hold with it (``disjoint`` is false
    for the two): with bit sets over the list, per field value the conditions that allow it,
    not one pair at a time."""
    at: dict[tuple[object, ...], list[int]] = {}
    sections = [_sections(w) for w in whens]
    for i, w in enumerate(whens):
        for first in (None,) if sections[i] is None else sections[i] or ():
            at.setdefault(("path", first), []).append(i)
        for field_name in ("stage", "device"):
            values = getattr(w, field_name)
            for value in (None,) if values is None else set(values):
                at.setdefault((field_name, value), []).append(i)
        for flag in ("new", "returning", "cart_abandoned"):
            at.setdefault((flag, getattr(w, flag)), []).append(i)
        for group in ("query", "attr"):
            for key, cmp in (getattr(w, group) or {}).items():
                if cmp.eq is not None:
                    at.setdefault(("eq?", group, key), []).append(i)
                    at.setdefault(("eq", group, key, _eq_form(cmp.eq)), []).append(i)
    held = {key: sum(1 << i for i in indices) for key, indices in at.items()}
    everyone = (1 << len(whens)) - 1
    out = []
    for i, w in enumerate(whens):
        can = everyone ^ 1 << i  # the others it may hold with
        if (mine := sections[i]) is not None:
            allowed = held.get(("path", None), 0)
            for first in mine:
                allowed |= held.get(("path", first), 0)
            can &= allowed
        for field_name in ("stage", "device"):
            values = getattr(w, field_name)
            if values is not None:
                allowed = held.get((field_name, None), 0)
                for value in set(values):
                    allowed |= held.get((field_name, value), 0)
                can &= allowed
        for flag in ("new", "returning", "cart_abandoned"):
            if (value := getattr(w, flag)) is not None:
                can &= held.get((flag, None), 0) | held.get((flag, value), 0)
        if w.new is not None:  # the other's returning must not equal its new
            can &= held.get(("returning", None), 0) | held.get(("returning", not w.new), 0)
        for group in ("query", "attr"):
            for key, cmp in (getattr(w, group) or {}).items():
                if cmp.eq is not None:
                    same = held.get(("eq", group, key, _eq_form(cmp.eq)), 0)
                    can &= (everyone ^ held.get(("eq?", group, key), 0)) | same
        out.append(can != 0)
    return out
