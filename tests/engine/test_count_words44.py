"""Counts in words: every "Because" sentence about a count agrees in number ("exactly 1 item",
"more than once", "0 items", "1.5 days", "1 or more pages", "a number of items other than
1"), for every counted field and comparison, as a reason and as a denial, under ``not:`` too;
and a bound on a value held that is not a number says so, never that we do not know it."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from pydantic import ValidationError

from omotenashi.rules.model import When

from .sentences import told

FIELDS = ("views", "purchases", "cart_items", "visits", "event", "absent_days")


def when(field: str, cmp: dict[str, Any]) -> dict[str, Any]:
    return {"event": {"join_club": cmp}} if field == "event" else {field: cmp}


def counted(field: str, n: float) -> dict[str, Any]:
    return {"events": {"join_club": n}} if field == "event" else {field: n}


# field, comparison, the visitor's count, whether it holds, what the visitor is told
ROWS = [
    ("cart_items", {"eq": 1}, 1, True, ["your cart holds exactly 1 item"]),
    ("cart_items", {"eq": 1}, 2, False, ["your cart holds a number of items other than 1"]),
    ("cart_items", {"eq": 2}, 2, True, ["your cart holds exactly 2 items"]),
    ("cart_items", {"eq": 0}, 0, True, ["we know of nothing in your cart"]),
    ("cart_items", {"at_most": 1}, 1, True, ["your cart holds at most 1 item"]),
    ("cart_items", {"at_most": 1}, 3, False, ["your cart holds more than 1 item"]),
    ("cart_items", {"gt": 1}, 2, True, ["your cart holds more than 1 item"]),
    ("cart_items", {"lt": 2}, 1, True, ["your cart holds fewer than 2 items"]),
    ("cart_items", {"lt": 1.5}, 1, True, ["your cart holds fewer than 1.5 items"]),
    ("cart_items", {"at_least": 1.5}, 2, True, ["your cart holds 1.5 or more items"]),
    ("cart_items", {"at_most": 0.5}, 0, True, ["we know of nothing in your cart"]),
    ("cart_items", {"gt": 0.5}, 1, True, ["there is something in your cart"]),
    ("cart_items", {"ne": 1}, 3, True, ["your cart holds a number of items other than 1"]),
    ("cart_items", {"ne": 1}, 1, False, ["your cart holds exactly 1 item"]),
    ("cart_items", {"in": [2, 1]}, 1, True, ["your cart holds 1 or 2 items"]),
    ("cart_items", {"in": [1]}, 3, False, ["your cart holds a number of items other than 1"]),
    ("cart_items", {"in": [0, 1]}, 0, True, ["your cart holds 0 or 1 item"]),
    ("cart_items", {"at_least": 1000000}, 1000001, True, ["your cart holds 1000000 or more items"]),
    (
        "cart_items",
        {"at_least": 1, "at_most": 1},
        1,
        True,
        ["your cart holds at most 1 item", "there is something in your cart"],
    ),
    ("cart_items", {"at_least": 1, "at_most": 1}, 2, False, ["your cart holds more than 1 item"]),
    ("views", {"eq": 1}, 1, True, ["we know of exactly 1 page you have seen here"]),
    ("views", {"at_most": 1}, 1, True, ["we know of at most 1 page you have seen here"]),
    ("views", {"gt": 1}, 1, False, ["we know of at most 1 page you have seen here"]),
    ("views", {"gt": 1}, 5, True, ["you have seen more than 1 page here"]),
    (
        "views",
        {"in": [1, 2]},
        3,
        False,
        ["we know of a number of pages other than 1 or 2 you have seen here"],
    ),
    (
        "views",
        {"at_least": 2, "lt": 1000000},
        1000000,
        False,
        ["you have seen 1000000 or more pages here"],
    ),
    ("purchases", {"eq": 1}, 1, True, ["we know of exactly 1 purchase of yours"]),
    ("purchases", {"eq": 1}, 0, False, ["we know of a number of purchases other than 1 of yours"]),
    ("purchases", {"at_most": 1}, 2, False, ["you have bought from us more than once"]),
    ("purchases", {"gt": 1}, 2, True, ["you have bought from us more than once"]),
    ("purchases", {"ne": 1}, 1, False, ["we know of exactly 1 purchase of yours"]),
    ("purchases", {"lt": 2}, 1, True, ["we know of fewer than 2 purchases of yours"]),
    ("visits", {"eq": 1}, 1, True, ["we know of exactly 1 visit of yours, counting this one"]),
    (
        "visits",
        {"at_most": 1},
        2,
        False,
        ["you have visited us more than once, counting this visit"],
    ),
    ("visits", {"gt": 1}, 2, True, ["you have visited us more than once, counting this visit"]),
    ("visits", {"lt": 1}, 1, False, ["you have visited us at least once, counting this visit"]),
    (
        "visits",
        {"ne": 1},
        4,
        True,
        ["we know of a number of visits other than 1 of yours, counting this one"],
    ),
    (
        "visits",
        {"at_least": 1.5},
        1,
        False,
        ["we know of fewer than 1.5 visits of yours, counting this one"],
    ),
    ("event", {"eq": 1}, 1, True, ["we have a record of you doing “join club” exactly once"]),
    (
        "event",
        {"at_most": 1},
        1,
        True,
        ["we have a record of you doing “join club” at most once"],
    ),
    ("event", {"gt": 1}, 1, False, ["we have a record of you doing “join club” at most once"]),
    ("event", {"gt": 1}, 2, True, ["you have done “join club” more than once"]),
    ("event", {"in": [1]}, 1, True, ["we have a record of you doing “join club” once"]),
    (
        "event",
        {"in": [1]},
        2,
        False,
        ["we have a record of you doing “join club” a number of times other than once"],
    ),
    ("event", {"ne": 2}, 2, False, ["we have a record of you doing “join club” exactly 2 times"]),
    ("absent_days", {"eq": 1}, 1.0, True, ["you were away for exactly 1 day before this visit"]),
    (
        "absent_days",
        {"at_most": 1},
        1.5,
        False,
        ["you were away for more than 1 day before this visit"],
    ),
    ("absent_days", {"lt": 1}, 0.5, True, ["you were away for fewer than 1 day before this visit"]),
    ("absent_days", {"gt": 1}, 0.0, False, ["you were away for at most 1 day before this visit"]),
    (
        "absent_days",
        {"at_least": 1},
        1.5,
        True,
        ["you were away for 1 or more days before this visit"],
    ),
    ("absent_days", {"eq": 0}, 0.0, True, ["you were away for exactly 0 days before this visit"]),
    (
        "absent_days",
        {"at_most": 1.5},
        1000000.0,
        False,
        ["you were away for more than 1.5 days before this visit"],
    ),
]


@pytest.mark.parametrize(("field", "cmp", "n", "held", "said"), ROWS)
def test_a_count_is_said_in_agreeing_words(
    field: str, cmp: dict[str, Any], n: float, held: bool, said: list[str]
) -> None:
    assert told(when(field, cmp), counted(field, n))[:2] == (held, said)


@pytest.mark.parametrize(("field", "cmp", "n", "held", "said"), ROWS)
def test_under_not_a_count_says_the_same_words(
    field: str, cmp: dict[str, Any], n: float, held: bool, said: list[str]
) -> None:
    assert told({"not": when(field, cmp)}, counted(field, n))[:2] == (not held, said)


NOUNS = "item|time|page|purchase|visit|day"
ONE_WITH_PLURAL = re.compile(rf"(?<![\d.])1 (?:{NOUNS})s\b")  # "1 items"
OTHER_WITH_SINGULAR = re.compile(rf"(?<![\d.])(?!1 )\d+(?:\.\d+)? (?:{NOUNS})\b(?!s)")  # "2 item"
VALUES = (0, 1, 2, 1.5, 1000000)
COMPARISONS = ("eq", "ne", "at_least", "at_most", "gt", "lt", "in", "range")


def comparison(op: str, value: float) -> dict[str, Any]:
    if op == "in":
        return {"in": [value, 1]}
    if op == "range":
        return {"at_least": value, "at_most": value + 1}
    return {op: value}


@pytest.mark.parametrize(
    ("field", "op", "value"), list(itertools.product(FIELDS, COMPARISONS, VALUES))
)
def test_no_count_sentence_disagrees_in_number(field: str, op: str, value: float) -> None:
    cmp = comparison(op, value)
    for n, negate in itertools.product((0, 1, 2, 3, 1000001), (False, True)):
        rule = {"not": when(field, cmp)} if negate else when(field, cmp)
        _, said, texts = told(rule, counted(field, n))
        for sentence in said + texts:
            assert not ONE_WITH_PLURAL.search(sentence), sentence
            assert not OTHER_WITH_SINGULAR.search(sentence), sentence


NOT_A_NUMBER = "your age is not a number we can compare"


@pytest.mark.parametrize(
    ("rule", "changes", "held", "said"),
    [
        ({"attr": {"age": {"at_least": 18}}}, {"attrs": {"age": "thirty"}}, False, [NOT_A_NUMBER]),
        (
            {"not": {"attr": {"age": {"at_least": 18}}}},
            {"attrs": {"age": "thirty"}},
            True,
            [NOT_A_NUMBER],
        ),
        ({"not": {"attr": {"age": {"lt": 18}}}}, {"attrs": {"age": "nan"}}, True, [NOT_A_NUMBER]),
        (
            {"attr": {"age": {"gt": 1, "at_most": 9}}},
            {"attrs": {"age": "x"}},
            False,
            [NOT_A_NUMBER],
        ),
        (
            {"not": {"query": {"page": {"gt": 3}}}},
            {"query": {"page": "last"}},
            True,
            ["“page” in the link you followed is not a number we can compare"],
        ),
        ({"not": {"attr": {"age": {"at_least": 18}}}}, {}, True, ["we do not know your age"]),
        (
            {"not": {"attr": {"age": {"at_least": 18}}}},
            {"attrs": {"age": ""}},
            True,
            ["we do not know your age"],
        ),
        (
            {"not": {"attr": {"age": {"at_least": 18}}}},
            {"attrs": {"age": "12"}},
            True,
            ["your age is less than 18"],
        ),
        (
            {"not": {"attr": {"age": {"eq": 18}}}},
            {"attrs": {"age": "thirty"}},
            True,
            ["your age is not 18"],
        ),
    ],
)
def test_a_bound_on_a_value_that_is_not_a_number_says_so(
    rule: dict[str, Any], changes: dict[str, Any], held: bool, said: list[str]
) -> None:
    assert told(rule, changes)[:2] == (held, said)


@pytest.mark.parametrize(
    "rule",
    [
        {"cart_items": {"eq": False}},
        {"purchases": {"eq": False}},
        {"not": {"views": {"ne": False}}},
    ],
)
def test_a_count_compared_with_false_is_refused(rule: dict[str, Any]) -> None:
    """``false == 0`` in Python, and no count equals false (compare._equals): a count of 0
    that failed ``eq: false`` was said as one or more. Such a rule is refused where it is
    written now (editor49), with the fix."""
    with pytest.raises(ValidationError, match="false is not a count"):
        When.model_validate(rule)
