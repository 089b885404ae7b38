"""``omotenashi check``: names in rules that can never match, or that look misspelt.

Errors where the name provably never matches: a list no ``rules/data/<name>.yaml`` defines, a
path glob that cannot match a request path (those start with '/'), a country that is not a
two-letter code (three letters: a warning, the country header is the site's choice), a
language that is not a language tag, an event name ``track`` and the beacon refuse. Warnings
for a referrer or path glob that never matches what browsers send (``referrerchecks``), and
for ``not: {not: ...}``, said simpler without both. Warnings
where a name may be right but is close to a known one: segments (the site may set any at run
time) and interest topics (pages may tag any), and, with ``--templates``, slots no template
declares. Each is reported at the field's own line.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from omotenashi.engine.journey import Journey
from omotenashi.engine.limits import MAX_TOPIC
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.errors import RuleError
from omotenashi.loader.fieldchecks import FieldChecks
from omotenashi.loader.findings import Finding
from omotenashi.loader.near import CLOSE, Near, _close, series
from omotenashi.loader.pathchecks import rule_shape_findings
from omotenashi.loader.referrerchecks import path_query_problem, referrer_problem
from omotenashi.loader.ruleset import list_files, rule_files
from omotenashi.loader.whens import walk_whens
from omotenashi.recommend.catalog import Catalog
from omotenashi.rules.goals import EVENT
from omotenashi.rules.model import STAGES, When
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of, load_yaml

_COUNTRY = re.compile(r"[A-Za-z][A-Za-z0-9]")  # ISO 3166 alpha-2 (and proxies' T1, XX)
_ALPHA3 = re.compile(r"[A-Za-z]{3}")  # ISO 3166 alpha-3: a header may send them
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_EVENT = re.compile(EVENT)
_GLOB_START = ("/", "*", "?", "[")  # a glob that may match a path starting with '/'
LIKELY_USED = 200  # the most used names in rules a rarer one is compared with


def unknown_rules(wanted: Iterable[str], known: Iterable[str]) -> list[str]:
    """Each of the rule ids ``wanted`` (a force link's) that ``known`` lacks, quoted, with the
    closest known id when one is alike: ``'kyoto-heroo' (did you mean 'kyoto-hero'?)``."""
    ids = set(known)
    near = sorted(ids)
    out = []
    for name in dict.fromkeys(wanted):
        if name not in ids:
            close = _close(name, near)
            out.append(f"{name!r} (did you mean {close!r}?)" if close else repr(name))
    return out


class _Names:
    """The findings for one rule file, located with the file's own lines."""

    def __init__(self, file: str, lines: dict[Loc, int]) -> None:
        self.file, self.lines = file, lines
        self.found: list[Finding] = []

    def add(self, loc: Loc, level: str, problem: str, hint: str) -> None:
        if isinstance(loc[-1], int) and loc not in self.lines:
            loc = loc[:-1]  # one value written bare, not as a list: no index to name
        said = str(RuleError("", 0, format_loc(loc), problem, hint)).split(": ", 1)[1]
        self.found.append(Finding(self.file, line_of(self.lines, loc), level, said))


def name_findings(
    rules_dir: Path,
    rules: list[CompiledRule],
    base: Path | None,
    journey: Journey | None,
    catalog: Catalog | None,
    slots: tuple[Path, set[str]] | None = None,
    fields: FieldChecks | None = None,
    places: dict[tuple[str, str], tuple[dict[Loc, int], Loc]] | None = None,
) -> list[Finding]:
    """Names that can never match (errors) or look misspelt (warnings), at their fields.
    ``slots``: the templates folder and the slots its templates declare (``--templates``);
    ``fields``: a rule's words and names shown to visitors, checked at their lines too;
    ``places``: filled with each rule's file lines and place there, by (file, id)."""
    lists = [p.stem for p in list_files(rules_dir)]
    segments = set(journey.spec.segments) if journey else set()
    topics = {t for rule in journey.spec.topics for t in rule.topics} if journey else set()
    if catalog is not None:
        topics |= set(catalog.labels) | {t for item in catalog.items for t in item.tags}
    in_rules: dict[str, Counter[str]] = {"segment": Counter(), "interest": Counter()}
    for r in rules:
        for when, _ in walk_whens(r.rule.when, ()):
            in_rules["segment"].update(set(when.segment or ()))
            in_rules["interest"].update(set(when.interest or ()))
    by_id = {r.id: r for r in rules}
    reached = {"awareness"}  # where visitors start, and every stage the journey moves them to
    if journey is not None:
        reached |= {t.to for t in journey.spec.transitions} | {d.to for d in journey.spec.decay}
    seen: dict[tuple[str, str], str | None] = {}  # each distinct name looked at once
    top = {kind: used.most_common(LIKELY_USED) for kind, used in in_rules.items()}
    near = {  # what a name may be a misspelling of, indexed once (Near)
        "segment": Near([*segments, *(n for n, _ in top["segment"])]),
        "interest": Near([*topics, *(n for n, _ in top["interest"])]),
    }
    declared = Near(slots[1]) if slots is not None else None
    slot_near: dict[str, str | None] = {}  # each slot no template declares looked at once
    out: list[Finding] = []
    for path in rule_files(rules_dir):
        name = display_path(path, base)
        try:
            data, lines = load_yaml(path, name)
        except RuleError:
            continue  # reported with the rules
        items = data.get("rules") if isinstance(data, dict) else None
        names = _Names(name, lines)
        for index, raw in enumerate(items if isinstance(items, list) else []):
            found = by_id.get(str(raw.get("id"))) if isinstance(raw, dict) else None
            if found is None or found.file != name:
                continue
            r = found
            loc: Loc = ("rules", index)
            if places is not None:
                places[r.file, r.id] = lines, loc
            for when, at in walk_whens(r.rule.when, (*loc, "when")):
                _never(names, when, at, lists)
                if journey is not None and when.stage and "not" not in at:
                    _unreached(names, when.stage, (*at, "stage"), r.id, reached)
                _likely_typos(names, when, at, (segments, topics), in_rules, seen, top, near)
            if fields is not None:
                fields.check(names.add, r.rule, loc)
            rule_shape_findings(names.add, lines, r.rule, loc, raw.get("holdout"))  # pathchecks
            slot = r.rule.slot
            if slots is not None and declared is not None and slot and slot not in slots[1]:
                if slot not in slot_near:
                    slot_near[slot] = declared.close(slot, 0.6)
                close = slot_near[slot]
                names.add(
                    (*loc, "slot"),
                    "warning",
                    f"no template in {slots[0]} declares the slot {r.rule.slot!r} that rule "
                    f"{r.id!r} fills",
                    f"did you mean {close!r}?" if close else "check the slot's name",
                )
        out += names.found
    return out


def _unreached(
    names: _Names, stages: Sequence[str], loc: Loc, rule: str, reached: set[str]
) -> None:
    """A rule that asks for stages no visitor reaches: no transition or decay of the journey
    moves anyone there (visitors start in awareness), so only previews show it."""
    if any(stage in reached for stage in stages):
        return
    listed = " or ".join(repr(s) for s in stages)
    names.add(
        loc,
        "warning",
        f"rule {rule!r} asks for stage {listed}, which no transition of the journey moves a "
        "visitor to: "
        + (
            "this branch holds for no visitor"
            if "any" in loc
            else "no visitor gets there now (only previews, 'omotenashi profile set stage=' and "
            "profiles kept from an earlier journey see it)"
        ),
        f"add a transition 'to: {stages[0]}' to the journey, or ask for a stage it reaches "
        f"({', '.join(s for s in STAGES if s in reached)})",
    )


def when_findings(
    file: str, lines: dict[Loc, int], whens: list[tuple[When, Loc]], lists: list[str]
) -> list[Finding]:
    """The errors of :func:`_never` in conditions outside rule files (the journey's)."""
    names = _Names(file, lines)
    for when, loc in whens:
        for sub, at in walk_whens(when, loc):
            _never(names, sub, at, lists)
    return names.found


def _never(names: _Names, when: When, loc: Loc, lists: list[str]) -> None:
    """Names the engine can never match: errors; URL and path globs that never match what
    browsers send (``referrerchecks``) and a double ``not:``: warnings."""
    listed = when.viewed_in_list
    if listed is not None and listed not in lists:
        close = _close(listed, lists)
        known = f"lists: {', '.join(lists)}" if lists else "there are no lists"
        names.add(
            (*loc, "viewed_in_list"),
            "error",
            f"no list {listed!r} ({known})",
            f"did you mean {close!r}?"
            if close
            else f"a list is a file rules/data/<name>.yaml with items: [...]; add "
            f"rules/data/{listed}.yaml",
        )
    for index, glob in enumerate(when.path or ()):
        if (said := path_problem(glob)) is not None:
            names.add((*loc, "path", index), "error", *said)
        elif (said := path_query_problem(glob)) is not None:
            names.add((*loc, "path", index), "warning", *said)
    for field in ("referrer", "first_referrer"):  # (a warning: matched, only never so)
        for index, glob in enumerate(getattr(when, field) or ()):
            if (said := referrer_problem(field, glob)) is not None:
                names.add((*loc, field, index), "warning", *said)
    chained = bool(loc) and loc[-1] == "not" and _only_not(when)  # said at its parent's not:
    if when.not_ is not None and _only_not(when.not_) and not chained:
        names.add(
            (*loc, "not"),
            "warning",
            "'not: {not: ...}' is a double negation: it holds exactly when what is inside "
            "the second not: holds",
            "write those conditions without the two not:",
        )
    for interest in when.interest or ():
        if len(interest) > MAX_TOPIC:  # (session 54: it was silent)
            names.add(
                (*loc, "interest", interest),
                "error",
                f"the topic {interest[:60]!r} is {len(interest)} characters: pages' topics "
                f"longer than {MAX_TOPIC} are not kept, so no visitor has this interest",
                "write the topic your pages name",
            )
    for index, country in enumerate(when.country or ()):
        if _ALPHA3.fullmatch(country):  # the country header is the site's: it may send these
            names.add(
                (*loc, "country", index),
                "warning",
                f"{country!r} is not an ISO 3166 two-letter code: it matches only if the country "
                "header (OMOTENASHI_COUNTRY_HEADER) sends three-letter codes",
                "most proxies send two letters: write one such as 'JP'",
            )
        elif not _COUNTRY.fullmatch(country):
            names.add(
                (*loc, "country", index),
                "error",
                f"{country!r} can never match: countries are ISO 3166 two-letter codes",
                "write a two-letter code such as 'JP'",
            )
    for index, language in enumerate(when.language or ()):
        if not _LANGUAGE.fullmatch(language):
            names.add(
                (*loc, "language", index),
                "error",
                f"{language!r} can never match: browsers send language tags",
                "write a tag such as 'ja' or 'ja-JP'",
            )
        elif (meant := _COUNTRY_NOT_LANGUAGE.get(language.lower().partition("-")[0])) is not None:
            names.add(
                (*loc, "language", index),
                "warning",
                f"{language!r} is a country's code, not a language's: browsers ask for "
                f"{meant[0]!r} ({meant[1]}), not {language!r}",
                f"write language: {meant[0]}, or country: {language[:2].upper()} for where",
            )
    for event in when.event or {}:
        if (said := event_problem(event)) is not None:
            names.add((*loc, "event", event), "error", *said)


# country codes written for a language (a .jp shop's "jp": japan53), with what browsers send
# instead; none of them is a language's own code ("se", "br" and "kr" are, and are left out)
_COUNTRY_NOT_LANGUAGE = {
    "jp": ("ja", "Japanese"),
    "cn": ("zh", "Chinese"),
    "gr": ("el", "Greek"),
    "dk": ("da", "Danish"),
    "cz": ("cs", "Czech"),
    "ua": ("uk", "Ukrainian"),
    "vn": ("vi", "Vietnamese"),
    "il": ("he", "Hebrew"),
}


def _only_not(when: When) -> bool:
    """Whether ``when`` holds a ``not:`` and nothing else (no time zone of its own either)."""
    return when.not_ is not None and all(
        value is None for name, value in when.__dict__.items() if name != "not_"
    )


def path_problem(glob: str) -> tuple[str, str] | None:
    """(problem, hint) when the path glob can never match a request path (rules, journey)."""
    if glob.startswith(_GLOB_START):
        return None
    return f"{glob!r} can never match: a request path always starts with '/'", f"write '/{glob}'"


def event_problem(event: str) -> tuple[str, str] | None:
    """(problem, hint) when ``track`` and the beacon refuse the event name (rules, journey)."""
    if _EVENT.match(event):
        return None
    fixed = re.sub(r"[^a-z0-9_]+", "_", event.lower()).strip("_")[:40]
    return (
        f"the event {event!r} can never be recorded: event names are lowercase letters, "
        "digits and _, starting with a letter, at most 40",
        f"write {fixed!r}" if _EVENT.match(fixed) else "write a name such as 'join_club'",
    )


def _likely_typos(
    names: _Names,
    when: When,
    loc: Loc,
    names_known: tuple[set[str], set[str]],
    in_rules: dict[str, Counter[str]],
    seen: dict[tuple[str, str], str | None],
    top: dict[str, list[tuple[str, int]]],
    near: dict[str, Near],
) -> None:
    """Segments and topics can be right though nothing here names them (the site sets
    segments, pages tag topics): warnings, only when close to a known name, one the journey
    (or the catalogue) names or twice as many other rules use (of the LIKELY_USED most used).
    ``seen``: the answer per kind and name, so each distinct name is looked at once."""
    given: dict[str, list[tuple[str | int, str]]] = {
        "segment": list(enumerate(when.segment or ())),
        "interest": [(t, t) for t in when.interest or {}],
    }
    for kind, known in zip(("segment", "interest"), names_known, strict=True):
        for key, value in given[kind]:
            if value in known:
                continue
            if (kind, value) not in seen:
                used = in_rules[kind]
                seen[kind, value] = _typo_of(value, known, used[value], top[kind], near[kind])
            close = seen[kind, value]
            if close is None:
                continue
            what = (
                "a segment the journey defines (the site may set it)"
                if kind == "segment"
                else "a topic the journey, the catalogue or other rules name (pages may tag it)"
            )
            hint = f"did you mean {close!r}?"
            names.add((*loc, kind, key), "warning", f"{value!r} is not {what}", hint)


def _typo_of(
    value: str, known: set[str], count: int, top: list[tuple[str, int]], near: Near
) -> str | None:
    """The known or much more used (than ``count`` rules) name ``value`` is likely a
    misspelling of, if any; ``top``: the most used names in rules, most used first; ``near``:
    the known and the most used names, indexed."""
    often = set()
    for name, n in top:
        if n < 2 * count:
            break
        often.add(name)
    close = near.close(value, CLOSE, lambda name: name in known or name in often)
    if close is None or series(close, value):
        return None  # tier1 and tier2, g2 and g20: a series, not a typo
    return close
