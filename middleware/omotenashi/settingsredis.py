"""The Redis group of the settings (``OMOTENASHI_REDIS_<FIELD>``), and the base of every group;
both are imported from :mod:`omotenashi.settings` as ever."""

from __future__ import annotations

import difflib
import re
import ssl
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMES = ("redis", "rediss", "unix", "redis+sentinel")
_WHOLE = {"db", "max_connections", "socket_read_size", "health_check_interval", "protocol"}
_SECONDS = {"socket_timeout", "socket_connect_timeout", "timeout"}
# The options redis-py (8.2, its asyncio client) reads from a URL's query: the names of its
# URL_QUERY_ARGUMENT_PARSERS and the text ones its connection classes take. Any other it hands
# on to the connection, which fails every command with a TypeError (an outage, page after
# page); tests/test_redis_url48.py checks this table against the installed redis-py.
OPTIONS = frozenset(
    {*_WHOLE, *_SECONDS, "socket_keepalive", "retry_on_timeout", "legacy_responses"}
    | {"username", "password", "client_name"}
    | {"encoding", "encoding_errors"}
)
TLS_OPTIONS = frozenset(
    {"ssl_ca_certs", "ssl_ca_data", "ssl_ca_path", "ssl_cert_reqs", "ssl_certfile"}
    | {"ssl_keyfile", "ssl_password", "ssl_ciphers", "ssl_check_hostname", "ssl_min_version"}
    | {"ssl_include_verify_flags", "ssl_exclude_verify_flags"}
)
_FLAGS = ("ssl_include_verify_flags", "ssl_exclude_verify_flags")
# ``password=`` and ``ssl_password=`` (config52: "\b" did not hold after "_"), any case
_QUERY_PASSWORD = re.compile(r"(?<=password=)[^&]*", re.IGNORECASE)


