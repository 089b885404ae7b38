"""What is wrong with the settings given: one line naming the setting as the operator wrote
it, and environment variables that nearly spell one (ignored, they would leave the default)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from pydantic import BaseModel, ValidationError

from omotenashi.errors import ConfigError
from omotenashi.settings import Settings
from omotenashi.settingsredis import masked
from omotenashi.settingstable import variables

_SECRETS = ("KEY", "KEYS", "SALT", "TOKEN", "SECRET")


def known_variables(model: type[BaseModel] | None = None) -> list[str]:
    """The environment variable of every setting of ``model`` (the middleware's, or a wider
    model such as the proxy's ``EdgeSettings``)."""
    return [variable for variable, _, _ in variables(model or Settings)]


def _secret(name: str) -> bool:
    """Whether the variable ``name`` may hold a secret (a key, salt, token or password, by its
    ending or a word of one: ``_PASSWORD``, ``_PASS``, ``_PWD``, ``_AUTH``, ``_CREDENTIALS``)."""
    return name.endswith(_SECRETS) or any(w in name for w in ("PASS", "PWD", "AUTH", "CRED"))


# What people look for that is no setting, and what does that job (config69: "did you mean
# OMOTENASHI_COOKIE_NAME?" for OMOTENASHI_COOKIE_SECURE)
_WHAT_DOES = {
    "OMOTENASHI_COOKIE_SECURE": "the cookie is Secure on https requests (behind a TLS proxy, "
    "let the server trust its forwarded headers)",
    "OMOTENASHI_COOKIE_HTTPONLY": "the cookie is always HttpOnly",
    "OMOTENASHI_COOKIE_SAMESITE": "the cookie is always SameSite=Lax",
}


def _not_a_setting(env: str, known: list[str]) -> str:
    """A hint for a name people try that is no setting: what does its job, the setting it
    starts with (``OMOTENASHI_METRICS_ENABLED``), or where a Redis password goes."""
    if env in _WHAT_DOES:
        return _WHAT_DOES[env]
    if env.startswith("OMOTENASHI_REDIS_") and _secret(env):
        return "a Redis password goes in OMOTENASHI_REDIS_URL: redis://:password@host:6379/0"
    return ""


def closest(name: str, known: list[str]) -> str | None:
    """The setting ``name`` (an environment variable that is none) was likely meant as: the
    longest it starts with (``OMOTENASHI_METRICS_ENABLED``: ``OMOTENASHI_METRICS``, not
    ``OMOTENASHI_METRICS_TOKEN``), else the closest in spelling, else None."""
    longest = max((k for k in known if name.startswith(k + "_")), key=len, default="")
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return longest or (close[0] if close else None)


def setting_error(exc: ValidationError, model: type[BaseModel] | None = None) -> ConfigError:
    """The first problem of ``exc`` as a :class:`ConfigError` naming the setting as both an
    environment variable and an argument (``OMOTENASHI_COOKIE_MAX_AGE (cookie.max_age)``), the
    value and what would be right."""
    error = exc.errors()[0]
    # a list's item is named by its list: OMOTENASHI_SECRET_KEYS (secret_keys[0]) (config52)
    loc = [str(part) for part in error["loc"] if not isinstance(part, int)]
    env = "OMOTENASHI_" + "_".join(loc).upper()
    said = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error["loc"])
    name = f"{env} ({said.removeprefix('.')})"
    known = known_variables(model)
    close = [near] if (near := closest(env, known)) else []
    value = error["input"]
    if any(_secret(n) for n in (env, *close)):  # (misspelt too: OMOTENASHI_REDIS_PASS,
        value = "***"  # config69) a key, salt, token or password is never logged
    elif isinstance(value, str) and ("://" in value or "@" in value or env.endswith("_URL")):
        value = masked(value)  # nor a URL's password, its scheme mistyped too (config69)
    if error["type"] != "extra_forbidden":
        problem = error["msg"].removeprefix("Value error, ")
        return ConfigError(name, value, problem[:1].lower() + problem[1:])
    if env in known:  # a group's setting given flat: Settings(rules_dir=...)
        group, _, field = loc[0].partition("_")
        name = f"Settings({loc[0]}=...)"
        hint = f"as an argument it is {group}={{{field!r}: ...}}; in the environment {env}"
    elif hint := _not_a_setting(env, known):
        pass
    elif close:
        hint = f"did you mean {close[0]}?"
    else:
        hint = "see the README's configuration table"
    return ConfigError(name, value, f"no such setting ({hint})")


def group_error(exc: Exception) -> ConfigError:
    """pydantic-settings' "error parsing value for field "redis"" (a group's variable,
    ``OMOTENASHI_REDIS``, that is no JSON object) as one line naming it; its value is not
    shown: a group may hold a password."""
    found = re.search(r'for field "(\w+)"', str(exc))
    field = found[1] if found else ""
    env = f"OMOTENASHI_{field.upper()}" if field else "an OMOTENASHI_ variable"
    return ConfigError(
        f"{env} ({field})" if field else env,
        "***",
        "it is no JSON object: write it as "
        f"{env}='{{\"{_FIRST.get(field, 'name')}\": ...}}', or set each setting on its own, "
        f"{env}_<NAME>",
    )


_FIRST = {"redis": "url", "cookie": "name", "rules": "dir", "respect": "budget"}


# OMOTENASHI_ variables that are no setting of the middleware: the proxy's group (its own
# settings, proxy/config.py) and the tools' switches
OTHER_VARIABLES = (
    "OMOTENASHI_PROXY_",
    "OMOTENASHI_TRACEBACK",
    "OMOTENASHI_TEST_",
    "OMOTENASHI_FUZZ_",
)


def misspelt(environ: Mapping[str, str]) -> list[tuple[str, str]]:
    """(variable, the setting it is close to) for each ``OMOTENASHI_`` environment variable
    that is no setting, though it nearly spells one: ignored, it would leave the default."""
    known = known_variables()
    out = []
    for name in sorted(environ):
        upper = name.upper()
        if (
            not upper.startswith("OMOTENASHI_")
            or upper in known
            or upper.startswith(OTHER_VARIABLES)
        ):
            continue
        if close := closest(upper, known):
            out.append((name, close))
    return out
