"""What the engine needs from the settings, derived once (the middleware and the CLI build it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from omotenashi.engine.headers import personal_vary
from omotenashi.engine.periods import site_zone
from omotenashi.settings import RespectSettings, Settings


@dataclass(frozen=True)
class EngineConfig:
    """What the engine needs from the settings, derived once."""

    respect: RespectSettings = field(default_factory=RespectSettings)
    session_gap: int = 1800
    slot_attribute: str = "data-omo-slot"
    prefix: str = "/_omotenashi"
    max_body: int = 2 * 1024 * 1024
    thread_above: int = 256 * 1024  # larger pages: personalised in a worker thread
    debug_header: bool = False
    zone: tzinfo = UTC  # the site's calendar (OMOTENASHI_RULES_TIMEZONE): caps' days and weeks

    @property
    def vary(self) -> tuple[bytes, ...]:
        return personal_vary(self.respect.honour_gpc)

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineConfig:
        return cls(
            respect=settings.respect,
            session_gap=settings.session_gap,
            slot_attribute=settings.rules.slot_attribute,
            prefix=settings.endpoint_prefix,
            max_body=settings.max_body,
            thread_above=settings.thread_above,
            debug_header=settings.debug_header,
            zone=site_zone(settings.rules.timezone),
        )
