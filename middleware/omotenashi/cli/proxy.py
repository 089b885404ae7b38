"""``omotenashi proxy --upstream URL``: Omotenashi in front of any HTTP origin, under uvicorn.

Every worker reads the same ``OMOTENASHI_*`` settings; the command puts its own options there
first. Several workers (or several machines) share one Redis, so a visitor's profile is the
same whichever process answers; they must also share ``OMOTENASHI_SECRET_KEYS``, or a
cookie signed by one would be a stranger's to the next. With metrics on, several workers share
a metrics dir (``OMOTENASHI_METRICS_DIR``, else a private one for the run), so a scrape of any
answers their sum.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import logging
import math
import os
import secrets
import shutil
import sys
import tempfile
from typing import Any
from urllib.parse import urlsplit

from omotenashi.cli.args import listening, log_level
from omotenashi.errors import OmotenashiError


def register(commands: Any) -> None:
    """Register ``proxy`` on the ``omotenashi`` command's subparsers."""
    cmd = commands.add_parser(
        "proxy",
        help="personalise any HTTP origin (PHP, Rails, a static site ...) as a reverse proxy",
    )
    cmd.add_argument(
        "--upstream", metavar="URL", help="the origin's URL (or OMOTENASHI_PROXY_UPSTREAM)"
    )
    listening(cmd)
    cmd.add_argument(
        "--workers", type=int, default=1, metavar="N", help="worker processes (default 1)"
    )
    cmd.add_argument(
        "--forwarded-allow-ips",
        metavar="IPS",
        help="load balancers whose X-Forwarded-For/-Proto to believe (comma-separated IPs; "
        "unset: none)",
    )
    cmd.add_argument(
        "--limit-concurrency",
        type=int,
        metavar="N",
        help="connections and requests at once before new ones get 503 (uvicorn's; unset: no "
        "limit, as many as the process may open)",
    )
    cmd.add_argument(
        "--timeout-keep-alive",
        type=float,
        default=5.0,
        metavar="S",
        help="close a kept-alive connection idle this long after a response (default 5)",
    )
    cmd.add_argument(
        "--log-level",
        type=log_level,
        default="info",
        metavar="LEVEL",
        help="uvicorn's log level: critical, error, warning, info, debug or trace "
        "(default info: a line per request)",
    )
    cmd.set_defaults(func=run)


NO_METRICS_DIR = (
    "{} workers add up their metrics in a folder they share, and none could be made ({}): set "
    "OMOTENASHI_METRICS_DIR to a folder they may write (on a read-only file system, one "
    "mounted for it), or TMPDIR"
)


