"""Forced variants for QA: a signed, expiring token that forces rules, a stage, segments or
attributes for one browser.

``omotenashi force --rule kyoto-hero --stage loyalty --url http://127.0.0.1:8000/`` prints a
preview link; opening it sets the ``omo_preview`` cookie for that browser until the token
expires. Unsigned, tampered or expired tokens are ignored. A forced browser's visits are not
recorded, and its responses carry ``X-Omotenashi-Rules``.

Links are short-lived: at most ``OMOTENASHI_PREVIEW_MAX_AGE`` seconds (default an hour) after
they were signed, whatever they say, and a link made for a host (``--url``) works on that host
only. The cookie is HttpOnly, SameSite=Strict, Secure on https and ends with the token.
"""

from __future__ import annotations

import time
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

from omotenashi.engine.facts import Forced
from omotenashi.errors import ConfigError
from omotenashi.rules.model import STAGES
from omotenashi.settings import Settings

COOKIE = "omo_preview"
PARAM = "omo_preview"
_SALT = "omotenashi.preview"


class ForceSigner:
    def __init__(self, settings: Settings) -> None:
        keys = [k.get_secret_value() for k in settings.secret_keys] or ["omotenashi-no-key"]
        self._serializer = URLSafeTimedSerializer(list(reversed(keys)), salt=_SALT)
        self.enabled = bool(settings.secret_keys)
        self.max_age = settings.preview_max_age

    def make(
        self,
        *,
        rules: list[str] | None = None,
        stage: str | None = None,
        segments: list[str] | None = None,
        attrs: dict[str, Any] | None = None,
        ttl: int | None = None,
        host: str | None = None,
    ) -> str:
        ttl = self.max_age if ttl is None else ttl
        if ttl > self.max_age:
            raise ConfigError(
                "ttl",
                ttl,
                f"a preview link lives at most {self.max_age}s, as OMOTENASHI_PREVIEW_MAX_AGE sets",
            )
        if stage is not None and stage not in STAGES:
            raise ConfigError("stage", stage, f"not a journey stage (one of {', '.join(STAGES)})")
        payload = {
            "r": rules or [],
            "s": stage,
            "g": segments or [],
            "a": attrs or {},
            "x": int(time.time()) + ttl,
        }
        if host:
            payload["h"] = host.lower()
        return self._serializer.dumps(payload)

    def read(self, token: str | None, host: str | None = None) -> Forced | None:
        """The forced variant, or None when absent, not ours, expired, older than the longest
        life allowed, or made for another host than ``host``."""
        if not token or not self.enabled:
            return None
        try:
            payload = self._serializer.loads(token, max_age=self.max_age)
        except (BadData, ValueError, TypeError):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("x"), int):
            return None
        if payload["x"] < time.time():
            return None
        made_for = payload.get("h")
        if made_for is not None and host is not None and made_for != host.lower():
            return None
        stage = payload.get("s")
        return Forced(
            rules=frozenset(str(r) for r in payload.get("r") or []),
            stage=stage if stage in STAGES else None,
            segments=frozenset(str(g) for g in payload.get("g") or []),
            attrs=dict(payload.get("a") or {}),
            expires=float(payload["x"]),
        )
