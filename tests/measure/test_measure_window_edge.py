"""The attribution window's end, to the second, through the real middleware and Redis: the
first exposure is recorded in whole seconds, so the goal's time is cut to the second as well
(a goal reached exactly at the window's end was lost when the exposure came late in its second).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from omotenashi import Settings
from omotenashi.measure.counting import DAY, WINDOW_DAYS, Arm, Seen, day_of, tally

from ..conftest import client_for
from .test_measure_middleware import arm, middleware

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
WINDOW = WINDOW_DAYS * DAY


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """This process's clock, stopped at ``pinned[0]`` (seconds): the fractions are the test's."""
    now = [float(int(time.time()))]
    monkeypatch.setattr(time, "time", lambda: now[0])
    yield now


EDGES = [
    # (the exposure's fraction of its second, the goal's time after that second, counted)
    (0.9, WINDOW + 0.9, True),  # exactly the window after the exposure: it was lost
    (0.9, WINDOW + 0.5, True),  # 0.4 s inside the window: it was lost
    (0.1, WINDOW + 0.05, True),
    (0.1, WINDOW + 0.95, True),  # the window's last second, whole seconds on both sides
    (0.1, WINDOW + 1.05, False),
    (0.9, WINDOW + 1.2, False),  # 0.3 s past the window
    (0.0, WINDOW + 1.0, False),
]


@pytest.mark.parametrize(("fraction", "after", "counted"), EDGES)
async def test_a_goal_at_the_window_end_counts_whatever_the_fractions(
    make_settings: Make, pinned: list[float], fraction: float, after: float, counted: bool
) -> None:
    second = pinned[0]
    mw = middleware(make_settings)
    async with client_for(mw) as client:
        pinned[0] = second + fraction
        side = arm(await client.get("/"))
        pinned[0] = second + after
        await client.post("/buy")
        stats = await mw.store.read_stats([day_of(second)])
    got = {name: int(n) for name, n in stats.get(day_of(second), {}).items()}
    assert got.get(f"x|{side}|promo") == 1
    assert got.get(f"c|{side}|promo|purchase", 0) == int(counted), got


@pytest.mark.parametrize(("fraction", "after", "counted"), EDGES)
def test_the_window_is_whole_seconds_on_both_sides(
    fraction: float, after: float, counted: bool
) -> None:
    second = 1_764_590_400
    first = tally(
        seen={}, converted=set(), exposed_now={"hero": Arm.CONTROL}, goals_hit=set(),
        now=second + fraction,
    )  # fmt: skip
    assert first.record == {"r|hero": f"c:{second}"}  # recorded to the second
    later = tally(
        seen={"hero": Seen(Arm.CONTROL, second)}, converted=set(), exposed_now={},
        goals_hit={"buy"}, now=second + after,
    )  # fmt: skip
    assert bool(later.increments) is counted
