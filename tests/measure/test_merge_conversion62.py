"""A browser that converted before signing in brings its conversion flag into the user's
record only with its own exposure: where the user was exposed already (another browser, the
other arm), the flag stays out, so the user's next purchase counts in the user's arm
(measure62: the flag came alone, and that purchase was never counted)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from omotenashi import Settings

from ..conftest import Written, client_for
from .test_measure_middleware import arm, counts, middleware

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]


async def test_a_conversion_before_a_sign_in_keeps_the_users_arm_counting(
    make_settings: Make,
) -> None:
    mw = middleware(make_settings)
    async with client_for(mw) as a:
        transport = httpx.ASGITransport(app=Written(mw))
        async with httpx.AsyncClient(transport=transport, base_url="http://shop.test") as b:
            for _ in range(60):  # two browsers in the two arms
                a.cookies.clear()
                b.cookies.clear()
                side_a, side_b = arm(await a.get("/")), arm(await b.get("/"))
                if side_a != side_b:
                    break
            assert side_a != side_b
            await a.post("/login")  # the user's record: a's exposure
            await b.post("/buy")  # b converts in its arm: counted there
            await b.post("/login")  # b's record merges into the user's
            await a.post("/buy")  # the user buys, exposed in a's arm
            got = await counts(mw)
    conversions = sorted((r, g, side) for r, g, side, _ in got.conversions)
    assert conversions == sorted([("promo", "purchase", side_a), ("promo", "purchase", side_b)])
    assert sum(got.conversions.values()) == 2
