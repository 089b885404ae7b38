"""Conditions compiled once per distinct field test say and decide what compile_when's do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Device, Facts
from omotenashi.errors import RuleSetError
from omotenashi.loader import whens
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.loader.whens import ORDER, SharedWhens
from omotenashi.rules import model, whenvalues
from omotenashi.rules.model import Rule, When

EVERY_FIELD: dict[str, Any] = {
    "stage": ["interest", "purchase"],
    "segment": ["family"],
    "attr": {"tier": "gold"},
    "interest": {"kyoto": {"at_least": 2}},
    "visits": {"at_least": 2},
    "new": False,
    "returning": True,
    "device": ["desktop"],
    "browser": ["Chrome"],
    "os": ["Linux"],
    "path": ["/tours/*"],
    "query": {"utm_campaign": "spring"},
    "referrer": ["*example.com*"],
    "language": ["ja"],
    "country": ["JP"],
    "time": "18:00-23:00",
    "weekday": ["sat", "sun"],
    "timezone": "Asia/Tokyo",
    "views": {"at_least": 3},
    "purchases": {"exists": True},
    "cart_items": {"gt": 0},
    "event": {"join_club": {"at_least": 1}},
    "absent_days": {"at_most": 30},
    "cart_abandoned": True,
    "viewed": ["kyoto-walk"],
    "viewed_in_list": "sale",
    "bought": ["kyoto-walk"],
    "in_cart": ["kyoto-walk", "bali-retreat"],
    "first_utm": {"utm_source": "newsletter"},
    "first_referrer": ["*search*"],
    "all": [{"stage": "interest"}, {"time": "09:00-17:00"}],
    "any": [{"device": "mobile"}, {"interest": {"hawaii": 1}}],
    "not": {"segment": ["staff"]},
}

FACTS = [
    Facts(),
    Facts(
        stage="interest",
        segments=frozenset({"family"}),
        attrs={"tier": "gold"},
        interests={"kyoto": 3.0},
        visits=4,
        is_new=False,
        device=Device("desktop", "Chrome", "Linux", False),
        path="/tours/kyoto",
        query={"utm_campaign": "spring"},
        referrer="https://www.example.com/",
        languages=("ja",),
        country="JP",
        now=datetime(2026, 6, 6, 11, tzinfo=UTC),  # Saturday, 20:00 in Tokyo
        views=5,
        purchases=1,
        cart_items=2,
        events={"join_club": 1},
        absent_days=3.0,
        cart_abandoned=True,
        viewed=frozenset({"kyoto-walk"}),
        in_cart=frozenset({"kyoto-walk"}),
        lists={"sale": frozenset({"kyoto-walk"})},
        first_touch={"utm_source": "newsletter", "referrer": "https://search.example/"},
    ),
]


def test_the_order_names_every_condition_field_of_a_when() -> None:
    assert len(ORDER) == len(set(ORDER))
    assert set(ORDER) == set(When.model_fields) - {"timezone"}


@pytest.mark.parametrize("name", [n for n in EVERY_FIELD if n != "timezone"])
def test_one_field_compiles_as_compile_when_compiles_it(name: str) -> None:
    when = When.model_validate({name: EVERY_FIELD[name], "timezone": "Asia/Tokyo"})
    shared = SharedWhens("UTC").conditions(when)
    alone = compile_when(when, "UTC")
    assert [c.text for c in shared] == [c.text for c in alone]
    for facts in FACTS:
        assert [c.check(facts) for c in shared] == [c.check(facts) for c in alone]
        assert [c.reasons(facts) for c in shared] == [c.reasons(facts) for c in alone]
        assert [c.denials(facts) for c in shared] == [c.denials(facts) for c in alone]


def test_every_field_together_keeps_compile_whens_order() -> None:
    when = When.model_validate(EVERY_FIELD)
    shared = SharedWhens("Europe/Paris").conditions(when)
    alone = compile_when(when, "Europe/Paris")
    assert len(alone) > len(ORDER)  # every field said something
    assert [c.text for c in shared] == [c.text for c in alone]


def test_rules_written_alike_share_their_when_and_conditions() -> None:
    whens = SharedWhens("UTC")
    raw = [
        {"id": "a", "slot": "s", "text": "x", "why": "why a", "when": {"stage": ["interest"]}},
        {"id": "b", "slot": "s", "text": "x", "why": "why b", "when": {"stage": ["interest"]}},
        {
            "id": "c",
            "slot": "s",
            "text": "x",
            "why": "why c",
            "when": {"stage": ["interest"], "device": ["mobile"]},
        },
    ]
    rules = [Rule.model_validate(r) for r in raw]
    for rule, r in zip(rules, raw, strict=True):
        whens.share(rule, r)
    (a, _), (b, _), (c, _) = (whens.compile(rule) for rule in rules)
    assert a is b and rules[0].when is rules[1].when
    assert c is not a and c[0] is a[0]  # the stage test, compiled once
    assert [x.text for x in c] == [x.text for x in compile_when(rules[2].when, "UTC")]


SHARING = """\
rules:
  - {id: a, slot: s, text: x, why: because, when: {stage: [interest], attr: {tier: gold}}}
  - {id: b, slot: s, text: x, why: because, when: {stage: [purchase], attr: {tier: gold}}}
  - {id: c, slot: s, text: x, why: because, when: {any: [{attr: {tier: gold}}, {device: [mobile]}]}}
  - {id: d, slot: s, text: x, why: because, when: {attr: {tier: {eq: gold, ne: null}}}}
  - {id: e, slot: s, text: x, why: because, when: {attr: {tier: 1}}}
  - {id: f, slot: s, text: x, why: because, when: {attr: {tier: true}}}
