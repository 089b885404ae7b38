"""The error replies that mean a Redis server cannot serve now, or that the URL is wrong, and a
refused script's first line (store/pipeline.py's, redis-py's path and the breaker's)."""

from __future__ import annotations

#: Error replies that do mean the server cannot serve now (as redis-py's BusyLoadingError).
#: READONLY: now a replica; "max number of clients": full (it closes the connection).
UNAVAILABLE = ("LOADING", "BUSY", "MASTERDOWN", "READONLY", "ERR max number of clients")

#: AUTH/SELECT replies that mean the URL is wrong (a password, a user, an ACL, a database):
#: a setting to fix, said once (store/breaker.py), not an outage.
MISCONFIGURED = (
    "WRONGPASS",
    "NOAUTH",
    "NOPERM",
    "DENIED",  # protected mode
    "ERR invalid password",  # Redis 5
    "ERR AUTH",  # a password given, none configured (Redis 6+)
    "ERR Client sent AUTH",  # the same, Redis 5
    "ERR DB index",
    "ERR invalid DB index",
)
REFUSED_CONNECTION = "Redis refused the connection: "  # a MISCONFIGURED reply at connect


def shebang_refused(reply: object) -> bool:
    """Whether an error reply to SCRIPT LOAD refuses a script's ``#!lua flags=`` first line:
    Redis 6 compiles it as Lua ("Error compiling script (new function): user_script:1:
    unexpected symbol near '#'"); Redis 7+ and Valkey refuse a flag they do not know
    ("Unexpected flag in script shebang: ...")."""
    text = str(reply)
    if "shebang" in text:
        return True
    return "Error compiling script" in text and "user_script:1:" in text and "near '#'" in text
