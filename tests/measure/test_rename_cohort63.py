"""A renamed measured rule (``formerly:``) files a visitor's conversion beside their first
exposure, under the former id it is kept under: once the rule left the files (its rename
unknown), the record under the former id had no mark of the goal, and the visitor's next
purchase was counted again; and the report's row of the id now held conversions of visitors
exposed under the former id, a cohort of its own (marketer63). Real middleware, real Redis."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.measuring import cohorts

from ..conftest import client_for
from .test_measure_middleware import shop
from .test_measure_phases import GOALS, rules

pytestmark = pytest.mark.anyio


async def test_a_renamed_rule_gone_from_the_files_counts_a_visitors_goal_once(
    make_settings: Callable[..., Settings],
) -> None:
    redis = {"key_prefix": f"m{uuid.uuid4().hex[:12]}"}
    before = rules("50%")
    renamed = before.replace("id: promo,", "id: spring, formerly: [promo],")
    gone = GOALS + "rules: []\n"
    jar: dict[str, str] = {}
    for text, step in ((before, "/"), (renamed, "/buy"), (gone, "/buy"), (renamed, "/buy")):
        mw = Omotenashi(shop(), settings=make_settings(text, redis=redis))
        async with client_for(mw) as client:
            client.cookies.update(jar)
            answer = await (client.get(step) if step == "/" else client.post(step))
            assert answer.status_code == 200
            jar = dict(client.cookies)
            day = dt.datetime.fromtimestamp(time.time(), dt.UTC).date().isoformat()
            counted = (await mw.store.read_stats([day]))[day]
    conversions = {k: int(v) for k, v in counted.items() if k.startswith("c|")}
    assert list(conversions.values()) == [1], counted  # once, whatever the rules knew
    assert all("|promo|" in name for name in conversions)  # beside its exposure's id


@pytest.mark.parametrize(
    ("measured", "expected"),
    [
        ({"r|promo": "t:100"}, {"spring": "promo"}),
        ({"r|promo": "t:100", "r|spring": "c:50"}, {}),  # one of its own: filed there
        ({"r|older": "t:50", "r|promo": "c:100"}, {"spring": "older"}),  # the earliest
        ({"r|other": "t:100"}, {}),
        ({}, {}),
    ],
)
def test_a_conversion_is_filed_under_the_id_its_first_exposure_is_kept_under(
    measured: dict[str, str], expected: dict[str, str]
) -> None:
    assert cohorts(measured, {"promo": "spring", "older": "spring"}) == expected