"""


def test_a_loaded_set_keeps_equal_comparisons_and_field_sets_once(tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(SHARING)
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    a, b, c, d, e, f = (r.rule.when for r in sorted(ruleset.rules, key=lambda r: r.id))
    assert a is not b and a.attr is not None and b.attr is not None
    assert a.attr["tier"] is b.attr["tier"]  # one Compare(eq='gold')
    assert c.any is not None and c.any[0].attr is not None
    assert c.any[0].attr["tier"] is a.attr["tier"]  # nested too
    assert a.model_fields_set is b.model_fields_set  # {stage, attr}: one set
    # Kept apart: the same values given otherwise, and equal values of other types.
    assert d.attr is not None and d.attr["tier"] is not a.attr["tier"]
    assert d.attr["tier"].model_fields_set == {"eq", "ne"}
    assert e.attr is not None and f.attr is not None
    assert e.attr["tier"] is not f.attr["tier"]
    assert (e.attr["tier"].eq, f.attr["tier"].eq) == (1, True)
    assert type(e.attr["tier"].eq) is int and type(f.attr["tier"].eq) is bool
    # What decide sees of them is unchanged: equal gates share their sets, too.
    gates = {r.id: ruleset.index.gates[id(r)] for r in ruleset.rules}
    assert gates["a"].attr_keys is gates["b"].attr_keys == frozenset({"tier"})
    assert [r.id for r in ruleset.rules if "tier" in gates[r.id].attr_keys] == [
        r.id for r in ruleset.rules if r.id != "c"
    ]


NESTED_ZONES = """\
rules:
  - id: tokyo-evening
    slot: s
    text: x
    why: because
    when:
      timezone: Asia/Tokyo
      any: [{time: "18:00-23:00"}, {weekday: [sun]}]
  - id: own-zone
    slot: t
    text: x
    why: because
    when:
      timezone: Asia/Tokyo
      all: [{time: "18:00-23:00", timezone: Europe/London}]
  - id: not-tokyo-morning
    slot: u
    text: x
    why: because
    when: {timezone: Asia/Tokyo, not: {time: "06:00-12:00"}}
