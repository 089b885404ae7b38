"""What an operator should read at startup: the effective settings (secrets masked) and a
warning for each setting that will hurt in production."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from omotenashi.settingcheck import misspelt
from omotenashi.settings import Settings
from omotenashi.store.breaker import masked

log = logging.getLogger("omotenashi")
# Keys from our own docs and demo: a site that copies one signs cookies anyone can forge.
PLACEHOLDER_KEYS = frozenset(
    {"change-me", "changeme", "demo-only-key-change-me", "a-long-random-secret", "secret", "test"}
)
MIN_KEY_LENGTH = 16
MAKE_KEY = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def weak(key: str) -> str:
    """What makes a secret guessable ("" for none): a placeholder word or a short one."""
    if key.lower() in PLACEHOLDER_KEYS:
        return "is a placeholder word from examples and demos (change-me, secret ...)"
    if len(key) < MIN_KEY_LENGTH:
        return f"has {len(key)} characters, fewer than {MIN_KEY_LENGTH}"
    return ""


def warnings(settings: Settings) -> list[str]:
    """Every startup warning for these settings, in plain words."""
    out = []
    rules = settings.rules.dir
    where = f"the rules folder {str(rules.absolute())!r} (OMOTENASHI_RULES_DIR)"  # not "rules"
    if rules.exists() and not rules.is_dir():  # (config69: said not to exist)
        out.append(f"{where} is a file, not a folder: no rule will ever apply")
    elif not rules.is_dir():
        out.append(f"{where} does not exist: no rule will ever apply")
    elif not any(rules.rglob("*.yaml")) and not any(rules.rglob("*.yml")):
        out.append(f"{where} holds no .yaml file: no rule will apply")
    keys = [key.get_secret_value() for key in settings.secret_keys]
    given = [
        k.strip() for k in os.environ.get("OMOTENASHI_SECRET_KEYS", "").split(",") if k.strip()
    ]
    named = (  # (one given in code, as the demo and the mounting sample do: qaguide51)
        "in OMOTENASHI_SECRET_KEYS" if given == keys else "of the signing keys (secret_keys)"
    )
    for number, key in enumerate(keys, 1):
        if why := weak(key):
            out.append(
                f"key {number} of {len(keys)} {named} {why}: anyone could sign "
                f"a visitor cookie; make one with: {MAKE_KEY}"
            )
    previews = [key.get_secret_value() for key in settings.preview_keys]
    for number, key in enumerate(previews, 1):  # (sec56: they sign force links, unsaid)
        if why := weak(key):
            out.append(
                f"key {number} of {len(previews)} in OMOTENASHI_PREVIEW_KEYS {why}: anyone "
                f"could make force links showing any rule; make one with: {MAKE_KEY}"
            )
    for name, close in misspelt(os.environ):
        out.append(f"{name} is not a setting and is ignored (did you mean {close}?)")
    salt = settings.user_salt.get_secret_value()
    if salt and (why := weak(salt.strip())):  # (config69: spaces, change-me used as given)
        out.append(
            f"OMOTENASHI_USER_SALT {why}: anyone could link an account's profile id to it; "
            f"make one with: {MAKE_KEY}"
        )
    if not salt:
        out.append(
            "no OMOTENASHI_USER_SALT: signed-in users' profile ids derive from the oldest "
            "signing key, and retiring that key loses their profiles and lifts their "
            "revocations (revoke)"
            if keys
            else "no OMOTENASHI_USER_SALT: signed-in users' profile ids derive from the "
            "signing key, here a random one per process: they change with every restart and "
            "differ between worker processes"
        )
    for name, token in (
        ("OMOTENASHI_METRICS_TOKEN", settings.metrics_token),
        ("OMOTENASHI_MEASURE_REPORT_TOKEN", settings.measure.report_token),
    ):  # (config52: set but empty, it answered 401 to every request, unsaid)
        if token is not None and not token.get_secret_value().strip():
            out.append(f"{name} is set but empty: its endpoint answers 401 to every request")
        elif token is not None and (why := weak(token.get_secret_value())):
            out.append(f"{name} {why}: anyone could guess it; make one with: {MAKE_KEY}")
    if settings.metrics and settings.metrics_token is None:  # (sec56)
        out.append(
            f"OMOTENASHI_METRICS is on without OMOTENASHI_METRICS_TOKEN: anyone who reaches "
            f"{settings.endpoint_prefix}/metrics reads them (rule ids and counts); set a "
            "token, or keep that path off the public site"
        )
    window = settings.measure.attribution_days * 86400
    if settings.redis.idle_ttl < window:
        out.append(
            f"OMOTENASHI_REDIS_IDLE_TTL ({settings.redis.idle_ttl}s) is shorter than the "
            f"attribution window (OMOTENASHI_MEASURE_ATTRIBUTION_DAYS, {window:g}s): a visitor "
            "back after their profile expired idle would count as a new exposure of a rule"
        )
    return out


def covers(cookie_path: str, path: str) -> bool:
    """Whether a browser sends a cookie of ``cookie_path`` with a request for ``path``
    (RFC 6265 5.1.4: the same path, or one below it)."""
    if not path.startswith(cookie_path):
        return False
    return (
        len(path) == len(cookie_path) or cookie_path.endswith("/") or path[len(cookie_path)] == "/"
    )


def cookie_path_problem(settings: Settings, root_path: str) -> str | None:
    """Said once, at the first page (its ``root_path``: a mount's prefix, which our own pages
    are answered under too), where the visitor cookie's path leaves our own pages out: the
    browser sends them no cookie, and each takes the visitor for a new one (config52)."""
    root = root_path.rstrip("/")
    path, ours = settings.cookie.path, root + settings.endpoint_prefix
    if covers(path, ours + "/"):
        return None
    if covers(root or "/", path):  # (the prefix is the app's, below the mount: eye52)
        fix = f"OMOTENASHI_ENDPOINT_PREFIX={path[len(root) :].rstrip('/')}/_omotenashi"
    else:
        fix = f"OMOTENASHI_COOKIE_PATH={root or '/'}"
    return (
        f"the visitor cookie's path {path!r} (OMOTENASHI_COOKIE_PATH) leaves out Omotenashi's "
        f"own pages at {ours!r} (OMOTENASHI_ENDPOINT_PREFIX): browsers send them no cookie, so "
        'the preferences page, "Don\'t show me this" and the beacon each take the visitor '
        f"for a new one; set {fix}, or the cookie path to a folder that holds both"
    )


def effective(settings: Settings) -> dict[str, Any]:
    """The settings as JSON values, with every secret and URL password masked."""
    data: dict[str, Any] = json.loads(settings.model_dump_json())
    data["secret_keys"] = [f"***({len(k.get_secret_value())} chars)" for k in settings.secret_keys]
    data["user_salt"] = "***" if settings.user_salt.get_secret_value() else ""
    url = data["redis"].get("url")
    if url:
        data["redis"]["url"] = masked(url)
    return data


def announce(settings: Settings) -> None:
    for text in warnings(settings):
        log.warning("omotenashi: %s", text)
    log.info("omotenashi: settings %s", json.dumps(effective(settings), sort_keys=True))
