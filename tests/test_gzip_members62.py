"""A gzip page of many members (each costs a few microseconds to start) is inflated in a worker
thread, not on the event loop: a small body of thousands of empty members held the loop 20 ms
(linear62); a page of a few members is still read on the loop, as before."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest

from omotenashi.asgi.offload import LOOP_MEMBERS, personalised
from omotenashi.engine import EngineConfig, Profile, RequestInfo, Visit
from omotenashi.engine.journey import Journey
from omotenashi.engine.pagehttp import gunzip, gunzip_few
from omotenashi.settings import RespectSettings
from tests.test_review_fixes import ruleset

pytestmark = pytest.mark.anyio
HEADERS = [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")]
FIRST = gzip.compress(b'<div data-omo-slot="hero">x</div>', mtime=0)
EMPTY = gzip.compress(b"", mtime=0)


@pytest.mark.parametrize("members", [1, 2, LOOP_MEMBERS, LOOP_MEMBERS + 1, 5000])
def test_gunzip_few_reads_up_to_its_members(members: int) -> None:
    body = FIRST + EMPTY * (members - 1)
    few = gunzip_few(body, 10**6, LOOP_MEMBERS)
    assert few == (gunzip(body, 10**6) if members <= LOOP_MEMBERS else None)
    assert gunzip_few(body, 10**6, 0) == b'<div data-omo-slot="hero">x</div>'


@pytest.mark.parametrize(("members", "off_the_loop"), [(2, False), (5000, True)])
async def test_a_page_of_many_gzip_members_is_inflated_off_the_loop(
    tmp_path: Path, members: int, off_the_loop: bool
) -> None:
    body = FIRST + EMPTY * (members - 1)
    assert len(body) < EngineConfig().thread_above  # (small: only its members send it off)
    config = EngineConfig(respect=RespectSettings(fresh_share=0.0))
    visit = Visit(visitor_id="v", profile=Profile(), now=1.7e9, request=RequestInfo(path="/"))
    ran: list[int] = []

    async def meanwhile() -> None:
        ran.append(1)

    other = asyncio.ensure_future(meanwhile())
    result = await personalised(body, HEADERS, visit, ruleset(tmp_path), Journey(), config)
    assert (ran == [1]) is off_the_loop  # the loop went on while it was inflated
    await other
    assert gzip.decompress(result.body).startswith(b'<div data-omo-slot="hero" data-omo-rule=')