"""


@pytest.mark.parametrize(
    ("hour", "expected"),
    [  # Saturday 2026-06-06, UTC: 11:00 is 20:00 in Tokyo and 12:00 in London
        (11, {"tokyo-evening": True, "own-zone": False, "not-tokyo-morning": True}),
        # 01:00 UTC is 10:00 in Tokyo and 02:00 in London
        (1, {"tokyo-evening": False, "own-zone": False, "not-tokyo-morning": False}),
        # 18:30 UTC is 03:30 on Sunday in Tokyo and 19:30 in London
        (18, {"tokyo-evening": True, "own-zone": True, "not-tokyo-morning": True}),
    ],
)
def test_a_nested_when_reads_time_in_its_parents_zone_unless_it_names_its_own(
    tmp_path: Path, hour: int, expected: dict[str, bool]
) -> None:
    """An editor's ``timezone: Asia/Tokyo`` above an ``any``/``all``/``not`` holds for the
    times inside it (they were read in the rules' zone, UTC here, and said so)."""
    (tmp_path / "site.yaml").write_text(NESTED_ZONES)
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"), timezone="UTC")
    now = datetime(2026, 6, 6, hour, 30 if hour == 18 else 0, tzinfo=UTC)
    facts = Facts(now=now)
    loaded = {r.id: all_hold(r.conditions, facts) for r in ruleset.rules}
    alone = {r.id: all_hold(compile_when(r.rule.when, "UTC"), facts) for r in ruleset.rules}
    assert loaded == alone == expected
    said = " ".join(c.text for r in ruleset.rules for c in r.conditions)
    assert "UTC" not in said


def _nested(depth: int, width: int) -> str:
    """One rule whose ``when`` is ``depth`` levels of ``all:``, each ``width`` tests wide."""

    def level(d: int) -> dict[str, Any]:
        parts: list[Any] = [{"visits": {"at_least": d * 1000 + i}} for i in range(width)]
        return {"all": parts + [level(d + 1)] if d < depth else parts}

    rule = {"id": "deep", "slot": "hero", "text": "Hi", "why": "You came back.", "when": level(1)}
    return yaml.safe_dump({"rules": [rule]})


def test_sharing_a_nested_when_costs_its_size_not_its_size_times_its_depth(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rule file loads in time linear in its size: the keys that share equal models are
    built bottom up (each part keyed once), not a key of the whole subtree at every level.
    Counted in calls to value_key: the same 240 tests nested 2, 8 or 16 deep (17 ``all:``
    levels nest a file 40 deep in YAML, which rule files may not: rules/yamlguard.py)."""
    calls = 0
    real = whens.value_key

    def counted(value: object, given: bool = False) -> object:
        nonlocal calls
        calls += 1
        return real(value, given)

    monkeypatch.setattr(whens, "value_key", counted)
    spent = {}
    for depth in (2, 8, 16):
        (tmp_path / f"d{depth}").mkdir()
        (tmp_path / f"d{depth}" / "site.yaml").write_text(_nested(depth, 240 // depth))
        calls = 0
        ruleset = load_ruleset(tmp_path / f"d{depth}", Renderer(tmp_path / "snippets"))
        assert [r.rule.id for r in ruleset.rules] == ["deep"]
        spent[depth] = calls
    # (before: 24 deep cost 6 times what 2 deep did, 12 deep 3 times; 16 deep: 4 times)
    assert max(spent.values()) < 1.25 * min(spent.values()), spent


def _file(*whens: str) -> str:
    rules = [
        f"  - {{id: r{i}, slot: s, text: x, why: because, when: {w}}}" for i, w in enumerate(whens)
    ]
    return "rules:\n" + "\n".join(rules) + "\n"


def test_a_when_written_alike_is_validated_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rules whose ``when`` is written alike are validated with the When of the first: its
    count checks (visits, interest) run for it alone, not for all twenty."""
    checked: list[object] = []
    real = whenvalues.count_problem

    def counted(value: object) -> tuple[str, str] | None:
        checked.append(value)
        return real(value)

    monkeypatch.setattr(model, "count_problem", counted)
    (tmp_path / "site.yaml").write_text(
        _file(*["{visits: {at_least: 2}, interest: {kyoto: 1}}"] * 20)
    )
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    assert len(ruleset.rules) == 20
    assert len({id(r.rule.when) for r in ruleset.rules}) == 1
    assert len(checked) == 2  # (before: 40)


REPEATED_WHENS = [  # a rule whose ``when`` is written as an earlier one's: the same errors
    (
        "rules:\n  - {id: a, slot: s, text: x, why: because, when: {visits: {at_least: 2}}}\n"
        "  - {id: b, slot: s, text: x, why: no, when: {visits: {at_least: 2}}}\n",
        [
            "site.yaml:3: rules[1].why: 'no' is too short (at least 3 characters) (write a longer "
            "text)"
        ],
    ),
    (
        _file("{visits: '>= 2'}", "{visits: '>= 2'}"),
        [
            f"site.yaml:{line}: rules[{line - 2}].when.visits: '>= 2' is not a number (write "
            "{at_least: 2})"
            for line in (2, 3)
        ],
    ),
    (
        "rules:\n  - {id: a, slot: s, text: x, why: no, when: {stage: [interest]}}\n"
        + _file("{stage: [interest]}", "{stage: [intrest]}").removeprefix("rules:\n"),
        [
            "site.yaml:2: rules[0].why: 'no' is too short (at least 3 characters) (write a "
            "longer text)",
            "site.yaml:4: rules[2].when.stage[0]: 'intrest' is not allowed (use one of "
            "'awareness', 'interest', 'consideration', 'purchase' or 'loyalty')",
        ],
    ),
    (  # no ``when`` is the empty When; ``when: null`` is still refused
        "rules:\n  - {id: a, slot: s, text: x, why: because}\n"
        "  - {id: b, slot: s, text: x, why: because, when: null}\n",
        ["site.yaml:3: rules[1].when: this is empty (write a mapping of field: value)"],
    ),
]


@pytest.mark.parametrize(("text", "said"), REPEATED_WHENS)
def test_a_rule_with_a_when_met_before_is_refused_for_what_it_was_refused_for(
    tmp_path: Path, text: str, said: list[str]
) -> None:
    (tmp_path / "site.yaml").write_text(text)
    with pytest.raises(RuleSetError) as refused:
        load_ruleset(tmp_path, Renderer(tmp_path / "snippets"), base=tmp_path)
    assert [str(e) for e in refused.value.errors] == said


def test_a_reload_reads_an_edited_when_afresh(tmp_path: Path) -> None:
    """What one load shares (a ``when``'s YAML -> its When) lives for that load only: a
    ``when`` edited between two loads is read as it is now, and no When is kept over."""
    path = tmp_path / "site.yaml"
    path.write_text(_file("{stage: [interest]}", "{stage: [interest]}"))
    first = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    path.write_text(_file("{stage: [interest]}", "{stage: [purchase]}"))
    second = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    facts = Facts(stage="interest")
    held = [{r.id: all_hold(r.conditions, facts) for r in s.rules} for s in (first, second)]
    assert held == [{"r0": True, "r1": True}, {"r0": True, "r1": False}]
    kept = {id(r.rule.when) for r in first.rules}
    assert not kept & {id(r.rule.when) for r in second.rules}


def test_a_field_written_alike_in_other_whens_holds_one_value(tmp_path: Path) -> None:
    """Each field's YAML is walked once: a field written as in a When met before takes its
    value (and a field written otherwise, or the same value of another type, does not)."""
    whens = ["{stage: [interest], device: [mobile]}", "{stage: [interest], visits: 2}"]
    whens += ["{stage: interest, visits: 2.0}", "{not: {stage: [interest]}, device: [mobile]}"]
    (tmp_path / "site.yaml").write_text(_file(*whens))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    a, b, c, d = (r.rule.when for r in sorted(ruleset.rules, key=lambda r: r.id))
    assert a.stage is b.stage and a.device is d.device
    assert c.stage is not a.stage and c.stage == a.stage  # written otherwise
    assert b.visits is not None and c.visits is not None
    assert b.visits is not c.visits and type(c.visits.eq) is float
    assert d.not_ is not None and d.not_.stage == a.stage
