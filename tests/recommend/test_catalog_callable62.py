"""The app's catalogue callable, as a database feeds it (recs62): a failure at startup (the
database not up yet) is tried again, the files unchanged, instead of leaving every rule
refused until an editor saves a file; a row's other columns are left out, not a refusal of
every rule; and ``check(force=True)`` reads a catalogue that changed in the app."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from omotenashi.loader import reload
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

pytestmark = pytest.mark.anyio
RULE = 'rules:\n  - {id: hello, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
ROW = {"id": "kyoto-autumn", "url": "/tours/kyoto-autumn", "title": "Kyoto in autumn"}


def down() -> list[dict[str, Any]]:
    """A catalogue callable whose database is down."""
    raise ConnectionError("the database is down")


def up_when_filled(database: list[dict[str, Any]]) -> Any:
    """A catalogue callable whose database is not up until ``database`` holds a row."""

    def items() -> list[dict[str, Any]]:
        if not database:
            raise ConnectionError("the database is not up yet")
        return database

    return items


def reloader(tmp_path: Path, catalog: Any) -> Reloader:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULE)
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    return Reloader(cfg, Metrics(), catalog)


async def test_a_catalogue_that_failed_at_startup_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database: list[dict[str, Any]] = []
    items = up_when_filled(database)

    monkeypatch.setattr(reload, "CATALOG_RETRY", 0.0)  # (30 s: not waited for here)
    rules = reloader(tmp_path, items)
    assert rules.current.ruleset.rules == []  # refused, serving defaults
    database.append(ROW)
    assert await rules.check() is rules.current
    assert [r.rule.id for r in rules.current.ruleset.rules] == ["hello"]
    assert [i.id for i in rules.current.catalog.items] == ["kyoto-autumn"]


async def test_a_refusal_of_the_files_is_not_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = reloader(tmp_path, lambda: [ROW])
    (tmp_path / "rules" / "site.yaml").write_text("rules: [{id: x}]\n")
    monkeypatch.setattr(reload, "CATALOG_RETRY", 0.0)
    await rules.check(force=True)
    assert [r.rule.id for r in rules.current.ruleset.rules] == ["hello"]  # the last good set
    assert rules._retry_at is None  # an editor's file: loaded again once it changes


async def test_a_rows_other_columns_are_left_out(tmp_path: Path) -> None:
    rules = reloader(tmp_path, lambda: [{**ROW, "stock": 3, "sku": "K-1"}])
    assert [r.rule.id for r in rules.current.ruleset.rules] == ["hello"]
    assert [i.id for i in rules.current.catalog.items] == ["kyoto-autumn"]


async def test_check_force_reads_a_catalogue_that_changed_in_the_app(tmp_path: Path) -> None:
    database = [dict(ROW, price=2390.0)]
    rules = reloader(tmp_path, lambda: database)
    database[0] = dict(ROW, price=1.0)
    await rules.check()  # the files did not change: the catalogue is not read
    assert [i.price for i in rules.current.catalog.items] == [2390.0]
    await rules.check(force=True)
    assert [i.price for i in rules.current.catalog.items] == [1.0]


async def test_a_retry_asks_the_callable_alone_and_says_a_same_failure_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (last62c: each retry loaded every rule, then threw them away: 10,000 rules held the event
    # loop half a second every 30 s for their garbage, and logged an error each time)
    monkeypatch.setattr(reload, "CATALOG_RETRY", 0.0)
    rules = reloader(tmp_path, down)
    loads: list[int] = []
    real = reload.load_in_background
    monkeypatch.setattr(reload, "load_in_background", lambda *a: loads.append(1) or real(*a))
    loop = asyncio.get_running_loop()
    with caplog.at_level(logging.DEBUG, logger="omotenashi"):
        for _ in range(3):
            rules._start_load(loop, retry=True)
            await rules.check()
    assert loads == [] and rules.current.ruleset.rules == []
    again = [r.levelno for r in caplog.records if "tried again in" in r.getMessage()]
    assert again == [logging.DEBUG] * 3  # (said at startup already, as an error)


async def test_check_force_waits_for_a_load_under_way_then_reads_again(tmp_path: Path) -> None:
    database = [dict(ROW, price=2390.0)]
    rules = reloader(tmp_path, lambda: database)
    rules._start_load(asyncio.get_running_loop())  # a load under way, of the old price
    database[0] = dict(ROW, price=1.0)
    await rules.check(force=True)
    assert [i.price for i in rules.current.catalog.items] == [1.0]


async def test_an_edit_refused_while_the_callable_is_down_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (eye62: logged at DEBUG as "the same failure again": the editor never heard of it)
    rules = reloader(tmp_path, down)
    caplog.clear()  # (the startup's refusal, said as an error)
    (tmp_path / "rules" / "site.yaml").write_text(RULE.replace("Hello", "Hi"))
    with caplog.at_level(logging.DEBUG, logger="omotenashi"):
        await rules.check(force=True)  # (the edit seen first: it is read, not "moved")
    refused = [r.levelno for r in caplog.records if "edit was refused" in r.getMessage()]
    assert refused == [logging.ERROR]


async def test_a_retry_refused_by_the_rules_is_not_said_of_the_callable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (final62: the callable answered, the rule files were refused, and the log said "the
    # catalogue callable failed ... tried again in 30s": neither was true)
    database: list[dict[str, Any]] = []
    items = up_when_filled(database)

    monkeypatch.setattr(reload, "CATALOG_RETRY", 0.0)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text("rules: [{id: x}]\n")
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    rules = Reloader(cfg, Metrics(), items)
    database.append(ROW)
    caplog.clear()
    rules._start_load(asyncio.get_running_loop(), retry=True)
    await rules.check()
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(said) == 1 and "catalogue callable failed" not in said[0]
    assert "edit was refused" in said[0] and rules._retry_at is None


async def test_a_catalogue_callable_that_hangs_is_said_and_its_end_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (a callable waiting for ever held the load, and every later edit waited, unsaid: last62c)
    import threading

    from omotenashi.loader import lateload

    answer = threading.Event()
    database = [ROW]

    def items() -> list[dict[str, Any]]:
        if not database:
            answer.wait(10)  # a query with no timeout
        return [ROW]

    monkeypatch.setattr(lateload, "LATE", 0.2)
    rules = reloader(tmp_path, items)
    rules.cfg = rules.cfg.model_copy(update={"reload_interval": 0.05})
    database.clear()
    caplog.set_level(logging.WARNING, logger="omotenashi")
    rules.maybe_reload()  # watched from now on
    (tmp_path / "rules" / "site.yaml").write_text(RULE.replace("Hello", "Hi"))
    for _ in range(200):
        if any("has not ended" in r.getMessage() for r in caplog.records):
            break
        await asyncio.sleep(0.02)
    said = [r.getMessage() for r in caplog.records if "has not ended" in r.getMessage()]
    assert len(said) == 1 and "catalogue callable" in said[0] and "items" in said[0]
    await asyncio.sleep(0.3)  # said once only
    assert sum("has not ended" in r.getMessage() for r in caplog.records) == 1
    answer.set()
    for _ in range(200):
        if rules.current.ruleset.rules[0].rule.text == "Hi":
            break
        await asyncio.sleep(0.02)
    assert rules.current.ruleset.rules[0].rule.text == "Hi"
    assert any("late rules load ended after" in r.getMessage() for r in caplog.records)
    rules.stop()


def test_a_misspelt_field_of_the_catalogue_is_said_once_other_columns_not(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (avaliable: false was left out silently, and the item sold out stayed recommended)
    from omotenashi.loader import catalog

    monkeypatch.setattr(catalog, "_SAID", set())
    rows = [{**ROW, "avaliable": False, "sku": "K-1", "Title": "x"}]
    caplog.set_level(logging.WARNING, logger="omotenashi")

    def items() -> Any:
        return iter(rows)  # (a generator too: its rows read once, checked and taken)

    rules = reloader(tmp_path, items)
    assert [i.id for i in rules.current.catalog.items] == ["kyoto-autumn"]
    said = [r.getMessage() for r in caplog.records if "did you mean" in r.getMessage()]
    assert len(said) == 2
    assert "'avaliable', which is left out" in said[1] and "'available'?" in said[1]
    assert "'Title'" in said[0] and "'title'?" in said[0] and not any("sku" in s for s in said)
    caplog.clear()
    catalog.load_catalog_for(rules.cfg.dir, items)  # loaded again: said once only
    assert not [r for r in caplog.records if "did you mean" in r.getMessage()]


def test_a_generator_that_fails_half_way_refuses_the_load_as_the_callable_failing(
    tmp_path: Path,
) -> None:
    def rows() -> Any:
        yield ROW
        raise ConnectionError("the cursor was closed")

    rules = reloader(tmp_path, rows)  # (it stopped the app starting)
    assert rules.current.ruleset.rules == []
    assert "the catalogue callable failed" in rules._refused and "cursor" in rules._refused


def test_a_catalogue_callable_that_hangs_as_the_app_starts_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (last63: the first load runs as the app starts, and a callable hanging then was silent)
    import time

    from omotenashi.loader import lateload

    monkeypatch.setattr(lateload, "LATE", 0.1)

    def items() -> list[dict[str, Any]]:
        time.sleep(0.4)  # a slow query
        return [ROW]

    caplog.set_level(logging.WARNING, logger="omotenashi")
    rules = reloader(tmp_path, items)
    said = [r.getMessage() for r in caplog.records]
    assert [r.rule.id for r in rules.current.ruleset.rules] == ["hello"]
    late = [s for s in said if "has not ended" in s]
    assert len(late) == 1 and ".items' may be waiting" in late[0]
    assert late[0].endswith("the app starts once it does")
    assert any("late rules load ended after" in s for s in said)


@pytest.mark.parametrize("tool", [True, False], ids=["no-event-loop", "check"])
def test_a_retry_outside_the_watcher_asks_the_callable_alone_too(
    tool: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # (final63b: a tool's look, or check(), retried by loading every rule and said each retry
    # as "the edit was refused")
    monkeypatch.setattr(reload, "CATALOG_RETRY", 0.0)
    rules = reloader(tmp_path, down)
    rules.cfg.reload_interval = 0.001
    caplog.clear()  # (the startup's refusal: an error, as ever)
    loads: list[int] = []
    for name in ("load_all", "load_in_background"):
        real = getattr(reload, name)
        monkeypatch.setattr(reload, name, lambda *a, real=real: loads.append(1) or real(*a))
    with caplog.at_level(logging.DEBUG, logger="omotenashi"):
        for _ in range(3):
            time.sleep(0.002)
            assert (
                rules.maybe_reload() if tool else asyncio.run(rules.check())
            ).ruleset.rules == []
    assert loads == []
    said = [(r.levelno, r.getMessage().split(";")[0]) for r in caplog.records]
    assert said == [(logging.DEBUG, "omotenashi: the catalogue callable failed")] * 3


async def _rows() -> list[dict[str, Any]]:
    return [ROW]


class _Rows:
    async def __call__(self) -> list[dict[str, Any]]:
        return [ROW]


async def _rows_one_by_one() -> Any:
    yield ROW


@pytest.mark.parametrize("call", [_rows, _Rows(), _rows_one_by_one], ids=["def", "obj", "gen"])
def test_an_async_catalogue_callable_is_refused_at_construction_saying_what_to_give(
    call: Any,
) -> None:
    from omotenashi import Omotenashi
    from omotenashi.errors import ConfigError

    with pytest.raises(ConfigError, match=r"^catalog: the catalogue callable is async: .* plain"):
        Omotenashi(lambda *_: None, catalog=call)


def test_a_callable_returning_a_coroutine_refuses_the_load_saying_it_is_async(
    tmp_path: Path,
) -> None:
    from omotenashi.errors import RuleSetError
    from omotenashi.loader.catalog import load_catalog_for

    with pytest.raises(RuleSetError) as refused:  # (a lambda around an async function)
        load_catalog_for(tmp_path, lambda: _rows())
    assert "the catalogue callable is async" in str(refused.value)
    assert "not a list of items" not in str(refused.value)
