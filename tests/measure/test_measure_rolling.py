"""Measurement during a rolling deploy and after a rollback: the release before this one
(26754c7) reads the statistics this one writes, and this one reads what that one wrote.

That release reads an exposure counter only as ``x|<t or c>|<rule>`` (its parse_field) and
skips every other field. Counters named with the holdout (``x|t50|promo``) were skipped: its
report, on the workers not yet replaced or after a rollback, lost every first exposure the new
workers counted while it kept their visitors' conversions. The phase is a tag beside the
counter now (``h|t50|promo``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.settings import RedisSettings
from omotenashi.store.stats import record_call, record_field, stats_key

from ..conftest import client_for
from .test_measure_middleware import shop
from .test_measure_phases import row_of, rules, visit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
# The one exposure counter the release before reads (26754c7, measure/counting.parse_field).
OLD_EXPOSURE = re.compile(r"x\|([tc])\|([^|]+)")


def today() -> str:
    return dt.datetime.now(dt.UTC).date().isoformat()


def old_release_reads(fields: dict[str, str]) -> dict[str, int]:
    """The first exposures per arm the release before finds in a day's counters."""
    out = {"t": 0, "c": 0}
    for name, count in fields.items():
        if (found := OLD_EXPOSURE.fullmatch(name)) and found.group(2) == "promo":
            out[found.group(1)] += int(count)
    return out


@pytest.mark.parametrize("holdout", ["50%", "12.5%", "33.333333%"])
async def test_the_release_before_reads_every_first_exposure_this_one_counts(
    make_settings: Make, holdout: str
) -> None:
    mw = Omotenashi(
        shop(),
        settings=make_settings(rules(holdout), redis={"key_prefix": f"m{uuid.uuid4().hex[:12]}"}),
    )
    made = await visit(mw, 30)
    async with client_for(mw):
        fields = (await mw.store.read_stats([today()])).get(today(), {})
    assert old_release_reads(fields) == made
    tags = {name: int(n) for name, n in fields.items() if name.startswith("h|")}
    assert sum(tags.values()) == sum(made.values())  # the phase is kept beside, once each
    row = await row_of(mw, today())
    assert (row.n_t, row.n_c) == (made["t"], made["c"])  # a tag is no exposure of its own


async def test_a_day_both_releases_counted_is_one_phase_with_every_visitor(
    make_settings: Make,
) -> None:
    """The bytes the release before wrote for its visitors on the same day (untagged) are
    counted with this release's, under the holdout now: a rolling deploy starts no phase."""
    prefix = f"m{uuid.uuid4().hex[:12]}"
    mw = Omotenashi(shop(), settings=make_settings(rules("50%"), redis={"key_prefix": prefix}))
    async with client_for(mw):
        client = mw.store.client
        await client.hset(stats_key(prefix, today()), mapping={"x|t|promo": 7, "x|c|promo": 6})
    made = await visit(mw, 20)
    row = await row_of(mw, today())
    assert (row.n_t, row.n_c) == (made["t"] + 7, made["c"] + 6)
    assert "holdout was changed" not in row.sentence


@pytest.mark.parametrize("cluster", [False, True])
def test_a_phase_tag_rides_with_its_exposure_s_record_field(cluster: bool) -> None:
    """The record script counts a tag with the exposure whose record field it sets, once; on
    Cluster the tag follows that field too (count_elsewhere)."""
    day = "2026-12-03"
    counted = {(day, "x|t|promo"): 1, (day, "h|t10|promo"): 1, (day, "c|t|promo|buy"): 1}
    cfg = RedisSettings(cluster=cluster)
    _, args = record_call(["k1", "k2", "k3"], "{}", counted, cfg)
    number = 0 if cluster else 4
    ledger = {} if cluster else {"#": [5]}  # the ledger's key, after the day's (gaps.py)
    assert json.loads(args[1]) == {
        "r|promo": [number, "x|t|promo", 1, "h|t10|promo"],
        "g|promo|buy": [number, "c|t|promo|buy", 1],
        **ledger,
    }
    assert {record_field(name) for _, name in counted} == {"r|promo", "g|promo|buy"}
