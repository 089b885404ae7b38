"""Counters of what the middleware did, for logs, tests and dashboards."""

from __future__ import annotations

from collections import Counter


class Metrics:
    """Monotonic counters: ``metrics["redis_timeout"]``; ``snapshot()`` for export."""

    NAMES = (
        "requests",
        "personalised",
        "passthrough",
        "bots",
        "redis_error",
        "redis_timeout",
        "breaker_open",
        "rule_error",
        "snippet_error",
        "splice_error",
        "record_error",
    )

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter({name: 0 for name in self.NAMES})

    def inc(self, name: str, by: int = 1) -> None:
        self._counts[name] += by

    def __getitem__(self, name: str) -> int:
        return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        return dict(self._counts)
