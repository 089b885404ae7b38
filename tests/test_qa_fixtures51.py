"""qaguide51: the QA fixtures as the README's QA guide uses them. ``omotenashi_visitor(
holdouts="held-out")`` against rules none of which has a holdout is an error (it asked for no
arm at all, and quietly gave an ordinary visitor); ``omotenashi_force(time=...)`` takes the
moment as ``omotenashi force --time`` does (an ISO time; without an offset, in the rules' time
zone), where only an undocumented ``at=`` (epoch seconds) did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import redis

from omotenashi import Settings
from omotenashi.errors import CommandError
from omotenashi.identity.preview import ForceSigner
from omotenashi.testing import SeededVisitor

from .test_plugin_failfast import RULES


def test_held_out_of_rules_without_a_holdout_is_an_error(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Callable[..., SeededVisitor],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(omotenashi_settings, "rules", make_settings(RULES).rules)
    with pytest.raises(CommandError, match="holdouts='held-out': no rule in the rules at .* has"):
        omotenashi_visitor(holdouts="held-out", stage="loyalty")
    visitor = omotenashi_visitor(holdouts="shown", stage="loyalty")  # (the default: fine)
    assert omotenashi_redis.exists(f"omo:{{{visitor.id}}}:p2")


@pytest.mark.parametrize(
    ("time", "zone", "at"),
    [
        ("2026-12-24T19:00+09:00", "UTC", datetime(2026, 12, 24, 10, tzinfo=ZoneInfo("UTC"))),
        ("2026-12-24T19:00", "Asia/Tokyo", datetime(2026, 12, 24, 10, tzinfo=ZoneInfo("UTC"))),
        ("2026-12-24T19:00", "UTC", datetime(2026, 12, 24, 19, tzinfo=ZoneInfo("UTC"))),
        (
            datetime(2026, 12, 24, 19, tzinfo=ZoneInfo("Europe/London")),
            "Asia/Tokyo",
            datetime(2026, 12, 24, 19, tzinfo=ZoneInfo("UTC")),
        ),
    ],
    ids=["offset", "rules-zone", "utc", "datetime"],
)
def test_a_force_link_takes_its_moment_as_force_time_does(
    make_settings: Callable[..., Settings],
    omotenashi_settings: Settings,
    omotenashi_force: Callable[..., str],
    monkeypatch: pytest.MonkeyPatch,
    time: str | datetime,
    zone: str,
    at: datetime,
) -> None:
    rules = make_settings(RULES).rules.model_copy(update={"timezone": zone})
    monkeypatch.setattr(omotenashi_settings, "rules", rules)
    forced = ForceSigner(omotenashi_settings).read(omotenashi_force(rules=["tagline"], time=time))
    assert forced is not None and forced.at == at.timestamp()


def test_a_force_time_that_is_no_time_is_said(
    omotenashi_force: Callable[..., str],
) -> None:
    with pytest.raises(CommandError, match="time='19:00 tonight' is not an ISO date and time"):
        omotenashi_force(time="19:00 tonight")


def test_a_force_link_takes_one_moment(omotenashi_force: Callable[..., str]) -> None:
    """(eye51b) Given both, time= quietly won over at=."""
    with pytest.raises(CommandError, match="give time= or at=, not both"):
        omotenashi_force(time="2026-12-24T19:00+09:00", at=0.0)
