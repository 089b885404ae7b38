"""What every request's responder needs, built once by the middleware."""

from __future__ import annotations

from dataclasses import dataclass

from omotenashi.engine.page import EngineConfig
from omotenashi.identity.cookie import CookieSigner
from omotenashi.metrics import Metrics
from omotenashi.store.store import Store


@dataclass(frozen=True)
class Tools:
    """What every responder needs, built once by the middleware."""

    config: EngineConfig
    signer: CookieSigner
    store: Store
    metrics: Metrics
    server_timing: bool
    attribution_days: float = 7.0  # measurement: goals this soon after a first exposure count
    hold_seconds: float = 2.0  # a page sent in parts is held at most so long (holdtime.py)
