"""The error replies that mean a Redis server cannot serve now, or that the URL is wrong, and a
refused script's first line (store/pipeline.py's, redis-py's path and the breaker's)."""

from __future__ import annotations

import re

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


#: A refused command's reply (with its code or without: redis-py drops it; from a script too,
#: Redis 7/Valkey and Redis 6 wordings) -> what it refused (None: a command's name), the code.
_REFUSED = (
    (r"unknown command '([^']+)'", None, "unknown command"),
    (r"unknown (?:redis )?command called from script", "a command in a script", "unknown command"),
    (r"no permissions to run the '([^']+)' command", None, "NOPERM"),
    (r"can't run this command or subcommand", "a command in a script", "NOPERM"),
    (
        r"no permissions to access (?:a key|one of the keys)|can't access at least one of the keys",
        "a key outside the user's key pattern",
        "NOPERM",
    ),
)
#: What the erase and the revoke (store/privacy.py: scripts) need, as pages do.
_ERASE_NEEDS = frozenset("evalsha script script|load hexists hget ttl del hset expire".split())


def command_refused(text: str) -> tuple[str, str, str] | None:
    """What a setup refuses, as said in ``text`` (an error's), and what that stops:
    ``("the 'evalsha' command", "NOPERM", "personalise pages or erase a visitor's data")``;
    None for any other error."""
    for pattern, what, code in _REFUSED:
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            name = found.group(1)[:40] if found.groups() else ""
            stops = "personalise pages"
            if not name or name.lower() in _ERASE_NEEDS:  # (a key, a script's command: both)
                stops += " or erase a visitor's data"
            return what or f"the {name!r} command", code, stops
    return None
