"""Redis replies read into the engine's types."""

from __future__ import annotations

from typing import Any

from omotenashi.engine.profile import Profile


def profile_from_reply(reply: list[Any]) -> Profile:
    """The load script's reply (one flat list per part of the profile) as a Profile."""
    main, attrs, interests, shown, cart, caps = (pairs(flat) for flat in reply[:6])
    viewed = [(item, float(score)) for item, score in pairs(reply[6]).items()]
    also = pairs(reply[7]) if len(reply) > 7 else {}
    measured = pairs(reply[8]) if len(reply) > 8 else {}
    return Profile.from_redis(
        main, attrs, interests, shown, cart, viewed, caps, also, measured=measured
    )


def pairs(flat: list[str]) -> dict[str, str]:
    return dict(zip(flat[::2], flat[1::2], strict=True))
