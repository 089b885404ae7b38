"""The reload's look sees what loads read through links out of the folders (the rules' lists,
an included snippet), bounded; and says, once, what it cannot look at (eye54b)."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest

from omotenashi.loader import fingerprint as fp
from omotenashi.loader import reload
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

pytestmark = pytest.mark.anyio
RULE = 'rules:\n  - {id: a, slot: hero, snippet: top.html, why: "Shown to all"}\n'


def _reloader(tmp_path: Path) -> tuple[Reloader, Path, Path]:
    rules, snippets = tmp_path / "rules", tmp_path / "snippets"
    rules.mkdir()
    snippets.mkdir()
    (rules / "site.yaml").write_text(RULE)
    (snippets / "top.html").write_text("<b>top</b>{% include 'shared/foot.html' %}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "foot.html").write_text("<i>foot one</i>")
    (snippets / "shared").symlink_to(elsewhere, target_is_directory=True)
    cfg = RulesSettings(dir=rules, snippets_dir=snippets, reload_interval=3600)
    return Reloader(cfg, Metrics()), rules, elsewhere


async def test_an_edit_through_a_snippets_link_out_of_the_folder_is_loaded(
    tmp_path: Path,
) -> None:
    """A shared folder of blocks linked into the snippets folder (``shared -> ../elsewhere``):
    loads read ``shared/foot.html`` through it, and an edit there was never seen."""
    reloader, _, elsewhere = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        before = await reloader.check()
        (elsewhere / "foot.html").write_text("<i>foot two, longer</i>")
        after = await reloader.check()
    finally:
        reloader.stop()
    assert after is not before
    html = after.renderer.env.get_template("top.html").render()
    assert "foot two, longer" in html


async def test_an_edit_of_a_list_in_a_data_folder_linked_from_elsewhere_is_loaded(
    tmp_path: Path,
) -> None:
    """``rules/data`` a link to the lists kept elsewhere (a ConfigMap, a shared checkout)."""
    reloader, rules, elsewhere = _reloader(tmp_path)
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "sale.yaml").write_text("items: [kyoto]\n")
    (rules / "data").symlink_to(lists, target_is_directory=True)
    reloader.maybe_reload()
    try:
        before = await reloader.check()
        (lists / "sale.yaml").write_text("items: [kyoto, tokyo]\n")
        after = await reloader.check()
    finally:
        reloader.stop()
    assert after is not before


def test_a_rules_subfolder_linked_out_is_not_looked_into(tmp_path: Path) -> None:
    """Loads read no subfolder of the rules folder but ``data``: a link out (``assets ->
    /usr``) is not walked at each look."""
    rules, snippets = tmp_path / "rules", tmp_path / "snippets"
    rules.mkdir()
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "x.yaml").write_text("a: 1\n")
    (rules / "assets").symlink_to(tmp_path / "big", target_is_directory=True)
    assert fp.fingerprint(rules, snippets) == ()


def test_a_link_out_is_looked_into_only_so_far(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past OUTSIDE entries a link out's look stops, and says so; the folder's own files are
    looked at first, all of them."""
    monkeypatch.setattr(fp, "OUTSIDE", 5)
    snippets, far = tmp_path / "snippets", tmp_path / "far"
    snippets.mkdir()
    far.mkdir()
    for n in range(8):
        (snippets / f"own{n}.html").write_text("x")
        (far / f"far{n}.html").write_text("x")
    (snippets / "assets").symlink_to(far, target_is_directory=True)
    seen = fp.fingerprint(tmp_path / "rules", snippets)
    names = [Path(e[0]).name for e in seen if e[1] >= 0]
    assert sum(n.startswith("own") for n in names) == 8
    assert sum(n.startswith("far") for n in names) == 5
    said = fp.troubles(seen)
    assert list(said) == [str(snippets / "assets")]
    assert "more than 5 entries" in said[str(snippets / "assets")]


