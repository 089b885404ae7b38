"""The report page's build pauses the cyclic collector: a collection set off in the report's
thread holds the interpreter lock, and every visitor's page on the loop, for its whole pass."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest

from omotenashi import Settings

from ..conftest import client_for
from .test_measure_middleware import middleware

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
TOKEN = "a-long-report-token"
BEARER = {"authorization": f"Bearer {TOKEN}"}


async def test_no_collection_starts_in_the_report_thread(make_settings: Make) -> None:
    started: list[str] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started.append(threading.current_thread().name)

    mw = middleware(make_settings, measure={"report_token": TOKEN})
    async with client_for(mw, timeout=60) as client:
        for path in ("/", "/", "/"):
            await client.get(path)
        thresholds = gc.get_threshold()
        gc.set_threshold(10)  # a collection every few containers: a small report sets many off
        gc.callbacks.append(seen)
        try:
            response = await client.get("/_omotenashi/report", headers=BEARER)
        finally:
            gc.callbacks.remove(seen)
            gc.set_threshold(*thresholds)
    assert response.status_code == 200
    assert b"<html" in response.content
    # at most the one its end sets off, as the collector comes back on (8 before the pause)
    assert len([name for name in started if name.startswith("omotenashi-report")]) <= 1
    assert gc.isenabled()  # and back on after it
