"""The QA fixtures refuse what they would misread, saying what to write (qa64): one text for
``rules=`` or ``segments=`` (its letters were read as the names: "no rule 'k', 'y' ...", or the
segments {b, e, m, r} forced), an arm name that is none with no holdout in the rules
("shwon" was accepted), and a negative ``steady_views``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi.errors import CommandError
from omotenashi.settings import RulesSettings, Settings
from omotenashi.testing import choose_vid
from omotenashi.testing.arms import holdout_arms

from .test_plugin_failfast import RULES


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ({"rules": "kyoto-hero"}, "rules='kyoto-hero' is one text, not a list: write "
         "rules=['kyoto-hero']"),
        ({"segments": "member"}, "segments='member' is one text, not a list: write "
         "segments=['member']"),
        # qa70: a raw TypeError naming ForceSigner.make()
        ({"rule": "kyoto-hero"}, "no argument 'rule': did you mean rules=? it takes rules=, "
         "stage=, segments=, attrs=, ttl=, host=, at=, time="),
        ({"colour": "red"}, "no argument 'colour': it takes rules=, stage=, segments=, "
         "attrs=, ttl=, host=, at=, time="),
    ],
)  # fmt: skip
def test_one_text_for_a_list_is_refused_saying_what_to_write(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_force: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    given: dict[str, str],
    says: str,
) -> None:
    monkeypatch.setattr(omotenashi_settings, "rules", make_settings(RULES).rules)
    with pytest.raises(CommandError) as raised:
        omotenashi_force(**given)
    assert str(raised.value) == f"omotenashi_force: {says}"


@pytest.mark.parametrize("folder", [True, False], ids=["rules-here", "no-rules-folder"])
def test_an_arm_that_is_none_is_refused_whatever_the_rules(
    make_settings: Callable[..., Settings], tmp_path: Path, folder: bool
) -> None:
    rules = make_settings(RULES).rules  # (no rule with a holdout)
    if not folder:
        rules = RulesSettings(dir=tmp_path / "not-here")
    with pytest.raises(
        CommandError, match=r"holdouts: 'shwon' is not one of \('shown', 'held-out'\)"
    ):
        holdout_arms("shwon", rules)
    assert holdout_arms("shown", rules) == {}


def test_a_negative_steady_views_is_refused() -> None:
    with pytest.raises(CommandError, match="steady_views=-5: a number of page views, 0 or more"):
        choose_vid({}, steady_views=-5)
