"""What the middleware did, as Prometheus metrics (``prometheus-client``) and plain counts.

Every part calls ``metrics.inc("redis_error")``; tests read ``metrics["redis_error"]``. Each
middleware has its own :class:`~prometheus_client.CollectorRegistry` (``metrics.registry``):
serve it on ``OMOTENASHI_METRICS=true`` (``<endpoint prefix>/metrics``) or add it to your
app's registry with ``prometheus_client.REGISTRY.register(mw.metrics.registry)``. With
``OMOTENASHI_METRICS_DIR`` set, a scrape of it answers the sum over the server's worker
processes (:mod:`omotenashi.metricsdir`).
"""

from __future__ import annotations

import asyncio
import re
from bisect import bisect_left
from collections import Counter as Counts
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from omotenashi.metricsdir import SharedDir

# inc(name) of these counts a response by its outcome.
OUTCOMES = {
    "personalised": "personalised",  # at least one rule shown
    "default": "default",  # looked at, and no rule applied
    "bypassed": "bypassed",  # not looked at: a bot, not HTML, too big (private: when contextual
    # rules are off for private visitors; else their pages count as personalised or default)
    "degraded": "degraded",  # the profile could not be read (Redis failed, slow, breaker open)
    "page_refused": "refused",  # the page cannot be read as a browser does: the app's was served
    "splice_error": "error",  # a bug of ours: the app's page was served
}
# inc(name) of these counts a beacon request by its result.
BEACON = {"beacon_accepted": "accepted", "beacon_refused": "refused", "beacon_dropped": "dropped"}
HELP = {
    "requests": "HTTP requests the middleware looked at.",
    "bots": "Requests from bots (served the app's page).",
    "private": "Requests under GPC/DNT or without consent.",
    "prefetch": "Requests a browser made ahead of use (prefetch, prerender); recorded unless "
    "OMOTENASHI_RESPECT_COUNT_PREFETCH=false.",
    "redis_error": "Redis commands that failed (connection or server error).",
    "redis_refused": "Of redis_error: error replies (script error, WRONGTYPE, OOM), not "
    "counted by the circuit breaker.",
    "redis_full": "Of redis_refused: OOM replies, from a server at its maxmemory (writes are "
    "refused until memory is freed; README: Redis memory).",
    "redis_timeout": "Redis commands that did not answer in time.",
    "redis_retry": "Reads tried once more on a fresh connection after a connection error.",
    "breaker_open": "Redis calls (profile reads, writes) not sent because the circuit breaker "
    "was open; a request that needs none (a new visitor's) is not counted.",
    "held_too_long": "Pages sent in parts still unfinished OMOTENASHI_HOLD_SECONDS after "
    "their first part: sent on as the app sends them, not personalised (counted bypassed too).",
    "reload": "Rule reloads that succeeded.",
    "rule_error": "Rule loads or reloads that were refused.",
    "snippet_error": "Snippets that failed to render (the slot kept its default).",
    "html_skipped": "Slots or selectors left alone: their extent was not sure (misnested HTML).",
    "record_error": "Page views or events that could not be written (Redis failed or did not "
    "answer in time, or the write failed on our side).",
    "record_dropped": "Page views or events refused because the write queue was full (never "
    "written, and not counted in record_error).",
    "learn_lost": "First views of an item whose recommendation counts were not written (the "
    "record answered, the write of the shared counts after it failed or timed out).",
    "own_pairs_error": "Pages served without the visitor's own recommendation pairs because "
    "working them out failed on our side (a bug, logged): the page itself was served.",
    "seed_lists_kept": "Co lists of visitors' latest viewed items (what their own "
    "recommendation pairs come from) a page found kept by this process, one per item.",
    "seed_lists_read": "Co lists read from Redis, one per item: not kept by this process yet, "
    "or kept for over a minute (read again in the background).",
    "seed_lists_unread": "Co lists a page needed and went without, one per item: their read "
    "failed or timed out (the page was served without the pairs they give).",
}
TIMINGS = {
    "redis_read": "Seconds to read a profile.",
    "seed_read": "Seconds to read the co lists of visitors' viewed items not kept by this "
    "process (one round trip; their own recommendation pairs come from them).",
    "redis_write": "Seconds to write a page view or events.",
    "decide": "Seconds to decide the rules of one page.",
    "render": "Seconds to render and splice the snippets of one page.",
}
RENAMED = {"reload": "rule_reloads", "rule_error": "rule_reload_failures"}
BREAKER_STATES = {"closed": 0, "open": 1, "half_open": 2}
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Metrics:
    """Counts (``metrics["redis_timeout"]``, ``snapshot()``) exposed to Prometheus.

    Counting is a dict increment and a timing a bisect (a request counts a dozen things;
    ``prometheus_client``'s own metrics take a lock each time); the Prometheus families are
    built from these numbers when the registry is scraped."""

    def __init__(self) -> None:
        self.tally = tally = Tally()  # this process's numbers; the containers are shared:
        self._counts, self._shown = tally.counts, tally.shown  # counting is one lookup less
        self._timings, self._names = tally.timings, tally.names
        self.shared: SharedDir | None = None  # set: scrapes sum every worker's numbers
        self.registry = _Registry(self)
        self.registry.register(_Families(self))

    def inc(self, name: str, by: int = 1) -> None:
        self._counts[name] += by
        if name not in self._names:
            if not _NAME.match(name):
                raise ValueError(f"not a metric name: {name!r}")
            self._names.add(name)

    def shown(self, rule_ids: Iterable[str]) -> None:
        counts = self._shown
        for rule_id in rule_ids:
            counts[rule_id] += 1

    def observe(self, name: str, seconds: float) -> None:
        """One timing of ``redis_read``, ``redis_write``, ``decide`` or ``render``."""
        timing = self._timings[name]  # (_Timing.observe, inlined: several a request)
        timing.counts[bisect_left(BUCKETS, seconds)] += 1
        timing.total += seconds

    def breaker(self, state: str) -> None:
        self.tally.breaker = BREAKER_STATES[state]

    def __getitem__(self, name: str) -> int:
        return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        return dict(self._counts)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    async def scrape(self) -> bytes:
        """:meth:`exposition`, a metrics dir's files read and added up in a worker thread, not
        on the event loop (this process's numbers are copied on it first)."""
        shared = self.shared
        if shared is None:
            return self.exposition()
        return await asyncio.to_thread(generate_latest, _Summed(shared, *self.own()))

    def own(self) -> tuple[Tally, list[Metric]]:
        """A copy of this process's numbers, their gauges in it; and the other families."""
        gauges, others = self.gauges()
        own = Tally()
        own.add(self.tally, live=True)
        own.gauges = gauges
        return own, others

    def gauges(self) -> tuple[dict[str, tuple[str, float]], list[Metric]]:
        """The registry's other collectors' families (``omotenashi_records_pending`` ...): the
        unlabelled gauges as {name: (help, value)}, and every other family as it is."""
        gauges: dict[str, tuple[str, float]] = {}
        others: list[Metric] = []
        for collector in list(self.registry.others):
            for family in collector.collect():
                samples = family.samples
                if family.type == "gauge" and len(samples) == 1 and not samples[0].labels:
                    gauges[family.name] = (family.documentation, float(samples[0].value))
                else:
                    others.append(family)
        return gauges, others


