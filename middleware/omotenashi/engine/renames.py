"""Renamed rules and categories: what was kept under a former name, read under the name now.

A visitor's choices (the cookie), caps, what was shown and their measurement record are kept
under rule ids and categories. A rule's ``formerly:`` (and a rule file's ``categories: {name:
{formerly: [...]}}``) name what it was called, and each path reads what is kept through
:class:`Renames`: the cookie's switched-off names (so every check, the preferences page and a
save see the name now, and a save keeps the name now), and the profile (caps counted under a
former id carry on, the history lists the rule once, a recorded holdout arm is kept and a
visitor is counted once in measurement). Nothing stored is rewritten: what is written from
then on is under the name now, and wins over what a former name kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import TypeVar

from omotenashi.engine.profile import Profile
from omotenashi.rules.model import Rule

V = TypeVar("V")


def draw_id(rule: Rule) -> str:
    """The id a rule's holdout is drawn on: its first (the oldest former id, else its id), so
    that a rename keeps every visitor in the group they were in."""
    return rule.formerly[0] if rule.formerly else rule.id


def _at(seen: str) -> int:
    """When a measurement record's ``"<arm>:<unix seconds>"`` was first exposed (unreadable:
    never, so a readable one wins)."""
    at = seen.partition(":")[2]
    return int(at) if at.isascii() and at.isdigit() else 2**62


# The fields of a choices form that name rules, and those that name kinds (respect/)
_RULE_FIELDS = ("rule", "listed", "was_off")
_KIND_FIELDS = ("category", "listed_kind", "listed_category", "was_off_kind")


@dataclass(frozen=True)
class Renames:
    """Former names, each with the name now (a former name is claimed by one rule, or one
    category, and is no name in use now: loader/formerly.py checks)."""

    rules: Mapping[str, str] = field(default_factory=dict)  # former rule id -> its id now
    categories: Mapping[str, str] = field(default_factory=dict)  # former category -> now
    # a former id's place in its rule's ``formerly`` (the latest is the most recent name)
    rank: Mapping[str, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.rules or self.categories)

    def cookie(self, data: dict[str, object], history: str = "") -> dict[str, object]:
        """A choices cookie's payload (``r``: rules off, ``c``: kinds off) under the names now;
        ``data`` itself when it names nothing former. The kind ``history`` (the browsing
        history's, ``OMOTENASHI_RESPECT_HISTORY_CATEGORY``) stays as it is: a rule file that
        names it as a former category must not switch a visitor's history back on."""
        if not data or not self:
            return data
        out: dict[str, object] | None = None
        for key, table in (("r", self.rules), ("c", self.categories)):
            names = data.get(key)
            if key == "c" and history in table:
                table = {old: now for old, now in table.items() if old != history}
            if table and isinstance(names, list) and any(str(n) in table for n in names):
                out = dict(data) if out is None else out
                out[key] = sorted({table.get(str(n), str(n)) for n in names})
        return data if out is None else out

    def form(self, form: dict[str, list[str]], kept: AbstractSet[str]) -> dict[str, list[str]]:
        """A choices form (the preferences page's, a block's "Don't show me this") with the
        rules and kinds it names under their names now: a page served before a rename posts
        the former ones (reload61: the choice was dropped, and the block stayed). A kind in
        ``kept`` (the browsing history's: kinds without rules) stays as it is."""
        if not self:
            return form
        out = dict(form)
        for keys, table in ((_RULE_FIELDS, self.rules), (_KIND_FIELDS, self.categories)):
            for key in keys:
                if table and key in form:
                    out[key] = [
                        ",".join(n if n in kept else table.get(n, n) for n in v.split(","))
                        for v in form[key]
                    ]
        return out

    def written(self, data: dict[str, object], history: str, most: int) -> dict[str, object]:
        """A choices cookie's payload (names now) with the former names of each rule and kind
        it switches off after them, at most ``most`` names of each: a release that has no
        ``formerly:`` (26754c7, the one before, during a rolling deploy or after a rollback,
        or with the rule files before the rename) keeps the block off too. Read back here,
        :meth:`cookie` folds them into the name now, so switching it on again drops them. The
        kind ``history`` is never written for another (it would switch the history off)."""
        out: dict[str, object] | None = None
        for key, table in (("r", self.rules), ("c", self.categories)):
            names = data.get(key)
            if not (table and isinstance(names, list)) or len(names) >= most:
                continue
            off = {str(n) for n in names}
            extra = sorted(
                old
                for old, now in table.items()
                if now in off and old not in off and not (key == "c" and old == history)
            )
            if extra:
                out = dict(data) if out is None else out
                out[key] = [*names, *extra][:most]
        return data if out is None else out

    def profile(self, profile: Profile) -> Profile:
        """``profile`` with what its former ids kept read under the ids now: a cap's count (the
        id's own when it has one, else the most recent former id's), times shown (added up),
        the last showing, the first exposure and conversions; ``profile`` itself when no former
        id kept anything."""
        old = self.rules
        if not old:
            return profile
        fields = (profile.caps, profile.shown, profile.shown_why)
        if not any(k in old for f in fields for k in f) and not any(
            name.split("|", 2)[1] in old for name in profile.measured if "|" in name
        ):
            return profile
        caps = self._latest(profile.caps)
        shown = {k: n for k, n in profile.shown.items() if k not in old}
        for k, n in profile.shown.items():
            if k in old:
                shown[old[k]] = shown.get(old[k], 0) + n
        why = {k: w for k, w in profile.shown_why.items() if k not in old}
        for k, w in profile.shown_why.items():
            if k in old and (old[k] not in why or why[old[k]][0] < w[0]):
                why[old[k]] = w
        return replace(
            profile, caps=caps, shown=shown, shown_why=why, measured=self._measured(profile)
        )

    def _latest(self, entries: Mapping[str, V]) -> dict[str, V]:
        """Each id's own entry, else its most recent former id's."""
        old, rank = self.rules, self.rank
        out = {k: v for k, v in entries.items() if k not in old}
        ranked: dict[str, int] = {}
        for k, v in entries.items():
            now = old.get(k)
            if now is not None and now not in entries and ranked.get(now, -1) < rank[k]:
                out[now], ranked[now] = v, rank[k]
        return out

    def _measured(self, profile: Profile) -> dict[str, str]:
        """The measurement record (``r|<rule>``: first exposure, ``g|<rule>|<goal>``: converted,
        ``o|<rule>``: back while its test was off) under the ids now: the earliest first
        exposure stays (a visitor counts once, in the arm they were first in), a mark once, and
        a conversion only with the exposure it was counted for: a former id's beside an
        exposure under another id (a sign-in merged a browser's record under the former id
        into a user exposed under the id now) would hide the user's own (final63b)."""
        old = self.rules
        out: dict[str, str] = {}
        moved: list[tuple[str, str, str]] = []  # (name now, value, the id it was kept under)
        for name, value in profile.measured.items():
            kind, _, rest = name.partition("|")
            rule, bar, goal = rest.partition("|")
            if rule in old and kind in ("r", "g", "o"):
                moved.append((f"{kind}|{old[rule]}{bar}{goal}", value, rule))
            else:
                out[name] = value
        own = frozenset(out)
        first: dict[str, tuple[int, str]] = {}  # rule now -> its kept exposure's (time, id)
        for name, value, rule in moved:  # (the earliest; of two alike, the one listed first)
            now = name.split("|", 2)[1]
            if (
                name[0] == "r"
                and name not in own
                and (now not in first or _at(value) < first[now][0])
            ):
                first[now] = (_at(value), rule)
        for name, value, rule in moved:
            if name in own or name in out:
                continue
            now = name.split("|", 2)[1]
            if name[0] == "r" and first.get(now, (0, rule))[1] != rule:
                continue
            if name[0] == "g" and (f"r|{now}" in own or first.get(now, (0, rule))[1] != rule):
                continue
            out[name] = value
        return out


NO_RENAMES = Renames()
