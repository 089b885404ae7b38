"""The sentences of comparisons (engine/compare.py), word for word: every operator, holding and
not, unknown and non-numeric values, on profile details, interests, visits and link parameters.
A change of wording fails a row here: update it on purpose (see tests/engine/sentences.py)."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi.engine.compare import Condition
from omotenashi.engine.facts import Facts

from .sentences import ROW, negated, told

GOLDEN = [
    pytest.param(
        {"attr": {"plan": "gold"}},
        {"attrs": {"plan": "Gold"}},
        True,
        ["your plan is gold"],
        ["your plan is gold"],
        id="attr-eq",
    ),
    pytest.param(
        {"attr": {"plan": "gold"}},
        {"attrs": {"plan": "silver"}},
        False,
        ["your plan is not gold"],
        ["your plan is gold"],
        id="attr-eq-no",
    ),
    pytest.param(
        {"attr": {"plan": "gold"}},
        {},
        False,
        ["we do not know your plan"],
        ["your plan is gold"],
        id="attr-eq-unknown",
    ),
    pytest.param(
        {"attr": {"plan": "gold"}},
        {"attrs": {"plan": ""}},
        False,
        ["we do not know your plan"],
        ["your plan is gold"],
        id="attr-eq-empty",
    ),
    pytest.param(
        {"attr": {"first_name": {"ne": "Ann"}}},
        {"attrs": {"first_name": "Bob"}},
        True,
        ["your first name is not Ann"],
        ["your first name is not Ann"],
        id="attr-ne",
    ),
    pytest.param(
        {"attr": {"first_name": {"ne": "Ann"}}},
        {"attrs": {"first_name": "ann"}},
        False,
        ["your first name is Ann"],
        ["your first name is not Ann"],
        id="attr-ne-no",
    ),
    pytest.param(
        {"attr": {"plan": {"ne": "gold"}}},
        {},
        True,
        ["we do not know your plan"],
        ["your plan is not gold"],
        id="attr-ne-unknown",
    ),
    pytest.param(
        {"attr": {"plan": ["silver", "gold"]}},
        {"attrs": {"plan": "gold"}},
        True,
        ["your plan is silver or gold"],
        ["your plan is silver or gold"],
        id="attr-in",
    ),
    pytest.param(
        {"attr": {"plan": ["silver", "gold"]}},
        {"attrs": {"plan": "bronze"}},
        False,
        ["your plan is not silver or gold"],
        ["your plan is silver or gold"],
        id="attr-in-no",
    ),
    pytest.param(
        {"attr": {"email": {"contains": "@Example"}}},
        {"attrs": {"email": "a@example.com"}},
        True,
        ["your email contains “@Example”"],
        ["your email contains “@Example”"],
        id="attr-contains",
    ),
    pytest.param(
        {"attr": {"email": {"contains": "@Example"}}},
        {"attrs": {"email": "a@b.jp"}},
        False,
        ["your email does not contain “@Example”"],
        ["your email contains “@Example”"],
        id="attr-contains-no",
    ),
    pytest.param(
        {"attr": {"plan": {"exists": True}}},
        {"attrs": {"plan": "gold"}},
        True,
        ["we know your plan"],
        ["we know your plan"],
        id="attr-exists",
    ),
    pytest.param(
        {"attr": {"plan": {"exists": True}}},
        {"attrs": {"plan": ""}},
        False,
        ["we do not know your plan"],
        ["we know your plan"],
        id="attr-exists-no",
    ),
    pytest.param(
        {"attr": {"plan": {"exists": False}}},
        {},
        True,
        ["we do not know your plan"],
        ["we do not know your plan"],
        id="attr-missing",
    ),
    pytest.param(
        {"attr": {"plan": {"exists": False}}},
        {"attrs": {"plan": "gold"}},
        False,
        ["we know your plan"],
        ["we do not know your plan"],
        id="attr-missing-no",
    ),
    pytest.param(
        {"attr": {"age": {"at_least": 40, "lt": 50}}},
        {"attrs": {"age": 41}},
        True,
        ["your age is fewer than 50", "your age is 40 or more"],
        ["your age is fewer than 50; your age is 40 or more"],
        id="attr-range",
    ),
    pytest.param(
        {"attr": {"age": {"at_least": 40, "lt": 50}}},
        {"attrs": {"age": 39.5}},
        False,
        ["your age is fewer than 40"],
        ["your age is fewer than 50; your age is 40 or more"],
        id="attr-range-low",
    ),
    pytest.param(
        {"attr": {"age": {"at_least": 40, "lt": 50}}},
        {"attrs": {"age": "50"}},
        False,
        ["your age is 50 or more"],
        ["your age is fewer than 50; your age is 40 or more"],
        id="attr-range-high",
    ),
    pytest.param(
        {"attr": {"age": {"gt": 17, "at_most": 65}}},
        {"attrs": {"age": 66}},
        False,
        ["your age is more than 65"],
        ["your age is at most 65; your age is more than 17"],
        id="attr-gt-most",
    ),
    pytest.param(
        {"attr": {"age": {"gt": 17, "at_most": 65}}},
        {"attrs": {"age": 17}},
        False,
        ["your age is at most 17"],
        ["your age is at most 65; your age is more than 17"],
        id="attr-gt-no",
    ),
    pytest.param(
        {"attr": {"age": {"gt": 17}}},
        {"attrs": {"age": "old"}},
        False,
        ["we do not know your age"],
        ["your age is more than 17"],
        id="attr-bound-text",
    ),
    pytest.param(
        {"attr": {"age": {"gt": 17}}},
        {},
        False,
        ["we do not know your age"],
        ["your age is more than 17"],
        id="attr-bound-unknown",
    ),
    pytest.param(
        {"attr": {"plan": {"exists": True, "eq": "gold"}}},
        {"attrs": {"plan": "silver"}},
        False,
        ["your plan is not gold"],
        ["we know your plan; your plan is gold"],
        id="attr-exists-and-eq",
    ),
    pytest.param(
        {"attr": {"size": 3.0}},
        {"attrs": {"size": "3"}},
        True,
        ["your size is 3"],
        ["your size is 3"],
        id="attr-eq-number",
    ),
    pytest.param(
        {"attr": {"member": True}},
        {"attrs": {"member": "false"}},
        False,
        ["your member is not True"],
        ["your member is True"],
        id="attr-eq-bool",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 3}}},
        {"interests": {"hawaii": 3.2}},
        True,
        ["you have looked at pages about hawaii 3 or more times"],
        ["you have looked at pages about hawaii 3 or more times"],
        id="interest-yes",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 0.5}}},
        {"interests": {"hawaii": 0.7}},
        True,
        ["you have looked at pages about hawaii"],
        ["you have looked at pages about hawaii"],
        id="interest-one",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 3}}},
        {"interests": {"hawaii": 1.0}},
        False,
        ["you have not looked at pages about hawaii 3 or more times lately"],
        ["you have looked at pages about hawaii 3 or more times"],
        id="interest-no",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 2}}},
        {"interests": {"hawaii": 2.5}, "labels": {"hawaii": "Hawaiian holidays"}},
        True,
        ["you have looked at pages about Hawaiian holidays 2 or more times"],
        ["you have looked at pages about hawaii 2 or more times"],
        id="interest-label",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 2}}},
        {"labels": {"hawaii": "Hawaiian holidays"}},
        False,
        ["you have not looked at pages about Hawaiian holidays 2 or more times lately"],
        ["you have looked at pages about hawaii 2 or more times"],
        id="interest-label-no",
    ),
    pytest.param(
        {"interest": {"hawaii": {"at_least": 1, "lt": 5}}},
        {"interests": {"hawaii": 7.0}, "labels": {"hawaii": "Hawaiian holidays"}},
        False,
        ["you have looked at pages about Hawaiian holidays 5 or more times"],
        [
            "you have not looked at pages about hawaii 5 or more times lately; "
            "you have looked at pages about hawaii"
        ],
        id="interest-label-range",
    ),
    pytest.param(
        {"interest": {"kyoto": {"lt": 2}}},
        {"interests": {"kyoto": 1.0}},
        True,
        ["you have not looked at pages about kyoto 2 or more times lately"],
        ["you have not looked at pages about kyoto 2 or more times lately"],
        id="interest-lt",
    ),
    pytest.param(
        {"interest": {"kyoto": {"lt": 2}}},
        {"interests": {"kyoto": 2.0}},
        False,
        ["you have looked at pages about kyoto 2 or more times"],
        ["you have not looked at pages about kyoto 2 or more times lately"],
        id="interest-lt-no",
    ),
    pytest.param(
        {"interest": {"kyoto": {"gt": 1.5}}},
        {"interests": {"kyoto": 2.0}},
        True,
        ["your recent interest in kyoto is more than 1.5"],
        ["your recent interest in kyoto is more than 1.5"],
        id="interest-gt",
    ),
    pytest.param(
        {"visits": {"at_least": 3}},
        {"visits": 4},
        True,
        ["you have visited us 3 or more times, counting this visit"],
        ["you have visited us 3 or more times, counting this visit"],
        id="visits-yes",
    ),
    pytest.param(
        {"visits": {"at_least": 3}},
        {"visits": 2},
        False,
        ["you have visited us fewer than 3 times, counting this visit"],
        ["you have visited us 3 or more times, counting this visit"],
        id="visits-no",
    ),
    pytest.param(
        {"visits": 2},
        {"visits": 2},
        True,
        ["you have visited us exactly 2 times, counting this visit"],
        ["you have visited us exactly 2 times, counting this visit"],
        id="visits-eq",
    ),
    pytest.param(
        {"visits": {"at_least": 2, "lt": 5}},
        {"visits": 1},
        False,
        ["you have visited us fewer than 2 times, counting this visit"],
        [
            "you have visited us fewer than 5 times, counting this visit; "
            "you have visited us 2 or more times, counting this visit"
        ],
        id="visits-range-low",
    ),
    pytest.param(
        {"visits": {"at_least": 2, "lt": 5}},
        {"visits": 3},
        True,
        [
            "you have visited us fewer than 5 times, counting this visit",
            "you have visited us 2 or more times, counting this visit",
        ],
        [
            "you have visited us fewer than 5 times, counting this visit; "
            "you have visited us 2 or more times, counting this visit"
        ],
        id="visits-range",
    ),
    pytest.param(
        {"query": {"utm_campaign": "winter-sale"}},
        {"query": {"utm_campaign": "winter-sale"}},
        True,
        ["you came from our winter-sale link"],
        ["you came from our winter-sale link"],
        id="query-campaign",
    ),
    pytest.param(
        {"query": {"utm_campaign": "winter-sale"}},
        {"query": {"utm_campaign": "spring"}},
        False,
        ["you did not come from our winter-sale link"],
        ["you came from our winter-sale link"],
        id="query-campaign-no",
    ),
    pytest.param(
        {"query": {"utm_campaign": "winter-sale"}},
        {},
        False,
        ["the link you followed was not from one of our campaigns"],
        ["you came from our winter-sale link"],
        id="query-campaign-none",
    ),
    pytest.param(
        {"query": {"utm_campaign": {"ne": "winter-sale"}}},
        {"query": {"utm_campaign": "spring"}},
        True,
        ["you did not come from our winter-sale link"],
        ["you did not come from our winter-sale link"],
        id="query-campaign-ne",
    ),
    pytest.param(
        {"query": {"utm_campaign": {"ne": "winter-sale"}}},
        {"query": {"utm_campaign": "winter-sale"}},
        False,
        ["you came from our winter-sale link"],
        ["you did not come from our winter-sale link"],
        id="query-campaign-ne-no",
    ),
    pytest.param(
        {"query": {"utm_source": "newsletter"}},
        {"query": {"utm_source": "newsletter"}},
        True,
        ["the source of the link you followed is newsletter"],
        ["the source of the link you followed is newsletter"],
        id="query-source",
    ),
    pytest.param(
        {"query": {"utm_source": "newsletter"}},
        {},
        False,
        ["the link you followed names no source"],
        ["the source of the link you followed is newsletter"],
        id="query-source-none",
    ),
    pytest.param(
        {"query": {"ref": {"in": ["a1", "b2"]}}},
        {"query": {"ref": "b2"}},
        True,
        ["“ref” in the link you followed is a1 or b2"],
        ["“ref” in the link you followed is a1 or b2"],
        id="query-key",
    ),
    pytest.param(
        {"query": {"ref": {"in": ["a1", "b2"]}}},
        {},
        False,
        ["the link you followed has no “ref”"],
        ["“ref” in the link you followed is a1 or b2"],
        id="query-key-none",
    ),
    pytest.param(
        {"query": {"ref": {"in": ["a1", "b2"]}}},
        {"query": {"ref": "c3"}},
        False,
        ["“ref” in the link you followed is not a1 or b2"],
        ["“ref” in the link you followed is a1 or b2"],
        id="query-key-not-in",
    ),
]


@pytest.mark.parametrize(ROW, GOLDEN)
def test_each_condition_says_what_is_true_word_for_word(
    when: dict[str, Any], changes: dict[str, Any], held: bool, said: list[str], texts: list[str]
) -> None:
    assert told(when, changes) == (held, said, texts)


@pytest.mark.parametrize(ROW, GOLDEN)
def test_not_turns_each_condition_around_with_the_same_sentences(
    when: dict[str, Any], changes: dict[str, Any], held: bool, said: list[str], texts: list[str]
) -> None:
    assert told({"not": when}, changes) == negated(held, said, texts)


def test_a_condition_without_its_own_sentences_uses_its_summary() -> None:
    bare = Condition(lambda f: f.is_new, "a first visit")
    assert bare.reasons(Facts()) == ["a first visit"]
    assert bare.denials(Facts()) == ["not: a first visit"]
