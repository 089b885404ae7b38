"""Omotenashi: server-side personalisation for ASGI, with hospitality and restraint."""

from __future__ import annotations

from omotenashi.asgi.api import consent, forget, identify, remember, track
from omotenashi.asgi.middleware import Omotenashi
from omotenashi.asgi.visitor import Visitor, get_visitor
from omotenashi.engine.profile import Profile
from omotenashi.errors import (
    ConfigError,
    EmbeddedServerError,
    OmotenashiError,
    PayloadError,
    RuleError,
    RuleSetError,
    SnippetError,
    StoreError,
)
from omotenashi.settings import Settings
from omotenashi.store.embedded import EmbeddedRedis

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "EmbeddedRedis",
    "EmbeddedServerError",
    "Omotenashi",
    "OmotenashiError",
    "PayloadError",
    "Profile",
    "RuleError",
    "RuleSetError",
    "Settings",
    "SnippetError",
    "StoreError",
    "Visitor",
    "consent",
    "forget",
    "get_visitor",
    "identify",
    "remember",
    "track",
]
