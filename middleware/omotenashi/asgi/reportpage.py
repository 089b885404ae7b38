"""``GET <prefix>/report``: the HTML measurement report, for whoever holds the report token.

Off unless ``OMOTENASHI_MEASURE_REPORT_TOKEN`` is set. The token comes as the password of HTTP
Basic authentication (a browser asks for it) or as a Bearer token; it is compared in constant
time. ``?since=YYYY-MM-DD&until=YYYY-MM-DD`` pick the days: a range wider than the day counts
are kept is narrowed to them, and the page says so (``measure.collect``); a ``since`` after the
``until`` is a 400 naming both. The page is never cached or indexed.
``GET <prefix>/metrics`` checks ``OMOTENASHI_METRICS_TOKEN`` the same way, when it is set.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from pydantic import SecretStr

from omotenashi.engine.facts import MAX_QUERY
from omotenashi.measure.collect import report_for
from omotenashi.measure.errors import MeasureError
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import parse_day
from omotenashi.settings import Settings

TEXT = (b"content-type", b"text/plain; charset=utf-8")
Answer = tuple[int, bytes, list[tuple[bytes, bytes]]]


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
    """Status, body and headers: 401 without the token, 400 for a bad day, else the page."""
    if not allowed(settings.measure.report_token, headers):
        challenge = (b"www-authenticate", b'Basic realm="Omotenashi report", charset="UTF-8"')
        return 401, b"The report needs its token.", [TEXT, challenge]
    query = parse_qs(scope.get("query_string", b"")[:MAX_QUERY].decode("latin-1"))
    try:
        since = parse_day(query["since"][0]) if "since" in query else None
        until = parse_day(query["until"][0]) if "until" in query else None
        report = await report_for(store, ruleset, settings, since=since, until=until)
    except MeasureError as exc:
        return 400, str(exc).encode(), [TEXT]
    page = render_html(report).encode()
    return (
        200,
        page,
        [(b"content-type", b"text/html; charset=utf-8"), (b"x-robots-tag", b"noindex")],
    )
