"""inputs60: a beacon body sent compressed (``Content-Encoding: gzip``) was answered 400 "not
JSON"; it is a 415 naming the coding, with ``Accept-Encoding: identity`` (RFC 9110 15.5.16),
and nothing is stored. An uncompressed body says ``identity`` or nothing and is read."""

from __future__ import annotations

import gzip
from collections.abc import Callable

import pytest

from omotenashi import Settings

from .conftest import client_for
from .test_beacon_edges import BEACON, JSON, me, site

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
EVENT = b'{"name":"view_item","data":{"item":"momiji"}}'


@pytest.mark.parametrize(
    ("coding", "body", "status"),
    [
        ("gzip", gzip.compress(EVENT), 415),
        ("br", EVENT, 415),
        ("gzip, identity", gzip.compress(EVENT), 415),
        ("identity", EVENT, 204),
        (" Identity ", EVENT, 204),
        ("", EVENT, 204),
    ],
)
async def test_a_compressed_beacon_is_refused_with_the_coding_named(
    coding: str, body: bytes, status: int, make_settings: Make
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        headers = {**JSON, "content-encoding": coding} if coding else JSON
        answer = await client.post(BEACON, content=body, headers=headers)
        viewed = (await me(client))["viewed"]
    assert answer.status_code == status
    if status == 415:
        shown = coding.strip().lower()
        assert answer.json()["error"] == (
            f"send the body uncompressed (Content-Encoding {shown!r} is not read)"
        )
        assert answer.headers["accept-encoding"] == "identity"
        assert viewed == []
    else:
        assert viewed == ["momiji"]
