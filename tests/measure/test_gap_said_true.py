"""What the data page says of a visitor who came back after a measured rule's holdout was
removed is true (hunt45): that it was not being measured then, not that they are "no longer
counted", since their goal within the attribution window still counts for the test that ended."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.profile import Profile
from omotenashi.identity.cookie import CookieSigner
from omotenashi.respect.yourdata import measured_lines

from ..conftest import client_for
from .test_measure_middleware import GOALS, shop
from .test_measure_phases import DAY, clock, rules

pytestmark = pytest.mark.anyio
REMOVED = GOALS + 'rules:\n  - {id: promo, slot: hero, text: Promo, why: "Everyone."}\n'
__all__ = ["clock"]  # the fixture, used by name below


def today() -> str:
    return dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()


async def test_a_visitor_back_after_the_test_ended_is_told_the_truth(
    make_settings: Callable[..., Settings], clock: list[float]
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis))
    async with client_for(before) as client:
        await client.get("/")
        jar = dict(client.cookies)
    exposed_on = today()
    clock[0] = DAY  # the next day: the holdout removed (the test ended)
    after = Omotenashi(shop(), settings=make_settings(REMOVED, redis=redis))
    async with client_for(after) as client:
        client.cookies.update(jar)
        await client.get("/")  # marked: back while the test was off
        await client.get("/thanks")  # a goal, within the attribution window
        name = after.settings.cookie.name
        vid = CookieSigner(after.settings).identify(f"{name}={jar[name]}").vid
        profile = await after.store.load(vid)
        stats = await after.store.read_stats([exposed_on])
        data = (await client.get("/_omotenashi/preferences/data")).text
    # (upgrade67: "you are in the group that does not see it, to compare", of a test ended)
    assert "no one new is counted for it now" in data and "to compare" not in data
    assert "you are in the group" not in data
    (line,) = measured_lines(profile, {"promo": "Everyone."})
    assert "you came back while it was not being measured" in line
    assert "no longer counted" not in line
    assert sum(int(v) for k, v in stats[exposed_on].items() if k.startswith("c|")) == 1


@pytest.mark.parametrize(
    ("arm", "testing", "said"),
    [
        ("c", {"promo"}, "Everyone: you are in the group that does not see it, to compare, since"),
        ("t", {"promo"}, "Everyone: you are in the group that sees it, since"),
        ("c", set(), "Everyone: you were in the group that did not, from "),
        ("t", set(), "Everyone: you were in the group that saw it, from "),
        ("c", None, "Everyone: you are in the group that does not see it"),  # (not known)
    ],
)
def test_a_group_is_said_in_the_present_only_while_its_test_runs(
    arm: str, testing: set[str] | None, said: str
) -> None:
    profile = Profile(measured={"r|promo": f"{arm}:{int(time.time())}"})
    (line,) = measured_lines(profile, {"promo": "Everyone."}, testing=testing)
    assert line.startswith(said)
    assert line.endswith("; no one new is counted for it now") == (testing == set())


@pytest.mark.parametrize(
    ("change", "running"),
    [
        ("", True),
        (", enabled: false", False),
        (', schedule: {end: "2020-01-01"}', False),
    ],
    ids=["running", "switched-off", "schedule-ended"],
)
async def test_the_data_page_says_a_group_in_the_present_only_while_it_is_measured(
    make_settings: Callable[..., Settings], change: str, running: bool
) -> None:
    """measure67: a rule switched off (or past its schedule's end) kept telling those counted
    "you are in the group that sees it", while no one saw it and the report said it was off."""
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = Omotenashi(shop(), settings=make_settings(rules("50%"), redis=redis))
    async with client_for(before) as client:
        await client.get("/")
        jar = dict(client.cookies)
    later = rules("50%").replace(', why: "Everyone."}', f', why: "Everyone."{change}}}')
    assert later != rules("50%") or running
    after = Omotenashi(shop(), settings=make_settings(later, redis=redis))
    async with client_for(after) as client:
        client.cookies.update(jar)
        data = (await client.get("/_omotenashi/preferences/data")).text
    assert ("you are in the group" in data) == running
    assert ("no one new is counted for it now" in data) == (not running)
