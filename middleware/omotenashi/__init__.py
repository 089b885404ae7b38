"""Omotenashi: server-side personalisation for ASGI, with hospitality and restraint.

Names are imported on first use, so ``import omotenashi.engine`` (the pure core) loads no
Redis client and no server code.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from omotenashi.errors import (
    ConfigError,
    EmbeddedServerError,
    OmotenashiError,
    PayloadError,
    ProfileNotReady,
    RuleError,
    RuleSetError,
    SelectorError,
    SnippetError,
    StoreError,
)

if _typing.TYPE_CHECKING:
    from omotenashi.asgi.api import consent, forget, identify, remember, revoke, track
    from omotenashi.asgi.middleware import Omotenashi
    from omotenashi.asgi.visitor import Visitor, get_visitor
    from omotenashi.engine.profile import Profile
    from omotenashi.settings import Settings
    from omotenashi.store.embedded import EmbeddedRedis

__version__ = "0.1.0"

_LAZY = {
    "Omotenashi": "omotenashi.asgi.middleware",
    "Settings": "omotenashi.settings",
    "Visitor": "omotenashi.asgi.visitor",
    "get_visitor": "omotenashi.asgi.visitor",
    "consent": "omotenashi.asgi.api",
    "forget": "omotenashi.asgi.api",
    "identify": "omotenashi.asgi.api",
    "remember": "omotenashi.asgi.api",
    "revoke": "omotenashi.asgi.api",
    "track": "omotenashi.asgi.api",
    "Profile": "omotenashi.engine.profile",
    "EmbeddedRedis": "omotenashi.store.embedded",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'omotenashi' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "ConfigError",
    "EmbeddedRedis",
    "EmbeddedServerError",
    "Omotenashi",
    "OmotenashiError",
    "PayloadError",
    "Profile",
    "ProfileNotReady",
    "RuleError",
    "RuleSetError",
    "SelectorError",
    "Settings",
    "SnippetError",
    "StoreError",
    "Visitor",
    "consent",
    "forget",
    "get_visitor",
    "identify",
    "remember",
    "revoke",
    "track",
]
