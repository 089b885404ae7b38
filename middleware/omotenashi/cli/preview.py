"""``omotenashi preview``: what a described visitor sees on a page, through the engine."""

from __future__ import annotations

import argparse
import urllib.parse
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from omotenashi.cli.args import folders, moment, pairs, topic_score, whole_at_least
from omotenashi.cli.previewpage import page_of, written
from omotenashi.engine.profile import json_or_text
from omotenashi.rules.model import STAGES

if TYPE_CHECKING:
    from collections.abc import Callable

    from omotenashi.engine.decide import Decision
    from omotenashi.engine.html import Scan
    from omotenashi.engine.ruleset import CompiledRule


def _preview(args: argparse.Namespace) -> int:
    from omotenashi.engine import EngineConfig, Forced, RequestInfo, Visit, personalise_page
    from omotenashi.engine.disclosure import reasons
    from omotenashi.engine.facts import Device
    from omotenashi.engine.html import parse_selector, scan
    from omotenashi.engine.profile import Profile
    from omotenashi.identity.device import parse_device
    from omotenashi.loader.reload import load_all
    from omotenashi.rules.text import nfc
    from omotenashi.settings import Settings

    settings = Settings()
    rules_cfg = folders(settings.rules, args.rules, args.snippets)
    if not rules_cfg.dir.is_dir():
        from omotenashi.errors import CommandError

        raise CommandError(f"no rules folder at {str(rules_cfg.dir)!r} (use --rules)")
    loaded = load_all(rules_cfg)
    page, path, codec = page_of(args.page, args.path, args.context)
    attrs = {k: json_or_text(v) for k, v in pairs(args.attr).items()}
    if args.device:
        device = Device(args.device, "Other", "Other", False)
    else:
        device = parse_device(args.user_agent or "")
    moment = args.time or datetime.now(UTC)
    if moment.tzinfo is None:  # as the rules read a schedule written without an offset
        moment = moment.replace(tzinfo=ZoneInfo(rules_cfg.timezone))
    now = moment.timestamp()
    profile = Profile(
        stage=args.stage,
        attrs=attrs,
        visits=args.visits,
        views=args.views,
        purchases=args.purchases,
        purchased=frozenset(map(nfc, args.bought)),  # as the rules' items are read
        viewed=dict.fromkeys(map(nfc, args.viewed), now),
        cart=dict(Counter(map(nfc, args.cart))),  # (an item given twice: two of it)
        interests={t: (s, now) for t, s in args.interest},
        last_seen=now,
        # --visits counts this visit: the page is seen within it, not as the start of another
        visit_start=now if args.visits > 0 else None,
    )
    query = "&".join(
        f"{urllib.parse.quote(k)}={urllib.parse.quote(v)}" for k, v in pairs(args.query).items()
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
    result = personalise_page(page, visit, loaded.ruleset, loaded.journey, config, loaded.catalog)
    roomy: list[set[str]] = []  # the blocks shown with room for every rule, when first asked

    def with_room() -> set[str]:
        if not roomy:
            room = replace(config, respect=config.respect.model_copy(update={"budget": 10**6}))
            made = personalise_page(
                page, visit, loaded.ruleset, loaded.journey, room, loaded.catalog
            )
            roomy.append({d.id for d in made.shown})
        return roomy[0]

    facts = result.facts
    fired = {d.id: d for d in result.shown}
    texts = {r.rule.selector for r in loaded.ruleset.selector_rules if r.rule.selector}
    found = scan(page, selectors=[parse_selector(t) for t in sorted(texts)])
    failed = _failures(result.problems)
    left = _left_out(result.skipped)
    slots = {s.name for s in found.slots if s.name is not None}
    print(f"page: {args.page}  ({len(slots)} slots: {', '.join(sorted(slots)) or 'none'})")
    for skip in found.skipped:
        print(f"  skipped    {skip.kind} {skip.name!r}: {skip.reason}")
    for r in sorted(loaded.ruleset.rules, key=lambda r: r.order):
        target = r.rule.slot or r.rule.selector
        if r.id in fired:
            kept = result.change.shown_why.get(r.id)  # what the preferences page would say
            said = cast("list[str]", kept[1]) if kept else reasons(fired[r.id])
            why = f"because {'; '.join(said)}" if said else "no conditions: every visitor"
            print(f"  fired      {r.id:28} -> {target}: {why}")
        elif r.rule.slot and r.rule.slot not in slots:
            print(f"  not here   {r.id:28} -> {target}: the page has no such slot")
        elif r.rule.selector and not found.matches.get(r.rule.selector):
            print(f"  not here   {r.id:28} -> {target}: nothing on the page matches it")
        elif r.id in failed:  # its conditions held; its snippet did not render
            print(f"  not fired  {r.id:28} -> {target}: {failed[r.id]}")
        elif r.id in left:  # its content cannot go where its target is (a <div> in a <p> ...)
            print(f"  not fired  {r.id:28} -> {target}: {left[r.id]}")
        elif cannot := _cannot_fill(r, found):
            print(f"  not fired  {r.id:28} -> {target}: {cannot}")
        else:
            failing = [c.text for c in r.conditions if not c.check(facts)]
            why = (  # (words52: "not: not: ..." for a not: that failed)
                ("unmet: " + "; ".join(failing))
                if failing
                else _held_back(r, result.shown, config.respect.budget, moment, with_room)
            )
            print(f"  not fired  {r.id:28} -> {target}: {why}")
    Path(args.out).write_bytes(written(result.html, codec))  # (in the page's own charset)
    print(f"wrote {args.out}")
    return 0


def _failures(problems: list[str]) -> dict[str, str]:
    """Rule id -> what went wrong, from the engine's problems (``rule <id>: snippet 'x':
    failed to render: ...; the slot keeps its default``)."""
    out = {}
    for problem in problems:
        head, sep, rest = problem.partition(": ")
        if head.startswith("rule ") and sep:
            said = rest.removesuffix("; the slot keeps its default")
            out[head.removeprefix("rule ")] = said.replace(
                "': failed to render", "' failed to render"
            )
    return out


def _left_out(skipped: list[str]) -> dict[str, str]:
    """Rule id -> why its content was not put into its target, from the engine's skips
    (``rule 'id': its target is a <span> inside a <p> of the page, and its content ...``)."""
    out: dict[str, str] = {}
    for said in skipped:
        rule, sep, rest = said.removeprefix("rule '").partition("': ")
        if sep and said.startswith("rule '"):
            out.setdefault(rule, rest)
    return out


def _cannot_fill(rule: CompiledRule, found: Scan) -> str:
    """Why a rule cannot take its target at all, as the engine decides (personalise.py
    ``_fits``): content for elements that hold none, text for table parts ("": it can)."""
    from omotenashi.engine.html.fragment import TABLE_SLOTS

    r = rule.rule
    if r.slot:
        targets = [t for t in found.slots if t.name == r.slot]
    else:
        targets = list(found.matches.get(r.selector or "", ()))
    if not targets or not rule.fills:
        return ""
    tag = targets[0].tag
    if all(t.void for t in targets):
        return f"its target is an <{tag}>, which holds no content (use attrs: for it)"
    if r.text is not None and all(t.tag in TABLE_SLOTS for t in targets):
        return f"its target is a <{tag}>: a browser moves text there out of the table"
    return ""


def _held_back(
    rule: CompiledRule,
    shown: list[Decision],
    budget: int,
    moment: datetime,
    with_room: Callable[[], set[str]],
) -> str:
    """Why a rule whose conditions all hold was not shown, from what was (``with_room``: the
    blocks shown when the budget leaves room for every one)."""
    from omotenashi.engine.decide import eligible

    r = rule.rule
    at = moment if moment.tzinfo is not None else moment.astimezone()  # as --time's timestamp
    if not r.enabled:
        return "switched off (enabled: false)"
    if not eligible(rule, at) and r.schedule is not None:
        start, end = r.schedule.start, r.schedule.end  # in the rules' time zone once loaded
        if start is not None and at < (start if start.tzinfo else start.replace(tzinfo=UTC)):
            return f"outside its schedule: it starts {start.isoformat()}"
        return f"outside its schedule: it ended {end.isoformat() if end else ''}".rstrip()
    for d in shown:
        if d.rule.target != rule.target:  # (a slot and a selector apart, "footer" too)
            continue
        won = f"{d.id} won the {'slot' if r.slot else 'selector'}"
        if d.rule.rule.priority > r.priority:
            return f"{won} (higher priority)"
        if d.rule.rule.priority == r.priority and d.rule.order < rule.order:  # (words52)
            return f"{won} (the same priority, and first in the files)"
        # (else it was held back by something below: a cap, its holdout ...)
    for d in shown:
        if r.intent and d.rule.rule.intent == r.intent:
            return (
                f"{d.id} already shows the intent {r.intent!r} (OMOTENASHI_RESPECT_INTENT_BUDGET)"
            )
    # (a list past the budget is not made: whether it has items is known by making it)
    if len(shown) >= budget and (r.recommend is None or rule.id in with_room()):
        blocks = f"{len(shown)} block{'s' if len(shown) != 1 else ''}"
        return f"the page already shows {blocks} (OMOTENASHI_RESPECT_BUDGET)"
    if r.recommend is not None:
        return "nothing to recommend here (no items left once the rule's filters applied)"
    return "held back by a cap or an intent's budget (OMOTENASHI_RESPECT_INTENT_BUDGET)"


def register(commands: Any) -> None:
    pre = commands.add_parser("preview", help="what a described visitor sees on a page")
    pre.add_argument(
        "page", help="a URL of a running site, an HTML file, or a Jinja2 template (--context)"
    )
    pre.add_argument(
        "--path",
        default="/",
        help="the page's path, for a page given as a file (default /; a URL gives its own)",
    )
    pre.add_argument(
        "--context", default="{}", metavar="JSON", help="JSON values for a Jinja2 template page"
    )
    pre.add_argument(
        "--rules", metavar="DIR", help="the rules folder (default: OMOTENASHI_RULES_DIR)"
    )
    pre.add_argument(
        "--snippets",
        metavar="DIR",
        help="the snippets folder (default: OMOTENASHI_RULES_SNIPPETS_DIR, else snippets next "
        "to the rules folder)",
    )
    pre.add_argument(
        "--stage",
        default="awareness",
        choices=STAGES,
        help="the visitor's journey stage (default awareness)",
    )
    pre.add_argument(
        "--segment",
        action="append",
        default=[],
        metavar="NAME",
        help="a segment the visitor is in; repeat for more (unset: only those the journey derives)",
    )
    pre.add_argument(
        "--attr",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an attribute of the visitor, e.g. tier=gold (JSON values such as 3 or true "
        "are read as such); repeat for more",
    )
    pre.add_argument(
        "--interest",
        action="append",
        default=[],
        type=topic_score,
        metavar="TOPIC=SCORE",
        help="the visitor's interest in a topic, e.g. hawaii=3; repeat for more (default: none)",
    )
    pre.add_argument(
        "--query",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter of the page's query string, e.g. utm_campaign=winter-sale; repeat "
        "for more (a URL's own query string is not read)",
    )
    pre.add_argument(
        "--visits",
        type=whole_at_least(0),  # (0: this page starts the first visit, as 1)
        default=1,
        metavar="N",
        help="visits so far, this one included (default 1: a first visit)",
    )
    pre.add_argument(
        "--views",
        type=whole_at_least(0),
        default=0,
        metavar="N",
        help="pages viewed before this one (default 0)",
    )
    pre.add_argument(
        "--purchases",
        type=whole_at_least(0),
        default=0,
        metavar="N",
        help="purchases so far (default 0)",
    )
    pre.add_argument(
        "--bought",
        action="append",
        default=[],
        metavar="ITEM",
        help="an item the visitor has bought, for bought: conditions; repeat for more "
        "(default: none; --purchases counts purchases apart)",
    )
    pre.add_argument(
        "--viewed",
        action="append",
        default=[],
        metavar="ITEM",
        help="an item the visitor has viewed, for viewed: and viewed_in_list: conditions; "
        "repeat for more (default: none; the page's own item counts as ever)",
    )
    pre.add_argument(
        "--cart",
        action="append",
        default=[],
        metavar="ITEM",
        help="an item in the visitor's cart, for in_cart: and cart_items: conditions; repeat "
        "for more (default: an empty cart)",
    )
    pre.add_argument(
        "--device",
        choices=["mobile", "tablet", "desktop", "other"],
        help="the kind of device, with browser and OS Other (default: read from "
        "--user-agent; neither given: other)",
    )
    pre.add_argument(
        "--user-agent",
        metavar="TEXT",
        help="a browser's User-Agent header, read for the device, browser and OS "
        "conditions (default: none; ignored with --device)",
    )
    pre.add_argument(
        "--language",
        default="",
        metavar="TAGS",
        help="the Accept-Language header, e.g. 'ja,en;q=0.8' (default: none)",
    )
    pre.add_argument(
        "--time",
        type=moment,
        help="ISO time, e.g. 2026-11-23T19:00+09:00; without an offset, in the rules' time zone "
        "(OMOTENASHI_RULES_TIMEZONE), as schedules are (default: now)",
    )
    pre.add_argument(
        "--out",
        default="preview.html",
        metavar="FILE",
        help="where to write the personalised page (default preview.html)",
    )
    pre.set_defaults(func=_preview)
