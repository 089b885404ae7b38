"""``omotenashi check``: what an editor should hear about before the rules go live.

Errors (exit 1): files that do not validate (an empty journey file included), snippets that
are missing or do not compile, rules that can never fire (a schedule that ends before it
starts included), names that can never match (``namechecks``). The live load only logs an
empty journey file and such a schedule (``LoadWarning``). Warnings: rules on one slot with
equal priority that can hold at once (one warning per slot and priority), a rule with no
conditions that always wins its slot over lower rules, schedules that have ended, snippets
that fail for a sample visitor, slots no template declares, likely misspelt segments and
topics, events nothing here names (``eventchecks``), snippets no rule uses, rule files with no
rules, more measured rules on one page than a page view counts (``measurechecks``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from omotenashi.engine.journey import Journey
from omotenashi.engine.limits import MAX_TOPIC
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.errors import RuleError, RuleSetError
from omotenashi.loader.catalog import load_catalog_for
from omotenashi.loader.eventchecks import EventNames
from omotenashi.loader.fieldchecks import FieldChecks
from omotenashi.loader.filechecks import (
    declared_slots,
    filled_voids,
    ignored_files,
    unused_snippets,
    void_slots,
)
from omotenashi.loader.findings import Finding, LoadWarning
from omotenashi.loader.journey import load_journey
from omotenashi.loader.listchecks import list_findings, viewed_in_findings
from omotenashi.loader.measurechecks import crowded_pages, unreachable_goals
from omotenashi.loader.namechecks import name_findings
from omotenashi.loader.never import contradictions, dead_branches
from omotenashi.loader.numberchecks import reshaped_numbers
from omotenashi.loader.overlap import overlapping
from omotenashi.loader.pacing import paused_gc
from omotenashi.loader.placechecks import misplaced, slot_places
from omotenashi.loader.ruleset import NO_RULES, load_ruleset, rule_files
from omotenashi.loader.selectorchecks import unmatched_selectors
from omotenashi.loader.snippetreads import snippet_read_findings
from omotenashi.loader.snippets import Renderer
from omotenashi.recommend.catalog import CATALOG_FILE, CATALOG_FILES, Catalog, find_catalog_file
from omotenashi.rules.text import topic
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of, load_yaml

SAME_PRIORITY_NAMED = 10  # rules a same-priority warning names; the rest are counted


def check(
    rules_dir: Path,
    snippets_dir: Path,
    templates: Path | None = None,
    *,
    attribute: str = "data-omo-slot",
    timezone: str = "UTC",
    base: Path | None = None,
    history_category: str = "browsing-history",
    left_alone: Callable[[str], bool] | None = None,
) -> list[Finding]:
    """What an editor should hear about the rules in ``rules_dir``. The cyclic collector is
    paused throughout, as while loading (``pacing``): its passes would walk the loaded rules
    again and again (about 30% of the time at 10,000 rules); a check makes little garbage.
    ``left_alone``: the paths the site's settings leave alone (a goal there is never reached)."""
    with paused_gc():
        where = (templates, base, history_category, left_alone)
        return _check(rules_dir, snippets_dir, where, attribute, timezone)


