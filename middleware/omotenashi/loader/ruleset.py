"""Load the editors' rule files into one validated, compiled, ordered :class:`RuleSet`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from jinja2 import Template
from pydantic import ValidationError

from omotenashi.engine.html import parse_selector
from omotenashi.engine.html.selectors import matches_the_root
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.errors import RuleError, RuleSetError, SelectorError, SnippetError
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.formerly import FormerNames
from omotenashi.loader.goals import GoalCollector
from omotenashi.loader.pacing import pace, paused_gc, resting
from omotenashi.loader.snippets import Renderer, SampleFailure
from omotenashi.loader.whens import SharedWhens
from omotenashi.loader.withtypos import WithTypos, slipped
from omotenashi.rules.fileerrors import validation_errors
from omotenashi.rules.model import Rule, RuleFile
from omotenashi.rules.yamlsource import Loc, display_path, format_loc, line_of, load_yaml

SELECTOR_HINT = (
    "supported: type, *, #id, .class, [attr], [attr=v] (~= ^= $= *= |=), descendant and '>' "
    "combinators, :first-child, :nth-child(An+B), :first-of-type, :nth-of-type(An+B), "
    ":not(compound), and lists with ','"
)
ROOT_PROBLEM = (
    "the selector {!r} matches the page's <html> element itself, and a rule never rewrites the "
    "whole page, so this rule is skipped on every page"
)
ROOT_HINT = "aim it at elements inside: 'main :first-child' for ':first-child', 'body *' for '*'"
DISCARD_STEP = 64  # rules' YAML freed between two paces
NOT_RULE_FILES = frozenset({"journey.yaml", "journey.yml", "catalog.yaml", "catalog.yml"})
NO_RULES = (
    "the file has no rules (it is empty, only comments, or rules: []): if a save was cut "
    "short, restore it; if not, delete the file"
)


def rule_files(rules_dir: Path) -> list[Path]:
    """Rule files in a folder, in the order that breaks priority ties (by name)."""
    if not rules_dir.is_dir():
        return []
    files = [*rules_dir.glob("*.yaml"), *rules_dir.glob("*.yml")]
    # A folder named like a rule file is not one; load_yaml says so, with the name. A hidden
    # file is not one either: an editor's lock (emacs' .#home.yaml, a link to nowhere), the
    # ._home.yaml a Mac copies along, a tool's .home.yaml written before it is renamed.
    return sorted(p for p in files if p.name not in NOT_RULE_FILES and not p.name.startswith("."))


def list_files(rules_dir: Path) -> list[Path]:
    """The editors' lists, ``data/*.yaml`` in ``rules_dir``, by name; a hidden file is not one
    (an editor's lock, emacs' ``.#cities.yaml``, is a link to nowhere)."""
    data_dir = rules_dir / "data"
    files = data_dir.glob("*.yaml") if data_dir.is_dir() else ()
    return sorted(p for p in files if not p.name.startswith("."))


def load_ruleset(
    rules_dir: Path,
    renderer: Renderer,
    *,
    timezone: str = "UTC",
    base: Path | None = None,
    warnings: list[LoadWarning] | None = None,
    history: str | None = None,
) -> RuleSet:
    """Every rule file in ``rules_dir``, or RuleSetError listing every problem found.
    ``warnings`` receives the problems that do not refuse the set: a schedule that ends
    before it starts (that rule is never on), a snippet that fails for the sample visitor;
    ``history`` given (the browsing history's kind: ``omotenashi check``), a renamed category
    no rule has, but that one."""
    noted = [] if warnings is None else warnings
    with paused_gc():
        return _load(rules_dir, renderer, timezone, base, noted, history)


def validate_file(
    data: object,
    timezone: str = "UTC",
    each: Callable[[Rule, object], None] | None = None,
    given: Callable[[object], object] | None = None,
) -> RuleFile:
    """``data`` as a RuleFile, validated rule by rule: short steps, so a load in a worker thread
    never holds the interpreter for a whole file. A file with a problem is validated again
    whole, for pydantic's errors located in the file (``ValidationError``). Schedules written
    without an offset are read in ``timezone`` (the rules' time zone). ``each`` is given every
    rule validated rule by rule and its YAML, before the next is validated; ``given`` makes
    what is validated of a rule's YAML (a copy holding parts validated before)."""
    context = {"timezone": timezone}
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        try:
            rules = []
            for item in data["rules"]:
                shown = item if given is None else given(item)
                rule = Rule.model_validate(shown, context=context)
                if each is not None:
                    each(rule, item)
                rules.append(_paced(rule))
            head = RuleFile.model_validate({**data, "rules": []}, context=context)
        except ValidationError:
            pass
        else:
            return head.model_copy(update={"rules": rules})
    return RuleFile.model_validate(data, context=context)


def _load(
    rules_dir: Path,
    renderer: Renderer,
    timezone: str,
    base: Path | None,
    noted: list[LoadWarning],
    history: str | None,
) -> RuleSet:
    errors: list[RuleError] = []
    compiled: list[CompiledRule] = []
    seen: dict[str, str] = {}
    goals = GoalCollector()
    former = FormerNames()  # formerly: rule ids and categories renamed
    whens = SharedWhens(timezone)
    typos = WithTypos(renderer.snippets_dir, base)  # a snippet's typo, said once (withtypos)
    data: Any = None
    lines: dict[Loc, int] | None = None
    empty: list[str] = []  # files with neither rules nor goals
    files = rule_files(rules_dir)
    for path in files:
        name = display_path(path, base)
        _discard(data, lines)  # the previous file's YAML goes before this one is read
        data = lines = None
        try:
            data, lines = load_yaml(path, name, pace)
        except RuleError as exc:
            errors.append(exc)
            continue
        if data is None:
            empty.append(name)
            continue
        parsed: RuleFile | None = None
        indexed: Iterable[tuple[int, Rule]]
        try:
            whole = validate_file(data, timezone, whens.share, whens.given)
        except ValidationError as exc:  # its rules that hold alone are checked on: every
            errors.extend(validation_errors(exc, name, lines, RuleFile))  # error in one run
            indexed = survivors(data, timezone)  # (their snippets' too: readme68)
            goals.add_refused(data)  # (its goals: not said to be undeclared elsewhere)
        else:
            _discard(data, None)  # validated: only its lines are needed now
            data, parsed, indexed = None, whole, enumerate(whole.rules)
            if not (whole.rules or whole.goals or whole.categories):
                empty.append(name)
            goals.add_file(whole, name, lines)
            former.add_file(whole, name, lines)
        for index, rule in indexed:
            loc: Loc = ("rules", index)
            line = lines.get(loc) or line_of(lines, loc)  # (read with each rule: there)
            if rule.id in seen:
                errors.append(
                    RuleError(
                        name,
                        line,
                        format_loc((*loc, "id")),
                        f"the rule id {rule.id!r} is already used in {seen[rule.id]}",
                        "give every rule its own id",
                    )
                )
                continue
            seen[rule.id] = where = f"{name}:{line}"
            typos.saw(rule)
            if parsed is not None:  # (a refused file's goals and names: not known)
                goals.add_rule(rule, name, lines, index)
                former.add_rule(rule, name, lines, index, where)
            if rule.selector:
                try:
                    if matches_the_root(parse_selector(rule.selector)):  # skipped on every page
                        sel_at: Loc = (*loc, "selector")
                        sel_where = (name, line_of(lines, sel_at), format_loc(sel_at))
                        root = RuleError(*sel_where, ROOT_PROBLEM.format(rule.selector), ROOT_HINT)
                        noted.append(LoadWarning(root, "error"))
                except SelectorError as exc:
                    errors.append(
                        RuleError(
                            name,
                            line_of(lines, (*loc, "selector")),
                            format_loc((*loc, "selector")),
                            f"{exc.reason} in {rule.selector!r}",
                            SELECTOR_HINT,
                        )
                    )
                    continue
            never = rule.schedule.never_on() if rule.schedule else None
            if never is not None:  # it could never fire: said, not a reason to refuse the rest
                at: Loc = (*loc, "schedule", "end")
                error = RuleError(name, line_of(lines, at), format_loc(at), *never)
                noted.append(LoadWarning(error, "error"))
            try:
                template = _template(rule, renderer)
                read = renderer.reads(template, rule.text) if template is not None else frozenset()
                slip = None  # a field's slip under with:, said beside a render's error too
                if rule.with_ and read is not None and rule.snippet:
                    if slip := slipped(rule, read, name, lines, loc):
                        errors.append(slip)
                static = None
                if template is not None and rule.recommend is not None:
                    renderer.check_fields(template)  # its items differ per visitor: no render
                elif template is not None:
                    try:
                        static = renderer.prerender(template, rule.with_, rule.text)
                    except SampleFailure as exc:
                        said = renderer.sample_problem(exc, rule, name, lines, loc, base)
                        noted.extend([LoadWarning(said, "warning")] if said else [])
                if slip is not None:
                    continue
                yours = read is None or "visitor" in read  # (unknown: said as yours)
                # (an include counted as naming the visitor: not when none of it reads them)
                uses_name = (
                    yours and template is not None and renderer.uses_name(template, rule.text)
                )
            except SnippetError as exc:  # located where the editor fixes it, once per snippet
                problem = renderer.problem(exc, rule, name, lines, loc, base)
                if problem is not None and not typos.hold(problem, exc, rule, loc):
                    errors.append(problem)
                continue
            except (RecursionError, SyntaxError) as exc:  # Jinja's parser and Python's
                # compiler nest only so deep (linear62: the app did not start)
                errors.append(too_deep(rule, exc, name, lines, loc))
                continue
            pace()
            conditions, behavioural = whens.compile(rule)
            compiled.append(
                CompiledRule(
                    rule,
                    name,
                    line,
                    len(compiled),
                    conditions,
                    template,
                    static,
                    behavioural,
                    uses_name,
                    yours,
                )
            )
    errors.extend(typos.errors())
    errors.extend(goals.check())
    renamed, renames = former.check()
    errors.extend(renamed)
    if history is not None:
        noted.extend(LoadWarning(unused, "warning") for unused in former.unused(history))
        noted.extend(LoadWarning(same, "warning") for same in former.shared_labels(history))
    if errors:
        raise RuleSetError(errors)
    _discard(data, lines)  # the last file's YAML and the sharing tables, before the index
    tables: tuple[dict[Any, Any], ...] = (whens.by_yaml, whens.compiled, whens.by_field)
    tables += (whens.field_sets, whens.models, whens.numbers, whens.by_text)
    for table in tables:
        _discard(None, table)
    del whens, data, lines
    return RuleSet(
        rules=compiled,
        files=[display_path(p, base) for p in files],
        goals=goals.goals,
        goal_places=goals.places,
        empty_files=empty,
        renames=renames,
        category_labels=former.labels,
        pace=pace,
    )


def survivors(data: Any, timezone: str) -> list[tuple[int, Rule]]:
    """The rules of a file refused by its fields that hold alone, by their index: the checks
    of their snippets and values run in the same load, so that one run says every error
    (readme68: a file's errors came in rounds, each fix showing the next)."""
    items = data.get("rules") if isinstance(data, dict) else None
    out: list[tuple[int, Rule]] = []
    for index, item in enumerate(items if isinstance(items, list) else ()):
        try:
            out.append((index, Rule.model_validate(item, context={"timezone": timezone})))
        except ValidationError:
            pass  # (said by the file's errors)
        pace()
    return out


def _discard(data: Any, lines: dict[Any, Any] | None) -> None:
    """Free a file's YAML (``data``, ``lines``: emptied) a few rules at a time, pacing in
    between: a thousand rules' dicts and lines freed at once would hold the interpreter for
    milliseconds. Any big dict may be given as ``lines``. Outside a background load (nothing
    to share the interpreter with) the caller's ``del`` frees them at once, faster."""
    if not resting():
        return
    items = data.get("rules") if isinstance(data, dict) else None
    if isinstance(items, list):
        while items:
            del items[-DISCARD_STEP:]
            pace()
    while lines:
        for _ in range(min(len(lines), DISCARD_STEP * 16)):
            lines.popitem()
        pace()


def _paced(rule: Rule) -> Rule:
    pace()
    return rule


def too_deep(
    rule: Rule, exc: BaseException, file: str, lines: dict[Loc, int], loc: Loc
) -> RuleError:
    """The error for a rule whose snippet or text nests deeper than can be compiled."""
    what = f"the snippet {rule.snippet!r}" if rule.snippet else "the rule's text"
    where = (*loc, "snippet" if rule.snippet else "text")
    return RuleError(
        file,
        line_of(lines, where),
        format_loc(where),
        f"{what} is nested too deeply to compile ({type(exc).__name__})",
        "Python compiles some 20 nested {% for %}, 90 nested {% if %} and a few hundred "
        "filters in a row: move inner parts into snippets of their own ({% include %})",
    )


def _template(rule: Rule, renderer: Renderer) -> Template | None:
    if rule.snippet:
        return renderer.snippet(rule.snippet)
    if rule.text is not None:
        return renderer.copy(rule.text)
    return None
