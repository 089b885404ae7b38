"""What a site's rule set names, for tools that check what a user typed against it (the
testing fixtures, ``omotenashi force``): its rules' ids and holdouts, and its segments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

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


def check_names(
    who: str, given: Mapping[str, Any], rules: RulesSettings, cap: str = "caps= names"
) -> None:
    """A CommandError for a ``caps=`` rule id the site's rules lack that is close to one they
    have (the cap would count nothing), and for a ``segments=`` name neither the journey
    defines nor a rule tests that is close to one that is (qa66: ``"vipp"`` for ``"vip"`` put
    the visitor in no segment any rule reads); a name unlike any may be right (a rule of the
    app under test, a segment the site sets and its snippets read). Not checked without a
    rules folder. ``who``: said first; ``cap``: how the caps are named (``omotenashi profile
    set``'s ``cap.<id>``: qa70, it wrote what the fixture refused)."""
    from omotenashi.errors import CommandError
    from omotenashi.loader.namechecks import unknown_rules

    if not rules.dir.is_dir():
        return
    caps, segments = given.get("caps"), given.get("segments")
    known = site_of(rules)[0]
    ids = sorted(known)  # (a typo: an id unlike any may be a rule of the app under test)
    typos = (
        [c for c in caps if c not in known and _close(c, ids)] if isinstance(caps, Mapping) else []
    )
    if typos:
        raise CommandError(
            f"{who}{cap} no rule {', '.join(unknown_rules(typos, ids))} of the rules "
            f"at {str(rules.dir)!r}: the cap would count nothing"
        )
    if isinstance(segments, str):  # (the seed takes "vip,family" too)
        segments = segments.split(",")
    if isinstance(segments, list | tuple) and (typo := segment_typo(segments, rules)):
        raise CommandError(
            f"{who}segments= {typo[0]!r} is no segment the journey defines or a rule "
            f"tests in the rules at {str(rules.dir)!r}: did you mean {typo[1]!r}?"
        )