class PrivateAccess(logging.Filter):
    """uvicorn's line per request (``--log-level info``) without what names a visitor: no
    client address, and the path without its query (tokens, e-mail addresses and campaign
    values go there), at most 200 characters: ``- - "GET /shop/ HTTP/1.1" 200``; the same of
    a WebSocket handshake's line (``- - "WebSocket /ws" [accepted]``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:  # (client, method, path, version, status)
            path = str(args[2]).split("?", 1)[0][:200]
            record.args = ("-", args[1], path, args[3], args[4])
        elif isinstance(args, tuple) and len(args) >= 2 and '"WebSocket %s"' in str(record.msg):
            # (client, path and query, [status]): a handshake's line, on uvicorn.error (proxy67:
            # the visitor's address and a token in the query were logged)
            record.args = ("-", str(args[1]).split("?", 1)[0][:200], *args[2:])
        return True


def access_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, its access lines passed through
    :class:`PrivateAccess` (in every worker: uvicorn applies it in each process)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["private"] = {"()": f"{__name__}.PrivateAccess"}
    config["handlers"]["access"]["filters"] = ["private"]
    config["handlers"]["default"]["filters"] = ["private"]  # (WebSocket handshakes' lines)
    return config


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from omotenashi.proxy.config import EdgeSettings, origin_tls, upstream_url
    from omotenashi.store.breaker import masked
    from omotenashi.store.embedded import EmbeddedRedis

    if args.upstream:
        os.environ["OMOTENASHI_PROXY_UPSTREAM"] = args.upstream
    try:
        settings = EdgeSettings()
        origin = upstream_url(settings.proxy.upstream)
        origin_tls(settings.proxy)  # a CA bundle that cannot be read: refused before the workers
    except (OmotenashiError, ValueError) as exc:
        print(f"omotenashi proxy: {exc}", file=sys.stderr)
        return 2
    problem = ""
    if args.workers < 1:
        problem = f"--workers must be at least 1, got {args.workers!r}"
    elif args.limit_concurrency is not None and args.limit_concurrency < 1:
        problem = f"--limit-concurrency must be at least 1, got {args.limit_concurrency!r}"
    elif not args.timeout_keep_alive > 0:
        problem = f"--timeout-keep-alive must be more than 0, got {args.timeout_keep_alive!r}"
    elif itself(str(origin), args.host, args.port):  # each request came back, to a full pool
        problem = f"--upstream {origin} is this proxy's own address (--host, --port): a loop"
    if problem:
        print(f"omotenashi proxy: {problem}", file=sys.stderr)
        return 2
    if not settings.secret_keys:
        os.environ["OMOTENASHI_SECRET_KEYS"] = secrets.token_urlsafe(32)
        print(
            "omotenashi proxy: no OMOTENASHI_SECRET_KEYS; using a key made for this run "
            "(visitors' cookies will not survive a restart)",
            file=sys.stderr,
        )
    server = None
    if settings.redis.url is None and settings.redis.embedded:
        server = EmbeddedRedis().start()  # one server for every worker
        os.environ["OMOTENASHI_REDIS_URL"] = server.url
    shared = None  # the workers' metrics dir, made for this run
    if args.workers > 1 and settings.metrics and settings.metrics_dir is None:
        try:
            shared = tempfile.mkdtemp(prefix="omotenashi-metrics-")
        except OSError as exc:  # a read-only file system, TMPDIR unwritable
            if server is not None:
                server.close()
            print(f"omotenashi proxy: {NO_METRICS_DIR.format(args.workers, exc)}", file=sys.stderr)
            return 2
        os.environ["OMOTENASHI_METRICS_DIR"] = shared
    url = server.url if server else settings.redis.url  # (read as the settings read it)
    redis_note = masked(url) if url else "none: personalisation is off"
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address, as URLs write it
    print(
        f"omotenashi proxy: http://{host}:{args.port} -> {origin}  "
        f"({args.workers} worker(s); Redis: {redis_note}; Ctrl+C stops)",
        flush=True,
    )
    if settings.proxy.websockets:
        enough_files(2 * settings.proxy.ws_max_sockets + settings.proxy.max_connections + 256)
    try:
        uvicorn.run(
            "omotenashi.proxy:from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            limit_concurrency=args.limit_concurrency,
            timeout_keep_alive=args.timeout_keep_alive,
            log_level=args.log_level,
            log_config=access_log_config(),  # a line per request names no visitor
            proxy_headers=bool(args.forwarded_allow_ips),
            forwarded_allow_ips=args.forwarded_allow_ips,
            server_header=False,  # the origin's Server and Date headers pass through
            date_header=False,
            ws_max_size=settings.proxy.ws_max_message,  # (uvicorn's own 16 MiB: the proxy's)
            timeout_graceful_shutdown=math.ceil(settings.proxy.read_timeout),  # (stuck: bounded)
            **_websockets(settings.proxy.websockets),
        )
    finally:
        if server is not None:
            server.close()
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)
    return 0


# the loopback names of each family, and which of them a wildcard listener takes (not
# 127.0.0.1 on ::1, nor the reverse: two sockets, eye51b; "localhost" may be either)
_V4, _V6 = frozenset({"127.0.0.1", "localhost"}), frozenset({"::1", "localhost"})
_TAKES = {"0.0.0.0": _V4, "::": _V4 | _V6, "127.0.0.1": _V4, "::1": _V6, "localhost": _V4 | _V6}


def itself(origin: str, host: str, port: int) -> bool:
    """Whether the origin's URL names the address this proxy listens on (proxy51: each
    request came back to it, until its pool was full)."""
    parts = urlsplit(origin)
    try:
        there = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    name, here = (parts.hostname or "").lower(), host.lower().strip("[]")
    # (an origin of 0.0.0.0 or :: is this machine: it reaches any listener here, eye51c)
    anywhere = name in ("0.0.0.0", "::") and here in _TAKES
    return there == port and (name == here or anywhere or name in _TAKES.get(here, ()))


def _websockets(on: bool) -> dict[str, Any]:
    """uvicorn's WebSocket options (wsedge50): wsproto, guarded (proxy/wsguard.py), without
    per-message compression (uvicorn would agree to it with every visitor, and one 65 KB frame
    inflated to 64 MiB before any limit); on, on asyncio's own loop (a visitor sending endless
    empty fragments held uvloop's for 16 s, asyncio's for 0.6 s). Off, the proxy refuses each
    handshake with 501 (uvicorn without a library logged two warnings a handshake: eye50b)."""
    from omotenashi.proxy.wsguard import GuardedWSProtocol  # (a visitor's fragments and pings)

    guarded = {"ws": GuardedWSProtocol, "ws_per_message_deflate": False}
    return {**guarded, "loop": "asyncio"} if on else guarded  # (off: the app says 501)


def enough_files(need: int) -> None:
    """Raises this process's open-file limit (its workers inherit it) to ``need`` where the
    system allows; says what to do where it does not: each WebSocket holds two descriptors,
    and at a limit of 1,024 handshakes failed from about 505 sockets, with asyncio logging
    "Too many open files" 100,000 times (wsedge50b)."""
    try:
        import resource
    except ImportError:  # (not on Windows)
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    new = need if hard == resource.RLIM_INFINITY else min(need, hard)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < need:
        print(
            f"omotenashi proxy: open files are limited to {soft} (ulimit -n), fewer than the "
            f"{need} OMOTENASHI_PROXY_WS_MAX_SOCKETS asks for: raise the limit or lower it",
            file=sys.stderr,
        )
