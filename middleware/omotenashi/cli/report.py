"""``omotenashi report``: lift per rule and goal, from the counters in Redis.

omotenashi report [RULES_DIR] [--snippets DIR] [--since YYYY-MM-DD] [--until YYYY-MM-DD]
                  [--json] [--html FILE] [--redis URL]

Reads the rule files (holdouts and goals) and the daily counters; prints a table (or JSON) and
optionally writes a self-contained HTML report with plots.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any


def _report(args: argparse.Namespace) -> int:
    from omotenashi.cli.args import folders, talking_to_redis
    from omotenashi.errors import OmotenashiError
    from omotenashi.loader.ruleset import load_ruleset
    from omotenashi.loader.snippets import Renderer
    from omotenashi.measure.gaps import sentence
    from omotenashi.measure.htmlreport import render_html
    from omotenashi.measure.report import parse_day
    from omotenashi.measure.text import render_text
    from omotenashi.settings import Settings

    settings = Settings()
    url = args.redis or settings.redis.url
    if not url:
        print("omotenashi report: set OMOTENASHI_REDIS_URL (or --redis URL)", file=sys.stderr)
        return 2
    rules = folders(settings.rules, args.rules, args.snippets)
    rules_dir, snippets = rules.dir, rules.snippets_dir
    if not rules_dir.is_dir():  # (config52: "Nothing counted yet", exit 0, read from no rules)
        print(f"omotenashi report: no rules folder at {str(rules_dir)!r}", file=sys.stderr)
        return 2
    try:
        since = parse_day(args.since, "--since") if args.since else None
        until = parse_day(args.until, "--until") if args.until else None
        ruleset = load_ruleset(rules_dir, Renderer(snippets), base=Path.cwd())
        with talking_to_redis(url, "--redis (or OMOTENASHI_REDIS_URL)"):
            report = asyncio.run(_collect(settings, url, ruleset, since, until))
    except OmotenashiError as exc:
        if os.environ.get("OMOTENASHI_TRACEBACK"):  # as every command: cli/main.py
            raise
        print(f"omotenashi report: {exc}", file=sys.stderr)
        return 2
    if args.html:
        Path(args.html).write_text(render_html(report), encoding="utf-8")
        print(f"wrote {args.html}", file=sys.stderr)
    if args.json:
        if report.gaps:  # in the JSON too (missing_days): said where a person reads it
            print(f"omotenashi report: WARNING: {sentence(report.gaps)}", file=sys.stderr)
        print(json.dumps(report.as_json(), indent=2, allow_nan=False))
    else:
        print(render_text(report), end="")
    return 0


async def _collect(
    settings: Any, url: str, ruleset: Any, since: str | None, until: str | None
) -> Any:
    from omotenashi.measure.collect import report_for
    from omotenashi.metrics import Metrics
    from omotenashi.store.store import Store

    store = Store(settings.redis, Metrics())
    store.connect(url)
    try:
        return await report_for(store, ruleset, settings, since=since, until=until)
    finally:
        await store.aclose()


def register(commands: Any) -> None:
    rep = commands.add_parser("report", help="lift per rule and goal, with confidence intervals")
    rep.add_argument("rules", nargs="?", help="rules folder (default: OMOTENASHI_RULES_DIR)")
    rep.add_argument(
        "--snippets",
        metavar="DIR",
        help="snippets folder (default: OMOTENASHI_RULES_SNIPPETS_DIR, else next to the rules)",
    )
    rep.add_argument(
        "--since",
        metavar="DAY",
        help="first day of first exposures, YYYY-MM-DD (the site's days, in "
        "OMOTENASHI_RULES_TIMEZONE; unset: the oldest kept)",
    )
    rep.add_argument(
        "--until",
        metavar="DAY",
        help="last day of first exposures, YYYY-MM-DD (the site's days; unset: the site's today)",
    )
    rep.add_argument("--json", action="store_true", help="print JSON instead of a table")
    rep.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML report with plots here"
    )
    rep.add_argument(
        "--redis", metavar="URL", help="the site's Redis (default: OMOTENASHI_REDIS_URL)"
    )
    rep.set_defaults(func=_report)
