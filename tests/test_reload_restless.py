"""A file that changes at every look (a log or cache in the snippets folder) starts no load.

f9398d9 let such a file hold a rule edit up for RESTLESS looks only, by loading once it had
changed that often in a row: with no edit at all, it then loaded the whole set again at every
look, for ever (a warning logged and every rule read each interval). Its changes are now let
be: an edit beside it still goes live within RESTLESS looks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.loader.reload import RESTLESS, Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

from .test_rules_delivery import _rules, _texts, _tick

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("folder", "edit_at"),
    [
        ("snippets", None),  # no edit: the log's first appearance is the one load
        ("rules", None),
        ("snippets", 3 * RESTLESS),  # an edit long after the log became restless
        ("rules", 3 * RESTLESS),
    ],
)
async def test_a_restless_file_starts_no_load_and_holds_no_edit_up(
    tmp_path: Path, folder: str, edit_at: int | None
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule_file, restless = tmp_path / "rules" / "home.yaml", tmp_path / folder / "hits.log"
    rule_file.write_text(_rules("First"))
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    cfg.reload_interval = 3600  # the test looks itself
    reloader = Reloader(cfg, Metrics())
    reloader.maybe_reload()  # the watcher on this loop
    texts = []
    try:
        for look in range(5 * RESTLESS):
            if look == edit_at:
                rule_file.write_text(_rules("Second"))
            restless.write_text("x" * (look + 1))  # changed again before every look
            texts.append(_texts(await _tick(reloader))["a"])
    finally:
        reloader.stop()
    assert reloader.metrics["reload"] == (1 if edit_at is None else 2)
    if edit_at is not None:
        assert texts[edit_at + RESTLESS - 1] == "Second"


async def test_a_rule_file_rewritten_at_every_look_still_goes_live(tmp_path: Path) -> None:
    """A rule file a tool writes at every look is no log: what it says goes live."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule_file = tmp_path / "rules" / "home.yaml"
    rule_file.write_text(_rules("First"))
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    cfg.reload_interval = 3600
    reloader = Reloader(cfg, Metrics())
    reloader.maybe_reload()
    texts = []
    try:
        for look in range(3 * RESTLESS):
            rule_file.write_text(_rules(f"Look {look}"))
            texts.append(_texts(await _tick(reloader))["a"])
    finally:
        reloader.stop()
    assert texts[-1] == f"Look {3 * RESTLESS - 1}"
