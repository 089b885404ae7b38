"""What the plugin's fixtures know of the site's rules: the ids, the holdouts, and a visitor id
in the holdout arms a test asks for (:func:`choose_vid`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from omotenashi.errors import CommandError
from omotenashi.ids import new_vid
from omotenashi.loader.sitenames import check_names as check_names

if TYPE_CHECKING:  # the plugin loads in every pytest run: the engine and settings on first use
    from omotenashi.settings import RulesSettings

STEADY_VIEWS = 10  # page views a test makes, none fresh (at share 0.3: 1 id in 35; 100: 3e15)
ARMS = ("shown", "held-out")


def site_rules(rules: RulesSettings) -> dict[str, float]:
    """``{rule id: holdout percent (0: none)}`` of the rule set in ``rules`` (read again when
    edited)."""
    from omotenashi.loader.sitenames import site_of

    return site_of(rules)[0]


def holdout_rules(rules: RulesSettings) -> dict[str, float]:
    """``{rule id: holdout percent}`` of the rules with a holdout in ``rules``."""
    if not rules.dir.is_dir():
        raise CommandError(
            f"no rules folder at {str(rules.dir)!r}: choosing the holdout arm needs the site's "
            "rules (set OMOTENASHI_RULES_DIR, or override omotenashi_settings); holdouts=None "
            "draws it at random, as for a real visitor"
        )
    return {rule: percent for rule, percent in site_rules(rules).items() if percent}


def moment_of(time: str | datetime, zone: str) -> float:
    """Epoch seconds of ``time`` (ISO text or a datetime; without an offset, in ``zone``)."""
    try:
        at = datetime.fromisoformat(time.strip()) if isinstance(time, str) else time
    except ValueError:
        raise CommandError(
            f"time={time!r} is not an ISO date and time: write one such as "
            "2026-12-24T19:00 or 2026-12-24T19:00+09:00"
        ) from None
    return (at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(zone))).timestamp()


def check_lists(forced: Mapping[str, Any]) -> None:
    """A CommandError for an argument ``omotenashi_force`` does not take (qa70: ``rule=`` was a
    raw TypeError naming ForceSigner.make), and for ``rules=`` or ``segments=`` given one text,
    not a list (qa64: its letters were read as the names, "no rule 'k', 'y', 'o' ...", or
    forced for the site)."""
    import difflib
    import inspect

    from omotenashi.identity.preview import ForceSigner

    takes = [*inspect.signature(ForceSigner.make).parameters][1:] + ["time"]  # (the fixture's)
    for name in forced:
        if name not in takes:
            close = difflib.get_close_matches(name, takes, n=1)
            hint = f"did you mean {close[0]}=? " if close else ""
            raise CommandError(
                f"omotenashi_force: no argument {name!r}: {hint}it takes "
                + ", ".join(f"{a}=" for a in takes)
            )
    for name in ("rules", "segments"):
        if isinstance(given := forced.get(name), str):
            raise CommandError(
                f"omotenashi_force: {name}={given!r} is one text, not a list: write "
                f"{name}=[{given!r}]"
            )


def check_forced(forced: list[str] | None, rules: RulesSettings) -> None:
    """Rule ids a force token names that the site's rules lack are a CommandError naming the
    closest ids; not checked without a rules folder (a site tested where it runs)."""
    from omotenashi.loader.namechecks import unknown_rules

    if not forced or not rules.dir.is_dir():
        return
    missing = unknown_rules(forced, site_rules(rules))
    if missing:
        raise CommandError(
            f"omotenashi_force: no rule {', '.join(missing)} in the rules at "
            f"{str(rules.dir)!r} (omotenashi_settings.rules): the site would force nothing"
        )


def holdout_arms(
    holdouts: str | Mapping[str, str] | None, rules: RulesSettings
) -> dict[str, tuple[bool, float]]:
    """``{rule id: (held out, percent)}`` for ``holdouts`` ("shown" or "held-out" for every
    rule with a holdout, ``{rule id: arm}``, or None), checked against the rule set."""
    if holdouts is None:
        return {}
    if isinstance(holdouts, str) and holdouts not in ARMS:  # (before any rule is looked at:
        raise CommandError(f"holdouts: {holdouts!r} is not one of {ARMS}")  # qa64, "shwon")
    if holdouts == "shown" and not rules.dir.is_dir():  # the default, for a site not here
        return {}  # (a suite testing a running site): no rules known, no arm asked of them
    known = holdout_rules(rules)
    if holdouts == "held-out" and not known:  # (it asked for no arm at all: qaguide51)
        raise CommandError(
            f"holdouts='held-out': no rule in the rules at {str(rules.dir)!r} has a holdout, "
            "so no visitor is held out of one (give a rule holdout: 10%, or ask 'shown')"
        )
    wanted = dict.fromkeys(known, holdouts) if isinstance(holdouts, str) else dict(holdouts)
    arms: dict[str, tuple[bool, float]] = {}
    for rule, arm in wanted.items():
        if arm not in ARMS:
            raise CommandError(f"holdouts: arm {arm!r} of {rule!r} is not one of {ARMS}")
        if rule not in known:
            raise CommandError(
                f"holdouts: {rule!r} has no holdout in the rules at {str(rules.dir)!r} "
                f"(rules with one: {', '.join(sorted(known)) or 'none'})"
            )
        held, percent = arm == "held-out", known[rule]
        if percent >= 100 and not held:
            raise CommandError(f"holdouts: {rule!r} holds out everyone: no visitor sees it")
        arms[rule] = (held, percent)
    return arms


def choose_vid(
    arms: Mapping[str, tuple[bool, float]],
    *,
    views: int = 0,
    fresh_share: float = 0.0,
    fresh: bool | None = False,
    steady_views: int = STEADY_VIEWS,
    tries: int = 1_000_000,
) -> str:
    """A new visitor id in each rule's asked arm (``{rule id: (held out, percent)}``) whose
    page views from ``views`` on are ``fresh`` (False: none of the next ``steady_views``;
    True: the next one; None: as drawn). Both are pure hashes of the id (engine/restraint.py
    ``in_holdout`` and ``is_fresh``): the site draws the same way. What ``tries`` ids could
    not be expected to find is refused at once, saying why."""
    if steady_views < 0:
        raise CommandError(f"steady_views={steady_views}: a number of page views, 0 or more")
    chance = fresh_share if fresh else (1 - fresh_share) ** steady_views if fresh is False else 1
    for held, percent in arms.values():
        chance *= percent / 100 if held else 1 - percent / 100
    if chance * tries < 20:  # 1 id in more than tries/20: hopeless, or minutes of hashing
        asked = ", ".join(
            f"{r}: {'held-out' if h else 'shown'} ({p:g}%)" for r, (h, p) in arms.items()
        )
        raise CommandError(
            f"no visitor id can be expected in {tries} tries: about 1 in "
            f"{1 / chance if chance else float('inf'):.3g} is in the holdout arms asked "
            f"({asked or 'none'}) with fresh={fresh} (a fresh share of {fresh_share}, over "
            f"{steady_views} page views when False): ask fewer steady_views"
            + (" or other arms" if arms else "")
        )
    from omotenashi.engine.restraint import in_holdout, is_fresh

    def steady(vid: str) -> bool:
        if fresh is None:
            return True
        if fresh:
            return is_fresh(vid, views, fresh_share)
        return not any(is_fresh(vid, n, fresh_share) for n in range(views, views + steady_views))

    for _ in range(tries):
        vid = new_vid()
        if all(in_holdout(vid, r, pc) == held for r, (held, pc) in arms.items()) and steady(vid):
            return vid
    raise CommandError(
        f"no visitor id in {tries} tries is in the holdout arms {arms} with fresh={fresh} "
        f"(at a fresh share of {fresh_share}, over {steady_views} page views when False)"
    )
