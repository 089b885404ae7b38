"""The shape of the rule files editors write, as pydantic models (also the JSON Schema)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from omotenashi.rules.former import FORMERLY, SLUG, Category, Formerly
from omotenashi.rules.former import MAX_RULE_ID as MAX_RULE_ID
from omotenashi.rules.goals import GOAL_ID, Goal
from omotenashi.rules.recommend import RecommendSpec
from omotenashi.rules.text import Glob, Nfc, Number, Slot, SnippetName, Topic, problem
from omotenashi.rules.urls import attr_problem
from omotenashi.rules.whenvalues import (
    COUNTS,
    EMPTY_LIST,
    LISTED,
    WEEKDAY_SCHEMA,
    as_list,
    bound_problem,
    count_problem,
    lists_not_empty,
    moment_problem,
    weekdays,
    zone_problem,
)

STAGES = ("awareness", "interest", "consideration", "purchase", "loyalty")
Stage = Literal["awareness", "interest", "consideration", "purchase", "loyalty"]
DeviceKind = Literal["mobile", "tablet", "desktop", "other"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Scalar = str | int | float | bool

_TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_SLUG = SLUG
_RULE_ID = f"Unique id: lowercase letters, digits, - and _, at most {MAX_RULE_ID} characters."
_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_REAL_DATE = "write a real date, e.g. 2026-12-01T00:00:00+09:00"


_problem = problem  # (rules/text.py)
_PERCENT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*%")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Compare(Strict):
    """A comparison of one value; a bare value in YAML means ``eq``."""

    eq: Scalar | None = None
    ne: Scalar | None = None
    lt: float | None = None
    at_most: float | None = None
    gt: float | None = None
    at_least: float | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    contains: str | None = None
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare_value(cls, value: object) -> object:
        if isinstance(value, (str, int, float, bool)):
            return {"eq": value}
        if isinstance(value, list):
            return {"in": value}
        return value

    @field_validator("lt", "at_most", "gt", "at_least", mode="before")
    @classmethod
    def _a_bound_is_a_number(cls, value: object) -> object:
        if (problem := bound_problem(value)) is not None:  # true, .nan, .inf, 1e999
            raise _problem(*problem)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Compare:
        if self.in_ == []:  # (in: [] never holds)
            raise _problem(*EMPTY_LIST)
        if not self.model_fields_set:
            raise _problem(
                "the comparison is empty",
                "write a value, or one of eq, ne, lt, at_most, gt, at_least, in, contains, exists",
            )
        return self


class When(Strict):
    """Conditions; every one given must hold. An empty ``when`` always holds."""

    model_config = Strict.model_config | ConfigDict(json_schema_extra=lists_not_empty)

    stage: list[Stage] | None = Field(default=None, description="Journey stage is one of these.")
    segment: list[str] | None = Field(default=None, description="Visitor is in any of these.")
    attr: dict[str, Compare] | None = Field(default=None, description="Profile attributes.")
    interest: dict[Topic, Compare] | None = Field(default=None, description="Interest per topic.")
    visits: Compare | None = Field(default=None, description="Number of visits so far.")
    new: bool | None = Field(default=None, description="true: first visit; false: returning.")
    returning: bool | None = Field(default=None, description="true: has visited before.")
    device: list[DeviceKind] | None = None
    browser: list[str] | None = None
    os: list[str] | None = None
    path: list[Glob] | None = Field(default=None, description="Path globs, e.g. /tours/*.")
    query: dict[str, Compare] | None = Field(
        default=None, description="Query parameters, e.g. utm_campaign: spring."
    )
    referrer: list[str] | None = Field(default=None, description="Referrer URL globs.")
    language: list[str] | None = Field(default=None, description="Accept-Language tags: ja, en-GB.")
    country: list[str] | None = Field(default=None, description="Country codes from the header.")
    time: str | None = Field(default=None, description="Local time window, HH:MM-HH:MM.")
    weekday: Annotated[list[Weekday], WithJsonSchema(WEEKDAY_SCHEMA)] | None = Field(
        default=None, description="Days of the week: mon ... sun, or monday ... sunday."
    )
    timezone: str | None = Field(default=None, description="Zone for time and weekday.")
    views: Compare | None = Field(default=None, description="Page views so far.")
    purchases: Compare | None = Field(default=None, description="Purchases so far.")
    cart_items: Compare | None = Field(default=None, description="Items in the cart now.")
    event: dict[str, Compare] | None = Field(
        default=None, description="How often an event happened, e.g. join_club: {at_least: 1}."
    )
    absent_days: Compare | None = Field(
        default=None, description="Days between the previous visit and this one."
    )
    cart_abandoned: bool | None = Field(
        default=None, description="Items left in the cart, no purchase since, and time has passed."
    )
    viewed: list[Nfc] | None = Field(default=None, description="Viewed any of these items.")
    viewed_in_list: str | None = Field(
        default=None, description="Viewed an item of this list (rules/data/<list>.yaml)."
    )
    bought: list[Nfc] | None = Field(default=None, description="Bought any of these items.")
    in_cart: list[Nfc] | None = Field(default=None, description="Any of these in the cart now.")
    first_utm: dict[str, Compare] | None = Field(
        default=None, description="UTM parameters of the first visit, e.g. utm_source: newsletter."
    )
    first_referrer: list[str] | None = Field(
        default=None, description="Referrer URL globs of the first visit."
    )
    any: list[When] | None = Field(default=None, description="At least one of these holds.")
    all: list[When] | None = Field(default=None, description="Every one of these holds.")
    not_: When | None = Field(default=None, alias="not", description="This does not hold.")

    @field_validator(*LISTED, mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        if value == []:
            raise _problem(*EMPTY_LIST)
        return as_list(value)

    @field_validator(*COUNTS)
    @classmethod
    def _counts(cls, value: object) -> object:
        if (problem := count_problem(value)) is not None:
            raise _problem(*problem)
        return value

    @field_validator("weekday", mode="before")
    @classmethod
    def _lower_days(cls, value: object) -> object:
        return weekdays(value)

    @field_validator("time")
    @classmethod
    def _time_range(cls, value: str | None) -> str | None:
        if value is not None and not _TIME_RANGE.match(value):
            raise _problem(
                f"{value!r} is not a time window", "write it as HH:MM-HH:MM, e.g. 18:00-23:00"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        problem = zone_problem(value) if value is not None else None
        if problem is not None:
            raise _problem(*problem)
        return value


# A schedule's moment in editors' schemas: a date, or a date and time, any offset or none.
_WRITTEN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:?\d{2})?)?$"
Moment = Annotated[datetime, WithJsonSchema({"type": "string", "pattern": _WRITTEN})]


class Schedule(Strict):
    """When a rule is on: from start up to end. Write a date (2026-12-01) or a date and
    time (2026-12-01T09:00:00), with an offset (+09:00, Z) or without: without one it is in
    the rules' time zone (OMOTENASHI_RULES_TIMEZONE). A date as start means from the beginning
    of that day; a date as end, through the end of that day."""

    start: Moment | None = Field(default=None, description="On from this moment (or day).")
    end: Moment | None = Field(default=None, description="Off from this moment (after this day).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _real_moment(cls, value: object, info: ValidationInfo) -> object:
        if isinstance(value, str):
            problem = moment_problem(value)
            if problem is not None:
                raise _problem(problem, _REAL_DATE)
            day = _DAY.match(value)
            if day is not None:
                value = date(*(int(p) for p in day.groups()))
        if isinstance(value, date) and not isinstance(value, datetime):
            if info.field_name == "end":  # through that day: off from the next one
                value += timedelta(days=1)
            return datetime.combine(value, time())  # no offset: the rules' time zone, below
        return value

    @field_validator("start", "end")
    @classmethod
    def _in_zone(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        context = info.context  # the rules' time zone: the validation context's ``timezone``
        zone = context.get("timezone") if isinstance(context, dict) else None
        if value is not None and value.tzinfo is None and zone:
            value = value.replace(tzinfo=ZoneInfo(zone))
        return value

    def never_on(self) -> tuple[str, str] | None:
        """Why the rule is never on (end not after start), and the fix; None when it can be."""
        start, end = self.start, self.end
        if start is None or end is None or _utc(end) > _utc(start):
            return None
        return (
            f"the schedule ends ({end.isoformat()}) "
            f"{'when' if _utc(end) == _utc(start) else 'before'} it starts "
            f"({start.isoformat()}): the rule would never be on",
            "make end later than start; a bare date as end means through that day, to the "
            "next midnight",
        )


def _utc(moment: datetime) -> datetime:
    """``moment`` comparable with any other: one with no offset is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))


