"""A measured rule held out for a visitor is checked for its control exposure even when the
page is decided again without its target (engine/seen.py): the block that took the target in
its place made no visible edit, and restraint left another block out for the budget. Through
the engine, with visitor ids on each side of the draw."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.engine import EngineConfig, RequestInfo, Visit, personalise_page
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import in_holdout
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

PAGE = (
    '<!doctype html><html><body><p data-omo-slot="para">-</p>'
    '<p data-omo-slot="out">-</p></body></html>'
)
RULES = """rules:
  - {id: m, slot: para, text: Measured, priority: 50, holdout: 50%, why: Measured one.}
  - {id: block, slot: para, snippet: block.html, priority: 10, why: A block.}
  - {id: later, slot: out, text: Later, priority: 1, why: Later on.}
"""


@pytest.mark.parametrize(
    ("visitor", "shown", "exposed", "why"),
    [
        ("v1", ["later"], {"m": "c"}, ["held-out=m"]),  # its <div> cannot go in the <p>
        ("v2", ["m"], {"m": "t"}, []),
    ],
)
def test_a_held_out_rule_whose_target_is_decided_again_keeps_its_control_exposure(
    tmp_path: Path, visitor: str, shown: list[str], exposed: dict[str, str], why: list[str]
) -> None:
    assert in_holdout(visitor, "m", 50) == (exposed["m"] == "c")  # (the draw the rows assume)
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "block.html").write_text("<div>A block</div>")
    (tmp_path / "site.yaml").write_text(RULES)
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    config = EngineConfig(respect=RespectSettings.model_validate({"fresh_share": 0, "budget": 1}))
    visit = Visit(
        visitor_id=visitor,
        profile=Profile(visits=1, views=1),
        now=1.7e9,
        request=RequestInfo.from_parts("/", "", {}),
    )
    result = personalise_page(PAGE, visit, ruleset, Journey(), config)
    assert [d.id for d in result.shown] == shown
    assert result.change.exposed == exposed
    assert result.why == why
