"""The HTML report under the control path, for whoever holds the report token."""

from __future__ import annotations

import base64
import socket
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.reportpage import presented_token

from ..conftest import client_for
from .test_measure_middleware import RULES, middleware, shop

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
REPORT = "/_omotenashi/report"


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"editor:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("Bearer wrong-token-value", 401),
        (basic("wrong-token-value"), 401),
        ("Bearer a-long-report-token", 200),
        (basic("a-long-report-token"), 200),
    ],
)
async def test_the_report_page_needs_its_token(
    make_settings: Make, authorization: str | None, status: int
) -> None:
    mw = middleware(make_settings, measure={"report_token": "a-long-report-token"})
    headers = {"authorization": authorization} if authorization else {}
    async with client_for(mw) as client:
        await client.get("/")  # one exposure to report
        page = await client.get(REPORT, headers=headers)
    assert page.status_code == status
    if status == 401:
        assert page.headers["www-authenticate"].startswith("Basic")
        assert "promo" not in page.text
    else:
        assert "<svg" in page.text and "promo" in page.text and "<script" not in page.text
        assert page.headers["cache-control"] == "private, no-store"


async def test_without_a_token_there_is_no_report_page(make_settings: Make) -> None:
    async with client_for(middleware(make_settings)) as client:
        assert (await client.get(REPORT, headers={"authorization": "Bearer x"})).status_code == 404


async def test_a_bad_day_is_a_400(make_settings: Make) -> None:
    mw = middleware(make_settings, measure={"report_token": "a-long-report-token"})
    async with client_for(mw) as client:
        page = await client.get(
            REPORT,
            params={"since": "soon"},
            headers={"authorization": "Bearer a-long-report-token"},
        )
    assert page.status_code == 400 and "'soon'" in page.text


async def test_a_redis_that_does_not_answer_is_a_503_saying_so(make_settings: Make) -> None:
    """marketer65: a 200 "Sorry" page (monitoring and curl -f passed), logged as our bug."""
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = make_settings(
        RULES,
        redis={"url": f"redis://127.0.0.1:{port}/0"},
        measure={"report_token": "a-long-report-token"},
    )
    async with client_for(Omotenashi(shop(), settings=settings)) as client:
        page = await client.get(REPORT, headers={"authorization": "Bearer a-long-report-token"})
    assert page.status_code == 503 and page.headers["retry-after"] == "60"
    assert page.text == "The counts could not be read from Redis just now: try again in a minute."


@given(st.text(max_size=60))
def test_any_authorization_header_is_read_without_error(header: str) -> None:
    assert isinstance(presented_token(header), str)
