"""``omotenashi proxy`` runs uvicorn with its Date header off (the origin's passes through):
the middleware's own pages, which never reach the origin, still carry one (RFC 9110 6.6.1)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from omotenashi.proxy import Dated, from_env

from .conftest import asgi_get, lifespan
from .live_server import serving

pytestmark = pytest.mark.anyio


async def origin(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    headers = [(b"content-type", b"text/plain")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"from the origin"})


def dates(messages: list[dict[str, Any]]) -> list[bytes]:
    return [v for k, v in messages[0]["headers"] if k.lower() == b"date"]


@pytest.mark.parametrize(
    "path",
    ["/_omotenashi/preferences", "/_omotenashi/data", "/_omotenashi/nothing-here", "/plain"],
)
async def test_every_response_of_the_proxy_command_has_one_date(
    path: str, tmp_path: Path, omotenashi_redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    # uvicorn adds the origin's own Date here
    async with serving(origin, lifespan="off") as origin_url:
        for name, value in {
            "OMOTENASHI_PROXY_UPSTREAM": origin_url,
            "OMOTENASHI_REDIS_URL": omotenashi_redis_url,
            "OMOTENASHI_SECRET_KEYS": '["a-key-for-this-test-only-0123456789"]',
            "OMOTENASHI_RULES_DIR": str(tmp_path / "rules"),
            "OMOTENASHI_RULES_SNIPPETS_DIR": str(tmp_path / "rules"),
        }.items():
            monkeypatch.setenv(name, value)
        app = from_env()
        async with lifespan(app):
            messages = await asgi_get(app, path)
    assert isinstance(app, Dated)
    found = dates(messages)
    assert len(found) == 1, (messages[0]["status"], messages[0]["headers"])
    assert parsedate_to_datetime(found[0].decode()).tzname() == "UTC"


async def test_a_date_already_there_is_left_alone() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        start = [(b"Date", b"Tue, 01 Dec 2026 10:00:00 GMT")]
        await send({"type": "http.response.start", "status": 200, "headers": start})
        await send({"type": "http.response.body", "body": b""})

    messages = await asgi_get(Dated(app), "/")
    assert dates(messages) == [b"Tue, 01 Dec 2026 10:00:00 GMT"]
    assert messages[1] == {"type": "http.response.body", "body": b""}
