"""Conversion goals editors declare in a rule file, and that rules are judged on.

goals:
  - id: purchase
    event: purchase              # the app's track(request, "purchase") or the beacon
  - id: signup
    event: signup
  - id: brochure
    path: /brochures/*/thanks    # a page view whose path matches this glob
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from omotenashi.rules.text import nfc

GOAL_ID = r"^[a-z0-9][a-z0-9_-]{0,39}$"
EVENT = r"^[a-z][a-z0-9_]{0,39}$"


class Goal(BaseModel):
    """One conversion goal: an event name, or a page path pattern (a glob)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=GOAL_ID, description="The goal's name in the report.")
    event: str | None = Field(
        default=None,
        pattern=EVENT,
        description="Reached when this event is tracked (track(request, name) or the beacon).",
    )
    path: str | None = Field(
        default=None,
        pattern=r"^/",
        description="Reached on a page view whose path matches this glob (* and ? allowed).",
    )

    @field_validator("path")
    @classmethod
    def _nfc(cls, value: str | None) -> str | None:
        return None if value is None else nfc(value)  # as the request's path (rules/text.py)

    @model_validator(mode="after")
    def _one_trigger(self) -> Goal:
        if (self.event is None) == (self.path is None):
            raise PydanticCustomError(
                "omo",
                "{problem}",
                {
                    "problem": "a goal needs exactly one of event or path",
                    "hint": "give event: <name> or path: /thanks*",
                },
            )
        return self
