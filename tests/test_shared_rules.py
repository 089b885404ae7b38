"""Rules that share their ``when`` (loader/whens.py) decide as each rule validated and compiled
on its own: the same When, the same fields given at every level, the same answers."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.decide import decide
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.rules.model import Rule, is_contextual

# Comparisons written every way that validates alike, or nearly: bare or as a mapping, with
# null fields given, keys in either order, 1 / true / 1.0 / "1", -0.0 beside 0.0.
COMPARES: list[object] = [
    "gold",
    {"eq": "gold"},
    {"eq": "gold", "ne": None},
    {"ne": None, "eq": "gold"},
    {"eq": "gold", "exists": None},
    {"ne": "gold"},
    1,
    True,
    1.0,
    "1",
    {"eq": 1},
    {"eq": True},
    {"eq": 1.0},
    0,
    False,
    ["a", "b"],
    {"in": ["a", "b"]},
    {"in": [1, True]},
    {"in": [True, 1]},
    {"exists": False},
    {"exists": True},
    {"contains": "ol"},
]
NUMBERS: list[object] = [
    {"at_least": 2},
    {"at_least": 2.0},
    {"at_least": 2, "lt": None},
    {"gt": 0},
    {"gt": 0.0},
    {"gt": -0.0},
    {"lt": 2},
    {"at_most": 1},
    {"exists": True},
    {"exists": False},
    1,
    1.0,
    "1",
    [1, 2],
]  # (True: refused where it is written, editor49)
STAGES = ["awareness", "interest", "purchase"]
DEVICES = ["mobile", "desktop", "tablet"]


def _one_or_many(values: list[str]) -> st.SearchStrategy[object]:
    many = st.lists(st.sampled_from(values), min_size=1, max_size=2)
    return st.one_of(st.sampled_from(values), many)


def _keyed(keys: list[str], compares: list[object]) -> st.SearchStrategy[dict[str, object]]:
    return st.dictionaries(st.sampled_from(keys), st.sampled_from(compares), min_size=1, max_size=2)


FIELDS: dict[str, st.SearchStrategy[object]] = {
    "stage": _one_or_many(STAGES),
    "device": _one_or_many(DEVICES),
    "attr": _keyed(["tier", "vip"], COMPARES),
    "interest": _keyed(["kyoto", "Kyoto", "beach"], NUMBERS),
    "query": _keyed(["utm", "ref"], COMPARES),
    "visits": st.sampled_from(NUMBERS),
    "path": _one_or_many(["/tours/*", "/", "/sale*", "/tours/kyoto*"]),
    "time": st.sampled_from(["09:00-17:00", "18:00-23:00", "22:00-02:00"]),
    "weekday": _one_or_many(["sat", "sun", "mon", "monday", "Fri"]),
    "timezone": st.sampled_from(["UTC", "Asia/Tokyo", "America/New_York"]),
    "segment": st.none(),  # given, as null: in the fields given, not a condition
    "new": st.sampled_from([None, True, False]),
}
LEAF = st.lists(st.sampled_from(list(FIELDS)), unique=True, max_size=3).flatmap(
    lambda names: st.fixed_dictionaries({name: FIELDS[name] for name in names})
)


# Conditions that validate equal, or nearly, but not the same: met often, so rules share them.
ALIKE: list[dict[str, object]] = [
    {"attr": {"tier": "gold"}},
    {"attr": {"tier": {"eq": "gold", "ne": None}}},
    {"attr": {"tier": {"ne": None, "eq": "gold"}}},
    {"attr": {"tier": 1}},
    {"attr": {"tier": True}},
    {"attr": {"tier": 1.0}},
    {"attr": {"tier": "1"}},
    {"stage": "interest"},
    {"stage": ["interest"], "segment": None},
    {"interest": {"kyoto": {"gt": 0}}},
    {"interest": {"kyoto": {"gt": -0.0}}},
    {"interest": {"Kyoto": {"gt": 0, "lt": None}}},
    {"any": [{"stage": "interest"}]},
    {"any": [{"stage": "interest", "new": None}]},
    {"all": [{"query": {"utm": ["a", "b"]}}]},
    {"all": [{"query": {"utm": {"in": ["a", "b"], "exists": None}}}]},
    {"not": {"query": {"utm": "a"}}},
    {"not": {"query": {"utm": {"eq": "a", "ne": None}}}},
    {"time": "18:00-23:00"},
    {"time": "18:00-23:00", "timezone": "Asia/Tokyo"},
    {"weekday": "sat", "timezone": "America/New_York"},
    {"weekday": ["saturday"]},
]


def _nested(inner: st.SearchStrategy[dict[str, object]]) -> st.SearchStrategy[dict[str, object]]:
    one = st.one_of(st.sampled_from(ALIKE), inner)
    branches = st.lists(one, min_size=1, max_size=3)
    nests = st.fixed_dictionaries({}, optional={"any": branches, "all": branches, "not": one})
    return st.tuples(LEAF, nests).map(lambda both: {**both[0], **both[1]})


WHENS = st.recursive(LEAF, _nested, max_leaves=4)
TARGETS = ["s0", "s1", ".a"]
RULES = st.fixed_dictionaries(
    {
        "target": st.sampled_from(TARGETS),
        "priority": st.sampled_from([None, 10, 50]),
        "when": st.one_of(st.none(), st.sampled_from(ALIKE), WHENS),
    }
)
FILES = st.lists(st.lists(RULES, min_size=1, max_size=5), min_size=1, max_size=3)

FACTS = st.builds(
    Facts,
    stage=st.sampled_from(STAGES),
    device=st.sampled_from(DEVICES).map(lambda kind: Device(kind, "b", "o", False)),
    attrs=st.dictionaries(
        st.sampled_from(["tier", "vip"]),
        st.sampled_from(["gold", "a", "1", "old", 1, True, 1.0, 0, False, 2]),
    ),
    interests=st.dictionaries(
        st.sampled_from(["kyoto", "beach"]), st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.0])
    ),
    query=st.dictionaries(st.sampled_from(["utm", "ref"]), st.sampled_from(["gold", "a", "1"])),
    visits=st.integers(1, 3),
    path=st.sampled_from(["/", "/tours/kyoto", "/sale", "/salez"]),
    now=st.sampled_from(
        [
            datetime(2026, 6, 6, 11, tzinfo=UTC),  # Saturday: 20:00 in Tokyo, 07:00 in New York
            datetime(2026, 6, 8, 1, tzinfo=UTC),  # Monday: Sunday 21:00 in New York
            datetime(2026, 6, 5, 14, 30, tzinfo=UTC),  # Friday afternoon
            datetime(2026, 6, 7, 23, 30, tzinfo=UTC),  # Sunday night, Monday in Tokyo
        ]
    ),
)


class _Written(yaml.SafeDumper):
    """Each value written out where it stands: rule files refuse YAML anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _file(rules: list[dict[str, Any]], number: int) -> str:
    items = []
    for index, spec in enumerate(rules):
        target = spec["target"]
        item: dict[str, object] = {
            "id": f"f{number}-r{index}",
            ("selector" if target.startswith(".") else "slot"): target,
            "text": "x",
            "why": "because",
        }
        if spec["priority"] is not None:
            item["priority"] = spec["priority"]
        if spec["when"] is not None:
            item["when"] = spec["when"]
        items.append(item)
    return yaml.dump({"rules": items}, Dumper=_Written, sort_keys=False)


