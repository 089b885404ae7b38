"""What a site's rule set names, for tools that check what a user typed against it (the
testing fixtures, ``omotenashi force``): its rules' ids and holdouts, and its segments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from omotenashi.loader.near import _close

if TYPE_CHECKING:
    from omotenashi.settings import RulesSettings

_SITES: dict[tuple[object, ...], tuple[dict[str, float], frozenset[str]]] = {}


def site_of(rules: RulesSettings) -> tuple[dict[str, float], frozenset[str]]:
    """The rule set in ``rules``: its rules' holdouts by id, and the segments its journey
    defines or its rules test (read again when edited)."""
    from omotenashi.loader.reload import fingerprint, load_all
    from omotenashi.loader.whens import walk_whens

    key = (rules.dir.resolve(), rules.snippets_dir, fingerprint(rules.dir, rules.snippets_dir))
    if key not in _SITES:
        loaded = load_all(rules)
        tested = {
            name
            for c in loaded.ruleset.rules
            for when, _ in walk_whens(c.rule.when, ())
            for name in when.segment or ()
        }
        holdouts = {c.id: c.rule.holdout for c in loaded.ruleset.rules}
        _SITES[key] = holdouts, frozenset(tested | set(loaded.journey.spec.segments))
    return _SITES[key]


def segment_typo(segments: Iterable[object], rules: RulesSettings) -> tuple[str, str] | None:
    """The first of ``segments`` the journey does not define nor a rule test that is close
    to one they do, and that one (``("vipp", "vip")``); None when none is."""
    known = sorted(site_of(rules)[1])
    for name in (str(s).strip() for s in segments):
        if name and name not in known and (close := _close(name, known)):
            return name, close
    return None
