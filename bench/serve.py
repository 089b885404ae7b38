"""Serve the demo shop for the benchmark: bare (``--bare``) or personalised, on one port.

``--work-ms N`` makes every page cost N ms of CPU before the shop renders it (an app page
that takes that long to render). The personalised shop shows no page its defaults on purpose
(``fresh_share`` 0), so every response of a returning visitor is personalised.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo_site.app import create_app, demo_settings, site  # noqa: E402


class Work:
    """An ASGI wrapper that burns ``ms`` of CPU per request before calling the app."""

    def __init__(self, app: Any, ms: float) -> None:
        self.app, self.seconds = app, ms / 1000

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.seconds > 0:
            end = time.perf_counter() + self.seconds
            while time.perf_counter() < end:
                pass
        await self.app(scope, receive, send)


_SHOWN = re.compile(rb'data-omo-rule="([^"]+)"')


def from_profile() -> frozenset[bytes]:
    """The ids of the demo's rules chosen from what is kept of the visitor (their history,
    stage, interests: ``CompiledRule.behavioural``). A response counts as personalised when
    it shows one (:func:`personalised`): the demo's "Popular this week", shown to everyone,
    a visitor under GPC and one with no cookie at all, is not (bench69)."""
    rules = create_app(ROOT, demo_settings(ROOT)).rules.current.ruleset.rules
    return frozenset(r.rule.id.encode() for r in rules if r.behavioural)


def personalised(body: bytes, ids: frozenset[bytes]) -> bool:
    """Whether ``body`` shows one of the rules ``ids`` (:func:`from_profile`)."""
    return any(m in ids for m in _SHOWN.findall(body))


def make_app(*, bare: bool, work_ms: float = 0.0) -> Any:
    shop = Work(site(ROOT, cookie_cap=False), work_ms)  # (goal 7 sends 64 KB cookies)
    if bare:
        return shop
    app = create_app(ROOT, demo_settings(ROOT, respect={"fresh_share": 0}))
    app.app = shop
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bare", action="store_true")
    parser.add_argument("--work-ms", type=float, default=0.0)
    args = parser.parse_args()
    app = make_app(bare=args.bare, work_ms=args.work_ms)
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=600,  # the client waits while the other app is measured
    )
