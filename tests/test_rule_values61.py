"""rules61: values that loaded silently and did not do what they said. ``!!binary`` was read
(bytes, taken as text: ``text: !!binary aGVsbG8=`` said "hello") while every other tag is
refused; ``priority: true`` was priority 1; a slot name with a character no one sees never
applied; a bound that is no finite number (YAML's ``.nan``, ``.inf``, ``1e999``) never fired
(under ``not:``, always held), though ``visits: .nan`` was refused. Each is refused at its
line and field, with the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import RuleSetError
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer


def load(tmp_path: Path, rules: str) -> RuleSet:
    """The rule set of one file ``site.yaml`` holding ``rules``."""
    (tmp_path / "site.yaml").write_text(rules, encoding="utf-8")
    return load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))


def refused(tmp_path: Path, rules: str) -> str:
    """What loading ``rules`` (one file, ``site.yaml``) is refused with."""
    with pytest.raises(RuleSetError) as raised:
        load(tmp_path, rules)
    return str(raised.value)


@pytest.mark.parametrize("field", ["text", "why"])
def test_a_binary_tag_is_refused_as_other_tags_are(field: str, tmp_path: Path) -> None:
    values = {"text": "hi", "why": "because"} | {field: "!!binary aGVsbG8gdGhlcmU="}
    said = refused(
        tmp_path,
        f"rules:\n  - id: t1\n    slot: hero\n    text: {values['text']}\n"
        f"    why: {values['why']}\n",
    )
    line = 4 if field == "text" else 5
    assert f"site.yaml:{line}:" in said and "!!binary" in said and "is not read" in said, said


@pytest.mark.parametrize(("written", "ok"), [("true", False), ("false", False), ("7", True)])
def test_a_priority_is_a_number_not_a_flag(written: str, ok: bool, tmp_path: Path) -> None:
    rules = f"rules:\n  - {{id: a, slot: s, text: x, why: because, priority: {written}}}\n"
    if ok:
        assert load(tmp_path, rules).rules[0].rule.priority == 7
        return
    assert re.search(f"site.yaml:2: rules.0..priority: {written} is not", refused(tmp_path, rules))


@pytest.mark.parametrize("depth", [41, 1200])
def test_a_file_nested_too_deep_says_so_at_any_depth(depth: int, tmp_path: Path) -> None:
    # (past the parser's own bound, 1,000, it said "check the indentation")
    said = refused(tmp_path, "rules: " + "[" * depth + "]" * depth + "\n")
    assert re.search("nests more than 40 levels deep .flatten", said)


def block_nested(depth: int, step: str) -> str:
    """A rule whose ``when:`` nests ``not:`` ``depth`` deep in block style."""
    lines = [
        "rules:",
        "  - id: a",
        "    slot: hero",
        "    text: x",
        "    why: because",
        "    when:",
    ]
    for level in range(depth):
        lines.append("      " + step * level + "not:")
    lines.append("      " + step * depth + "stage: interest")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("depth", [45, 300])
@pytest.mark.parametrize("step", [" ", "  "])
def test_a_file_nested_too_deep_in_block_style_says_so(
    depth: int, step: str, tmp_path: Path
) -> None:
    # (dos64: with no brackets the guard was skipped: 45 levels loaded, 300 were refused with
    # "recursion error - maximum validation depth exceeded" and a 255-part field path)
    said = refused(tmp_path, block_nested(depth, step))
    assert re.search("nests more than 40 levels deep .flatten", said)


@pytest.mark.parametrize("slot", ["hero\u200b", "\u202ehero", "he\u00adro"])
def test_a_slot_name_with_a_character_no_one_sees_is_refused(slot: str, tmp_path: Path) -> None:
    # (it loaded, and the rule never applied: no page's data-omo-slot has such a name)
    said = refused(tmp_path, f'rules:\n  - {{id: a, slot: "{slot}", text: x, why: because}}\n')
    assert re.search("site.yaml:2: rules.0..slot: .* no one sees", said)


@pytest.mark.parametrize(
    ("when", "field", "said"),
    [
        ("{visits: {at_least: .nan}}", "when.visits.at_least", "nan"),
        ("{visits: {at_most: .inf}}", "when.visits.at_most", "inf"),
        ("{interest: {kyoto: {at_least: .NaN}}}", "when.interest.kyoto.at_least", "nan"),
        ("{attr: {age: {gt: -.inf}}}", "when.attr.age.gt", "-inf"),
        ("{attr: {age: {lt: 1e999}}}", "when.attr.age.lt", "'1e999'"),
        ("{attr: {age: {lt: 'nan'}}}", "when.attr.age.lt", "'nan'"),
        ("{visits: {at_least: true}}", "when.visits.at_least", "true"),
    ],
)
def test_a_bound_that_is_no_finite_number_is_refused_where_it_is(
    when: str, field: str, said: str, tmp_path: Path
) -> None:
    message = refused(
        tmp_path,
        f"rules:\n  - {{id: a, slot: s, text: x, why: because}}\n"
        f"  - {{id: b, slot: s, text: x, why: because, when: {when}}}\n",
    )
    assert f"site.yaml:3: rules[1].{field}: {said} is not a number (write " in message, message


@pytest.mark.parametrize("when", ["{visits: {at_least: 2.5}}", "{attr: {age: {lt: '18'}}}"])
def test_finite_bounds_load(when: str, tmp_path: Path) -> None:
    rules = f"rules:\n  - {{id: b, slot: s, text: x, why: because, when: {when}}}\n"
    assert len(load(tmp_path, rules).rules) == 1
