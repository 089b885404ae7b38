"""Each measured rule's arms through the real middleware and a real Redis: two measured rules
competing for one slot each keep a fair control group, and a profile holding a first exposure
lives at least the attribution window."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.engine.change import Change
from omotenashi.engine.restraint import in_holdout
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.measure.counting import read_record
from omotenashi.store.argument import payload, record_argument

from ..conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
DAY = 86400

PAGE = '<!doctype html><html><head></head><body><div data-omo-slot="hero">Default</div></body>'
GOALS = "goals:\n  - {id: purchase, event: purchase}\n"
# One slot, two measured rules: 'big' wins the slot whenever both may show.
COMPETING = (
    GOALS
    + """
rules:
  - {id: big, slot: hero, text: Big, priority: 10, holdout: 50%, why: "Everyone."}
  - {id: small, slot: hero, text: Small, priority: 5, holdout: 50%, why: "Everyone."}
"""
)
ONE = GOALS + "rules:\n  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: Everyone.}\n"
PLAIN = GOALS + "rules:\n  - {id: promo, slot: hero, text: Promo, why: Everyone.}\n"


def middleware(make_settings: Make, rules: str, **overrides: Any) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    settings = make_settings(rules, redis={"key_prefix": f"m{uuid.uuid4().hex[:12]}"}, **overrides)
    return Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)


def visitor(big_held: bool, small_held: bool) -> str:
    """The first of a fixed sequence of visitor ids that draws these two holdout arms."""
    for number in range(10_000):
        vid = f"{number:032x}"
        if (in_holdout(vid, "big", 50), in_holdout(vid, "small", 50)) == (big_held, small_held):
            return vid
    raise AssertionError("no such visitor id")


def cookie(settings: Settings, vid: str) -> dict[str, str]:
    ident = Identity(vid=vid, is_new=False, issued_at=time.time())
    return {settings.cookie.name: CookieSigner(settings).sign(ident)}


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


@pytest.mark.parametrize(
    ("big_held", "small_held", "shown", "counted"),
    [
        (False, False, "Big", {"big": "t"}),  # 'small' would not show had it been treated
        (False, True, "Big", {"big": "t"}),  # the same: held out of a slot it would not get
        (True, False, "Small", {"big": "c", "small": "t"}),
        (True, True, "Default", {"big": "c", "small": "c"}),  # 'big' held out: 'small' would
    ],
)
async def test_competing_measured_rules_each_keep_their_control_group(
    make_settings: Make,
    big_held: bool,
    small_held: bool,
    shown: str,
    counted: dict[str, str],
) -> None:
    """The counterfactual of a held-out rule ignores its own holdout only: every other rule
    keeps the arm drawn for this visitor (s2c of the measurement audit: ignoring every holdout
    gave the slot to 'big' always, and 'small' lost its control group)."""
    mw = middleware(make_settings, COMPETING)
    vid = visitor(big_held, small_held)
    async with client_for(mw, cookies=cookie(mw.settings, vid)) as client:
        page = await client.get("/")
        await client.get("/")  # counted once: the record says so
        stats = await mw.store.read_stats([today()])
        profile = await mw.store.load(vid)
    assert f">{shown}</div>" in page.text
    seen, _ = read_record(profile.measured)
    assert {rule: s.arm.value for rule, s in seen.items()} == counted
    # each counted as every release reads it, tagged with the holdout in force (50 %: a changed
    # one starts a new phase)
    written = {f"{kind}|{arm}{held}|{rule}": "1" for rule, arm in counted.items()
               for kind, held in (("x", ""), ("h", "50"))}  # fmt: skip
    assert stats.get(today(), {}) == written


@pytest.mark.parametrize(
    ("rules", "attribution_days", "kept_days"),
    [
        (ONE, 7, 7),  # a first exposure: kept as long as a goal may still count for it
        (ONE, 30, 30),
        (PLAIN, 7, 1),  # nothing measured: a one-visit profile keeps its one day
    ],
)
async def test_a_one_visit_profile_with_an_exposure_lives_the_attribution_window(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    rules: str,
    attribution_days: int,
    kept_days: int,
) -> None:
    mw = middleware(make_settings, rules, measure={"attribution_days": attribution_days})
    vid = visitor(False, False)
    async with client_for(mw, cookies=cookie(mw.settings, vid)) as client:
        for _ in range(2):  # the second view records no exposure: the profile keeps its life
            await client.get("/")
        profile = await mw.store.load(vid)
    assert profile.visits <= 1 and bool(profile.measured) == (rules == ONE)
    ttl = omotenashi_redis.ttl(mw.store.key(vid, "p2"))
    assert kept_days * DAY - 60 <= ttl <= kept_days * DAY + 1  # (to the last second: tally)


@pytest.mark.parametrize("measure_ttl", [0, 7 * DAY, 90 * DAY])
def test_the_record_argument_carries_the_attribution_window_as_json_would(
    measure_ttl: int,
) -> None:
    change = Change(now=1_796_150_224.5, view=True, shown=["promo"], measure={"r|promo": "t:1"})
    built = record_argument(change, 90 * DAY, 30 * DAY, DAY, measure_ttl)
    expected = json.dumps(
        payload(change, 90 * DAY, 30 * DAY, DAY, measure_ttl), separators=(",", ":")
    )
    assert built == expected
    assert json.loads(built).get("measure_ttl") == (measure_ttl or None)
