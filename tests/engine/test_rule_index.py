"""The rule index leaves out only rules that could not hold: decide picks the same winners."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine import ruleindex
from omotenashi.engine.conditions import Condition, all_hold, compile_when
from omotenashi.engine.decide import decide, eligible
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.globs import matcher
from omotenashi.engine.ruleset import SELECTED, CompiledRule, RuleSet
from omotenashi.rules.model import Rule

STAGES = ["awareness", "interest", "consideration", "purchase", "loyalty"]
DEVICES = ["mobile", "desktop", "tablet", "other"]
WHENS = st.fixed_dictionaries(
    {},
    optional={
        "stage": st.lists(st.sampled_from(STAGES), min_size=1, max_size=2),
        "device": st.lists(st.sampled_from(DEVICES[:3]), min_size=1, max_size=2),
        "query": st.sampled_from(
            [{"utm": {"eq": "a"}}, {"utm": {"exists": False}}, {"utm": {"ne": "a"}}]
        ),
        "interest": st.sampled_from(
            [{"kyoto": {"at_least": 1}}, {"kyoto": {"lt": 2}}, {"kyoto": {"gt": 0}}]
        ),
        "attr": st.sampled_from(
            [
                {"tier": {"eq": "gold"}},
                {"tier": {"ne": "gold"}},
                {"tier": {"exists": False}},
                {"tier": {"in": ["gold", "silver"]}},
            ]
        ),
        "path": st.sampled_from([["/tours/*"], ["/"], ["/tours/kyoto*", "/sale"]]),
        "all": st.sampled_from(
            [
                [{"stage": ["interest"]}],
                [{"attr": {"tier": {"eq": "gold"}}}],
                [{"path": ["/tours/kyoto*"]}],
                [{"query": {"utm": {"eq": "a"}}}, {"interest": {"kyoto": {"at_least": 1}}}],
                [{"attr": {"tier": {"exists": True}}, "query": {"ref": {"exists": True}}}],
            ]
        ),
        "not": st.sampled_from([{"path": ["/sale"]}, {"stage": ["interest"]}]),
    },
)
PATHS = ["/", "/tours/kyoto-autumn", "/sale", "/tours/" + "x" * 600]  # the last: never kept
# Rule fields beside ``when``: off, or on a schedule that has (not) begun on 2026-01-01
EXTRAS = st.sampled_from(
    [
        {},
        {},
        {"enabled": False},
        {"schedule": {"start": "2025-12-01T00:00:00Z"}},
        {"schedule": {"start": "2026-02-01T00:00:00Z"}},
        {"schedule": {"end": "2026-01-01T00:00:00Z"}},
    ]
)
TARGETS = ["s0", "s1", "s2", ".a", ".b"]  # slots, then selectors


def _ruleset(whens: list[dict[str, object]], extras: list[dict[str, object]]) -> RuleSet:
    rules = []
    for index, when in enumerate(whens):
        target = TARGETS[index % 5]
        rule = Rule.model_validate(
            {
                "id": f"r{index}",
                ("selector" if target.startswith(".") else "slot"): target,
                "text": "x",
                "why": "why",
                "when": when,
                **(extras[index % len(extras)] if extras else {}),
            }
        )
        rules.append(CompiledRule(rule, "f", 1, index, compile_when(rule.when, "UTC"), None, "x"))
    return RuleSet(rules=rules)


def _reference(ruleset: RuleSet, facts: Facts, target: str) -> str | None:
    rules = ruleset.by_slot.get(target, [])
    if target.startswith("."):
        rules = [r for r in ruleset.selector_rules if r.rule.selector == target]
    for rule in rules:
        if eligible(rule, facts.now) and all_hold(rule.conditions, facts):
            return rule.id
    return None


# The facts also give keys rules need in one place (query, interests, attributes) in another,
# where they do not count; selector rules are decided too, disabled and scheduled rules among all.
@settings(max_examples=200)
@given(
    st.lists(WHENS, min_size=1, max_size=15),
    st.lists(EXTRAS, max_size=4),
    st.sampled_from(STAGES),
    st.sampled_from(DEVICES),
    st.sampled_from([{}, {"utm": "a"}, {"utm": "b"}, {"ref": "x", "utm": "a"}, {"kyoto": "1"}]),
    st.sampled_from([{}, {"kyoto": 0.5}, {"kyoto": 3.0}, {"beach": 2.0}, {"tier": 1.0}]),
    st.sampled_from([{}, {"tier": "gold"}, {"tier": "bronze"}, {"utm": "a"}]),
    st.lists(st.sampled_from(PATHS), min_size=1, max_size=3),
)
def test_decide_with_the_index_picks_what_testing_every_rule_picks(
    whens: list[dict[str, object]],
    extras: list[dict[str, object]],
    stage: str,
    device: str,
    query: dict[str, str],
    interests: dict[str, float],
    attrs: dict[str, str],
    paths: list[str],
) -> None:
    ruleset = _ruleset(whens, extras)
    for path in paths:  # pages one after the other: each path's lists, kept or not
        facts = Facts(
            stage=stage,
            device=Device(device, "b", "o", False),
            query=query,
            interests=interests,
            attrs=attrs,
            path=path,
            now=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for _ in range(2):  # the second time from the index's kept lists
            got = {
                d.target.removeprefix(SELECTED): d.id for d in decide(ruleset, facts, TARGETS[:3])
            }
            want = {t: w for t in TARGETS if (w := _reference(ruleset, facts, t)) is not None}
            assert got == want


def test_lists_are_kept_per_path_only_for_targets_that_name_paths_and_short_paths() -> None:
    ruleset = _ruleset([{"path": ["/tours/*"]}, {"stage": ["interest"]}], [])  # slots s0, s1
    for path in ("/tours/kyoto", "/", "/tours/" + "x" * 600):
        facts = Facts(stage="interest", path=path, now=datetime(2026, 1, 1, tzinfo=UTC))
        decide(ruleset, facts, ["s0", "s1"])
    keys = set(ruleset.index._lists)
    assert ("s0", "interest", "other", "/tours/kyoto") in keys and (
        "s0",
        "interest",
        "other",
        "/",
    ) in keys
    assert not any(len(k) == 4 and k[0] == "s1" for k in keys)  # s1 names no path
    assert not any(len(k) == 4 and len(str(k[3])) > 512 for k in keys)  # a long path: not kept


def test_the_paths_lists_are_kept_for_are_bounded_in_characters() -> None:
    """Paths come from outside: however long (up to MAX_PATH) and many, the characters of
    those the lists are kept for stay within MAX_PATH_CHARS, and decide's answers are the same."""
    ruleset = _ruleset([{"path": ["/tours/*"]}], [])
    index = ruleset.index
    long = "\U0001f600" * (ruleindex.MAX_PATH - 20)
    for n in range(ruleindex.MAX_PATH_CHARS // len(long) + 50):
        path = f"/tours/{n}/{long}"
        facts = Facts(stage="interest", path=path, now=datetime(2026, 1, 1, tzinfo=UTC))
        assert [d.id for d in decide(ruleset, facts, ["s0"])] == [_reference(ruleset, facts, "s0")]
        kept = sum(len(str(k[3])) for k in index._lists if len(k) == 4)
        assert kept == index._chars <= ruleindex.MAX_PATH_CHARS


HOLDS_OR_LEFT_OUT = [
    # when, facts under which it holds, facts under which the index leaves it out
    ({"interest": {"kyoto": {"at_least": 1}}}, {"interests": {"kyoto": 3.0}}, {}),
    (  # the same key elsewhere (the query, the attributes) is not the interest
        {"interest": {"kyoto": {"gt": 0}}},
        {"interests": {"kyoto": 0.5}, "query": {"utm": "a"}},
        {"query": {"kyoto": "3"}, "attrs": {"kyoto": 3}},
    ),
    ({"query": {"utm": {"eq": "a"}}}, {"query": {"utm": "a"}}, {"interests": {"utm": 1.0}}),
    ({"query": {"utm": {"exists": True}}}, {"query": {"utm": "x"}}, {"attrs": {"utm": "a"}}),
    ({"attr": {"tier": {"eq": "gold"}}}, {"attrs": {"tier": "gold"}}, {"query": {"tier": "gold"}}),
    (
        {"attr": {"tier": {"in": ["gold"]}}},
        {"attrs": {"tier": "gold"}},
        {"interests": {"tier": 2.0}},
    ),
    (  # needs two things: one missing is enough
        {"all": [{"query": {"utm": {"eq": "a"}}}, {"interest": {"kyoto": {"at_least": 1}}}]},
        {"query": {"utm": "a"}, "interests": {"kyoto": 2.0}},
        {"query": {"utm": "a"}, "interests": {"beach": 2.0}},
    ),
    ({"path": ["/tours/*"]}, {"path": "/tours/kyoto"}, {"path": "/"}),
    ({"path": ["/tours/*"]}, {"path": "/tours/" + "x" * 600}, {"path": "/" + "x" * 600}),
    ({"stage": ["purchase"]}, {"stage": "purchase"}, {"stage": "interest"}),
    ({"device": ["mobile"]}, {"device": Device("mobile", "b", "o", False)}, {}),
]


# Another slot's rule needs the same keys, each in the other places.
ELSEWHERE = {
    "query": {"kyoto": {"exists": True}, "tier": {"exists": True}},
    "interest": {"utm": {"at_least": 1}, "tier": {"at_least": 1}},
    "attr": {"kyoto": {"exists": True}, "utm": {"exists": True}},
}


@pytest.mark.parametrize(("when", "holds", "left_out"), HOLDS_OR_LEFT_OUT)
def test_the_index_leaves_out_a_rule_only_when_the_request_lacks_what_it_needs(
    when: dict[str, object], holds: dict[str, object], left_out: dict[str, object]
) -> None:
    ruleset = _ruleset([when, ELSEWHERE], [])
    rule = ruleset.by_slot["s0"][0]
    tested: list[Facts] = []

    def counted(facts: Facts) -> bool:
        tested.append(facts)
        return True

    rule.conditions.insert(0, Condition(counted, "counted"))
    for facts_kw, want in ((holds, ["r0"]), (left_out, [])):
        facts = Facts(**facts_kw, now=datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
        for _ in range(2):  # the second time from the index's kept lists
            tested.clear()
            assert [d.id for d in decide(ruleset, facts, ["s0"])] == want
            assert len(tested) == len(want)  # left out: its conditions are never tested


SHARED_PATHS = [  # rules' path globs -> which rules share one compiled path test
    ([["/tours/*"], ["/tours/*"]], [[0, 1]]),
    ([["/tours/*"], ["/blog/*"], ["/tours/*"]], [[0, 2], [1]]),
    ([["/tours/*", "/sale"], ["/tours/*"], ["/tours/*", "/sale"]], [[0, 2], [1]]),
]


@pytest.mark.parametrize(("paths", "groups"), SHARED_PATHS)
def test_rules_naming_the_same_paths_share_one_path_test(
    paths: list[list[str]], groups: list[list[int]]
) -> None:
    """Each distinct list of globs is compiled once however many rules name it (their Whens
    told apart by another field), and tests paths as each rule's own would."""
    whens: list[dict[str, object]] = [
        {"path": p, "visits": {"at_least": n}} for n, p in enumerate(paths)
    ]
    ruleset = _ruleset(whens, [])
    by_id = {r.id: ruleset.index.gates[id(r)].paths for r in ruleset.rules}
    tests = [by_id[f"r{n}"] for n in range(len(paths))]
    assert all(len(t) == 1 for t in tests)
    found = [[n for n, t in enumerate(tests) if t[0] is tests[g[0]][0]] for g in groups]
    assert found == groups
    for globs, (test,) in zip(paths, tests, strict=True):
        alone = matcher(globs)
        assert [test(p) for p in PATHS] == [alone(p) for p in PATHS]
