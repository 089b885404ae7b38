"""What is known about one request and its visitor: the only input rule conditions see."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from omotenashi.identity.device import Device

_UNKNOWN = Device(kind="other", browser="Other", os="Other", is_bot=False)


@dataclass(frozen=True)
class Facts:
    stage: str = "awareness"
    segments: frozenset[str] = frozenset()
    attrs: Mapping[str, object] = field(default_factory=dict)
    interests: Mapping[str, float] = field(default_factory=dict)
    visits: int = 1
    is_new: bool = True
    device: Device = _UNKNOWN
    path: str = "/"
    query: Mapping[str, str] = field(default_factory=dict)
    referrer: str = ""
    languages: tuple[str, ...] = ()
    country: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    views: int = 0
    purchases: int = 0
    cart_items: int = 0
    events: Mapping[str, int] = field(default_factory=dict)
    absent_days: float | None = None
    cart_abandoned: bool = False
    viewed: frozenset[str] = frozenset()
    lists: Mapping[str, frozenset[str]] = field(default_factory=dict)
    first_touch: Mapping[str, str] = field(default_factory=dict)


def parse_languages(header: str) -> tuple[str, ...]:
    """Accept-Language → lower-case tags, best first (q=0 dropped)."""
    out: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag or tag == "*":
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > 0:
            out.append((-q, index, tag))
    return tuple(tag for _, _, tag in sorted(out))