def _differences(loaded: object, alone: object, at: str) -> list[str]:
    """Where ``loaded`` and ``alone`` differ in the fields given or in a value's type."""
    if type(loaded) is not type(alone):
        return [f"{at}: {type(loaded).__name__} is not {type(alone).__name__}"]
    if isinstance(loaded, BaseModel) and isinstance(alone, BaseModel):
        if loaded.model_fields_set != alone.model_fields_set:
            return [f"{at}: given {loaded.model_fields_set} not {alone.model_fields_set}"]
        return [
            d
            for name, value in loaded.__dict__.items()
            for d in _differences(value, alone.__dict__[name], f"{at}.{name}")
        ]
    if isinstance(loaded, list) and isinstance(alone, list):
        if len(loaded) != len(alone):
            return [f"{at}: {len(loaded)} items, not {len(alone)}"]
        return [d for i, v in enumerate(loaded) for d in _differences(v, alone[i], f"{at}[{i}]")]
    if isinstance(loaded, dict) and isinstance(alone, dict):
        if list(loaded) != list(alone):
            return [f"{at}: keys {list(loaded)} not {list(alone)}"]
        return [d for k, v in loaded.items() for d in _differences(v, alone[k], f"{at}.{k}")]
    if isinstance(loaded, float) and isinstance(alone, float):  # -0.0 is not 0.0 here
        return [] if repr(loaded) == repr(alone) else [f"{at}: {loaded!r} not {alone!r}"]
    return [] if loaded == alone else [f"{at}: {loaded!r} not {alone!r}"]


