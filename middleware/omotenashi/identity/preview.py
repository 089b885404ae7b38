"""Forced variants for QA: a signed, expiring token that forces rules, a stage, segments or
attributes for one browser.

``omotenashi force --rule kyoto-hero --stage loyalty --url http://127.0.0.1:8000/`` prints a
preview link; opening it sets the ``omo_preview`` cookie for that browser until the token
expires. Unsigned, tampered, expired or foreign tokens are refused, and the response says why
(``X-Omotenashi-Preview: refused: ...``). A forced browser's visits are not recorded, and its
responses carry ``X-Omotenashi-Rules``.

Links are signed with ``OMOTENASHI_PREVIEW_KEYS`` when set (a key that cannot sign visitor
cookies), else with the cookie keys; ``OMOTENASHI_PREVIEW_ENABLED=false`` refuses them all.
They are short-lived: at most ``OMOTENASHI_PREVIEW_MAX_AGE`` seconds (default an hour) after
they were signed, whatever they say, and a token made for a host works on that host only
(compared lower case, without the scheme's default port). The cookie is HttpOnly,
SameSite=Strict, Secure on https and ends with the token (or sooner, with the longest life).
A token with any character a signed token never has is refused before it is verified, so
what is set in the cookie is only ever the token as signed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from omotenashi.engine.facts import Forced
from omotenashi.errors import ConfigError
from omotenashi.identity.timed import SignedAhead, loads_timed
from omotenashi.rules.model import STAGES
from omotenashi.settings import Settings

if TYPE_CHECKING:
    from omotenashi.engine.ruleset import CompiledRule

COOKIE = "omo_preview"
PARAM = "omo_preview"
_SALT = "omotenashi.preview"
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}
# All a signed token is made of (URL-safe base64 and dots). itsdangerous decodes base64
# leniently, so a valid token with anything appended would still verify; checked first.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]+")


def normal_host(host: str, scheme: str = "http") -> str:
    """``host[:port]`` as it is compared: lower case, no trailing dot, no default port."""
    host = host.strip().lower()
    name, sep, port = host.rpartition(":")
    if not (sep and port.isdigit() and not name.endswith(":")):  # no port (or bare IPv6)
        name, port = host, ""
    name = name.removesuffix(".")
    if not name.isascii():  # a name typed in its own script: as browsers send it (punycode)
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            name = name.encode("ascii", "backslashreplace").decode("ascii")  # never matches
    if port == _DEFAULT_PORTS.get(scheme.lower()):
        port = ""
    return f"{name}:{port}" if port else name


def unknown_rules(forced: Forced | None, rules: Iterable[CompiledRule]) -> str | None:
    """What ``X-Omotenashi-Preview`` says of a force link naming rules this site does not
    have (``rules``: its rule set): nothing is forced for them. None when it has them all."""
    if forced is None or not forced.rules:
        return None
    missing = set(forced.rules)
    for rule in rules:
        missing.discard(rule.id)
        if not missing:
            return None
    names = sorted(missing)
    shown = ", ".join(name[:60] for name in names[:5])
    more = f" and {len(names) - 5} more" if len(names) > 5 else ""
    return f"unknown rules: {shown}{more} (this site has no such rule: nothing forced for it)"


def _moment(at: object) -> float | None:
    """``at`` as a moment schedules can be read at (a number of seconds, 0 to the end of
    9999), else None (eye66: nan or 1e30 failed every page a link opened)."""
    if type(at) in (int, float) and 0 <= at <= 253402300799:  # type: ignore[operator]
        return float(at)  # type: ignore[arg-type]
    return None


class ForceSigner:
    def __init__(self, settings: Settings) -> None:
        own = [k.get_secret_value() for k in settings.preview_keys]
        cookie_keys = {k.get_secret_value() for k in settings.secret_keys}
        if own and cookie_keys.intersection(own):
            raise ConfigError(
                "preview_keys",
                "***",
                "a preview key is also a cookie key (OMOTENASHI_SECRET_KEYS): use its own key",
            )
        keys = own or [k.get_secret_value() for k in settings.secret_keys]
        self._serializer = URLSafeTimedSerializer(
            list(reversed(keys or ["omotenashi-no-key"])), salt=_SALT
        )
        self.keyed = bool(keys)
        self.switched_on = settings.preview_enabled
        self.enabled = self.keyed and self.switched_on
        self.max_age = settings.preview_max_age

    def make(
        self,
        *,
        rules: list[str] | None = None,
        stage: str | None = None,
        segments: list[str] | None = None,
        attrs: dict[str, Any] | None = None,
        ttl: int | None = None,
        host: str | None = None,
        at: float | None = None,
    ) -> str:
        """A token; ``host``: the only host it works on; ``at``: the moment (epoch seconds)
        schedules and time conditions see in its browser."""
        ttl = self.max_age if ttl is None else ttl
        for name, given in (("rules", rules), ("segments", segments)):
            if given is not None and not isinstance(given, list | tuple | set | frozenset):
                raise ConfigError(name, given, "give a list (rules=['kyoto-hero'])")
        if attrs is not None and not isinstance(attrs, dict):
            raise ConfigError("attrs", attrs, "give a mapping (attrs={'tier': 'gold'})")
        if type(ttl) is not int or ttl <= 0:  # (last66: 3600.0 made a token the site refused)
            raise ConfigError(
                "ttl", ttl, "a preview link lives a whole number of seconds, 1 or more"
            )
        if ttl > self.max_age:
            raise ConfigError(
                "ttl",
                ttl,
                f"a preview link lives at most {self.max_age}s, as OMOTENASHI_PREVIEW_MAX_AGE sets",
            )
        if stage is not None and stage not in STAGES:
            raise ConfigError("stage", stage, f"not a journey stage (one of {', '.join(STAGES)})")
        payload: dict[str, Any] = {
            "r": list(rules or []),
            "s": stage,
            "g": list(segments or []),
            "a": attrs or {},
            "x": int(time.time()) + ttl,
        }
        if host:
            payload["h"] = host.lower()
        if at is not None:
            if _moment(at) is None:
                raise ConfigError("at", at, "a moment is seconds since 1970, 0 to 253402300799")
            payload["t"] = float(at)
        return self._serializer.dumps(payload)

    def read(
        self, token: str | None, host: str | None = None, scheme: str = "http"
    ) -> Forced | None:
        """The forced variant, or None when absent, not ours, expired, older than the longest
        life allowed, or made for another host than ``host``."""
        forced = self.check(token, host, scheme)
        return forced if isinstance(forced, Forced) else None

    def check(
        self, token: str | None, host: str | None = None, scheme: str = "http"
    ) -> Forced | str | None:
        """The forced variant; or why the token is refused (no secret in it); None: no token."""
        if not token:
            return None
        if not self.switched_on:
            return "refused: force links are off on this site (OMOTENASHI_PREVIEW_ENABLED)"
        if not self.keyed:
            return "refused: this site has no keys to check force links with"
        if not _TOKEN.fullmatch(token):
            return "refused: not a force link (characters a signed link never has)"
        try:
            payload, signed = loads_timed(self._serializer, token, self.max_age)
        except SignedAhead:
            return "refused: signed more than a day ahead of this server's clock (check both)"
        except SignatureExpired:
            return f"refused: older than OMOTENASHI_PREVIEW_MAX_AGE ({self.max_age}s)"
        except (BadData, ValueError, TypeError):
            # (a link cut short or added to when pasted reads the same: qa70 checked the keys)
            return "refused: not signed with this site's preview keys, or cut or changed since"
        if not isinstance(payload, dict) or not isinstance(payload.get("x"), int):
            return "refused: not a force link"
        shapes = ((payload.get("r"), list), (payload.get("g"), list), (payload.get("a"), dict))
        if any(got is not None and not isinstance(got, kind) for got, kind in shapes):
            return "refused: not a force link"  # (qa66: attrs="tier=gold", a traceback)
        if payload["x"] < time.time():
            return "refused: expired"
        made_for = payload.get("h")
        if isinstance(made_for, str):  # a host-bound token (every one the CLI makes)
            want, got = normal_host(made_for, scheme), normal_host(host or "", scheme)
            if want != got:
                got = got[:100] or "a request without a Host"
                return f"refused: made for {want[:100]}, this is {got}"
        stage = payload.get("s")
        at = payload.get("t")
        return Forced(
            rules=frozenset(str(r) for r in payload.get("r") or []),
            stage=stage if stage in STAGES else None,
            segments=frozenset(str(g) for g in payload.get("g") or []),
            attrs=dict(payload.get("a") or {}),
            expires=min(float(payload["x"]), signed.timestamp() + self.max_age),
            at=_moment(at),
        )
