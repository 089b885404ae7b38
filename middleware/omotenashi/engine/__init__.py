"""The pure personalisation engine: bytes and facts in, a result out. No I/O, no ASGI, no Redis,
no clock reads (time is an argument). Adapters (the ASGI middleware, the proxy, the CLI, the
tests and the benchmarks) call :func:`personalise_response` or :func:`personalise_page`."""

from __future__ import annotations

from omotenashi.engine.change import Change
from omotenashi.engine.decide import Decision
from omotenashi.engine.facts import Device, Facts, Forced, RequestInfo
from omotenashi.engine.journey import Journey
from omotenashi.engine.page import (
    EngineConfig,
    PageResult,
    Result,
    can_personalise,
    personalise_page,
    personalise_response,
)
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.engine.understand import Visit

__all__ = [
    "Change",
    "CompiledRule",
    "Decision",
    "Device",
    "EngineConfig",
    "Facts",
    "Forced",
    "Journey",
    "PageResult",
    "Prefs",
    "Profile",
    "RequestInfo",
    "Result",
    "RuleSet",
    "Visit",
    "can_personalise",
    "personalise_page",
    "personalise_response",
]
