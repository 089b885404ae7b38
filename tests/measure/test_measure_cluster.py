"""On Redis Cluster the day counters live in other slots than the visitor's keys: the write
still goes in one pipeline (per node) and the report reads them back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from ..conftest import client_for
from ..test_cluster import cluster_url  # noqa: F401  (the three-node cluster fixture)
from .test_measure_middleware import RULES, arm, counts, shop

pytestmark = pytest.mark.anyio


async def test_counting_on_a_cluster(
    make_settings: Callable[..., Settings],
    cluster_url: str,  # noqa: F811
) -> None:
    settings = make_settings(RULES, redis={"url": cluster_url, "cluster": True})
    mw = Omotenashi(shop(), settings=settings)
    async with client_for(mw) as client:
        side = arm(await client.get("/"))
        await client.post("/buy")
        got = await counts(mw)
    assert [(rule, a) for rule, a, _ in got.exposures] == [("promo", side)]
    assert [(r, g, a) for r, g, a, _ in got.conversions] == [("promo", "purchase", side)]
    assert mw.metrics["redis_error"] == 0 and mw.metrics["record_error"] == 0
