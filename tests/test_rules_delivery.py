"""Rules and snippets as real deployments deliver them: a Kubernetes ConfigMap volume (every
file a link into a ``..<time>`` folder, swapped through ``..data``), git-sync (a ``current``
link swapped to a new checkout), a copy that keeps times, an editor's lock and swap files, and a
save or copy still under way when the watcher looks."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.loader.filechecks import ignored_files, unused_snippets
from omotenashi.loader.reload import RESTLESS, Loaded, Reloader, load_all
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

RULE = '  - {{id: {id}, slot: {id}, text: "{text}", why: "because"}}\n'


def _rules(text: str, ids: str = "ab") -> str:
    return "rules:\n" + "".join(RULE.format(id=i, text=text) for i in ids)


def _texts(loaded: Loaded) -> dict[str, str | None]:
    return {r.id: r.rule.text for r in loaded.ruleset.rules}


def _configmap(folder: Path, files: dict[str, str], stamp: str, ns: int | None) -> None:
    """What the kubelet does: the files in a new ``..<time>`` folder, ``..data`` swapped to
    it in one rename, a link per file through ``..data``, the old folder removed."""
    folder.mkdir(exist_ok=True)
    (folder / stamp).mkdir()
    for name, text in files.items():
        (folder / stamp / name).write_text(text)
        if ns is not None:
            os.utime(folder / stamp / name, ns=(ns, ns))
    old = os.readlink(folder / "..data") if (folder / "..data").is_symlink() else None
    os.symlink(stamp, folder / "..data_tmp")
    os.replace(folder / "..data_tmp", folder / "..data")
    for name in files:
        if not (folder / name).is_symlink():
            os.symlink(f"..data/{name}", folder / name)
    if old is not None:
        shutil.rmtree(folder / old)


def _configmap_site(root: Path, text: str, ns: int | None, stamp: str) -> RulesSettings:
    _configmap(root / "rules", {"home.yaml": _rules(text)}, stamp, ns)
    _configmap(root / "snippets", {"s.html": "<b>x</b>"}, stamp, ns)
    return RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")


def _gitsync_site(root: Path, text: str, ns: int | None, stamp: str) -> RulesSettings:
    """git-sync: a new checkout beside the old, ``current`` swapped to it in one rename."""
    for folder in ("rules", "snippets"):
        (root / stamp / folder).mkdir(parents=True)
    (root / stamp / "rules" / "home.yaml").write_text(_rules(text))
    if ns is not None:
        os.utime(root / stamp / "rules" / "home.yaml", ns=(ns, ns))
    os.symlink(stamp, root / "current_tmp")
    os.replace(root / "current_tmp", root / "current")
    return RulesSettings(dir=root / "current" / "rules", snippets_dir=root / "current" / "snippets")


def _copied_site(root: Path, text: str, ns: int | None, stamp: str) -> RulesSettings:
    """A copy that keeps the times (rsync -a, cp -p): a new file renamed over the old one."""
    (root / "rules").mkdir(exist_ok=True)
    (root / "snippets").mkdir(exist_ok=True)
    (root / "rules" / f"{stamp}.tmp").write_text(_rules(text))
    if ns is not None:
        os.utime(root / "rules" / f"{stamp}.tmp", ns=(ns, ns))
    os.replace(root / "rules" / f"{stamp}.tmp", root / "rules" / "home.yaml")
    return RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")


Layout = Callable[[Path, str, "int | None", str], RulesSettings]


@pytest.mark.anyio
@pytest.mark.parametrize(
    "layout",
    [_configmap_site, _gitsync_site, _copied_site],
    ids=["configmap", "git-sync", "copy-keeping-times"],
)
async def test_an_update_of_the_same_size_and_time_is_taken_in(
    tmp_path: Path, layout: Layout
) -> None:
    cfg = layout(tmp_path, "First", None, "..2026_12_03_10_00_00.1")
    reloader = Reloader(cfg, Metrics())
    assert _texts(reloader.current) == {"a": "First", "b": "First"}
    assert reloader.current.warnings == ()  # no folder of it is taken for a misplaced one
    ns = (cfg.dir / "home.yaml").stat().st_mtime_ns
    layout(tmp_path, "Other", ns, "..2026_12_03_10_00_01.2")  # same size, same time
    assert _texts(await reloader.check()) == {"a": "Other", "b": "Other"}
    assert reloader.metrics["reload"] == 1


def test_a_configmaps_folders_are_not_misplaced_files_nor_unused_snippets(
    tmp_path: Path,
) -> None:
    cfg = _configmap_site(tmp_path, "First", None, "..2026_12_03_10_00_00.1")
    assert load_all(cfg).warnings == ()
    assert ignored_files(cfg.dir, None) == []
    [unused] = unused_snippets(cfg.snippets_dir, set(), tmp_path)  # no rule uses s.html
    assert unused.message == "no rule uses the snippet 's.html'"


def _emacs_lock(rules: Path) -> None:
    os.symlink("editor@host.4242:1764756000", rules / ".#home.yaml")  # a link to nowhere


def _emacs_lock_on_a_list(rules: Path) -> None:
    os.symlink("editor@host.4242:1764756000", rules / "data" / ".#cities.yaml")


def _mac_copy(rules: Path) -> None:
    (rules / "._home.yaml").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        ")


def _hidden_copy(rules: Path) -> None:
    (rules / ".home.yaml").write_text(_rules("Hidden"))  # a tool's, before it renames it


@pytest.mark.parametrize(
    "leave",
    [_emacs_lock, _emacs_lock_on_a_list, _mac_copy, _hidden_copy],
    ids=["emacs-lock", "emacs-lock-on-a-list", "mac-appledouble", "hidden-copy"],
)
def test_hidden_files_in_the_rules_folder_are_not_read(
    tmp_path: Path, leave: Callable[[Path], None]
) -> None:
    rules = tmp_path / "rules"
    (rules / "data").mkdir(parents=True)
    (rules / "home.yaml").write_text(_rules("First"))
    (rules / "data" / "cities.yaml").write_text("items: [kyoto]\n")
    leave(rules)
    cfg = RulesSettings(dir=rules, snippets_dir=tmp_path / "snippets")
    loaded = load_all(cfg)  # was refused whole: at a start, the site ran with no rules
    assert _texts(loaded) == {"a": "First", "b": "First"}
    assert loaded.journey.lists == {"cities": frozenset({"kyoto"})}
    assert Reloader(cfg, Metrics()).metrics["rule_error"] == 0


async def _tick(reloader: Reloader) -> Loaded:
    """One look of the watcher (its stat, in a worker thread), and the load it started, if
    any, to its end."""
    reloader._tick()
    look = reloader._look
    if look is not None:
        await asyncio.wait([look])
        await asyncio.sleep(0)  # the look's callback
    pending = reloader._pending
    if pending is not None:
        await asyncio.wait([pending])
        await asyncio.sleep(0)  # the swap callback
    return reloader.current


def _watched(tmp_path: Path) -> tuple[Path, Reloader]:
    """A rules file ("First") and a watcher on this loop that looks when the test ticks it."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    rule_file = tmp_path / "rules" / "home.yaml"
    rule_file.write_text(_rules("First"))
    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    cfg.reload_interval = 3600  # the test looks itself
    reloader = Reloader(cfg, Metrics())
    reloader.maybe_reload()  # the watcher on this loop
    return rule_file, reloader


