"""The report page is built and rendered in a worker thread, one at a time per process: pages
asked meanwhile are served, and a second report asked meanwhile is a 503 saying why."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from omotenashi import Settings
from omotenashi.asgi import reportpage
from omotenashi.measure.htmlreport import render_html

from ..conftest import client_for
from .test_measure_middleware import middleware

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
TOKEN = "a-long-report-token"
REPORT = "/_omotenashi/report"
BEARER = {"authorization": f"Bearer {TOKEN}"}
BOUND = 20  # seconds: only how long a build held on the loop (the old way) blocks it


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The report's rendering, held until ``released`` is set; ``started`` when it began."""
    started, released = threading.Event(), threading.Event()

    def holding(report: Any) -> str:
        started.set()
        released.wait(BOUND)
        return render_html(report)

    monkeypatch.setattr(reportpage, "render_html", holding)
    yield started, released
    released.set()


async def test_a_page_is_served_while_a_report_is_built(
    make_settings: Make, held: tuple[threading.Event, threading.Event]
) -> None:
    started, released = held
    order: list[str] = []
    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw, timeout=60) as client:
        await client.get("/")  # one exposure to report

        async def report() -> None:
            assert (await client.get(REPORT, headers=BEARER)).status_code == 200
            order.append("report")

        building = asyncio.create_task(report())
        await asyncio.to_thread(started.wait, BOUND)
        assert (await client.get("/")).status_code == 200
        order.append("page")
        released.set()
        await building
    assert order == ["page", "report"]


async def test_a_second_report_meanwhile_is_a_503_saying_why(
    make_settings: Make, held: tuple[threading.Event, threading.Event]
) -> None:
    started, released = held
    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw, timeout=60) as client:
        await client.get("/")
        first = asyncio.create_task(client.get(REPORT, headers=BEARER))
        await asyncio.to_thread(started.wait, BOUND)
        second = await client.get(REPORT, headers=BEARER)
        released.set()
        assert (await first).status_code == 200
        third = await client.get(REPORT, headers=BEARER)  # the first one let go
    assert second.status_code == 503 and "one at a time" in second.text
    assert second.headers["retry-after"] == "60"
    assert third.status_code == 200 and "promo" in third.text
