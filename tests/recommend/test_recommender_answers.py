"""What a request's Recommender says of a rule's picks (whether they are the visitor's own, and
each item's reason) is about the picks it holds now: asked again it answers from what it
worked out, and picks put in their place get their own answer."""

from __future__ import annotations

from omotenashi.engine.recommending import Recommender
from omotenashi.recommend import Catalog, Item, Pick, RecommendSpec, Signals
from omotenashi.rules.model import Rule

NOW = 1_780_000_000.0
ITEMS = tuple(
    Item(id=i, url=f"/tours/{i}", title=t, tags=tags)
    for i, t, tags in [
        ("kyoto", "Kyoto in autumn", ("japan", "culture")),
        ("tokyo", "Tokyo lights", ("japan", "city")),
        ("paris", "Paris and its art", ("city", "culture")),
    ]
)
CATALOG = Catalog(ITEMS)


def _recommender(current: str | None = "kyoto") -> Recommender:
    return Recommender(CATALOG, lambda: Signals(now=NOW, current=current))


def test_answers_follow_the_picks_put_in_place() -> None:
    recommender = _recommender()
    general = [Pick(ITEMS[1], "popular", "Popular this week", 1.0)]
    mine = [Pick(ITEMS[2], "interests", "Because you have been looking at city", 1.0, "city")]
    recommender.picks["r"] = general
    assert not recommender.personal("r") and not recommender.personal("r")
    assert recommender.reasons("r") == ["Tokyo lights: Popular this week"]
    recommender.picks["r"] = mine
    assert recommender.personal("r") and recommender.personal("r")
    assert recommender.reasons("r") == ["Paris and its art: Because you have been looking at city"]
    recommender.picks["r"] = general
    assert not recommender.personal("r")
    assert recommender.reasons("r") == ["Tokyo lights: Popular this week"]
    del recommender.picks["r"]
    assert not recommender.personal("r") and recommender.reasons("r") == []


def test_often_viewed_with_the_page_s_item_is_not_the_visitor_s_own() -> None:
    seeded = [Pick(ITEMS[1], "also_viewed", "Often viewed with Kyoto in autumn", 1.0, "kyoto")]
    here, elsewhere = _recommender("kyoto"), _recommender("paris")
    here.picks["r"] = elsewhere.picks["r"] = seeded
    assert not here.personal("r") and elsewhere.personal("r")


def test_the_reasons_handed_out_are_the_caller_s_own() -> None:
    recommender = _recommender()
    recommender.picks["r"] = [Pick(ITEMS[0], "popular", "Popular this week", 1.0)]
    first = recommender.reasons("r")
    first.append("changed by a caller")
    first[0] = "changed too"
    assert recommender.reasons("r") == ["Kyoto in autumn: Popular this week"]


def test_a_rule_s_picks_answer_for_themselves() -> None:
    rule = Rule.model_validate(
        {
            "id": "also-like",
            "slot": "also-like",
            "recommend": RecommendSpec(strategies={"popular": 1}).model_dump(),
            "snippet": "blocks/recommendations.html",
            "why": "Suggestions for you",
        }
    )
    recommender = Recommender(
        CATALOG, lambda: Signals(now=NOW, current="kyoto", popular={"tokyo": 1.0, "paris": 0.5})
    )
    picks = recommender.items(rule)
    assert [p.item.id for p in picks] == ["tokyo", "paris"]
    assert not recommender.personal("also-like")
    assert recommender.reasons("also-like") == [
        "Tokyo lights: Popular this week",
        "Paris and its art: Popular this week",
    ]
