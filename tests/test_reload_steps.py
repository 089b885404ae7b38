"""A background load works in short steps and hands the set it replaces over without starting
a thread on the event loop: every long piece of a load calls ``pace``, and what it builds or
frees is the same as in one go."""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import weakref
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from omotenashi.engine.conditions import compile_when
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.ruleindex import PACE_RULES
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.errors import RuleError
from omotenashi.loader import pacing
from omotenashi.loader import ruleset as loader_ruleset
from omotenashi.loader.reload import Reloader, load_all, pieces_of
from omotenashi.metrics import Metrics
from omotenashi.rules.model import Rule
from omotenashi.rules.yamlfast import PACE_EVENTS
from omotenashi.rules.yamlguard import check_text
from omotenashi.rules.yamlsource import load_yaml
from omotenashi.settings import RulesSettings

from .test_reload_background import RULES, _reloader


class Count:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


def _rules(count: int, priorities: list[int], seed: int) -> list[CompiledRule]:
    rng = random.Random(seed)
    out = []
    for index in range(count):
        raw = {"id": f"r{index}", "text": "x", "why": "why", "priority": rng.choice(priorities)}
        raw |= {"slot": f"s{index % 7}"} if index % 5 else {"selector": "h1"}
        rule = Rule.model_validate(raw)
        out.append(CompiledRule(rule, "f", 1, index, compile_when(rule.when, "UTC"), None, "x"))
    rng.shuffle(out)  # a set may be given its rules in any order
    return out


