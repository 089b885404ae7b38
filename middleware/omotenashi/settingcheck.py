"""What is wrong with the settings given: one line naming the setting as the operator wrote
it, and environment variables that nearly spell one (ignored, they would leave the default)."""

from __future__ import annotations

import difflib
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


def setting_error(exc: ValidationError, model: type[BaseModel] | None = None) -> ConfigError:
    """The first problem of ``exc`` as a :class:`ConfigError` naming the setting as both an
    environment variable and an argument (``OMOTENASHI_COOKIE_MAX_AGE (cookie.max_age)``), the
    value and what would be right."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    env = "OMOTENASHI_" + "_".join(loc).upper()
    name = f"{env} ({'.'.join(loc)})"
    known = known_variables(model)
    close = difflib.get_close_matches(env, known, n=1, cutoff=0.75)
    value = error["input"]
    if any(n.endswith(_SECRETS) or "PASSW" in n for n in (env, *close)):  # misspelt too
        value = "***"  # a key, salt, token or password is never logged
    elif isinstance(value, str) and "://" in value:  # nor a URL's password
        value = masked(value)
    if error["type"] != "extra_forbidden":
        problem = error["msg"].removeprefix("Value error, ")
        return ConfigError(name, value, problem[:1].lower() + problem[1:])
    if env in known:  # a group's setting given flat: Settings(rules_dir=...)
        group, _, field = loc[0].partition("_")
        name = f"Settings({loc[0]}=...)"
        hint = f"as an argument it is {group}={{{field!r}: ...}}; in the environment {env}"
    elif close:
        hint = f"did you mean {close[0]}?"
    else:
        hint = "see the README's configuration table"
    return ConfigError(name, value, f"no such setting ({hint})")


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
        if close := difflib.get_close_matches(upper, known, n=1, cutoff=0.75):
            out.append((name, close[0]))
    return out
