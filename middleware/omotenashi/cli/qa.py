"""QA and support tools: ``omotenashi force`` (preview links) and ``profile``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.parse
from typing import Any

from omotenashi.cli.args import folders, moment, pairs, talking_to_redis
from omotenashi.engine.periods import site_zone
from omotenashi.engine.profile import json_or_text
from omotenashi.ids import is_user_id, is_visitor_id

DEFAULT_TTL = 900  # a force link's token is in access logs while it lives: short by default


def _force(args: argparse.Namespace) -> int:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from omotenashi.errors import ConfigError
    from omotenashi.identity.preview import COOKIE, PARAM, ForceSigner
    from omotenashi.settings import Settings

    settings = Settings()
    if not (settings.preview_keys or settings.secret_keys):
        print(
            "omotenashi force: set OMOTENASHI_SECRET_KEYS to the site's keys, or "
            "OMOTENASHI_PREVIEW_KEYS to its force-link keys",
            file=sys.stderr,
        )
        return 2
    if not settings.preview_enabled:
        print("omotenashi force: OMOTENASHI_PREVIEW_ENABLED is false here", file=sys.stderr)
        return 2
    host = _bound_host(args.url)
    if host is None:
        print(
            "omotenashi force: --url: not a page's address: give it as "
            f"https://host[:port]/path (got {args.url!r})",
            file=sys.stderr,
        )
        return 2
    at = None
    if args.time:
        given: datetime = args.time
        if given.tzinfo is None:  # as schedules read it: in the rules' time zone
            given = given.replace(tzinfo=ZoneInfo(settings.rules.timezone))
        at = given.timestamp()
    missing = _unknown_names(args, settings)
    if missing:
        print(f"omotenashi force: {missing}", file=sys.stderr)
        return 2
    try:
        signer = ForceSigner(settings)
    except ConfigError as exc:  # a setting, not an option of the command
        print(f"omotenashi force: OMOTENASHI_{exc.setting.upper()}: {exc.problem}", file=sys.stderr)
        return 2
    try:
        token = signer.make(
            rules=args.rule,
            stage=args.stage,
            segments=args.segment,
            attrs={k: json_or_text(v) for k, v in pairs(args.attr).items()},
            ttl=min(DEFAULT_TTL, signer.max_age) if args.ttl is None else args.ttl,
            host=host,  # the link's and the cookie's
            at=at,
        )
    except ConfigError as exc:  # named as the command's option: --ttl, --stage
        print(
            f"omotenashi force: --{exc.setting.replace('_', '-')}: {exc.problem} "
            f"(got {exc.value!r})",
            file=sys.stderr,
        )
        return 2
    if args.cookie:
        print(f"{COOKIE}={token}")
        return 0
    page, hash_, fragment = _without_user(args.url).partition("#")  # (the token: sent)
    if page != args.url.partition("#")[0]:
        print(
            "omotenashi force: the link leaves out the user and password of --url "
            "(a link is shared: the browser asks for them)",
            file=sys.stderr,
        )
    joiner = "" if page.endswith(("?", "&")) else "&" if "?" in page else "?"
    print(f"{page}{joiner}{PARAM}={token}{hash_}{fragment}")
    return 0


def _unknown_names(args: argparse.Namespace, settings: Any) -> str | None:
    """What is wrong with ``--rule`` ids the rules folder (``--rules``, or
    OMOTENASHI_RULES_DIR when set) lacks (the site would force nothing for them), or with a
    ``--segment`` neither its journey defines nor a rule tests that is close to one that is
    (a typo: qa66). Neither given: not checked (the site's rules may be anywhere)."""
    import os

    from omotenashi.loader.namechecks import unknown_rules
    from omotenashi.loader.sitenames import segment_typo, site_of

    folder = args.rules or os.environ.get("OMOTENASHI_RULES_DIR")
    if not (args.rule or args.segment) or not folder:
        return None
    rules = folders(settings.rules, args.rules, args.snippets)
    if not rules.dir.is_dir():
        return f"--rules: no rules folder at {str(rules.dir)!r} to check the names against"
    if missing := unknown_rules(args.rule, site_of(rules)[0]):
        where = f"in the rules at {str(rules.dir)!r}"
        return f"--rule: no rule {', '.join(missing)} {where}: nothing to force"
    if typo := segment_typo(args.segment, rules):
        return (
            f"--segment: {typo[0]!r} is no segment the journey defines or a rule tests in "
            f"the rules at {str(rules.dir)!r}: did you mean {typo[1]!r}?"
        )
    return None


def _without_user(url: str) -> str:
    """``url`` without its user part (``https://qa:pw@host/`` is ``https://host/``): a force
    link is pasted into tickets and chats, a password in it would go with it."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        return url
    end = min((i for i in map(rest.find, "/?#") if i >= 0), default=len(rest))
    at = rest.rfind("@", 0, end)
    return url if at < 0 else f"{scheme}://{rest[at + 1 :]}"


def _bound_host(url: str) -> str | None:
    """The host (and port) a force link for ``url`` is bound to: ``shop.example``,
    ``127.0.0.1:8000``. Never its user part (a password there would be in the token, and the
    link would work nowhere). None unless ``url`` is an http(s) address with a host: a token
    bound to no host would work on every site that shares the keys."""
    from omotenashi.identity.preview import normal_host

    parts = urllib.parse.urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:  # "host:port" with no number there
        return None
    name = parts.hostname
    if parts.scheme.lower() not in ("http", "https") or not name:
        return None
    name = f"[{name}]" if ":" in name else name  # IPv6, as a Host header writes it
    return normal_host(f"{name}:{port}" if port is not None else name, parts.scheme)


# ``profile set``'s dotted fields: ``interest.hawaii=3`` is ``interests={"hawaii": 3}``
GROUPS = {
    "interest": "interests",
    "event": "events",
    "attr": "attrs",
    "cart": "cart",
    "cap": "caps",
}


def _profile_fields(items: list[str]) -> dict[str, Any]:
    """``profile set``'s FIELD=VALUE arguments as seed_profile's fields, checked (an unknown
    field, stage or cap is a CommandError listing what is allowed: one line, exit 2)."""
    from omotenashi.errors import CommandError
    from omotenashi.store.seed import FIELDS, check_fields

    spec: dict[str, Any] = {}
    for key, value in pairs(items).items():
        group, _, name = key.partition(".")
        if (name and group not in GROUPS) or (not name and key not in FIELDS):
            plain = ", ".join(f for f in FIELDS if f not in GROUPS.values())
            dotted = ", ".join(f"{g}.<name>" for g in GROUPS)
            raise CommandError(f"unknown profile field {key!r} (fields: {plain}, {dotted})")
        if name:
            spec.setdefault(GROUPS[group], {})[name] = json_or_text(value)
        else:
            spec[key] = json_or_text(value)
    check_fields(spec)
    return spec


def _profile(args: argparse.Namespace) -> int:
    import os

    from omotenashi.identity.cookie import CookieSigner
    from omotenashi.loader.sitenames import check_names
    from omotenashi.settings import Settings

    settings = Settings()
    if args.fields and args.action != "set":  # (config52: they were ignored without a word)
        print(
            f"omotenashi profile {args.action}: takes no FIELD=VALUE (got {args.fields[0]!r}); "
            "to write fields: omotenashi profile set VISITOR FIELD=VALUE",
            file=sys.stderr,
        )
        return 2
    spec = _profile_fields(args.fields) if args.action == "set" else {}
    named = {"caps", "segments"} & spec.keys()  # (the rules read only for these: review70)
    if named and os.environ.get("OMOTENASHI_RULES_DIR"):  # (qa70: the fixture refused a typo
        check_names("", spec, settings.rules, "a cap.<rule> names")  # this wrote)
    if not settings.redis.url:
        print("omotenashi profile: set OMOTENASHI_REDIS_URL", file=sys.stderr)
        return 2
    visitor = args.visitor
    if "." in visitor:  # a cookie value: read the id from it
        if not settings.secret_keys:
            print(
                "omotenashi profile: reading a cookie value needs the site's keys: set "
                "OMOTENASHI_SECRET_KEYS (or give the visitor id)",
                file=sys.stderr,
            )
            return 2
        ident = CookieSigner(settings).read(visitor)
        if ident is None:
            print(
                "omotenashi profile: that cookie is not signed with these keys "
                "(OMOTENASHI_SECRET_KEYS)",
                file=sys.stderr,
            )
            return 2
        visitor = ident.user or ident.vid
    if not (is_visitor_id(visitor) or is_user_id(visitor)):
        print(
            f"omotenashi profile: {visitor!r} is not a visitor id (22 of A-Z a-z 0-9 _ -, or "
            "32 hex digits), a signed-in profile's id (u and 32 hex digits) or an omo_vid "
            "cookie value",
            file=sys.stderr,
        )
        return 2
    with talking_to_redis(settings.redis.url):
        return asyncio.run(_profile_async(settings, visitor, args, spec))


async def _profile_async(
    settings: Any, pid: str, args: argparse.Namespace, spec: dict[str, Any]
) -> int:
    from omotenashi.metrics import Metrics
    from omotenashi.store.seed import seed
    from omotenashi.store.store import Store

    store = Store(settings.redis, Metrics())
    store.connect(settings.redis.url)
    try:
        if args.action == "show":
            from omotenashi.respect.shown import kept

            profile = await store.load(pid)
            shown = profile.to_export(zone=settings.rules.timezone)  # caps: the site's days
            print(json.dumps({"visitor_id": pid, **shown}, indent=2), flush=True)
            if not kept(profile):  # a mistyped id looked like an empty profile
                print(
                    f"omotenashi profile: nothing is kept under {pid!r} (shown: a new "
                    "visitor's profile)",
                    file=sys.stderr,
                )
        elif args.action == "delete":
            await store.erase(pid)
            print(f"erased {pid}")
        else:
            import redis

            kind = redis.RedisCluster if settings.redis.cluster else redis.Redis  # (MOVED)
            client = kind.from_url(  # RESP2, as the store's clients (store/client.py)
                settings.redis.url, decode_responses=True, protocol=2
            )
            try:
                seed(
                    client,
                    pid,
                    spec,
                    key_prefix=settings.redis.key_prefix,
                    ttl=settings.redis.idle_ttl,
                    zone=site_zone(settings.rules.timezone),
                )
            finally:
                client.close()
            print(f"updated {pid}")
    finally:
        await store.aclose()
    return 0


def register(commands: Any) -> None:
    frc = commands.add_parser("force", help="a signed preview link that forces a variant")
    frc.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="ID",
        help="a rule to show, whatever its conditions, schedule, caps or the visitor's "
        "switches; repeat for more",
    )
    frc.add_argument(
        "--rules",
        metavar="DIR",
        help="check --rule ids against this folder (default: OMOTENASHI_RULES_DIR; "
        "neither: not checked)",
    )
    frc.add_argument(
        "--snippets",
        metavar="DIR",
        help="the snippets folder the rules load with (default: OMOTENASHI_RULES_SNIPPETS_DIR, "
        "else snippets next to the rules folder)",
    )
    frc.add_argument("--stage", help="the journey stage to force (unset: the visitor's own)")
    frc.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="NAME",
        help="a segment to put the visitor in; repeat for more",
    )
    frc.add_argument(
        "--attr",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an attribute to give the visitor, e.g. tier=gold (JSON values such as 3 or true "
        "are read as such); repeat for more",
    )
    frc.add_argument(
        "--ttl",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help=f"seconds the link works (default {DEFAULT_TTL}; most: OMOTENASHI_PREVIEW_MAX_AGE)",
    )
    frc.add_argument(
        "--url",
        default="http://127.0.0.1:8000/",
        help="the page to link to; the link works on its host only (default "
        "http://127.0.0.1:8000/)",
    )
    frc.add_argument(
        "--cookie", action="store_true", help="print the cookie instead (for --url's host only)"
    )
    frc.add_argument(
        "--time",
        type=moment,
        help="the moment schedules and time conditions see, e.g. 2026-12-24T19:00+09:00; "
        "without an offset, in the rules' time zone, OMOTENASHI_RULES_TIMEZONE (unset: the "
        "real time)",
    )
    frc.set_defaults(func=_force)

    pro = commands.add_parser("profile", help="show, set or delete a visitor's profile")
    pro.add_argument(
        "action",
        choices=["show", "set", "delete"],
        help="show prints the profile as JSON, set writes the FIELD=VALUE fields, delete erases "
        "the profile",
    )
    pro.add_argument("visitor", help="the visitor id, or their omo_vid cookie value")
    pro.add_argument(
        "fields",
        nargs="*",
        metavar="FIELD=VALUE",
        help="for set: stage=loyalty visits=3 interest.hawaii=2 attr.first_name=Ai "
        "cart.kyoto-autumn=1 cap.summer-promo=day:2 segments=vip,family",
    )
    pro.set_defaults(func=_profile)


def _seconds(text: str) -> int:
    """``--ttl``: a whole number of seconds, 1 or more (config52: 0 or -5 gave a link that
    had already expired, exit 0)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds, 1 or more")
    return value