def _two(first: dict[str, object], second: dict[str, object]) -> list[list[dict[str, Any]]]:
    rules = [{"target": "s0", "priority": None, "when": first}]
    return [[*rules, {"target": "s1", "priority": None, "when": second}]]


SOME = [Facts(), Facts(attrs={"tier": "gold"}, interests={"kyoto": 1.0})]


# Found by this test: a When in an ``any`` list was kept once for its own fields given, not its
# comparisons' (the second rule's ``tier`` said {eq}); -0.0 was kept as the 0.0 met before.
@example(
    _two({"any": [{"attr": {"tier": {"eq": "gold"}}}]}, {"any": [{"attr": {"tier": "gold"}}]}),
    SOME,
)
@example(
    _two(
        {"any": [{"attr": {"tier": {"eq": "gold"}}}]},
        {"any": [{"attr": {"tier": {"eq": "gold", "ne": None}}}]},
    ),
    SOME,
)
@example(
    _two(
        {"all": [{"any": [{"stage": "interest"}]}]},
        {"all": [{"any": [{"stage": "interest", "device": None}]}]},
    ),
    SOME,
)
@example(_two({"interest": {"kyoto": {"gt": 0.0}}}, {"interest": {"kyoto": {"gt": -0.0}}}), SOME)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES, st.lists(FACTS, min_size=4, max_size=8))
def test_shared_rules_decide_as_each_rule_validated_and_compiled_alone(
    files: list[list[dict[str, Any]]], many: list[Facts]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        texts = {f"{n:02}.yaml": _file(rules, n) for n, rules in enumerate(files)}
        for name, text in texts.items():
            (folder / name).write_text(text)
        loaded = load_ruleset(folder, Renderer(folder / "snippets"))
    alone: list[CompiledRule] = []
    for r in loaded.rules:
        number, index = (int(part[1:]) for part in r.id.split("-"))
        raw = yaml.safe_load(texts[f"{number:02}.yaml"])["rules"][index]
        rule = Rule.model_validate(raw)
        assert r.rule.when == rule.when
        differences = _differences(r.rule.when, rule.when, "when")
        assert differences == [], (r.id, differences)
        conditions = compile_when(rule.when, "UTC")
        assert r.behavioural is not is_contextual(rule.when)  # off under GPC, consent, fresh
        assert [c.text for c in r.conditions] == [c.text for c in conditions]
        for facts in many:
            held = all_hold(conditions, facts)
            assert all_hold(r.conditions, facts) == held, (r.id, facts)
            for mine, its in zip(r.conditions, conditions, strict=True):  # what a visitor reads
                assert mine.reasons(facts) == its.reasons(facts)
                assert mine.denials(facts) == its.denials(facts)
        alone.append(CompiledRule(rule, r.file, r.line, r.order, conditions, r.template, r.static))
    independent = RuleSet(rules=alone)
    for facts in many:
        got = [(d.target, d.id) for d in decide(loaded, facts, TARGETS[:2])]
        assert got == [(d.target, d.id) for d in decide(independent, facts, TARGETS[:2])]
