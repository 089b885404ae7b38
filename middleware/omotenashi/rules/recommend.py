"""What a ``recommend:`` rule asks for (part of the rule files): how many items, by which
strategies, with what restraint.

::

    recommend:
      items: 4
      strategies: {interests: 1, also_viewed: 1, popular: 0.3}
      exclude: [current, purchased, cart, unavailable, on_page]     # the default
      diversity: {per_tag: 2}          # or {mmr: 0.7}
      serendipity: 20%                 # one item in five from outside the top interests
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from omotenashi.rules.text import problem

StrategyName = Literal["interests", "also_viewed", "popular", "recently_viewed"]
STRATEGIES: tuple[StrategyName, ...] = ("interests", "also_viewed", "popular", "recently_viewed")
Exclusion = Literal["current", "purchased", "cart", "unavailable", "viewed", "on_page"]
# on_page: an item another of the page's blocks shows (links to, or lists) is not repeated
EXCLUSIONS: tuple[Exclusion, ...] = ("current", "purchased", "cart", "unavailable", "on_page")
DEFAULT_WEIGHTS: dict[StrategyName, float] = {"interests": 1.0, "also_viewed": 1.0, "popular": 0.5}


_problem = problem  # (rules/text.py)


def _percent(value: object) -> object:
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            return float(value.strip()[:-1]) / 100
        except ValueError:
            return value
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Diversity(_Strict):
    """At most ``per_tag`` items sharing a tag, or maximal marginal relevance with ``mmr``."""

    per_tag: int | None = Field(default=None, ge=1, le=50, description="Most items per tag.")
    mmr: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Maximal marginal relevance: 1 is pure relevance, 0 pure variety.",
    )

    @model_validator(mode="after")
    def _one(self) -> Diversity:
        if (self.per_tag is None) == (self.mmr is None):
            raise _problem("give one kind of diversity", "write {per_tag: 2} or {mmr: 0.7}")
        return self


class RecommendSpec(_Strict):
    """A ranked list of catalogue items, each with its own reason."""

    items: int = Field(default=4, ge=1, le=50, description="How many items to show.")
    strategies: dict[StrategyName, float] = Field(
        default_factory=lambda: dict(DEFAULT_WEIGHTS),
        description="Strategies and their weights; popular is also the fallback.",
    )
    exclude: tuple[Exclusion, ...] = Field(
        default=EXCLUSIONS,
        description=(
            "Items never recommended; add viewed to leave out what the visitor saw; on_page: "
            "what another block on the page shows."
        ),
    )
    diversity: Diversity | None = Field(default=None, description="Keep the list varied.")
    serendipity: float = Field(
        default=0.0,
        ge=0,
        le=0.5,
        description="Share of items from outside the visitor's top interests (e.g. 20%).",
    )

    @field_validator("serendipity", mode="before")
    @classmethod
    def _share(cls, value: object) -> object:
        return _percent(value)

    @field_validator("exclude", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("strategies")
    @classmethod
    def _weights(cls, value: dict[StrategyName, float]) -> dict[StrategyName, float]:
        for name, weight in value.items():
            if not weight >= 0 or weight == float("inf"):  # (NaN and infinity too: recs65)
                raise _problem(
                    f"the weight of {name} is {weight!r}", "use a weight of 0 or more, such as 2"
                )
        if not any(weight > 0 for weight in value.values()):
            raise _problem(
                "no strategy has a weight above 0",
                "give at least one of interests, also_viewed, popular, recently_viewed a weight",
            )
        return value

    @model_validator(mode="after")
    def _viewed_conflict(self) -> RecommendSpec:
        if "viewed" in self.exclude and self.strategies.get("recently_viewed", 0) > 0:
            raise _problem(
                "recently_viewed cannot recommend anything when viewed items are excluded",
                "remove viewed from exclude, or the recently_viewed strategy",
            )
        return self

    @property
    def behavioural(self) -> bool:
        """Does it use the visitor's history (anything but popular)?"""
        return any(w > 0 for name, w in self.strategies.items() if name != "popular")