def masked(url: str) -> str:
    """``url`` with its secrets shown as ``***``: the whole user part (``redis://***@host``;
    a user name before a colon stays: ``redis://user:***@host``) and a ``password=`` in the
    query. ``redis://s3cret@host`` is a password given where the user name goes: masked too.
    Text, not urlsplit: a password with a "/" or "@" in it (unquoted) is masked whole."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    end = _user_end(rest)
    head, tail = rest[:end], rest[end:]
    if "@" in head:
        userinfo, _, after = head.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        head = (f"{user}:***@" if colon and "/" not in user else "***@") + after
    return f"{scheme}{sep}{head}{_QUERY_PASSWORD.sub('***', tail)}"


def _query_at(rest: str) -> int:
    """Where the query or fragment of ``rest`` (a URL after ``://``) starts, or its length."""
    return min((i for i in (rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))


def _user_end(rest: str) -> int:
    """Where the user part and host of ``rest`` (a URL after ``://``) end: at its query or
    fragment, or past an "@" after them that ends a password with a bare "?" or "#" in it
    (config52: ``redis://:Xy#9pw@host`` was shown as written). Not where a path came first (a
    fragment, ``/0#note@x``), nor a query naming one of redis-py's options (its value may hold
    an "@": ``?client_name=a@b``): eye52."""
    end = _query_at(rest)
    at = rest.find("@", end)
    if at < 0 or "/" in rest[:end]:
        return end
    name, equals, _ = rest[end + 1 : at].partition("=")
    if rest[end] == "?" and equals and name.lower() in OPTIONS | TLS_OPTIONS:
        return end
    slash = rest.find("/", at)
    return slash if slash >= 0 else len(rest)


def redis_url_problem(url: str) -> str | None:
    """What keeps the client from connecting to ``url`` at all (None: nothing). Said when the
    settings are read: found only as the pool opens, it raised inside the lifespan, which
    uvicorn's default ``--lifespan auto`` takes for an app without lifespan events (one INFO
    line), and every page went out unpersonalised, no cookie, nothing logged."""
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in SCHEMES:
        return (
            "it should start with redis://, rediss://, unix:// or redis+sentinel:// "
            "(redis://host:6379/0)"
        )
    end = _query_at(rest)
    if _user_end(rest) > end:  # a "?" or "#" in the password, as is: redis-py stops there
        return (
            "its password has a '#' or '?' written as is: write '#' as %23 and '?' as %3F "
            "(redis://:p%23ss@host:6379/0)"
        )
    parsed = urlsplit(url)  # as redis-py (and store/client.py, for a Sentinel's hosts) reads it
    try:
        if scheme == "unix":
            ports = []
        elif scheme == "redis+sentinel":
            hosts = parsed.netloc.split("@")[-1].split(",")
            ports = [int(host.split(":")[1]) for host in hosts if ":" in host]
        else:
            ports = [parsed.port or 6379]
    except ValueError:  # not a number, or out of range
        ports = [0]
    if not all(0 < port < 65536 for port in ports):
        return "a port should be a number from 1 to 65535 (redis://host:6379/0)"
    db = parsed.path.strip("/") if scheme in ("redis", "rediss") else ""
    if db and not (db.isascii() and db.isdigit()):  # redis-py took it for database 0
        return f"its database {db[:40]!r} should be a whole number (redis://host:6379/0)"
    for name, values in parse_qs(parsed.query).items():  # as redis-py parses them
        said = _option_problem(scheme, name, values[0])
        if said:
            return said
    return None


def _option_problem(scheme: str, name: str, value: str) -> str | None:
    """What is wrong with the query option ``name=value`` of a ``scheme://`` URL (None:
    nothing): one redis-py does not read, one for another kind of connection, a value it
    cannot parse."""
    shown = repr(name[:40])
    if scheme == "redis+sentinel":  # store/client.py reads the hosts and the service only
        return (
            f"a redis+sentinel:// URL takes no options after '?' ({shown} would be ignored): "
            "the service's name goes after the hosts (redis+sentinel://host:26379/mymaster)"
        )
    if name in ("lib_name", "lib_version"):  # (a DeprecationWarning on every connection)
        return f"its option {shown} is deprecated by redis-py and soon gone (remove it)"
    if name == "retry_on_error":
        return (
            f"its option {shown} is not taken: Omotenashi sends a command once more after a "
            "connection error, and a page never waits for more (remove it)"
        )
    if name in TLS_OPTIONS and scheme != "rediss":
        return f"its option {shown} is for TLS: use rediss://host:6380/0 (or remove it)"
    if name == "socket_keepalive" and scheme == "unix":
        return f"its option {shown} is for TCP, not a unix socket (remove it)"
    if name not in OPTIONS | TLS_OPTIONS:
        close = difflib.get_close_matches(name[:40], sorted(OPTIONS | TLS_OPTIONS), n=1)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else "options it reads: "
            + ", ".join(sorted(OPTIONS | (TLS_OPTIONS if scheme == "rediss" else set())))
        )
        return f"its option {shown} is not one redis-py reads: every command would fail ({hint})"
    number = int if name in _WHOLE or name == "ssl_min_version" else float
    if name in _WHOLE | _SECONDS or name == "ssl_min_version":
        try:
            number(value)
        except ValueError:
            return f"its {name}= should be a number ({name}={'2' if number is int else '0.5'})"
    if name == "protocol" and int(value) not in (2, 3):
        return "its protocol= should be 2 or 3 (protocol=2)"
    if name == "max_connections" and int(value) < 1:
        return "its max_connections= should be 1 or more (max_connections=50)"
    if name == "ssl_cert_reqs" and value not in ("none", "optional", "required"):
        return "its ssl_cert_reqs= should be none, optional or required (ssl_cert_reqs=required)"
    if name in _FLAGS:
        flags = [flag.strip() for flag in value.replace("[", "").replace("]", "").split(",")]
        wrong = [flag for flag in flags if flag not in ssl.VerifyFlags.__members__]
        if wrong:
            return f"its {name}= names no TLS verify flag: {wrong[0][:40]!r} (VERIFY_X509_STRICT)"
    return None


class _Group(BaseModel):
    """A group of settings: a name it does not have is an error, never silently ignored."""

    # inf is no number of seconds or bytes (config52: a breaker reset of inf never tried Redis
    # again, and showed as null in the settings line)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


TEN_YEARS = 10 * 366 * 24 * 3600


class RedisSettings(_Group):
    url: str | None = Field(
        default=None,
        description="redis://, rediss://, unix:// or redis+sentinel:// URL; unset starts a private "
        "embedded server (demo, tests).",
    )

    @field_validator("url")
    @classmethod
    def _a_redis_url(cls, url: str | None) -> str | None:
        problem = None if url is None else redis_url_problem(url)
        if problem:
            raise ValueError(problem)
        return url

    cluster: bool = Field(default=False, description="Connect with the Redis Cluster client.")
    embedded: bool = Field(
        default=True, description="With no URL, start a private embedded server (else fail open)."
    )
    connect_timeout: float = Field(default=0.25, gt=0, description="Seconds to open a connection.")
    read_timeout: float = Field(
        default=0.15, gt=0, description="Seconds the profile read (before the app runs) may take."
    )
    write_timeout: float = Field(default=0.5, gt=0, description="Seconds a write may take.")
    max_connections: int = Field(default=50, ge=1, description="Size of the connection pool.")
    key_prefix: str = Field(
        default="omo", pattern=r"^[A-Za-z0-9_.-]+$", description="First part of every key."
    )
    idle_ttl: int = Field(  # (at most ten years: past Redis's integers, ops65, the first
        default=90 * 24 * 3600,  # request's write failed and left a profile with no expiry)
        ge=60,
        le=TEN_YEARS,
        description="A profile idle this long (s) expires.",
    )
    new_ttl: int = Field(
        default=24 * 3600,
        ge=60,
        le=TEN_YEARS,
        description="A profile of one visit only expires after this (s), until a second visit.",
    )
    stats_retention: int = Field(
        default=400 * 24 * 3600,
        ge=24 * 3600,
        description="Measurement counters (one hash per day, no visitor data) are kept this "
        "long (s) after their day.",
    )
    breaker_failures: int = Field(
        default=5,
        ge=1,
        description="Consecutive failed reads that open the circuit breaker (a write that "
        "gets no answer is logged and counted, never opens it).",
    )
    breaker_reset: float = Field(
        default=1.0,
        ge=0,
        description="Seconds the breaker stays open before Redis is tried (a request or a PING).",
    )
    health_check_interval: float = Field(
        default=10.0, ge=0, description="PING a pooled connection idle this long (s) before use."
    )
    write_batch_interval: float = Field(
        default=0.002,
        ge=0,
        description="Seconds page views wait to be written together (0: at once).",
    )
    write_batch_size: int = Field(
        default=100, ge=1, description="Page views that make a write batch go at once."
    )
    write_queue_limit: int = Field(
        default=10_000,
        ge=1,
        description="Page views queued or in flight at most; past it they are dropped "
        "(and counted): the most a crash can lose.",
    )
    compact: bool = Field(
        default=True,
        description="Write profiles and recommendation pairs in compact forms (N when 1, times "
        "equal to F's or L's left out; items as codes, pair scores as whole numbers), which "
        "86f3d79 (2026-12-04) and later read and earlier releases misread: upgrading from one "
        "before 86f3d79, or rolling back to one, set it off while any such worker serves.",
    )

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The fields as ``repr`` shows them, the URL's password as ``***`` (config69: an app
        that logged its settings logged it)."""
        for name, value in super().__repr_args__():
            yield name, masked(value) if name == "url" and isinstance(value, str) else value

    def problem(self) -> tuple[str, float | str, str] | None:
        """What two settings of this group cannot do together: (the field to change, its
        value, why and what would be right); None: nothing. Said by :class:`Settings`, one
        line as any setting's problem."""
        parsed = urlsplit(self.url or "")
        if self.cluster and parsed.scheme.lower() in ("redis", "rediss"):
            db = parse_qs(parsed.query).get("db", [parsed.path.strip("/")])[0]
            if db.strip("0"):  # redis-py's cluster client refuses it as the pool opens
                return (
                    "url",
                    masked(self.url or ""),
                    "Redis Cluster has database 0 only (OMOTENASHI_REDIS_CLUSTER is on): "
                    f"end the URL with /0, not {db[:10]!r}",
                )
        return None
