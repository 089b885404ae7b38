"""Omotenashi's own URLs under ``OMOTENASHI_ENDPOINT_PREFIX`` (default ``/_omotenashi``).

``POST /_omotenashi/events`` is the beacon for browser events: JSON only, same-site only,
size- and rate-limited per visitor, only the events the journey allows. A bad request is
answered 4xx with a reason and changes nothing.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from omotenashi.respect import preferences
from omotenashi.asgi.api import EVENT_NAME, check_event
from omotenashi.asgi.visitor import Visitor
from omotenashi.identity.device import Device
from omotenashi.errors import PayloadError, StoreError
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import RequestInfo, build_change, understand

if TYPE_CHECKING:
    from omotenashi.asgi.middleware import Omotenashi

Scope = dict[str, Any]
log = logging.getLogger("omotenashi")


class BeaconEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=EVENT_NAME.pattern)
    data: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


class BeaconBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[BeaconEvent] = Field(min_length=1, max_length=20)


async def respond(
    send: Any,
    status: int,
    body: dict[str, Any] | None = None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    data = json.dumps(body).encode() if body is not None else b""
    kind = [(b"content-type", b"application/json")] if body is not None else []
    await _send(send, status, data, [*kind, *(headers or [])])


async def handle_safely(mw: Omotenashi, scope: Scope, receive: Any, send: Any, plan: Any) -> None:
    """:func:`handle`, and if a bug of ours breaks it before it answers, a calm answer rather
    than a server error: the beacon says nothing was stored, a page says to try again."""
    started = False

    async def tracking_send(message: dict[str, Any]) -> None:
        nonlocal started
        started = True
        await send(message)

    try:
        await handle(mw, scope, receive, tracking_send, plan.headers, plan.device, plan.bot)
    except Exception:
        log.exception("omotenashi: the endpoint %s failed", scope.get("path"))
        if started:
            raise
        if scope["path"].endswith("/events"):
            await respond(send, 202, {"stored": False, "reason": "temporarily unavailable"})
        else:
            page = b"<!doctype html><title>Sorry</title><p>This page is not available just now. "
            await _send(
                send,
                200,
                page + b"Please try again in a moment.</p>",
                [(b"content-type", b"text/html; charset=utf-8")],
            )


async def handle(
    mw: Omotenashi,
    scope: Scope,
    receive: Any,
    send: Any,
    headers: dict[str, str],
    device: Device,
    is_bot: bool,
) -> None:
    sub = scope["path"][len(mw.settings.endpoint_prefix) :]
    if sub == "/events":
        await beacon(mw, scope, receive, send, headers, device, is_bot)
    elif sub in ("/preferences", "/preferences/export"):
        await preferences_endpoint(mw, scope, receive, send, headers, sub.endswith("/export"))
    else:
        await respond(send, 404, {"error": f"no such Omotenashi endpoint: {sub!r}"})


def _cross_site(headers: dict[str, str]) -> bool:
    site = headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    return origin is not None and urlsplit(origin).netloc != headers.get("host", "")


async def _read_body(receive: Any, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body.extend(message.get("body", b""))
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return bytes(body)


async def beacon(
    mw: Omotenashi,
    scope: Scope,
    receive: Any,
    send: Any,
    headers: dict[str, str],
    device: Device,
    is_bot: bool,
) -> None:
    spec = mw.journey.spec.beacon
    if scope.get("method") != "POST":
        await respond(send, 405, {"error": "use POST"}, [(b"allow", b"POST")])
        return
    if is_bot:
        await respond(send, 403, {"error": "bots do not send events"})
        return
    if _cross_site(headers):
        await respond(send, 403, {"error": "cross-site requests are refused"})
        return
    if headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        await respond(send, 415, {"error": "send JSON with Content-Type: application/json"})
        return
    length = headers.get("content-length", "0")
    if not length.isdigit() or int(length) > spec.max_bytes:
        await respond(send, 413, {"error": f"the body is over {spec.max_bytes} bytes"})
        return
    body = await _read_body(receive, spec.max_bytes)
    if body is None:
        await respond(send, 413, {"error": f"the body is over {spec.max_bytes} bytes"})
        return
    ident = mw.signer.identify(headers.get("cookie"))
    if ident.is_new:
        await respond(send, 400, {"error": "no visitor cookie: events follow a page view"})
        return
    try:
        raw = json.loads(body)
        batch = BeaconBatch.model_validate(
            raw if isinstance(raw, dict) and "events" in raw else {"events": [raw]}
        )
    except ValueError as exc:  # JSON and pydantic errors both
        reason = _first_error(exc) if isinstance(exc, ValidationError) else f"not JSON: {exc}"
        await respond(send, 422 if isinstance(exc, ValidationError) else 400, {"error": reason})
        return
    for event in batch.events:
        if event.name not in spec.events:
            allowed = ", ".join(spec.events) or "none"
            await respond(
                send,
                422,
                {
                    "error": f"event {event.name!r} cannot be sent from the "
                    f"browser (allowed: {allowed})"
                },
            )
            return
        try:
            check_event(event.name, event.data)
        except PayloadError as exc:
            await respond(send, 422, {"error": str(exc)})
            return
    pid = ident.user or ident.vid
    try:
        if await mw.store.hit_rate_limit(pid, spec.per_minute):
            await respond(
                send, 429, {"error": "too many events; slow down"}, [(b"retry-after", b"60")]
            )
            return
        visitor = Visitor(
            ident,
            await mw.store.load(pid),
            device,
            mw=mw,
            events=[(e.name, dict(e.data)) for e in batch.events],
        )
        request = RequestInfo.from_scope(scope, headers, mw.settings.country_header)
        change = build_change(visitor, request, view=False, session_gap=mw.settings.session_gap)
        understand(visitor, request, change, mw.journey, mw.abandon_after)
        await mw.store.record(pid, change, mw.journey.half_life)
    except StoreError:
        await respond(send, 202, {"stored": False, "reason": "the profile store is unavailable"})
        return
    await respond(send, 204)


async def preferences_endpoint(
    mw: Omotenashi, scope: Scope, receive: Any, send: Any, headers: dict[str, str], exporting: bool
) -> None:
    ident = mw.signer.identify(headers.get("cookie"))
    method = scope.get("method")
    secure = scope.get("scheme") in ("https", "wss")
    cookie = [(b"set-cookie", mw.signer.set_cookie_header(ident, secure=secure))]
    if method == "POST" and not exporting:
        if _cross_site(headers):
            await respond(send, 403, {"error": "cross-site requests are refused"})
            return
        body = await _read_body(receive, 16384)
        form = preferences.parse_form(body or b"")
        if ident.is_new or not mw.signer.check_csrf(ident, (form.get("csrf") or [""])[0]):
            await respond(
                send, 403, {"error": "the form has expired: reload the page and try again"}
            )
            return
        ident, target, _ = await preferences.apply_choice(mw, ident, form)
        await _send(
            send,
            303,
            b"",
            [
                (b"location", target.encode("latin-1", "replace")),
                (b"set-cookie", mw.signer.set_cookie_header(ident, secure=secure)),
            ],
        )
        return
    if method not in ("GET", "HEAD"):
        await respond(send, 405, {"error": "use GET or POST"}, [(b"allow", b"GET, POST")])
        return
    profile, failed = Profile(), False
    if not ident.is_new:
        try:
            profile = await mw.store.load(ident.user or ident.vid)
        except StoreError:
            failed = True
    if exporting:
        await _send(
            send,
            200,
            preferences.export(ident, profile),
            [
                (b"content-type", b"application/json"),
                (b"content-disposition", b'attachment; filename="my-data.json"'),
            ],
        )
        return
    query = scope.get("query_string", b"").decode("latin-1")
    notice = next((text for key, text in preferences.NOTICES.items() if f"{key}=1" in query), "")
    if failed:
        notice = "We could not load what we keep about you just now; please try again later."
    private = ""
    if mw.private_reason(headers, ident):
        private = (
            "Your browser asks sites not to track you, or you have not given consent: "
            "we keep nothing about you and only adapt pages to things like your device "
            "or the link you followed."
        )
    page = mw.preferences.render(ident, profile, notice=notice, private=private)
    await _send(send, 200, page, [(b"content-type", b"text/html; charset=utf-8"), *cookie])


async def _send(send: Any, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    head = [(b"cache-control", b"no-store"), (b"vary", b"Cookie"), *headers]
    if status != 204:  # a 204 carries no body and no Content-Length
        head.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"])
    return f"{where}: {err['msg']}" if where else str(err["msg"])