class _Timing:
    """A histogram's bucket counts and sum."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(BUCKETS) + 1)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(BUCKETS, seconds)] += 1
        self.total += seconds


class Tally:
    """What one process counted (or several, added up): the numbers a scrape shows."""

    __slots__ = ("counts", "shown", "timings", "breaker", "names", "gauges")

    def __init__(self) -> None:
        self.counts: Counts[str] = Counts()
        self.shown: Counts[str] = Counts()
        self.timings = {name: _Timing() for name in TIMINGS}
        self.breaker = 0
        self.names: set[str] = set(HELP)
        self.gauges: dict[str, tuple[str, float]] = {}  # {name: (help, value)}, other parts'

    def add(self, other: Tally, *, live: bool) -> None:
        """Add ``other``'s counters; its gauges too if its process still runs (``live``): the
        breaker's state is the worst of them, the other gauges (records pending) are summed."""
        self.counts.update(other.counts)
        self.shown.update(other.shown)
        self.names |= other.names
        for name, timing in other.timings.items():
            mine = self.timings[name]
            mine.counts = [a + b for a, b in zip(mine.counts, timing.counts, strict=True)]
            mine.total += timing.total
        if live:
            self.breaker = max(self.breaker, other.breaker)
            for name, (text, value) in other.gauges.items():
                self.gauges[name] = (text, self.gauges.get(name, (text, 0.0))[1] + value)