def _check(
    rules_dir: Path,
    snippets_dir: Path,
    where: tuple[Path | None, Path | None, str, Callable[[str], bool] | None],
    attribute: str,
    timezone: str,
) -> list[Finding]:
    templates, base, history_category, left_alone = where
    findings: list[Finding] = []
    journey: Journey | None = None
    noted: list[LoadWarning] = []  # what the live load only logs: here at its own level
    try:
        journey = load_journey(rules_dir, timezone=timezone, base=base, warnings=noted)
    except RuleSetError as exc:
        findings += [Finding(e.file, e.line, "error", _said(e)) for e in exc.errors]
    renderer = Renderer(snippets_dir)
    try:
        ruleset = load_ruleset(
            rules_dir,
            renderer,
            timezone=timezone,
            base=base,
            warnings=noted,
            history=history_category,  # (a renamed category no rule has: but that one)
        )
    except RuleSetError as exc:
        findings += [Finding(e.file, e.line, "error", _said(e)) for e in exc.errors]
        return findings
    finally:
        findings += [Finding(n.error.file, n.error.line, n.level, _said(n.error)) for n in noted]
    findings += [Finding(name, 1, "warning", NO_RULES) for name in ruleset.empty_files]
    rules = sorted(ruleset.rules, key=lambda r: r.order)
    catalog, found = _catalog_findings(rules_dir, rules, base)
    findings += found
    findings += list_findings(rules_dir, base, catalog.position if catalog is not None else ())
    if journey is not None:
        findings += viewed_in_findings(rules, renderer.env, journey.lists, snippets_dir, base)
    slots = (templates, declared_slots(templates, attribute)) if templates is not None else None
    fields = FieldChecks(rules, catalog, history_category)  # why:, text:, category, viewed
    fields.events = EventNames(journey, ruleset.goals)  # event: and until: names (eventchecks)
    places: dict[tuple[str, str], tuple[dict[Loc, int], Loc]] = {}  # (for never_line)
    findings += name_findings(rules_dir, rules, base, journey, catalog, slots, fields, places)
    findings += snippet_read_findings(rules, renderer.env, renderer.text_env, places)
    if templates is not None:
        findings += filled_voids(rules, void_slots(templates, attribute))
        findings += misplaced(rules, slot_places(templates, attribute))
        findings += unmatched_selectors(rules, templates, places)
    now = datetime.now(UTC)
    can_fire: list[CompiledRule] = []
    for r in rules:
        never = [
            Finding(
                r.file, _never_line(r, why, places), "error", f"rule {r.id!r} can never fire: {why}"
            )
            for why in contradictions(r.rule.when)
        ]
        findings += never
        if not never:  # a branch that can never hold, beside others that can
            findings += _dead_branches(r, places)
        if r.rule.schedule is not None and r.rule.schedule.never_on() is not None:
            continue  # never on: said with the load's warnings
        end = r.rule.schedule.end if r.rule.schedule else None
        if end is not None and (end if end.tzinfo else end.replace(tzinfo=UTC)) <= now:
            never.append(
                Finding(
                    r.file,
                    r.line,
                    "warning",
                    f"rule {r.id!r} can never fire: its schedule ended {_ended(end)}",
                )
            )
            findings.append(never[-1])
        if not never:
            can_fire.append(r)
    findings += _same_priority(can_fire)
    findings += _always_wins(can_fire)
    findings += crowded_pages(can_fire)  # more measured rules on a page than a view counts
    if left_alone is not None:  # a goal on a page the settings leave alone
        findings += unreachable_goals(ruleset.goals, ruleset.goal_places, left_alone)
    used = {r.rule.snippet for r in rules if r.rule.snippet}
    findings += unused_snippets(snippets_dir, used, base)
    for path in rule_files(rules_dir):  # numbers in with: shown otherwise than written
        findings += reshaped_numbers(path, display_path(path, base))
    findings += ignored_files(rules_dir, base)
    return findings


def _said(error: RuleError) -> str:
    """An error as ``check`` words it: without the file and line it is listed under."""
    return str(RuleError("", 0, error.field, error.problem, error.hint)).split(": ", 1)[1]


def _same_priority(rules: list[CompiledRule]) -> list[Finding]:
    """One warning per slot and priority where rules can hold together, at the first of them:
    which of them shows is decided by file order alone."""
    groups: dict[tuple[str, int], list[CompiledRule]] = {}
    for r in rules:
        if not r.rule.enabled:  # (never decided: no clash; editor51)
            continue
        target = r.rule.slot or f"selector {r.rule.selector}"
        groups.setdefault((target, r.rule.priority), []).append(r)
    out = []
    for (target, priority), group in groups.items():
        clashing = [
            r
            for r, can in zip(group, overlapping([r.rule.when for r in group]), strict=True)
            if can
        ]
        if len(clashing) < 2:
            continue
        names = [repr(r.id) for r in clashing[:SAME_PRIORITY_NAMED]]
        if len(clashing) > len(names):
            listed = ", ".join(names) + f" and {len(clashing) - len(names)} more"
        else:
            listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        if len(clashing) == 2:
            clash = f"can both hold: {clashing[0].id!r} wins by coming first"
        else:
            clash = "more than one can hold at once: the first listed that holds wins"
        out.append(
            Finding(
                clashing[0].file,
                clashing[0].line,
                "warning",
                f"rules {listed} fill {target!r} with the same priority ({priority}) and "
                f"{clash}; give one a higher priority if that is not what you mean",
            )
        )
    return out


