"""Device facts from the User-Agent, parsed once per distinct string (a new one costs ~50 µs).

Only the first ``MAX_USER_AGENT`` characters are read (real ones are shorter): a huge or
ever-changing header costs at most one bounded parse, and the cache is keyed on what is read.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from functools import lru_cache
from typing import Any

import ua_parser
from user_agents.parsers import UserAgent, parse_browser, parse_operating_system
from user_agents.parsers import parse_device as _device_of

from omotenashi.engine.facts import Device

__all__ = ["Device", "is_bot", "parse_device"]


MAX_USER_AGENT = 256


def parse_device(user_agent: str) -> Device:
    """Device facts for a User-Agent string; cached, so repeat visitors cost nothing."""
    return _parse(user_agent[:MAX_USER_AGENT])


def warm() -> None:
    """Build ua-parser's tables now (about 0.1 s, once per process), not in a worker's first
    request: a fresh worker's loop stalled on it in its first burst, its profile reads timed
    out and opened the breaker (shutdown55, gunicorn --max-requests recycling workers). Never
    raises: a request builds them as before if this could not."""
    with contextlib.suppress(Exception):
        ua_parser.parse(WARM)


WARM = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"


def _parse_ua(text: str) -> UserAgent:
    """user-agents' classification (mobile, tablet, bot...) over ua-parser's own parse, which
    uses its native resolver (ua-parser-rs, ~30x faster) when it is installed."""
    found = ua_parser.parse(text)
    ua = UserAgent.__new__(UserAgent)
    ua.ua_string = text
    ua.os = parse_operating_system(**_fields(found.os, family="Other"))
    ua.browser = parse_browser(**_fields(found.user_agent, family="Other"))
    ua.device = _device_of(**_fields(found.device, family="Other", brand=None, model=None))
    return ua


def _fields(part: object, **missing: Any) -> dict[str, Any]:
    return asdict(part) if part is not None else missing  # type: ignore[call-overload]


@lru_cache(maxsize=4096)
def _parse(user_agent: str) -> Device:
    ua = _parse_ua(user_agent)
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
    lowered = user_agent[:MAX_USER_AGENT].lower()
    if not any(marker in lowered for marker in extra_markers):
        return False
    for name in PEOPLES_DEVICES:  # (privacy66: a Cubot phone was a bot, and told so)
        lowered = lowered.replace(name, " ")
    return any(marker in lowered for marker in extra_markers)


# Makers of people's devices whose name holds a bot marker ("bot" in CUBOT_X30): left out of
# the user agent before the markers are looked for
PEOPLES_DEVICES = ("cubot",)
