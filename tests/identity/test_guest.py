"""What a request is known by before anything loads: its device and whether it is a bot, kept
per User-Agent (bounded, each User-Agent its own answer, only what is read of a huge one)."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi import Settings
from omotenashi.asgi import arrival
from omotenashi.asgi.arrival import Arrival
from omotenashi.identity.cookie import CookieSigner
from omotenashi.identity.device import MAX_USER_AGENT
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0"
GOOGLE = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def arrival_for(**settings: Any) -> Arrival:
    s = Settings(**settings)
    metrics = Metrics()
    return Arrival(s, CookieSigner(s), Store(s.redis, metrics), metrics)


def scope(user_agent: str) -> dict[str, Any]:
    return {"type": "http", "headers": [(b"user-agent", user_agent.encode())]}


@pytest.mark.parametrize(
    ("agent", "kind", "bot"),
    [
        (PHONE, "mobile", False),
        (DESKTOP, "desktop", False),
        (GOOGLE, "bot", True),
        ("AcmePreviewFetcher/1.0", "other", True),  # a marker from the settings
    ],
)
def test_each_user_agent_keeps_its_own_answer_asked_again(agent: str, kind: str, bot: bool) -> None:
    a = arrival_for(bot_user_agents=["previewfetcher"])
    for other in (PHONE, DESKTOP, GOOGLE, "AcmePreviewFetcher/1.0"):
        a.guest(scope(other))
    for _ in range(2):  # first from the parse, then from what was kept
        guest = a.guest(scope(agent))
        assert (guest.device.kind, guest.bot) == (kind, bot)
    assert guest.headers["user-agent"] == agent


def test_what_is_kept_per_user_agent_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arrival, "AGENTS_KEPT", 3)
    a = arrival_for()
    for n in range(10):
        a.guest(scope(f"{DESKTOP} build/{n}"))
        assert len(a._agents) <= 3
    assert a.guest(scope(PHONE)).device.kind == "mobile"


def test_a_huge_user_agent_is_kept_by_what_is_read_of_it() -> None:
    a = arrival_for()
    for n in range(3):  # different tails past what is read: one entry, as short as the read
        a.guest(scope(DESKTOP + " " * MAX_USER_AGENT + str(n) * 8000))
    assert [len(k) for k in a._agents] == [MAX_USER_AGENT]
