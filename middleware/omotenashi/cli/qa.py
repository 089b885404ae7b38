"""QA and support tools: ``omotenashi force`` (preview links) and ``profile``."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import urllib.parse
from typing import Any

from omotenashi.cli.args import pairs, talking_to_redis
from omotenashi.engine.profile import json_or_text


def _force(args: argparse.Namespace) -> int:
    from omotenashi.errors import ConfigError
    from omotenashi.identity.preview import COOKIE, PARAM, ForceSigner
    from omotenashi.settings import Settings

    settings = Settings()
    if not settings.secret_keys:
        print("omotenashi force: set OMOTENASHI_SECRET_KEYS to the site's keys", file=sys.stderr)
        return 2
    try:
        token = ForceSigner(settings).make(
            rules=args.rule,
            stage=args.stage,
            segments=args.segment,
            attrs={k: json_or_text(v) for k, v in pairs(args.attr).items()},
            ttl=args.ttl,
            host=urllib.parse.urlsplit(args.url).netloc if not args.cookie else None,
        )
    except ConfigError as exc:  # named as the command's option: --ttl, --stage
        print(
            f"omotenashi force: --{exc.setting}: {exc.problem} (got {exc.value!r})",
            file=sys.stderr,
        )
        return 2
    if args.cookie:
        print(f"{COOKIE}={token}")
        return 0
    joiner = "&" if "?" in args.url else "?"
    print(f"{args.url}{joiner}{PARAM}={token}")
    return 0


def _profile(args: argparse.Namespace) -> int:
    from omotenashi.identity.cookie import CookieSigner
    from omotenashi.settings import Settings
    from omotenashi.store.seed import seed_profile

    settings = Settings()
    if not settings.redis.url:
        print("omotenashi profile: set OMOTENASHI_REDIS_URL", file=sys.stderr)
        return 2
    visitor = args.visitor
    if "." in visitor:  # a cookie value: read the id from it
        ident = CookieSigner(settings).read(visitor)
        if ident is None:
            print("omotenashi profile: that cookie is not signed with these keys", file=sys.stderr)
            return 2
        visitor = ident.user or ident.vid
    with talking_to_redis(settings.redis.url):
        return asyncio.run(_profile_async(settings, visitor, args, seed_profile))


async def _profile_async(settings: Any, pid: str, args: argparse.Namespace, seed: Any) -> int:
    from omotenashi.metrics import Metrics
    from omotenashi.store.store import Store

    store = Store(settings.redis, Metrics())
    store.connect(settings.redis.url)
    try:
        if args.action == "show":
            profile = await store.load(pid)
            print(json.dumps({"visitor_id": pid, **profile.to_export()}, indent=2))
        elif args.action == "delete":
            await store.erase(pid)
            print(f"erased {pid}")
        else:
            spec: dict[str, Any] = {}
            for key, value in pairs(args.fields).items():
                group, _, name = key.partition(".")
                if name:
                    spec.setdefault(group + "s" if group in ("interest", "event") else group, {})[
                        name
                    ] = json_or_text(value)
                else:
                    spec[key] = json_or_text(value)
            import redis

            client = redis.Redis.from_url(settings.redis.url, decode_responses=True)
            try:
                seed(
                    client,
                    pid,
                    key_prefix=settings.redis.key_prefix,
                    ttl=settings.redis.idle_ttl,
                    **spec,
                )
            finally:
                client.close()
            print(f"updated {pid}")
    finally:
        await store.aclose()
    return 0


def register(commands: Any) -> None:
    frc = commands.add_parser("force", help="a signed preview link that forces a variant")
    frc.add_argument("--rule", action="append", default=[])
    frc.add_argument("--stage")
    frc.add_argument("--segment", action="append", default=[])
    frc.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE")
    frc.add_argument(
        "--ttl", type=int, default=None, help="seconds the link works (default and most: 1 h)"
    )
    frc.add_argument("--url", default="http://127.0.0.1:8000/")
    frc.add_argument("--cookie", action="store_true", help="print the cookie instead of a link")
    frc.set_defaults(func=_force)

    pro = commands.add_parser("profile", help="show, set or delete a visitor's profile")
    pro.add_argument("action", choices=["show", "set", "delete"])
    pro.add_argument("visitor", help="the visitor id, or their omo_vid cookie value")
    pro.add_argument(
        "fields",
        nargs="*",
        metavar="FIELD=VALUE",
        help="for set: stage=loyalty visits=3 interest.hawaii=2 attr.first_name=Ai",
    )
    pro.set_defaults(func=_profile)