@pytest.mark.anyio
async def test_a_save_under_way_is_read_once_the_files_are_still(tmp_path: Path) -> None:
    rule_file, reloader = _watched(tmp_path)
    try:
        with rule_file.open("w") as save:  # an editor writing in place, cut at a rule's end
            save.write(_rules("Second", "a"))
            save.flush()
            assert _texts(await _tick(reloader)) == {"a": "First", "b": "First"}
            save.write(RULE.format(id="b", text="Second"))
        assert _texts(await _tick(reloader)) == {"a": "First", "b": "First"}  # it just moved
        assert _texts(await _tick(reloader)) == {"a": "Second", "b": "Second"}  # still: read
        assert reloader.metrics["reload"] == 1
        assert reloader.metrics["rule_error"] == 0
    finally:
        reloader.stop()


@pytest.mark.anyio
async def test_files_that_change_while_they_are_read_are_read_again(tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    rule_file = tmp_path / "rules" / "home.yaml"
    rule_file.write_text(_rules("First"))
    calls: list[int] = []

    def catalog() -> list[object]:  # called by every load, before the rule files are read
        calls.append(1)
        if len(calls) == 2:  # the first reload: a save is under way as it reads
            rule_file.write_text(_rules("Second", "a"))
        return []

    cfg = RulesSettings(dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets")
    reloader = Reloader(cfg, Metrics(), catalog)
    rule_file.write_text(_rules("Second") + "# edited\n")
    assert _texts(await reloader.check()) == {"a": "First", "b": "First"}  # not taken in
    assert reloader.metrics["reload"] == 0
    assert _texts(await reloader.check()) == {"a": "Second"}  # read again, as it now is
    assert reloader.metrics["reload"] == 1


def test_the_proxy_says_what_to_set_when_no_folder_can_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "file"))  # no folder can be made
    monkeypatch.setenv("OMOTENASHI_METRICS", "true")
    monkeypatch.delenv("OMOTENASHI_METRICS_DIR", raising=False)
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", "redis://127.0.0.1:1/0")  # not reached
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", "k" * 40)
    assert main(["proxy", "--upstream", "http://origin:8080", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omotenashi proxy: 2 workers add up their metrics in a folder")
    assert "set OMOTENASHI_METRICS_DIR to a folder they may write" in err


@pytest.mark.anyio
async def test_a_file_that_never_stops_changing_holds_an_edit_up_for_a_few_looks_only(
    tmp_path: Path,
) -> None:
    """A log or cache written into the snippets folder at every look: the files are never all
    still, and the edit beside it went live never."""
    rule_file, reloader = _watched(tmp_path)
    restless = tmp_path / "snippets" / "hits.log"
    try:
        rule_file.write_text(_rules("Second"))
        texts = []
        for look in range(RESTLESS + 2):
            restless.write_text("x" * (look + 1))  # changed again before every look
            texts.append(_texts(await _tick(reloader))["a"])
        assert texts[0] == "First" and texts[-1] == "Second"
        assert reloader.metrics["rule_error"] == 0
    finally:
        reloader.stop()
