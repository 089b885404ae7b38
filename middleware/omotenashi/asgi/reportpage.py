"""``GET <prefix>/report``: the HTML measurement report, for whoever holds the report token.

Off unless ``OMOTENASHI_MEASURE_REPORT_TOKEN`` is set. The token comes as the password of HTTP
Basic authentication (a browser asks for it) or as a Bearer token; it is compared in constant
time. ``?since=YYYY-MM-DD&until=YYYY-MM-DD`` pick the days: a range wider than the day counts
are kept is narrowed to them, and the page says so (``measure.collect``); a ``since`` after the
``until`` is a 400 naming both. The page is never cached or indexed. After the Redis read,
the report is built and rendered in a worker thread, so pages served meanwhile do not wait
for it; one report is built at a time per process, and a second asked meanwhile is a 503
with ``Retry-After`` saying so.
``GET <prefix>/metrics`` checks ``OMOTENASHI_METRICS_TOKEN`` the same way, when it is set.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs

from pydantic import SecretStr

from omotenashi.engine.facts import MAX_QUERY
from omotenashi.engine.gcpause import paused_gc
from omotenashi.errors import StoreError
from omotenashi.measure.collect import Read, assemble, read_days
from omotenashi.measure.errors import MeasureError
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import parse_day
from omotenashi.settings import Settings

TEXT = (b"content-type", b"text/plain; charset=utf-8")
Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]
BUSY = b"Another report is being built just now (one at a time): try again in a minute."
RETRY_AFTER = b"60"
UNREAD = b"The counts could not be read from Redis just now: try again in a minute."
# A report is built and rendered in a thread of its own (linear in rules x days, but seconds
# at hundreds of rules over a year): the event loop keeps serving pages meanwhile. One at a
# time per process: a second asked meanwhile is told so (503), not queued behind it.
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="omotenashi-report")
_building = threading.Lock()


def presented_token(authorization: str) -> str:
    """The token in an Authorization header: a Bearer token or a Basic password ("" if none)."""
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def allowed(token: SecretStr | None, headers: dict[str, str]) -> bool:
    """The request bears ``token`` (compared in constant time); never without a token."""
    if token is None or not token.get_secret_value():
        return False
    given = presented_token(headers.get("authorization", ""))
    return hmac.compare_digest(given.encode(), token.get_secret_value().encode())


async def metrics_answer(
    settings: Settings, headers: dict[str, str], exposition: Callable[[], Awaitable[bytes]]
) -> Answer:
    """``GET <prefix>/metrics``: the exposition; with OMOTENASHI_METRICS_TOKEN set, only for
    requests bearing it (as the report checks its token), else 401."""
    if settings.metrics_token is not None and not allowed(settings.metrics_token, headers):
        bearer = (b"www-authenticate", b'Bearer realm="Omotenashi metrics"')
        basic = (b"www-authenticate", b'Basic realm="Omotenashi metrics", charset="UTF-8"')
        return 401, b"The metrics need their token.", [TEXT, bearer, basic]
    scraped = await exposition()  # (a metrics dir's files: read in a worker thread)
    return 200, scraped, [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")]


async def answer(
    scope: dict[str, Any], headers: dict[str, str], settings: Settings, store: Any, ruleset: Any
) -> Answer:
    """Status, body and headers: 401 without the token, 400 for a bad day, 503 while another
    report is being built in this process, else the page (built in a worker thread)."""
    if not allowed(settings.measure.report_token, headers):
        challenge = (b"www-authenticate", b'Basic realm="Omotenashi report", charset="UTF-8"')
        return 401, b"The report needs its token.", [TEXT, challenge]
    query = parse_qs(scope.get("query_string", b"")[:MAX_QUERY].decode("latin-1"))
    if not _building.acquire(blocking=False):  # one at a time: each takes a core's share
        return 503, BUSY, [TEXT, (b"retry-after", RETRY_AFTER)]
    handed = False
    try:
        since = parse_day(query["since"][0], "since") if "since" in query else None
        until = parse_day(query["until"][0], "until") if "until" in query else None
        got = await read_days(
            store, since=since, until=until, retention_days=_retention(settings),
            zone=settings.rules.timezone,
        )  # fmt: skip
        job = _pool.submit(_page, got, ruleset, settings, since, until)
        # let go of _building when the build ends or, cancelled while queued, never starts
        job.add_done_callback(lambda _: _building.release())
        handed = True
        page = await asyncio.wrap_future(job)
    except MeasureError as exc:
        return 400, str(exc).encode(), [TEXT]
    except StoreError:  # (marketer65: a 200 "Sorry" page, logged as our bug, passed curl -f)
        return 503, UNREAD, [TEXT, (b"retry-after", RETRY_AFTER)]
    finally:
        if not handed:
            _building.release()
    return (
        200,
        page,
        [(b"content-type", b"text/html; charset=utf-8"), (b"x-robots-tag", b"noindex")],
    )


def _retention(settings: Settings) -> int:
    return settings.redis.stats_retention // 86400


def _page(
    got: Read, ruleset: Any, settings: Settings, since: str | None, until: str | None
) -> bytes:
    """The report page of what was read (in the report's thread), with the cyclic collector
    paused: a year of many rules builds millions of objects, and each full collection that
    set off in this thread held the interpreter lock, and the loop's visitors, for up to
    ~0.1 s (7-11 of them in one build of 200 rules over 400 days). Any cycle it leaves goes
    at the next collection after it."""
    with paused_gc():
        report = assemble(
            got, ruleset, since=since, until=until, retention_days=_retention(settings),
            min_per_arm=settings.measure.min_per_arm, zone=settings.rules.timezone,
        )  # fmt: skip
        return render_html(report).encode()
