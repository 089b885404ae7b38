"""A visitor's profile as Omotenashi keeps it, and the safe view snippets may see."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

STAGE_ORDER = ("awareness", "interest", "consideration", "purchase", "loyalty")


@dataclass
class Profile:
    visits: int = 0
    views: int = 0
    first_seen: float | None = None
    last_seen: float | None = None
    stage: str = "awareness"
    segments: frozenset[str] = frozenset()
    attrs: dict[str, Any] = field(default_factory=dict)
    interests: dict[str, float] = field(default_factory=dict)
    shown: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_redis(
        cls,
        main: dict[str, str],
        attrs: dict[str, str],
        interests: dict[str, str],
        shown: dict[str, str],
    ) -> Profile:
        return cls(
            visits=_int(main.get("visits")),
            views=_int(main.get("views")),
            first_seen=_float(main.get("first_seen")),
            last_seen=_float(main.get("last_seen")),
            stage=main.get("stage") if main.get("stage") in STAGE_ORDER else "awareness",  # type: ignore[arg-type]
            segments=frozenset(s for s in main.get("segments", "").split(",") if s),
            attrs={k: _json(v) for k, v in attrs.items()},
            interests={k: _float(v) or 0.0 for k, v in interests.items()},
            shown={k: _int(v) for k, v in shown.items()},
        )

    @property
    def known(self) -> bool:
        return self.views > 0


def visitor_view(profile: Profile, *, is_new: bool, device: str) -> dict[str, Any]:
    """The plain, minimal picture of the visitor a snippet may use: no ids, no raw keys."""
    top = sorted(profile.interests.items(), key=lambda kv: (-kv[1], kv[0]))
    name = profile.attrs.get("first_name")
    return {
        "stage": profile.stage,
        "segments": sorted(profile.segments),
        "visits": max(profile.visits, 1),
        "returning": not is_new,
        "interests": [topic for topic, score in top[:5] if score > 0],
        "name": name if isinstance(name, str) else "",
        "device": device,
    }


def _int(value: str | None) -> int:
    try:
        return int(float(value)) if value is not None else 0
    except ValueError:
        return 0


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _json(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value
