"""``omotenashi check``: what in a rule looks meant and does something else, at its own line.

Errors: an empty ``any: []`` (no branch can hold) and an empty ``not: {}`` (it rules out every
visitor), which the engine reads as "never". Warnings: a ``path`` glob written with another
tool's syntax (``/tours/[id]``, ``/tours/[slug]``, ``/tours/{a,b}``, an unclosed ``[``: path
globs are shell-style, ``*``, ``?`` and ``[set]``; ``/p/[xy]`` is read as a set), a ``not:``
that rules out what the same conditions ask for (both lines named), and a ``holdout: 100%``
that keeps every visitor from the rule, a ``holdout: 0.1`` written without ``%`` (a share of
one read as a percent: 0.1% of visitors, likely meant as 10%), and a count compared with a
number below 0 (``cart_items: {at_least: -1}``, which every visitor meets: no count is below 0).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from omotenashi.loader.never import _impossible_compare as contradictions_of
from omotenashi.loader.never import _same, counts_of
from omotenashi.loader.whens import walk_whens
from omotenashi.rules.model import Compare, Rule, When
from omotenashi.rules.yamlsource import Loc, line_of

Add = Callable[[Loc, str, str, str], None]

_SET = re.compile(r"\[(!?)([^\]]*)\]")
_BRACES = re.compile(r"\{([^{}]*)\}")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def path_glob_problem(glob: str) -> tuple[str, str] | None:
    """(problem, hint) when a ``path`` glob uses a syntax ``fnmatch`` reads otherwise: a
    ``[...]`` that reads as a placeholder's name (``[id]``, ``[slug]``; not ``[xy]``),
    ``{a,b}`` alternatives or a ``{name}`` placeholder, or a ``[`` that no ``]`` closes (read
    as the character itself)."""
    if brace := _BRACES.search(glob):
        parts = brace.group(1).split(",")
        if len(parts) > 1:
            head, tail = glob[: brace.start()], glob[brace.end() :]
            each = [f"{head}{part.strip()}{tail}" for part in parts]
            return (
                f"{glob!r} never matches: {{a,b}} is not supported in a path glob, the braces "
                "are read as themselves",
                f"write path: [{', '.join(repr(p) for p in each)}], or two rules",
            )
        if _WORD.fullmatch(brace.group(1)):
            star = f"{glob[: brace.start()]}*{glob[brace.end() :]}"
            return (
                f"{glob!r} matches only that very text: {{...}} is not a placeholder in a path "
                "glob",
                f"for a placeholder use *: write {star!r}",
            )
    open_at = glob.find("[")
    if open_at >= 0 and glob.find("]", open_at + 2) < 0:  # (a ']' right after '[' is a member)
        return (
            f"{glob!r} matches only that very text: a '[' that no ']' closes is read as '['",
            f"for any characters use *: write {glob[:open_at] + '*'!r}; '[[]' matches a '['",
        )
    for found in _SET.finditer(glob):
        members = found.group(2)
        distinct = {c.casefold() for c in members}
        if not found.group(1) and _placeholder(members) and len(distinct) > 1:
            ones = " or ".join(repr(glob[: found.start()] + c) for c in dict.fromkeys(members))
            star = f"{glob[: found.start()]}*{glob[found.end() :]}"
            return (
                f"{glob!r} matches only {ones}{'…' if glob[found.end() :] else ''}: a [...] is "
                "one character of the set",
                f"for a placeholder use *: write {star!r}",
            )
    return None


# Placeholder names of under 4 letters other tools write as [name] (Next.js, SvelteKit ...);
# other sets that short (``[xy]``, ``[gu]``) are read as meant: one character of the set.
_SHORT_PLACEHOLDERS = frozenset(
    {"id", "ids", "pk", "uid", "key", "sku", "ref", "tag", "cat", "day", "num", "no", "nr", "idx"}
)


def _placeholder(members: str) -> bool:
    """Whether a ``[...]``'s members read as a placeholder's name: an identifier of 4 or
    more characters (``[slug]``, ``[tour]``) or a short placeholder word (``[id]``)."""
    if not _WORD.fullmatch(members):
        return False
    return len(members) >= 4 or members.casefold() in _SHORT_PLACEHOLDERS


def rule_shape_findings(
    add: Add, lines: dict[Loc, int], rule: Rule, loc: Loc, holdout: object = None
) -> None:
    """The errors and warnings above for one rule at ``loc`` (``("rules", 3)``; ``holdout``:
    its ``holdout:`` as written, a number or a text such as "10%")."""
    if 0 < rule.holdout < 1 and not (isinstance(holdout, str) and "%" in holdout):
        share = rule.holdout * 100
        add(
            (*loc, "holdout"),
            "warning",
            f"holdout: {rule.holdout:g} keeps {rule.holdout:g}% of visitors from rule "
            f"{rule.id!r} (holdout is a percent, not a share of 1)",
            f"for {share:g}% write holdout: {share:g}%; for {rule.holdout:g}% write "
            f"holdout: {rule.holdout:g}%",
        )
    if rule.holdout >= 100:
        add(
            (*loc, "holdout"),
            "warning",
            f"rule {rule.id!r} never shows: holdout: {rule.holdout:g}% keeps every visitor "
            "in its control group",
            "write a share such as 10%: the control group is compared with the rest",
        )
    for when, at in walk_whens(rule.when, (*loc, "when")):
        _when_shape(add, lines, when, at)


def _when_shape(add: Add, lines: dict[Loc, int], when: When, at: Loc) -> None:
    for name, cmp in counts_of(when):
        if (said := _passes_all(name, cmp)) is not None:
            add((*at, *name), "warning", *said)
    for index, glob in enumerate(when.path or ()):
        if (said := path_glob_problem(glob)) is not None:
            add((*at, "path", index), "warning", *said)
    if when.any is not None and not when.any:
        add(
            (*at, "any"),
            "error",
            "any: [] holds for no visitor (it lists no alternative), so the rule never fires",
            "list the alternatives, e.g. any: [{device: mobile}, {path: /tours/*}], or remove any:",
        )
    if when.not_ is not None and not (when.not_.model_fields_set - {"timezone"}):
        add(
            (*at, "not"),
            "error",
            "not: {} rules out every visitor (an empty condition always holds), so the rule "
            "never fires",
            "write what must not hold, e.g. not: {device: mobile}, or remove not:",
        )
    if when.not_ is not None and not when.all and (ruled := _ruled_out(when, when.not_)):
        field, own = ruled
        not_line = line_of(lines, (*at, "not"))
        add(
            (*at, "not"),
            "warning",
            f"this not: (line {not_line}) rules out {own}, which the same conditions ask "
            f"for at line {line_of(lines, (*at, field))}: the rule can never fire",
            "remove one of the two, or make the not: name something else",
        )


def _ruled_out(when: When, not_: When) -> tuple[str, str] | None:
    """(the field, what it asks) when every condition of ``not_`` holds whenever ``when``'s
    own do: device, stage or segment lists within ``when``'s, ``attr`` or ``query`` values it
    asks for. Only ``not:``s of these fields alone are looked at (certain, not guessed)."""
    fields = not_.model_fields_set - {"timezone"}
    if len(fields) != 1:
        return None
    (field,) = fields
    if field in ("device", "stage", "segment"):
        own, out = getattr(when, field), getattr(not_, field)
        if own and out and set(own) <= set(out):
            return field, f"{field}: {', '.join(own)}"
        return None
    if field in ("attr", "query"):
        own_cmp: dict[str, Compare] = getattr(when, field) or {}
        out_cmp: dict[str, Compare] = getattr(not_, field) or {}
        said = []
        for key, cmp in out_cmp.items():
            have = own_cmp.get(key)
            if not _eq_only(cmp) or cmp.eq is None or have is None or have.eq is None:
                return None
            if not _same(have.eq, cmp.eq):
                return None
            said.append(f"{field}.{key} = {have.eq!r}")
        return (field, " and ".join(said)) if said else None
    return None


def _eq_only(cmp: Compare) -> bool:
    return cmp.model_fields_set == {"eq"} and cmp.eq is not None


def _passes_all(name: tuple[str, ...], cmp: Compare) -> tuple[str, str] | None:
    """A count's lower bound that every visitor meets (no count is below 0): ``{at_least: 0}``
    or one below 0, alone (the comparison holds for every visitor; its "i" said "0 or more
    pages": words52), or beside other tests (the bound rules out no one)."""
    below = [(b, v) for b in ("at_least", "gt") if (v := getattr(cmp, b)) is not None]
    if not below or contradictions_of(cmp):
        return None
    passing = [(b, v) for b, v in below if v < 0 or (b == "at_least" and v == 0)]
    if not passing:
        return None
    bound, value = passing[0]
    field = ".".join(name)
    if len(passing) == len(below) and not cmp.model_fields_set - {"at_least", "gt"}:
        return (
            f"{field}: {{{bound}: {value:g}}} holds for every visitor: no count is below 0",
            f"write {{at_least: 1}} for one or more, or remove {name[0]}:",
        )
    if value == 0:  # ({at_least: 0, at_most: 3} reads as the range it is)
        return None
    return f"{field}: {bound}: {value:g} rules out no visitor: no count is below 0", (
        f"remove {bound}:"
    )
