"""Configuration: pydantic-settings, environment prefix ``OMOTENASHI_``.

Nested groups read from ``OMOTENASHI_<GROUP>_<FIELD>`` (``OMOTENASHI_REDIS_URL``,
``OMOTENASHI_COOKIE_MAX_AGE`` ...). Tests and applications override by passing
arguments: ``Settings(redis={"url": ...})``.
"""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from omotenashi.errors import ConfigError
from omotenashi.folders import snippets_beside
from omotenashi.rules.whenvalues import ZoneName
from omotenashi.settingsredis import RedisSettings as RedisSettings
from omotenashi.settingsredis import _Group
from omotenashi.settingsrespect import TOKEN as _TOKEN
from omotenashi.settingsrespect import RespectSettings as RespectSettings

MAX_COOKIE_AGE = 400 * 24 * 3600  # browsers cap cookie lifetime at 400 days
# "_" as browsers take it in a host name (a Docker or intranet host: my_app.internal)
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?"
_HOST_NAME = re.compile(rf"\.?{_LABEL}(?:\.{_LABEL})*")
_COOKIE_PATH = re.compile(r"/[!-+\--:<-~]*")  # printable ASCII but ";" and ","
# Where frameworks and CMSs keep what is no page for a visitor: static files and media
# (Django, Rails, WordPress), and admin sites (Django, Wagtail, WordPress).
EXCLUDED = (
    *("/static/*", "/assets/*", "/media/*", "/favicon.ico", "/robots.txt"),
    *("/admin/*", "/django-admin/*", "/wp-admin/*"),
)
# Sign-in and sign-out pages (Django's auth views, Devise, WordPress): identify() and forget()
# work there, but they are not pages a visitor browses.
UNTRACKED = (
    "/login*",
    "/logout*",
    "/signin*",
    "/sign-in*",
    "/accounts/*",
    "/users/sign_in*",
    "/wp-login.php*",
)
# Besides the user-agents library's verdict: crawlers' own words, and the health checks of load
# balancers, orchestrators and monitors (Kubernetes, AWS ELB and Route 53, Google Cloud, Consul,
# Prometheus's blackbox exporter, Datadog), which ask for a page every few seconds and never
# send a cookie back: as visitors, each would be a new profile and an exposure that never
# converts.
BOT_WORDS = ("bot", "crawler", "spider", "slurp", "preview")
HEALTH_CHECKERS = (
    "kube-probe",
    "healthcheck",
    "health-check",
    "health check",
    "googlehc",
    "blackbox exporter",
    "synthetics",
)


class CookieSettings(_Group):
    name: str = Field(
        default="omo_vid", pattern=r"^[A-Za-z0-9_-]+$", description="The visitor cookie's name."
    )
    max_age: int = Field(
        default=MAX_COOKIE_AGE,
        ge=60,
        le=MAX_COOKIE_AGE,
        description="Cookie lifetime in seconds (browsers keep at most 400 days).",
    )
    refresh_after: int = Field(
        default=24 * 3600, ge=0, description="Re-issue the cookie when older than this (s)."
    )
    domain: str | None = Field(default=None, description="Cookie Domain (unset: this host only).")
    path: str = Field(default="/", description="Cookie Path.")

    @field_validator("domain")
    @classmethod
    def _a_host_name(cls, domain: str | None, info: ValidationInfo) -> str | None:
        """A browser drops a cookie whose Domain is no host name (``https://example.com``,
        ``example.com:8000``), or a ``__Host-`` cookie with one: every visitor would be new
        on every page (config69)."""
        if domain is not None and not _HOST_NAME.fullmatch(domain):
            raise ValueError("it should be a host name, example.com (no scheme, port or path)")
        if domain is not None and _host_only(info):
            raise ValueError(_HOST_ONLY.format("no domain: leave it unset"))
        return domain

    @field_validator("path")
    @classmethod
    def _a_path(cls, path: str, info: ValidationInfo) -> str:
        """A browser ignores a Path not starting with "/"; ";" would start another attribute."""
        if not _COOKIE_PATH.fullmatch(path):
            raise ValueError("it should be a path from the site's root, / or /shop (no ; or ,)")
        if path != "/" and _host_only(info):
            raise ValueError(_HOST_ONLY.format("the path /"))
        return path


