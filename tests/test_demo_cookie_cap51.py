"""grow51: the demo shop answers a Cookie header over 8 KiB with 431 before its session
parses it (CPython's cookie unquoting is quadratic before 3.11.10 / 3.12.6: a 60 KB header of
``\\"`` held the demo's event loop 3.6 s); ordinary cookies still reach the shop."""

from __future__ import annotations

import pytest
from demo_site.headerguard import MAX_COOKIE

from .conftest import client_for
from .test_demo import demo

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("cookie", "status"),
    [
        ('x="' + '\\"' * 30_000 + '"', 431),
        ("; ".join(f"c{n}=v" for n in range(2_000)), 431),
        ("a=" + "b" * (MAX_COOKIE - 2), 200),
        ("theme=dark", 200),
    ],
    ids=["quoted-60k", "many", "at-the-cap", "ordinary"],
)
async def test_a_cookie_header_over_8_kib_is_refused_before_the_session_reads_it(
    omotenashi_redis_url: str, cookie: str, status: int
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as browser:
        page = await browser.get("/", headers={"cookie": cookie})
    assert page.status_code == status
    if status == 431:
        assert "over 8 KiB" in page.text
    else:
        assert "Our tours" in page.text