async def test_what_cannot_be_looked_at_is_said_once_and_again_after_it_could(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A folder that can be listed but not entered (``chmod a-x``): each file's stat fails
    with EACCES, which stopped the whole look, every look, and no edit loaded again, silently.
    (The tests run as root, whom no mode stops: the refusal is the file system's answer.)"""
    reloader, _, elsewhere = _reloader(tmp_path)
    locked = tmp_path / "snippets" / "locked"
    locked.mkdir()
    (locked / "a.html").write_text("A")
    stat = Path.stat
    shut = [True]

    def refusing(self: Path, **kwargs: bool) -> object:
        if shut[0] and self.parent == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return stat(self, **kwargs)

    monkeypatch.setattr(Path, "stat", refusing)
    reloader.maybe_reload()
    caplog.set_level(logging.WARNING, logger="omotenashi")
    try:
        await reloader.check()
        (elsewhere / "foot.html").write_text("<i>foot two, longer</i>")
        edited = await reloader.check()  # the rest is still looked at
        await reloader.check()
        said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
        assert said == [
            f"omotenashi: {str(locked / 'a.html')!r} cannot be read (Permission "
            "denied): edits to it are not seen until it can be"
        ]
        shut[0] = False
        await reloader.check()
        shut[0] = True
        await reloader.check()
    finally:
        reloader.stop()
    assert "foot two, longer" in edited.renderer.env.get_template("top.html").render()
    again = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(again) == 2


async def test_the_look_after_a_load_is_taken_in_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whether the files moved while a load read them was a stat of every file on the event
    loop as the new set went in (30 ms with 2,000 files: reload54)."""
    reloader, _, _ = _reloader(tmp_path)
    reloader.maybe_reload()
    looked_from: list[str] = []
    real = reload.fingerprint

    def watched(*folders: Path) -> reload.Seen:
        looked_from.append(threading.current_thread().name)
        return real(*folders)

    monkeypatch.setattr(reload, "fingerprint", watched)
    (tmp_path / "snippets" / "top.html").write_text("<b>top, edited</b>")
    try:
        before = reloader.current
        assert reloader._changed()  # (the edit seen, as a look does)
        looked_from.clear()
        reloader._start_load(asyncio.get_running_loop())
        assert reloader._pending is not None
        await asyncio.wait([reloader._pending])
        await asyncio.sleep(0)
    finally:
        reloader.stop()
    assert reloader.current is not before
    assert looked_from and threading.main_thread().name not in looked_from


def test_a_data_folder_linked_out_is_looked_at_one_level_down(tmp_path: Path) -> None:
    """Loads read ``data/*.yaml`` only: a linked-out ``data`` with folders of its own (a
    shared checkout) spent the look's budget on what no load reads (eye55)."""
    rules, lists = tmp_path / "rules", tmp_path / "lists"
    rules.mkdir()
    (lists / "deep").mkdir(parents=True)
    (lists / "sale.yaml").write_text("items: [kyoto]\n")
    (lists / "deep" / "old.yaml").write_text("items: []\n")
    (rules / "data").symlink_to(lists, target_is_directory=True)
    names = [
        Path(e[0]).relative_to(rules).as_posix() for e in fp.fingerprint(rules, tmp_path / "s")
    ]
    assert names == ["data/sale.yaml"]


async def test_files_that_keep_moving_one_after_another_still_load(tmp_path: Path) -> None:
    """soak55: an editor saving one file or another every few seconds, and looks stretched as
    far apart by a saturated process: each look found something moved since the last, so no
    edit was ever "still" and none loaded, for minutes. Past RESTLESS such looks in a row, the
    files load as they are."""
    reloader, rules, _ = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        before = await reloader.check()
        answers = []
        for n in range(reload.RESTLESS + 2):
            (rules / f"extra{n}.yaml").write_text(RULE.replace("id: a", f"id: x{n}"))
            answers.append(reloader._changed(settled=True))
    finally:
        reloader.stop()
    assert before is reloader.current  # (nothing loaded by the looks themselves)
    assert answers[: reload.RESTLESS] == [False] * reload.RESTLESS and answers[reload.RESTLESS]


def test_files_no_load_reads_changing_under_new_names_start_no_load(tmp_path: Path) -> None:
    """eye55c: a cache writing a file of a new name at every look (no path restless) started
    a load at every look, for ever, once the look above counted every look that moved."""
    reloader, rules, _ = _reloader(tmp_path)
    reloader.maybe_reload()
    try:
        answers = []
        for n in range(4 * reload.RESTLESS):
            (rules / f"cache{n}.tmp").write_text(str(n))
            answers.append(reloader._changed(settled=True))
    finally:
        reloader.stop()
    assert not any(answers)