# A cookie named __Host-... is kept by browsers only with no Domain, Path=/ and Secure
_HOST_ONLY = "a cookie named __Host-... is dropped by browsers unless it has {}"


def _host_only(info: ValidationInfo) -> bool:
    return str(info.data.get("name", "")).lower().startswith("__host-")


def _not_empty(value: object) -> object:
    """A folder given as "" (``OMOTENASHI_RULES_DIR=``) is no folder: it read as ".", the
    process's own (config52: metrics files went into the app's working folder)."""
    if isinstance(value, str) and not value.strip():
        raise ValueError("it is empty: give a folder")
    return value


class RulesSettings(_Group):
    dir: Path = Field(default=Path("rules"), description="Folder of rule YAML files.")
    snippets_dir: Path = Field(
        default=Path("snippets"),
        description="Folder of Jinja2 snippets (unset: `snippets` next to the rules folder).",
    )
    timezone: ZoneName = Field(default="UTC", description="Zone of conditions, caps, report days.")
    reload_interval: float = Field(
        default=1.0, ge=0, description="Seconds between checks for edited rules (0: never)."
    )
    slot_attribute: str = Field(
        default="data-omo-slot",
        pattern=r"^[a-z][a-z0-9-]*$",
        description="The attribute that marks a slot in your pages.",
    )

    @field_validator("dir", "snippets_dir", mode="before")
    @classmethod
    def _a_folder(cls, value: object) -> object:
        return _not_empty(value)

    @model_validator(mode="after")
    def _snippets_next_to_rules(self) -> RulesSettings:
        """Unset, the snippets are the folder ``snippets`` beside the rules folder (as
        ``omotenashi check DIR`` finds them), wherever the process runs: not ``./snippets``.
        (Set in place, so it still counts as not given: ``omotenashi report --rules DIR`` then
        looks beside DIR.)"""
        if "snippets_dir" not in self.model_fields_set:
            self.__dict__["snippets_dir"] = snippets_beside(self.dir)
        return self


class MeasureSettings(_Group):
    attribution_days: float = Field(
        default=7,
        gt=0,
        le=90,
        description="A goal reached within this many days of a visitor's first exposure to a "
        "rule counts as a conversion for that rule.",
    )
    min_per_arm: int = Field(
        default=100, ge=1, description="Visitors needed in each group before a report verdict."
    )
    report_token: SecretStr | None = Field(
        default=None,
        description="Serve the HTML report at <endpoint prefix>/report to requests bearing this "
        "token (HTTP Basic password or Bearer); unset: no endpoint.",
    )


