"""What the middleware did, as Prometheus metrics (``prometheus-client``) and plain counts.

Every part calls ``metrics.inc("redis_error")``; tests read ``metrics["redis_error"]``. Each
middleware has its own :class:`~prometheus_client.CollectorRegistry` (``metrics.registry``):
serve it on ``OMOTENASHI_METRICS=true`` (``<endpoint prefix>/metrics``) or add it to your
app's registry with ``prometheus_client.REGISTRY.register(mw.metrics.registry)``.
"""

from __future__ import annotations

import re
from collections import Counter as Counts
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# inc(name) of these counts a response by its outcome.
OUTCOMES = {
    "personalised": "personalised",  # at least one rule shown
    "default": "default",  # looked at, and no rule applied
    "bypassed": "bypassed",  # not looked at: a bot, not HTML, too big, Redis down, private
    "splice_error": "error",  # a bug of ours: the app's page was served
}
# inc(name) of these counts a beacon request by its result.
BEACON = {"beacon_accepted": "accepted", "beacon_refused": "refused", "beacon_dropped": "dropped"}
HELP = {
    "requests": "HTTP requests the middleware looked at.",
    "bots": "Requests from bots (served the app's page).",
    "private": "Requests under GPC/DNT or without consent.",
    "redis_error": "Redis commands that failed (connection or server error).",
    "redis_timeout": "Redis commands that did not answer in time.",
    "redis_retry": "Reads tried once more on a fresh connection after a connection error.",
    "breaker_open": "Calls refused because the circuit breaker was open.",
    "reload": "Rule reloads that succeeded.",
    "rule_error": "Rule loads or reloads that were refused.",
    "snippet_error": "Snippets that failed to render (the slot kept its default).",
    "html_skipped": "Slots or selectors left alone: their extent was not sure (misnested HTML).",
    "record_error": "Page views or events that could not be written.",
}
TIMINGS = {
    "redis_read": "Seconds to read a profile.",
    "redis_write": "Seconds to write a page view or events.",
    "decide": "Seconds to decide the rules of one page.",
    "render": "Seconds to render and splice the snippets of one page.",
}
RENAMED = {"reload": "rule_reloads", "rule_error": "rule_reload_failures"}
BREAKER_STATES = {"closed": 0, "open": 1, "half_open": 2}
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Metrics:
    """Counts (``metrics["redis_timeout"]``, ``snapshot()``) mirrored into Prometheus."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._counts: Counts[str] = Counts()
        self._counters: dict[str, Counter] = {}
        reg = self.registry
        self._responses = Counter(
            "omotenashi_responses", "Responses by outcome.", ["outcome"], registry=reg
        )
        for outcome in OUTCOMES.values():
            self._responses.labels(outcome)
        self._beacon = Counter(
            "omotenashi_beacon_requests", "Beacon requests by result.", ["result"], registry=reg
        )
        for result in BEACON.values():
            self._beacon.labels(result)
        self._shown = Counter(
            "omotenashi_rules_shown", "Times each rule was shown.", ["rule"], registry=reg
        )
        self._timings = {
            name: Histogram(f"omotenashi_{name}_seconds", text, buckets=BUCKETS, registry=reg)
            for name, text in TIMINGS.items()
        }
        self._breaker = Gauge(
            "omotenashi_breaker_state",
            "The Redis circuit breaker: 0 closed, 1 open, 2 half-open (probing).",
            registry=reg,
        )
        for name in HELP:
            self._counter(name)

    def inc(self, name: str, by: int = 1) -> None:
        self._counts[name] += by
        if name in OUTCOMES:
            self._responses.labels(OUTCOMES[name]).inc(by)
        elif name in BEACON:
            self._beacon.labels(BEACON[name]).inc(by)
        else:
            self._counter(name).inc(by)

    def shown(self, rule_ids: Iterable[str]) -> None:
        for rule_id in rule_ids:
            self._shown.labels(rule_id).inc()

    def observe(self, name: str, seconds: float) -> None:
        """One timing of ``redis_read``, ``redis_write``, ``decide`` or ``render``."""
        self._timings[name].observe(seconds)

    def breaker(self, state: str) -> None:
        self._breaker.set(BREAKER_STATES[state])

    def __getitem__(self, name: str) -> int:
        return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        return dict(self._counts)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def _counter(self, name: str) -> Counter:
        counter = self._counters.get(name)
        if counter is None:
            if not _NAME.match(name):
                raise ValueError(f"not a metric name: {name!r}")
            counter = Counter(
                f"omotenashi_{RENAMED.get(name, name)}",
                HELP.get(name, name.replace("_", " ") + "."),
                registry=self.registry,
            )
            self._counters[name] = counter
        return counter
