"""The ``omotenashi`` command: the demo, and tools for editors, QA and support.

omotenashi demo [--host H] [--port P]
omotenashi check [RULES_DIR] [--snippets DIR] [--templates DIR]
omotenashi schema [--out DIR]
omotenashi preview PAGE [--stage S] [--segment S] [--attr k=v] [--interest t=n] ...
omotenashi force [--rule ID] [--stage S] [--attr k=v] [--ttl S] [--url URL]
omotenashi profile show|set|delete VISITOR [field=value ...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.parse
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from omotenashi.engine.profile import json_or_text


def _demo(args: argparse.Namespace) -> int:
    import uvicorn

    from omotenashi.store.embedded import EmbeddedRedis

    root = Path(args.root).resolve()
    if not (root / "demo_site").is_dir():
        print(
            f"omotenashi demo: no demo_site/ folder in {root} (run it from the repository)",
            file=sys.stderr,
        )
        return 2
    sys.path.insert(0, str(root))
    server = None
    if not os.environ.get("OMOTENASHI_REDIS_URL"):
        server = EmbeddedRedis().start()
        os.environ["OMOTENASHI_REDIS_URL"] = server.url
        redis_note = f"a private {server.binary.name} at {server.url}, started for this demo"
    else:
        redis_note = os.environ["OMOTENASHI_REDIS_URL"]
    from demo_site.app import create_app

    app = create_app(root)
    print(
        f"Omotenashi demo: http://{args.host}:{args.port}  (Redis: {redis_note}; Ctrl+C stops)",
        flush=True,
    )
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        if server is not None:
            server.close()
    return 0


def _check(args: argparse.Namespace) -> int:
    from omotenashi.loader.checks import check

    findings = []
    for folder in args.rules or ["rules"]:
        rules = Path(folder)
        snippets = Path(args.snippets) if args.snippets else rules.parent / "snippets"
        templates = Path(args.templates) if args.templates else None
        findings += check(rules, snippets, templates, base=Path.cwd())
    errors = [f for f in findings if f.level == "error"]
    warnings = [f for f in findings if f.level == "warning"]
    for finding in [*errors, *warnings]:
        print(finding)
    print(f"{len(errors)} error(s), {len(warnings)} warning(s)", file=sys.stderr)
    return 1 if errors else 0


def schemas() -> dict[str, dict[str, Any]]:
    from omotenashi.rules.journey import JourneyFile
    from omotenashi.rules.model import RuleFile

    out = {}
    for name, model in (("rules", RuleFile), ("journey", JourneyFile)):
        schema = model.model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"Omotenashi {name} file"
        out[f"{name}.schema.json"] = schema
    return out


def _schema(args: argparse.Namespace) -> int:
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, schema in schemas().items():
        (out / name).write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        print(out / name)
    return 0


def _pairs(items: list[str], convert: Any = str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"omotenashi: expected name=value, got {item!r}")
        try:
            out[key] = convert(value)
        except ValueError:
            out[key] = value
    return out


def _preview(args: argparse.Namespace) -> int:
    from omotenashi.engine import EngineConfig, Forced, RequestInfo, Visit, personalise_page
    from omotenashi.engine.disclosure import reasons
    from omotenashi.engine.facts import Device
    from omotenashi.engine.html.splice import find_slots
    from omotenashi.engine.profile import Profile
    from omotenashi.identity.device import parse_device
    from omotenashi.loader.reload import load_all
    from omotenashi.settings import RulesSettings, Settings

    settings = Settings()
    rules_cfg = settings.rules
    if args.rules:
        snippets = args.snippets or str(Path(args.rules).parent / "snippets")
        rules_cfg = RulesSettings(dir=Path(args.rules), snippets_dir=Path(snippets))
    loaded = load_all(rules_cfg)
    if args.page.startswith(("http://", "https://")):
        with urllib.request.urlopen(args.page, timeout=10) as response:  # noqa: S310
            page = response.read().decode("utf-8")
        path = urllib.parse.urlsplit(args.page).path or "/"
    else:
        page, path = _page_file(Path(args.page), args.context), args.path
    attrs = {k: json_or_text(v) for k, v in _pairs(args.attr).items()}
    if args.device:
        device = Device(args.device, "Other", "Other", False)
    else:
        device = parse_device(args.user_agent or "")
    moment = datetime.fromisoformat(args.time) if args.time else datetime.now(UTC)
    now = moment.timestamp()
    profile = Profile(
        stage=args.stage,
        attrs=attrs,
        visits=args.visits,
        views=args.views,
        purchases=args.purchases,
        interests={t: (float(s), now) for t, s in _pairs(args.interest, float).items()},
        last_seen=now,
    )
    query = "&".join(
        f"{urllib.parse.quote(k)}={urllib.parse.quote(v)}" for k, v in _pairs(args.query).items()
    )
    visit = Visit(
        visitor_id="preview",
        profile=profile,
        now=now,
        request=RequestInfo.from_parts(path, query, {"accept-language": args.language}),
        device=device,
        forced=Forced(stage=args.stage, segments=frozenset(args.segment), attrs=attrs),
    )
    quiet = {"disclosure": False, "page_panel": False, "fresh_share": 0.0}
    config = replace(
        EngineConfig.from_settings(settings), respect=settings.respect.model_copy(update=quiet)
    )
    result = personalise_page(page, visit, loaded.ruleset, loaded.journey, config)
    facts = result.facts
    fired = {d.id: d for d in result.shown}
    slots = {s.name for s in find_slots(page)}
    print(f"page: {args.page}  ({len(slots)} slots: {', '.join(sorted(slots)) or 'none'})")
    for r in sorted(loaded.ruleset.rules, key=lambda r: r.order):
        target = r.rule.slot or r.rule.selector
        if r.id in fired:
            print(f"  fired      {r.id:28} -> {target}: because {'; '.join(reasons(fired[r.id]))}")
        elif r.rule.slot and r.rule.slot not in slots:
            print(f"  not here   {r.id:28} -> {target}: the page has no such slot")
        else:
            failing = [c.text for c in r.conditions if not c.check(facts)]
            why = ("not: " + "; ".join(failing)) if failing else "a higher-priority rule won"
            print(f"  not fired  {r.id:28} -> {target}: {why}")
    Path(args.out).write_text(result.html)
    print(f"wrote {args.out}")
    return 0


def _page_file(path: Path, context: str) -> str:
    """An HTML file as it is, or a Jinja2 template (extends/includes work) rendered with the
    JSON ``context``; values it does not get render empty."""
    text = path.read_text()
    if "{%" not in text and "{{" not in text:
        return text
    from jinja2 import ChainableUndefined, Environment, FileSystemLoader

    env = Environment(
        loader=FileSystemLoader(str(path.parent)), autoescape=True, undefined=ChainableUndefined
    )
    return env.get_template(path.name).render(json.loads(context))


def _settings_table(args: argparse.Namespace) -> int:
    import re

    from omotenashi.settings import settings_table

    if not args.readme:
        print(settings_table())
        return 0
    readme = Path(args.readme)
    text = re.sub(
        r"(<!-- settings-table:[^\n]*-->\n).*?(\n<!-- /settings-table -->)",
        lambda m: m.group(1) + settings_table() + m.group(2),
        readme.read_text(),
        flags=re.S,
    )
    readme.write_text(text)
    return 0


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
            attrs={k: json_or_text(v) for k, v in _pairs(args.attr).items()},
            ttl=args.ttl,
        )
    except ConfigError as exc:
        print(f"omotenashi force: {exc}", file=sys.stderr)
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
    from omotenashi.testing import seed_profile

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
            for key, value in _pairs(args.fields).items():
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="omotenashi", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="run the demo travel shop with an embedded Redis")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--root", default=".", help="the repository folder (holds demo_site/)")
    demo.add_argument("--log-level", default="warning")
    demo.set_defaults(func=_demo)

    chk = commands.add_parser("check", help="check rule files, the journey and snippets")
    chk.add_argument("rules", nargs="*", help="rules folders (default: rules)")
    chk.add_argument("--snippets", help="the snippets folder (default: next to rules)")
    chk.add_argument("--templates", help="your site's templates, to find undeclared slots")
    chk.set_defaults(func=_check)

    sch = commands.add_parser("schema", help="write the JSON Schemas of rule and journey files")
    sch.add_argument("--out", default="schema")
    sch.set_defaults(func=_schema)

    pre = commands.add_parser("preview", help="what a described visitor sees on a page")
    pre.add_argument("page", help="a URL of a running site, or an HTML file")
    pre.add_argument("--path", default="/", help="the page's path, for an HTML file")
    pre.add_argument("--context", default="{}", help="JSON values for a Jinja2 template page")
    pre.add_argument("--rules", help="the rules folder (default: OMOTENASHI_RULES_DIR)")
    pre.add_argument("--snippets")
    pre.add_argument("--stage", default="awareness")
    pre.add_argument("--segment", action="append", default=[])
    pre.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE")
    pre.add_argument("--interest", action="append", default=[], metavar="TOPIC=SCORE")
    pre.add_argument("--query", action="append", default=[], metavar="NAME=VALUE")
    pre.add_argument("--visits", type=int, default=1)
    pre.add_argument("--views", type=int, default=0)
    pre.add_argument("--purchases", type=int, default=0)
    pre.add_argument("--device", choices=["mobile", "tablet", "desktop", "other"])
    pre.add_argument("--user-agent")
    pre.add_argument("--language", default="")
    pre.add_argument("--time", help="ISO time, e.g. 2026-11-23T19:00+09:00")
    pre.add_argument("--out", default="preview.html")
    pre.set_defaults(func=_preview)

    frc = commands.add_parser("force", help="a signed preview link that forces a variant")
    frc.add_argument("--rule", action="append", default=[])
    frc.add_argument("--stage")
    frc.add_argument("--segment", action="append", default=[])
    frc.add_argument("--attr", action="append", default=[], metavar="NAME=VALUE")
    frc.add_argument("--ttl", type=int, default=3600, help="seconds the link works")
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

    tab = commands.add_parser("settings-table", help="the configuration table, in Markdown")
    tab.add_argument("--readme", help="rewrite the table in this README instead of printing it")
    tab.set_defaults(func=_settings_table)

    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    raise SystemExit(main())