class Settings(BaseSettings):
    """Everything Omotenashi can be told. Every field has a working default."""

    model_config = SettingsConfigDict(
        env_prefix="OMOTENASHI_",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="forbid",
        allow_inf_nan=False,
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:  # one line naming the variable, not pydantic's report
            from omotenashi.settingcheck import setting_error

            raise setting_error(exc, type(self)) from None
        except SettingsError as exc:  # a group given as JSON that is none (config52)
            from omotenashi.settingcheck import group_error

            raise group_error(exc) from None
        together = self.redis.problem()  # two settings that cannot work together
        if together is not None:
            field, value, problem = together
            raise ConfigError(f"OMOTENASHI_REDIS_{field.upper()} (redis.{field})", value, problem)

    secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Cookie signing keys, comma-separated, newest first (the first signs).",
    )
    user_salt: SecretStr = Field(
        default=SecretStr(""),
        description="Secret mixed into signed-in users' profile ids; set it once, never change it.",
    )
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cookie: CookieSettings = Field(default_factory=CookieSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    respect: RespectSettings = Field(default_factory=RespectSettings)
    measure: MeasureSettings = Field(default_factory=MeasureSettings)
    bot_user_agents: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: [*BOT_WORDS, *HEALTH_CHECKERS],
        description="Extra user-agent substrings (case-insensitive) treated as bots: by "
        "default crawlers' words and load balancers' and monitors' health checks (setting it "
        "replaces them).",
    )
    exclude_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(EXCLUDED),
        description="Path globs left alone: no cookie, no profile, no page view "
        "(comma-separated; static files, media, admin sites). A glob ending in `/*` holds "
        "for the folder's own path too (`/admin/*`: `/admin`).",
    )
    untracked_paths: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(UNTRACKED),
        description="Path globs where the visitor is known (sign-in, track) but no page "
        "view is counted and nothing is personalised (comma-separated; a glob ending in `/*` "
        "holds for the folder's own path too).",
    )
    country_header: str = Field(
        default="cf-ipcountry",
        description="Request header carrying the visitor's country code (set by your CDN); "
        "empty: none is read (every visitor's country is unknown).",
    )
    max_body: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest HTML body (bytes) we rewrite."
    )
    hold_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Longest time (s) a page your app sends in parts is held back after its "
        "first part: one still unfinished then goes out as the app sent it, the rest "
        "streaming through as it comes, not personalised (0: held to its end). A page sent "
        "whole is never timed.",
    )
    thread_above: int = Field(
        default=256 * 1024,
        ge=0,
        description="HTML bodies whose scan costs more than an ordinary page of this many "
        "bytes (markup dense in tags costs more; a gzip body is judged by what it inflates "
        "to) are personalised in a worker thread, so a big page's scan does not hold up the "
        "event loop.",
    )
    session_gap: int = Field(
        default=30 * 60,
        ge=60,
        description="Seconds of quiet after which a page view, or an event, begins a new visit.",
    )
    server_timing: bool = Field(default=True, description="Add a Server-Timing header.")
    endpoint_prefix: str = Field(
        default="/_omotenashi",
        pattern=r"^/[A-Za-z0-9_/-]*[A-Za-z0-9_]$",
        description="Where Omotenashi answers its own URLs (the event beacon ...).",
    )
    debug_header: bool = Field(
        default=False,
        description="Add X-Omotenashi-Rules (and X-Omotenashi-Why) to responses: for tests and "
        "QA, not production, where they would tell the page's scripts which rules a visitor "
        "matched, shown or held out (see *QA guide*).",
    )
    preview_max_age: int = Field(
        default=3600,
        ge=60,
        le=7 * 24 * 3600,
        description="Longest life (s) of a preview link; older links are refused.",
    )
    preview_enabled: bool = Field(
        default=True,
        description="Honour force (preview) links; false: every link is refused (production).",
    )
    preview_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Keys that sign force links, comma-separated, newest first; unset: the "
        "cookie keys sign them (whoever makes links can then sign visitor cookies).",
    )
    trust_forwarded_host: bool = Field(
        default=False,
        description="Believe X-Forwarded-Host (and -Proto) for the host a force link was made "
        "for, our absolute links on a page whose <base href> names another host, and the "
        "host a form's or beacon's Origin is compared with where the browser does not say "
        "Sec-Fetch-Site: same-origin; only behind a proxy that sets them.",
    )
    metrics: bool = Field(
        default=False,
        description="Serve Prometheus metrics at <endpoint prefix>/metrics (keep it internal).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="With metrics on, serve them only to requests bearing this token (Bearer "
        "or HTTP Basic password); unset: to anyone who can reach the path.",
    )
    metrics_dir: Path | None = Field(
        default=None, description="A folder the workers share: /metrics then answers their sum."
    )

    @field_validator(
        "secret_keys",
        "preview_keys",
        "bot_user_agents",
        "exclude_paths",
        "untracked_paths",
        mode="before",
    )
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str) and value.lstrip().startswith("["):  # a JSON list (config52)
            with contextlib.suppress(ValueError):
                listed = json.loads(value)
                if isinstance(listed, list) and all(isinstance(v, str) for v in listed):
                    return [v.strip() for v in listed if v.strip()]
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("exclude_paths", "untracked_paths")
    @classmethod
    def _from_the_root(cls, globs: list[str]) -> list[str]:
        for glob in globs:  # (config62: `admin` or `static/*` matched nothing, unsaid)
            if not glob.startswith(("/", "*", "?", "[")):
                raise ValueError(f"{glob!r} matches no path: paths start with / (/{glob})")
        return globs

    @field_validator("country_header")
    @classmethod
    def _header_name(cls, name: str) -> str:  # (config62: " x-geo " never matched)
        if _TOKEN.fullmatch(name := name.strip().lower()) or not name:
            return name  # ("" reads no header; ops65: "x geo" was taken, and matched none)
        raise ValueError(f"{name!r} is no header name (letters, digits and -: cf-ipcountry)")

    @field_validator("metrics_dir", mode="before")
    @classmethod
    def _metrics_folder(cls, value: object) -> object:
        return _not_empty(value)
