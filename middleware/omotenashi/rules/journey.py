"""The journey file editors own (``rules/journey.yaml``): stages, what each stage means on the
site, topics, segments, triggers and the beacon's allow-list, as pydantic models (also the
JSON Schema)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, field_validator, model_validator

from omotenashi.rules.model import STAGES, Stage, Strict, When, _problem
from omotenashi.rules.text import Glob, Topic, unstopped
from omotenashi.rules.whenvalues import EMPTY_LIST, as_list

_EVENT = r"^[a-z][a-z0-9_]{0,39}$"
MAX_STAGE_WORDS = 200  # kept with every reason that names the stage: short
MAX_SEGMENT_WORDS = 100  # a group's name, quoted in reasons and listed on the data pages


def _named(value: object) -> object:
    """A list of names (events, stages, paths) as written; an empty one never holds (a
    transition on no event never fires): refused, as in a rule's conditions."""
    if value == []:
        raise _problem(*EMPTY_LIST)
    return as_list(value)


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
        return _named(value)

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
        return _named(value)

    @model_validator(mode="after")
    def _backwards(self) -> Decay:
        for stage in self.from_:
            if STAGES.index(stage) <= STAGES.index(self.to):
                raise _problem(
                    f"decay from {stage!r} to {self.to!r} does not go back",
                    "decay rules move to an earlier stage; forward moves are transitions",
                )
        return self


class TopicRule(Strict):
    """Pages whose path matches count as interest in these topics (and optionally an item)."""

    path: list[Glob]
    topics: list[Topic] = Field(default_factory=list)
    item: bool = Field(default=False, description="The last path segment is the item viewed.")

    @field_validator("path", mode="before")
    @classmethod
    def _paths(cls, value: object) -> object:
        return _named(value)

    @field_validator("topics", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        """``topics: "hawaii, beach"`` is two topics, as a page's ``omotenashi:topics`` meta
        reads them (editor65: one topic with a comma, which no rule's ``interest:`` named)."""
        listed = as_list(value)
        if not isinstance(listed, list):
            return listed
        split = [p for v in listed for p in (v.split(",") if isinstance(v, str) else [v])]
        return [p for p in split if not isinstance(p, str) or p.strip()]


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


def _words(what: str, most: int, example: str) -> AfterValidator:
    """Words visitors read (a stage's meaning, a segment's name): one line, no final full stop
    (the data page adds its own), at most ``most`` characters, not empty."""

    def check(text: str) -> str:
        said = unstopped(" ".join(text.split()))
        if not said:
            raise _problem(f"the words for this {what} are empty", example)
        if len(said) > most:
            raise _problem(
                f"the words for this {what} are {len(said)} characters long",
                f"say it in at most {most} characters",
            )
        return said

    return AfterValidator(check)


StageWords = Annotated[
    str,
    _words(
        "stage",
        MAX_STAGE_WORDS,
        "write what being at this stage means on your site, e.g. "
        '"you have joined our club or booked with us more than once"',
    ),
]
SegmentWords = Annotated[
    str,
    _words(
        "segment",
        MAX_SEGMENT_WORDS,
        'name the group as a visitor would, e.g. "members of our travel club"',
    ),
]


class JourneyFile(Strict):
    stages: dict[Stage, StageWords] = Field(
        default_factory=dict,
        description="What being at a stage means on this site, in words true of every visitor "
        "the transitions put there (they follow 'because' in a block's reasons), e.g. loyalty: "
        "you have joined our club or booked with us more than once.",
    )
    transitions: list[Transition] = Field(default_factory=list)
    decay: list[Decay] = Field(default_factory=list)
    topics: list[TopicRule] = Field(default_factory=list)
    interests: InterestSettings = Field(default_factory=InterestSettings)
    segments: dict[str, SegmentWhen] = Field(default_factory=dict)
    segment_words: dict[str, SegmentWords] = Field(
        default_factory=dict,
        description="How a segment is named to visitors, in words true of everyone in it (a "
        "block's reasons say 'you are in our group “…”', the data pages list it), e.g. member: "
        "members of our travel club. A segment not listed is named by its id in words.",
    )
    triggers: Triggers = Field(default_factory=Triggers)
    beacon: BeaconSettings = Field(default_factory=BeaconSettings)


# Events with built-in meaning that only the server may record.
TRUSTED_EVENTS = frozenset({"add_to_cart", "remove_from_cart", "purchase", "page_view"})


def _mentions_segment(when: When) -> bool:
    subs = [*(when.any or []), *(when.all or []), *([when.not_] if when.not_ else [])]
    return when.segment is not None or any(_mentions_segment(s) for s in subs)
