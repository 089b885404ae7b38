"""Load the journey (``journey.yaml``) and the editors' lists (``data/*.yaml``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from omotenashi.engine.conditions import compile_when
from omotenashi.engine.journey import CompiledTransition, Journey
from omotenashi.errors import RuleError, RuleSetError
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.journeychecks import journey_findings
from omotenashi.loader.ruleset import list_files
from omotenashi.rules.fileerrors import validation_errors
from omotenashi.rules.journey import JourneyFile
from omotenashi.rules.yamlguard import JOURNEY_FILE, LIST_FILE
from omotenashi.rules.yamlsource import display_path, load_yaml


def load_journey(
    rules_dir: Path,
    *,
    timezone: str = "UTC",
    base: Path | None = None,
    warnings: list[LoadWarning] | None = None,
) -> Journey:
    """``journey.yaml`` (else ``journey.yml``) and ``data/*.yaml`` in ``rules_dir``; defaults
    when absent. An empty journey file (only comments: a save cut short?) loads the defaults
    too, with a warning in ``warnings`` (an error in ``omotenashi check``)."""
    errors: list[RuleError] = []
    spec = JourneyFile()
    found = [p for p in (rules_dir / "journey.yaml", rules_dir / "journey.yml") if p.is_file()]
    path = found[0] if found else rules_dir / "journey.yaml"
    name = display_path(path, base)
    if len(found) > 1 and warnings is not None:  # which one is read must not be a surprise
        ignored = display_path(found[1], base)
        problem = f"there are two journey files: {ignored} is ignored, {name} is read"
        hint = "keep one of them"
        warnings.append(LoadWarning(RuleError(ignored, 1, "", problem, hint), "error"))
    if path.is_file():
        try:
            data, lines = load_yaml(path, name, limit=JOURNEY_FILE)
            if data is None and warnings is not None:  # as if absent, but said
                problem = (
                    "the journey file is empty (or only comments): the default journey is used, "
                    "so nobody would move past awareness"
                )
                hint = "restore it; to have no journey, delete the file"
                warnings.append(LoadWarning(RuleError(name, 1, "", problem, hint), "error"))
            spec = JourneyFile.model_validate({} if data is None else data)
            if warnings is not None:  # validated: what it does that the editor did not mean
                listed = [p.stem for p in list_files(rules_dir)]
                warnings += journey_findings(spec, data, name, lines, listed)
        except RuleError as exc:
            errors.append(exc)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, name, lines, JourneyFile))
    lists: dict[str, frozenset[str]] = {}
    for list_path in list_files(rules_dir):
        list_name = display_path(list_path, base)
        try:
            data, lines = load_yaml(list_path, list_name, limit=LIST_FILE)
        except RuleError as exc:
            errors.append(exc)
            continue
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            errors.append(
                RuleError(
                    list_name,
                    1,
                    "items",
                    "a list file needs items: [...]",
                    "write items: [kyoto-autumn, lapland-aurora]",
                )
            )
            continue
        lists[list_path.stem] = frozenset(items)
    if errors:
        raise RuleSetError(errors)
    return Journey(
        spec=spec,
        transitions=[
            CompiledTransition(
                t.to, frozenset(t.on) if t.on else None, compile_when(t.when, timezone)
            )
            for t in spec.transitions
        ],
        decay=[(frozenset(d.from_), d.to, compile_when(d.when, timezone)) for d in spec.decay],
        segments={n: compile_when(w, timezone) for n, w in spec.segments.items()},
        lists=lists,
    )