def _always(r: CompiledRule) -> bool:
    """Whether the rule holds for every visitor at every moment: no conditions, on, no
    schedule, cap, holdout or intent (whose budget may hold it back), no recommendations
    (which may find nothing to show), not printing the visitor's name (the name caps)."""
    rule = r.rule
    conditions = {k for k, v in rule.when.__dict__.items() if v is not None} - {"timezone"}
    return (
        not conditions
        and rule.enabled
        and rule.schedule is None
        and rule.cap is None
        and rule.holdout == 0
        and rule.intent is None
        and rule.recommend is None
        and not r.uses_name  # held back past the name caps
    )


def _always_wins(rules: list[CompiledRule]) -> list[Finding]:
    """Per slot, a rule that always holds hides every rule of lower priority: one warning at
    it, naming up to ten of them."""
    by_target: dict[str, list[CompiledRule]] = {}
    for r in sorted(rules, key=lambda r: (-r.rule.priority, r.order)):
        if r.rule.enabled:
            by_target.setdefault(r.rule.slot or f"selector {r.rule.selector}", []).append(r)
    out = []
    for target, group in by_target.items():
        top = next((r for r in group if _always(r)), None)
        if top is None:
            continue
        hidden = [r for r in group if r.rule.priority < top.rule.priority]
        if not hidden:
            continue
        names = ", ".join(repr(r.id) for r in hidden[:SAME_PRIORITY_NAMED])
        more = len(hidden) - SAME_PRIORITY_NAMED
        listed = names + (f" and {more} more" if more > 0 else "")
        out.append(
            Finding(
                top.file,
                top.line,
                "warning",
                f"rule {top.id!r} (priority {top.rule.priority}, no conditions) always wins "
                f"{target!r}: {listed} can show only to visitors who turn it off (give it a "
                "lower priority or a when:)",
            )
        )
    return out


def _dead_branches(
    r: CompiledRule, places: dict[tuple[str, str], tuple[dict[Loc, int], Loc]]
) -> list[Finding]:
    where = places.get((r.file, r.id))
    out = []
    for at, why in dead_branches(r.rule.when):
        line = line_of(where[0], (*where[1], "when", *at)) if where else r.line
        said = f"rule {r.id!r}: when.{format_loc(at)} can never hold ({why}): the rule fires by "
        out.append(Finding(r.file, line, "warning", said + "its other branches only"))
    return out


def _never_line(
    r: CompiledRule, why: str, places: dict[tuple[str, str], tuple[dict[Loc, int], Loc]]
) -> int:
    """The line of the condition a "can never fire" names first (``visits:``,
    ``event.signup:``), the first such under the rule's ``when:``, at any depth (inside an
    ``all:`` or ``any:``: editor51), or of its ``any:`` when none of its branches can hold;
    else of the rule's ``when:``; its ``id:`` when the file's lines are unknown (the editors'
    eyes went to the rule, not to what was wrong: qa50)."""
    if (where := places.get((r.file, r.id))) is None:
        return r.line
    lines, loc = where
    when: tuple[str | int, ...] = (*loc, "when")
    field = "any" if why.startswith("none of the any:") else why.split(":", 1)[0].split(" ")[0]
    parts = tuple(field.split("."))
    nested = [
        line
        for at, line in lines.items()
        if at[: len(when)] == when and at[len(when) :][-len(parts) :] == parts
    ]
    return min(nested) if nested else line_of(lines, when)