class _Registry(CollectorRegistry):
    """The metrics' registry: as prometheus_client's, or the sum over a metrics dir's files."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(auto_describe=True)
        self.metrics = metrics
        self.others: list[Collector] = []  # every collector but the metrics' own families

    def register(self, collector: Collector) -> None:
        super().register(collector)
        if not isinstance(collector, _Families):
            self.others.append(collector)

    def unregister(self, collector: Collector) -> None:
        super().unregister(collector)
        if collector in self.others:
            self.others.remove(collector)

    def describe(self) -> list[Metric]:
        """What a registry it is added to checks for names said twice (a second middleware's
        registry: :class:`Sites` adds both), without reading a metrics dir."""
        gauges, others = self.metrics.gauges()
        said = [GaugeMetricFamily(name, text, value=v) for name, (text, v) in gauges.items()]
        return [*families(self.metrics.tally), *said, *others]

    def collect(self) -> Iterator[Metric]:
        shared = self.metrics.shared
        if shared is None:
            yield from super().collect()
            return
        yield from _Summed(shared, *self.metrics.own()).collect()


class _Summed(Collector):
    """This process's numbers (``own``) plus every other file of a metrics dir."""

    def __init__(self, shared: SharedDir, own: Tally, others: list[Metric]) -> None:
        self.shared, self.own, self.others = shared, own, others

    def collect(self) -> Iterator[Metric]:
        total = self.shared.total(self.own)
        yield from families(total)
        for name, (text, value) in sorted(total.gauges.items()):
            yield GaugeMetricFamily(name, text, value=value)
        yield from self.others


class _Families(Collector):
    """The Prometheus view of a :class:`Metrics`, built at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return families(self.metrics.tally)


def families(tally: Tally) -> Iterator[Metric]:
    """The Prometheus families of ``tally``'s numbers (not its gauges: their own collectors')."""
    counts = tally.counts
    responses = CounterMetricFamily(
        "omotenashi_responses", "Responses by outcome.", labels=["outcome"]
    )
    for outcome in dict.fromkeys(OUTCOMES.values()):
        n = sum(counts[name] for name, out in OUTCOMES.items() if out == outcome)
        responses.add_metric([outcome], n)
    yield responses
    beacon = CounterMetricFamily(
        "omotenashi_beacon_requests", "Beacon requests by result.", labels=["result"]
    )
    for name, result in BEACON.items():
        beacon.add_metric([result], counts[name])
    yield beacon
    shown = CounterMetricFamily(
        "omotenashi_rules_shown", "Times each rule was shown.", labels=["rule"]
    )
    for rule_id, n in sorted(tally.shown.items()):
        shown.add_metric([rule_id], n)
    yield shown
    for name, text in TIMINGS.items():
        timing = tally.timings[name]
        cumulative, buckets = 0, []
        for bound, n in zip((*map(str, BUCKETS), "+Inf"), timing.counts, strict=True):
            cumulative += n
            buckets.append((bound, cumulative))
        yield HistogramMetricFamily(
            f"omotenashi_{name}_seconds", text, buckets=buckets, sum_value=timing.total
        )
    yield GaugeMetricFamily(
        "omotenashi_breaker_state",
        "The Redis circuit breaker: 0 closed, 1 open, 2 half-open (probing).",
        value=tally.breaker,
    )
    for name in sorted(tally.names - OUTCOMES.keys() - BEACON.keys()):
        yield CounterMetricFamily(
            f"omotenashi_{RENAMED.get(name, name)}",
            HELP.get(name, name.replace("_", " ") + "."),
            value=counts[name],
        )


class Sites(Collector):
    """Several middlewares' metrics in one registry, each sample labelled with its site:
    ``REGISTRY.register(Sites({"shop": shop.metrics, "blog": blog.metrics}))``. Their own
    registries, added side by side, would name the same series twice (prometheus_client
    refuses the second: ``Duplicated timeseries``); here each family is said once, holding
    every site's samples."""

    def __init__(self, sites: dict[str, Metrics], *, label: str = "site") -> None:
        if not _NAME.match(label) or label in _LABELS_USED:
            raise ValueError(f"not a label the metrics leave free: {label!r}")
        self.sites = dict(sites)
        self.label = label

    def collect(self) -> Iterator[Metric]:
        merged: dict[str, Metric] = {}
        for site, metrics in self.sites.items():
            for family in metrics.registry.collect():
                into = merged.get(family.name)
                if into is None:
                    into = Metric(family.name, family.documentation, family.type, family.unit)
                    merged[family.name] = into
                labelled = {self.label: site}
                into.samples += [
                    s._replace(labels={**s.labels, **labelled}) for s in family.samples
                ]
        return iter(merged.values())


_LABELS_USED = frozenset({"outcome", "result", "rule", "le"})  # the families' own labels