@pytest.mark.parametrize(
    ("count", "priorities"),
    [(0, [50]), (1, [50]), (300, [50]), (300, [0, 10, 1000]), (1000, list(range(0, 101, 5)))],
    ids=["empty", "one", "one-priority", "three-priorities", "many-priorities"],
)
def test_a_set_is_arranged_in_steps_best_first_then_in_order(
    count: int, priorities: list[int]
) -> None:
    rules = _rules(count, priorities, seed=count)
    expected = sorted(rules, key=lambda r: (-r.rule.priority, r.order))
    steps = Count()
    ruleset = RuleSet(rules=list(rules), pace=steps)
    assert ruleset.rules == expected
    assert RuleSet(rules=list(rules)).rules == expected  # no pace: the same set
    assert ruleset.by_slot == {
        slot: [r for r in expected if r.rule.slot == slot]
        for slot in dict.fromkeys(r.rule.slot for r in expected if r.rule.slot)
    }
    assert ruleset.selector_rules == [r for r in expected if not r.rule.slot]
    assert set(ruleset.index.gates) == {id(r) for r in rules}  # every rule indexed
    # bucketed, grouped by target, grouped into entries, indexed: all in steps
    assert steps.calls >= 4 * (count // PACE_RULES)


@pytest.mark.parametrize("background", [True, False], ids=["background-load", "foreground"])
def test_a_files_yaml_is_freed_a_few_rules_at_a_time_in_a_background_load(
    monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    steps = Count()
    monkeypatch.setattr(loader_ruleset, "pace", steps)
    data = {"rules": [{"id": f"r{i}", "when": {"stage": ["interest"]}} for i in range(1000)]}
    lines = {("rules", i, "id"): i + 2 for i in range(5000)}
    if background:
        with pacing.in_background():
            loader_ruleset._discard(data, lines)
        assert data == {"rules": []}
        assert lines == {}
        assert steps.calls >= 1000 // loader_ruleset.DISCARD_STEP
    else:  # nothing to share the interpreter with: left to the caller, freed at once
        loader_ruleset._discard(data, lines)
        assert len(data["rules"]) == 1000 and len(lines) == 5000
        assert steps.calls == 0


@pytest.mark.parametrize("at", [0, 40_000, 100_000], ids=["first-step", "second", "last"])
def test_the_control_character_search_paces_between_steps_and_finds_it_anywhere(at: int) -> None:
    text = "a: b\n" * 21_000  # 105,000 characters: four steps of 32 KB
    text = text[:at] + "\x01" + text[at + 1 :]
    steps = Count()
    with pytest.raises(RuleError) as caught:
        check_text(text, "f.yaml", steps)
    assert caught.value.line == at // 5 + 1
    assert steps.calls == at // (32 * 1024)  # a step before each one that follows
    fine = Count()
    check_text("a: b\n" * 21_000, "f.yaml", fine)
    assert fine.calls == 4


def test_reading_a_rule_file_paces_every_few_dozen_events(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        "rules:\n"
        + "".join(
            f"  - id: r{i}\n    slot: s\n    text: t{i}\n    why: w\n    when: {{stage: [a]}}\n"
            for i in range(300)
        )
    )
    events = sum(1 for _ in yaml.parse(path.read_text(), Loader=yaml.CSafeLoader))
    steps = Count()
    data, _ = load_yaml(path, "site.yaml", steps)
    assert len(data["rules"]) == 300
    assert steps.calls >= events // PACE_EVENTS


def test_a_handover_frees_what_it_is_given_in_its_own_thread() -> None:
    class Old:
        pass

    handover = pacing.Handover()
    handover.start()
    old, part = Old(), Old()
    gone, part_gone = weakref.ref(old), weakref.ref(part)
    box: list[object] = [old]
    parts: list[object] = [part]
    del old, part
    handover.give(box, parts)
    assert box == [] and parts == []  # the caller holds nothing any more
    for _ in range(500):  # bounded wait for the thread, not a timing test
        if gone() is None and part_gone() is None:
            break
        threading.Event().wait(0.01)
    assert gone() is None and part_gone() is None


def test_a_replaced_set_is_dropped_piece_by_piece_once_no_request_holds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rests: list[float] = []
    monkeypatch.setattr(pacing, "_rest", rests.append)
    monkeypatch.setattr(pacing, "WORK_S", 0.0)  # every pace rests: count the steps
    reloader, _ = _watched(tmp_path)
    old = load_all(reloader.cfg)  # a set no request holds
    facts = [("interest", "desktop"), ("awareness", "mobile"), ("purchase", "tablet")]
    for stage, device in facts:  # a warm index: lists cached for three kinds of visitor
        old.ruleset.index.for_slot("hero", _facts(stage, device))
    pieces = list(pieces_of(old))
    assert set(map(id, old.ruleset.rules)) <= set(map(id, pieces))
    assert all(id(v) in set(map(id, pieces)) for v in old.ruleset.index._lists.values())
    gone = weakref.ref(old.ruleset)
    box: list[object] = [old]
    del old
    pacing.let_go(box, [], pieces_of)
    assert box == [] and gone() is None
    assert len(rests) >= len(pieces)  # one step per piece


def test_a_set_still_in_use_is_not_taken_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pacing, "LET_GO_WAIT_S", 0.0)  # gives up waiting at once
    reloader = Reloader(RulesSettings(dir=Path("/nonexistent"), reload_interval=0), Metrics())
    held = reloader.current  # a request still uses it
    rules = list(held.ruleset.rules)
    gathered: list[object] = []

    def pieces(old: object) -> list[object]:
        gathered.append(old)
        return []

    pacing.let_go([held], [], pieces)
    assert gathered == []  # in use: nothing gathered, the set is left whole
    assert held.ruleset.rules == rules


class WatchedReloader(Reloader):
    """Records the threads alive just before and just after each swap on the event loop."""

    swaps: list[tuple[set[int], set[int]]]

    def _swap(self, done: asyncio.Future[object]) -> None:  # type: ignore[override]
        before = {t.ident or 0 for t in threading.enumerate()}
        super()._swap(done)  # type: ignore[arg-type]
        self.swaps.append((before, {t.ident or 0 for t in threading.enumerate()}))


def _watched(tmp_path: Path) -> tuple[WatchedReloader, Path]:
    reloader, rule_file = _reloader(tmp_path, WatchedReloader)
    reloader.swaps = []
    return reloader, rule_file


def _facts(stage: str, device: str) -> Facts:
    return Facts(
        stage=stage,
        device=Device(device, "Chrome", "Linux", False),
        interests={},
        visits=1,
        is_new=True,
        path="/",
        now=datetime(2026, 6, 1, 12, tzinfo=UTC),
    )


def _let_go_threads() -> set[int]:
    return {t.ident or 0 for t in threading.enumerate() if t.name == "omotenashi-let-go"}


@pytest.mark.anyio
async def test_the_swap_starts_no_thread_the_set_it_replaces_goes_to_one_already_waiting(
    tmp_path: Path,
) -> None:
    reloader, rule_file = _watched(tmp_path)
    held = reloader.maybe_reload()  # a request under way
    first = weakref.ref(held.ruleset)
    waiting = _let_go_threads()
    rule_file.write_text(RULES.replace("TEXT", "Second"))
    assert (await reloader.check()).ruleset.rules[0].static == "Second"
    [(before, after)] = reloader.swaps
    assert after <= before  # no thread started on the event loop
    [mine] = _let_go_threads() - waiting  # the worker's, holding on for the request
    del held
    gc.collect()
    for _ in range(500):  # bounded wait for the thread that lets it go, not a timing test
        if first() is None and mine not in _let_go_threads():
            break
        await asyncio.sleep(0.01)
    assert first() is None
    assert mine not in _let_go_threads()


@pytest.mark.anyio
async def test_a_refused_reload_starts_no_let_go_thread(tmp_path: Path) -> None:
    reloader, rule_file = _watched(tmp_path)
    good = reloader.maybe_reload()
    waiting = _let_go_threads()
    rule_file.write_text("rules:\n  - {id: a, slot: hero, text: [not, text]}\n")
    assert await reloader.check() is good
    assert _let_go_threads() <= waiting
    assert reloader.metrics["rule_error"] == 1
