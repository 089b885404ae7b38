"""rules61: a bound that is no finite number (YAML's ``.nan``, ``.inf``, ``1e999``) loaded
silently; the rule then never fired (under ``not:``, always held), though ``visits: .nan`` was
refused. Each bound now says so at its line and field, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.errors import RuleSetError
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer


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
    (tmp_path / "site.yaml").write_text(
        f"rules:\n  - {{id: a, slot: s, text: x, why: because}}\n"
        f"  - {{id: b, slot: s, text: x, why: because, when: {when}}}\n"
    )
    with pytest.raises(RuleSetError) as raised:
        load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    message = str(raised.value)
    assert f"site.yaml:3: rules[1].{field}: {said} is not a number (write " in message, message


@pytest.mark.parametrize("when", ["{visits: {at_least: 2.5}}", "{attr: {age: {lt: '18'}}}"])
def test_finite_bounds_load(when: str, tmp_path: Path) -> None:
    (tmp_path / "site.yaml").write_text(
        f"rules:\n  - {{id: b, slot: s, text: x, why: because, when: {when}}}\n"
    )
    assert len(load_ruleset(tmp_path, Renderer(tmp_path / "snippets")).rules) == 1