def _catalog_findings(
    rules_dir: Path, rules: list[CompiledRule], base: Path | None
) -> tuple[Catalog | None, list[Finding]]:
    """The recommendations' catalogue validates, and recommend rules have one to choose from."""
    try:
        catalog = load_catalog_for(rules_dir, base=base)
    except RuleSetError as exc:
        errors = exc.errors
        return None, [Finding(e.file, e.line, "error", str(e).split(": ", 1)[1]) for e in errors]
    return catalog, [
        *(
            Finding(
                r.file,
                r.line,
                "warning",
                f"rule {r.id!r} recommends items but {rules_dir}/catalog.yaml is missing or "
                "empty (unless your app registers a catalogue callable)",
            )
            for r in rules
            if r.rule.recommend is not None and not catalog.items
        ),
        *(
            Finding(
                r.file,
                r.line,
                "warning",
                f"rule {r.id!r} weighs the interests strategy, but no catalogue item has tags:"
                " it never picks an item (popular fills its places); give items tags: [...]"
                " with the topics your pages name",
            )
            for r in rules
            if r.rule.recommend is not None
            and r.rule.recommend.strategies.get("interests", 0) > 0
            and catalog.items
            and not catalog.tag_mask
        ),
        *(
            Finding(
                r.file,
                r.line,
                "warning",
                f"rule {r.id!r} may recommend the items marked available: false (such as "
                f"{next(i.id for i in catalog.items if not i.available)!r}): its exclude "
                "leaves out unavailable; add it to the list",
            )
            for r in rules
            if r.rule.recommend is not None
            and "unavailable" not in r.rule.recommend.exclude
            and catalog.unavailable
        ),
        *_long_tags(rules_dir, base, catalog),
        *_catalogs_ignored(rules_dir, base),
    ]


def _catalogs_ignored(rules_dir: Path, base: Path | None) -> list[Finding]:
    """A second catalogue file beside the one read (recs65: its items were left out unsaid)."""
    found = [display_path(rules_dir / n, base) for n in CATALOG_FILES if (rules_dir / n).is_file()]
    many = ("two", "three")[len(found) - 2] if len(found) > 1 else ""  # (review66: three)
    problem = f"there are {many} catalogue files: {{}} is ignored, {{}} is read (keep one of them)"
    return [Finding(name, 1, "error", problem.format(name, found[0])) for name in found[1:]]


def _long_tags(rules_dir: Path, base: Path | None, catalog: Catalog) -> list[Finding]:
    """A catalogue tag longer than a topic a page may give (MAX_TOPIC characters): no interest
    is ever that topic, so the tag never meets one (session 54: it was silent). The file is
    read again for its lines only when the catalogue (its tags folded) holds one."""
    if all(len(tag) <= MAX_TOPIC for item in catalog.items for tag in item.tags):
        return []
    path = find_catalog_file(rules_dir)
    if path is None:
        return []
    name = display_path(path, base)
    data, lines = load_yaml(path, name, limit=CATALOG_FILE)  # (it loaded above: no error
    # here; last67: with a rule file's bound, a catalogue past 512 KB stopped check)
    items = data.get("items") if isinstance(data, dict) else None
    out = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        tags = item.get("tags") if isinstance(item, dict) else None
        listed: list[tuple[Loc, object]] = (
            [(("items", index, "tags", at), tag) for at, tag in enumerate(tags)]
            if isinstance(tags, list)
            else [(("items", index, "tags"), tags)]  # (one, not listed: eye54)
        )
        for loc, tag in listed:
            said = topic(tag) if isinstance(tag, str) else ""
            if len(said) > MAX_TOPIC:
                shown = repr(said) if len(said) <= 60 else f"{said[:60]!r}..."
                out.append(
                    Finding(
                        name,
                        line_of(lines, loc),
                        "warning",
                        f"{format_loc(loc)}: the tag {shown} is {len(said)} characters:"
                        f" pages' topics longer than {MAX_TOPIC} are not kept, so no interest"
                        f" ever meets it; shorten it to the topic your pages name",
                    )
                )
    return out


def _ended(end: datetime) -> str:
    """When a schedule ended, as the editor wrote it: an end at midnight is the day before's
    end (``end: 2026-11-30`` is read as through that day: editor63 read "ended
    2026-12-01T00:00:00+00:00")."""
    if (end.hour, end.minute, end.second, end.microsecond) == (0, 0, 0, 0):
        return f"with {(end - timedelta(days=1)).date().isoformat()} ({end.isoformat()})"
    return end.isoformat()
