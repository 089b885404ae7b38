"""The rule index leaves out only rules that could not hold: decide picks the same winners."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.decide import decide, eligible
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.ruleset import CompiledRule, RuleSet
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
            ]
        ),
        "not": st.sampled_from([{"path": ["/sale"]}, {"stage": ["interest"]}]),
    },
)
PATHS = ["/", "/tours/kyoto-autumn", "/sale", "/tours/" + "x" * 600]  # the last: never kept


def _ruleset(whens: list[dict[str, object]]) -> RuleSet:
    rules = []
    for index, when in enumerate(whens):
        rule = Rule.model_validate(
            {"id": f"r{index}", "slot": f"s{index % 3}", "text": "x", "why": "why", "when": when}
        )
        rules.append(CompiledRule(rule, "f", 1, index, compile_when(rule.when, "UTC"), None, "x"))
    return RuleSet(rules=rules)


def _reference(ruleset: RuleSet, facts: Facts, slot: str) -> str | None:
    for rule in ruleset.by_slot.get(slot, []):
        if eligible(rule, facts.now) and all_hold(rule.conditions, facts):
            return rule.id
    return None


@settings(max_examples=150)
@given(
    st.lists(WHENS, min_size=1, max_size=12),
    st.sampled_from(STAGES),
    st.sampled_from(DEVICES),
    st.sampled_from([{}, {"utm": "a"}, {"utm": "b"}]),
    st.sampled_from([{}, {"kyoto": 0.5}, {"kyoto": 3.0}]),
    st.sampled_from([{}, {"tier": "gold"}, {"tier": "bronze"}]),
    st.lists(st.sampled_from(PATHS), min_size=1, max_size=3),
)
def test_decide_with_the_index_picks_what_testing_every_rule_picks(
    whens: list[dict[str, object]],
    stage: str,
    device: str,
    query: dict[str, str],
    interests: dict[str, float],
    attrs: dict[str, str],
    paths: list[str],
) -> None:
    ruleset = _ruleset(whens)
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
        slots = ["s0", "s1", "s2"]
        for _ in range(2):  # the second time from the index's kept lists
            got = {d.target: d.id for d in decide(ruleset, facts, slots)}
            want = {s: w for s in slots if (w := _reference(ruleset, facts, s)) is not None}
            assert got == want


def test_lists_are_kept_per_path_only_for_targets_that_name_paths_and_short_paths() -> None:
    ruleset = _ruleset([{"path": ["/tours/*"]}, {"stage": ["interest"]}])  # slots s0, s1
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
