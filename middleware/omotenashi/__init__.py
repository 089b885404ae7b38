"""Omotenashi: server-side personalisation for ASGI, with hospitality and restraint."""

from __future__ import annotations

from .api import consent, forget, identify, remember, track
from .context import Visitor, get_visitor
from .embedded import EmbeddedRedis
from .errors import (
    ConfigError,
    EmbeddedServerError,
    OmotenashiError,
    PayloadError,
    RuleError,
    RuleSetError,
    SnippetError,
    StoreError,
)
from .middleware import Omotenashi
from .profile import Profile
from .settings import Settings

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
