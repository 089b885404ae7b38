"""The journey editors own (``rules/journey.yaml``): stages, topics, segments and triggers.

Stages run awareness → interest → consideration → purchase → loyalty. A visitor moves
forward by a transition (``on:`` an event, or as soon as ``when:`` holds) and moves back only
by a decay rule, which is checked when a new visit begins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import Field, ValidationError, field_validator, model_validator

from omotenashi.engine.conditions import Condition, all_hold, compile_when
from omotenashi.errors import RuleError, RuleSetError
from omotenashi.engine.facts import Facts
from omotenashi.rules.fileerrors import validation_errors
from omotenashi.engine.profile import STAGE_ORDER
from omotenashi.rules.model import Stage, Strict, When, _as_list, _problem
from omotenashi.rules.yamlsource import display_path, load_yaml

_EVENT = r"^[a-z][a-z0-9_]{0,39}$"


class Transition(Strict):
    """Move forward to ``to`` when ``on`` happens (or on any page view) and ``when`` holds."""

    to: Stage
    on: list[str] | None = Field(
        default=None, description="Events that trigger this move (e.g. add_to_cart)."
    )
    when: When = Field(default_factory=When)

    @field_validator("on", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return _as_list(value)

    @model_validator(mode="after")
    def _not_awareness(self) -> Transition:
        if self.to == "awareness":
            raise _problem("nobody moves forward to awareness", "use a decay rule to move back")
        return self


class Decay(Strict):
    """Move back from ``from`` to ``to`` when a visit begins and ``when`` holds."""

    from_: list[Stage] = Field(alias="from")
    to: Stage
    when: When

    @field_validator("from_", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return _as_list(value)

    @model_validator(mode="after")
    def _backwards(self) -> Decay:
        for stage in self.from_:
            if STAGE_ORDER.index(stage) <= STAGE_ORDER.index(self.to):
                raise _problem(
                    f"decay from {stage!r} to {self.to!r} does not go back",
                    "decay rules move to an earlier stage; forward moves are transitions",
                )
        return self


class TopicRule(Strict):
    """Pages whose path matches count as interest in these topics (and optionally an item)."""

    path: list[str]
    topics: list[str] = Field(default_factory=list)
    item: bool = Field(default=False, description="The last path segment is the item viewed.")

    @field_validator("path", "topics", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return _as_list(value)


class InterestSettings(Strict):
    half_life_days: float = Field(default=30, gt=0, description="Interest halves in this time.")


class Triggers(Strict):
    cart_abandoned_after_minutes: int = Field(default=30, ge=1)


class BeaconSettings(Strict):
    events: list[str] = Field(
        default_factory=lambda: ["view_item"], description="Events the browser may send."
    )
    max_bytes: int = Field(default=4096, ge=256, le=65536)
    per_minute: int = Field(default=60, ge=1, description="Beacon requests per visitor per minute.")

    @field_validator("events")
    @classmethod
    def _no_trusted_events(cls, value: list[str]) -> list[str]:
        for name in value:
            if name in TRUSTED_EVENTS:
                raise _problem(
                    f"{name!r} cannot come from the browser",
                    "record it on the server with track(request, ...)",
                )
        return value


class SegmentWhen(When):
    """A segment's definition: any condition except ``segment`` itself."""

    @model_validator(mode="after")
    def _no_segment(self) -> SegmentWhen:
        if _mentions_segment(self):
            raise _problem(
                "a segment is defined by another segment",
                "define segments from behaviour (interest, event, attr ...), not segment",
            )
        return self


class JourneyFile(Strict):
    transitions: list[Transition] = Field(default_factory=list)
    decay: list[Decay] = Field(default_factory=list)
    topics: list[TopicRule] = Field(default_factory=list)
    interests: InterestSettings = Field(default_factory=InterestSettings)
    segments: dict[str, SegmentWhen] = Field(default_factory=dict)
    triggers: Triggers = Field(default_factory=Triggers)
    beacon: BeaconSettings = Field(default_factory=BeaconSettings)


# Events with built-in meaning that only the server may record.
TRUSTED_EVENTS = frozenset({"add_to_cart", "remove_from_cart", "purchase", "page_view"})


def _mentions_segment(when: When) -> bool:
    subs = [*(when.any or []), *(when.all or []), *([when.not_] if when.not_ else [])]
    return when.segment is not None or any(_mentions_segment(s) for s in subs)


@dataclass(frozen=True)
class CompiledTransition:
    to: str
    on: frozenset[str] | None
    conditions: list[Condition]


@dataclass
class Journey:
    """The compiled journey, with the editors' lists (``rules/data/*.yaml``)."""

    spec: JourneyFile = field(default_factory=JourneyFile)
    transitions: list[CompiledTransition] = field(default_factory=list)
    decay: list[tuple[frozenset[str], str, list[Condition]]] = field(default_factory=list)
    segments: dict[str, list[Condition]] = field(default_factory=dict)
    lists: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def half_life(self) -> float:
        return self.spec.interests.half_life_days * 86400

    def page_tags(self, path: str) -> tuple[list[str], list[str]]:
        """(topics, items) a page view of ``path`` counts towards."""
        topics: list[str] = []
        items: list[str] = []
        for rule in self.spec.topics:
            if any(fnmatchcase(path, glob) for glob in rule.path):
                topics.extend(t for t in rule.topics if t not in topics)
                last = path.rstrip("/").rsplit("/", 1)[-1]
                if rule.item and last and last not in items:
                    items.append(last)
        return topics, items

    def derive_segments(self, facts: Facts) -> frozenset[str]:
        return frozenset(n for n, conds in self.segments.items() if all_hold(conds, facts))

    def next_stage(
        self, current: str, facts: Facts, events: frozenset[str], new_visit: bool
    ) -> tuple[str, bool]:
        """(stage, moved back?) after this request: decay first, then the furthest move forward."""
        stage, back = current, False
        if new_visit:
            for sources, to, conditions in self.decay:
                if stage in sources and all_hold(conditions, facts):
                    stage, back = to, True
                    break
        rank = STAGE_ORDER.index(stage) if stage in STAGE_ORDER else 0
        for t in self.transitions:
            target = STAGE_ORDER.index(t.to)
            if target <= rank or (t.on is not None and t.on.isdisjoint(events)):
                continue
            if all_hold(t.conditions, facts):
                stage, rank = t.to, target
        return stage, back


def load_journey(rules_dir: Path, *, timezone: str = "UTC", base: Path | None = None) -> Journey:
    """``journey.yaml`` and ``data/*.yaml`` in ``rules_dir``; defaults when absent."""
    errors: list[RuleError] = []
    spec = JourneyFile()
    path = rules_dir / "journey.yaml"
    name = display_path(path, base)
    if path.is_file():
        try:
            data, lines = load_yaml(path, name)
            spec = JourneyFile.model_validate(data or {})
        except RuleError as exc:
            errors.append(exc)
        except ValidationError as exc:
            errors.extend(validation_errors(exc, name, lines, JourneyFile))
    lists: dict[str, frozenset[str]] = {}
    data_dir = rules_dir / "data"
    for list_path in sorted(data_dir.glob("*.yaml")) if data_dir.is_dir() else []:
        list_name = display_path(list_path, base)
        try:
            data, lines = load_yaml(list_path, list_name)
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