class Cap(Strict):
    """How often one visitor may see a rule: ``{views: 3, per: day, until: purchase}``."""

    views: int = Field(ge=1, description="Times the rule may be shown per period.")
    per: Literal["visit", "day", "week", "ever"] = "day"
    until: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
        description="Stop for good once the visitor has done this event (converted).",
    )


# Conditions about the page and the moment, not about the visitor's history: these still
# apply under Global Privacy Control, without consent, and on "fresh" page views.
CONTEXTUAL = frozenset(
    {
        "device",
        "browser",
        "os",
        "path",
        "query",
        "referrer",
        "language",
        "country",
        "time",
        "weekday",
        "timezone",
    }
)


def is_contextual(when: When) -> bool:
    for name in when.model_fields_set:
        value = getattr(when, name)
        if name in ("any", "all"):
            if not all(is_contextual(w) for w in value or []):
                return False
        elif name == "not_":
            if value is not None and not is_contextual(value):
                return False
        elif name not in CONTEXTUAL and value is not None:
            return False
    return True


class Rule(Strict):
    """One personalisation: where, what, when, how important, and why."""

    id: str = Field(pattern=_SLUG, max_length=MAX_RULE_ID, description=_RULE_ID)
    formerly: Formerly = Field(default_factory=list, description=FORMERLY)
    slot: Slot | None = Field(default=None, description="Name of a data-omo-slot in the page.")
    selector: str | None = Field(default=None, description="A CSS selector instead of a slot.")
    snippet: SnippetName | None = Field(default=None, description="Snippet file under snippets/.")
    with_: dict[str, Any] = Field(default_factory=dict, alias="with", description="Snippet values.")
    text: str | None = Field(default=None, description="Plain copy; {{ visitor.* }} allowed.")
    allow_attrs: list[str] = Field(
        default_factory=list,
        description="Risky attributes this rule may set anyway (style, on* handlers): "
        "you vouch for their values.",
    )
    attrs: dict[str, str] | None = Field(default=None, description="Attributes to set.")
    hide: bool = Field(default=False, description="Hide the slot.")
    when: When = Field(default_factory=When)
    priority: Number = Field(default=50, ge=0, le=1000, description="Higher wins a slot.")
    category: str = Field(default="general", pattern=_SLUG, description="For visitor opt-out.")
    why: str = Field(min_length=3, description="Plain-language reason shown to the visitor.")
    intent: str | None = Field(
        default=None,
        pattern=_SLUG,
        description="What the block is about (cart-reminder, campaign, welcome): one per page, "
        "and its cap counts every block with this intent.",
    )
    schedule: Schedule | None = None
    enabled: bool = True
    cap: Cap | None = Field(default=None, description="Frequency cap for one visitor.")
    disclose: bool = Field(default=True, description="Show a 'why am I seeing this' note.")
    recommend: RecommendSpec | None = Field(
        default=None, description="Fill the target with catalogue items (with a snippet)."
    )
    holdout: float = Field(
        default=0,
        ge=0,
        le=100,
        description="Percent of visitors kept from this rule for good (a control group).",
    )
    goals: list[Annotated[str, Field(pattern=GOAL_ID)]] | None = Field(
        default=None,
        min_length=1,  # (marketer65: [] judged the rule on every goal, as none written does)
        description="Goal ids this rule is judged on in the report (default: every site goal).",
    )

    @field_validator("holdout", mode="before")
    @classmethod
    def _percent(cls, value: object) -> object:
        text = value.strip() if isinstance(value, str) else ""  # (marketer65: '50%%' was
        return text[:-1] if _PERCENT.fullmatch(text) else value  # quoted as '50%')

    @field_validator("attrs")
    @classmethod
    def _safe_attrs(
        cls, value: dict[str, str] | None, info: ValidationInfo
    ) -> dict[str, str] | None:
        allowed = frozenset(a.lower() for a in info.data.get("allow_attrs") or [])
        for name, val in (value or {}).items():
            problem = attr_problem(name, val, allowed)
            if problem:
                raise _problem(
                    f"attribute {name!r} cannot be set by a rule: {problem}",
                    "use an http(s) or site-relative URL; style and on* need allow_attrs",
                )
        return value

    @model_validator(mode="after")
    def _one_target_one_action(self) -> Rule:
        slot = bool(self.slot)
        if slot is bool(self.selector):  # neither, or both
            raise _problem(
                "a rule needs exactly one target" if not slot else "a rule has one target only",
                "give either slot: <name> or selector: <css>",
            )
        given = (self.snippet is not None, self.text is not None, self.attrs is not None, self.hide)
        if given.count(True) != 1:
            actions = [
                n for n, on in zip(("snippet", "text", "attrs", "hide"), given, strict=True) if on
            ]
            got = ", ".join(actions) or "none"
            raise _problem(
                f"a rule needs exactly one action (got {got})",
                "give one of snippet, text, attrs or hide: true",
            )
        if self.recommend is not None and not self.snippet:
            raise _problem(
                "a recommend rule shows its items with a snippet",
                "add snippet: <file> (it gets items, each with title, url and reason)",
            )
        if self.with_ and not self.snippet:
            raise _problem("'with' only goes with a snippet", "add snippet: <file> or remove with")
        return self


class RuleFile(Strict):
    """A rule file: rules, conversion goals, and categories' former names."""

    rules: list[Rule] = Field(default_factory=list)
    goals: list[Goal] = Field(default_factory=list, description="The site's conversion goals.")
    categories: dict[Annotated[str, Field(pattern=_SLUG)], Category] = Field(
        default_factory=dict,
        description="Categories' labels and former names: {onsen: {label: 温泉, formerly: [spa]}}.",
    )
