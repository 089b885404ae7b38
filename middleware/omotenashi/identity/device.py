"""Device facts from the User-Agent, parsed once per distinct string (parsing costs ~0.5 ms)."""

from __future__ import annotations

from functools import lru_cache

from user_agents import parse as _parse_ua

from omotenashi.engine.facts import Device

__all__ = ["Device", "is_bot", "parse_device"]


@lru_cache(maxsize=4096)
def parse_device(user_agent: str) -> Device:
    """Device facts for a User-Agent string; cached, so repeat visitors cost nothing."""
    ua = _parse_ua(user_agent[:512])
    if ua.is_bot:
        kind = "bot"
    elif ua.is_tablet:
        kind = "tablet"
    elif ua.is_mobile:
        kind = "mobile"
    elif ua.is_pc:
        kind = "desktop"
    else:
        kind = "other"
    return Device(kind=kind, browser=ua.browser.family, os=ua.os.family, is_bot=ua.is_bot)


def is_bot(device: Device, user_agent: str, extra_markers: tuple[str, ...]) -> bool:
    if device.is_bot:
        return True
    lowered = user_agent.lower()
    return any(marker in lowered for marker in extra_markers)
