"""reload54 P1: every background reload kept the rule set it replaced, for good (0.4 MB a
reload of the demo's rules). A snippet that failed while the set was loaded (the sample render
of a recommend rule's snippet) left Jinja's rewritten traceback in a reference cycle holding
every frame below it, the load's too, with the set it made; ``gc.freeze`` at the next load then
kept the cycle out of every collection."""

from __future__ import annotations

import asyncio
import gc
import shutil
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from jinja2 import Environment

from omotenashi.engine.render import render
from omotenashi.errors import SnippetError
from omotenashi.loader import reload
from omotenashi.loader.reload import Reloader, fingerprint
from omotenashi.loader.snippets import Renderer
from omotenashi.loader.templatescan import needed
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

REPO = Path(__file__).resolve().parent.parent


class _Held:
    """Something a failing render is given, to know whether anything still holds it."""


@contextmanager
def _no_collector() -> Iterator[None]:
    """Only reference counting frees: what a cycle holds stays (as once frozen)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@pytest.mark.parametrize(
    "snippet",
    ["{{ missing }}", "{{ items[5] }}", "{% for i in items %}{{ i.x.y }}{% endfor %}"],
)
def test_a_failed_render_holds_nothing_once_said(tmp_path: Path, snippet: str) -> None:
    (tmp_path / "s.html").write_text(snippet)
    template = Renderer(tmp_path).env.get_template("s.html")
    held = _Held()
    with _no_collector():
        with pytest.raises(SnippetError):
            render(template, {"items": [held]}, {"name": ""})
        gone = weakref.ref(held)
        del held
        assert gone() is None


def test_a_set_a_reload_replaced_is_freed(tmp_path: Path) -> None:
    """The demo's rules: their recommendations' snippet fails its sample render at each load
    ("'heading' is undefined": its rules give it one)."""
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    shutil.copytree(REPO / "snippets", tmp_path / "snippets")
    edited = tmp_path / "rules" / "copy.yaml"
    text = edited.read_text()
    cfg = RulesSettings(
        dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets", reload_interval=3600
    )

    async def run() -> weakref.ref[object]:
        reloader = Reloader(cfg, Metrics())
        reloader.maybe_reload()
        edited.write_text(text + "\n# one\n")
        await reloader.check()
        replaced = weakref.ref(reloader.current)
        edited.write_text(text + "\n# two\n")
        await reloader.check()
        for _ in range(200):  # freed by the let-go thread once no request holds it
            if replaced() is None:
                break
            await asyncio.sleep(0.05)
        return replaced

    assert asyncio.run(run())() is None


class _Parse:
    """A snippet's tree by name (none here): what ``needed`` is given."""

    def __call__(self, name: str) -> None:
        return None


def test_working_out_a_snippet_s_needs_holds_nothing_after() -> None:
    """``needed``'s two closures named each other: a cycle holding ``parse`` (in the app, the
    loader and its environment) past every load."""
    ast = Environment().parse("{{ a }}{% include 'b.html' %}")
    parse = _Parse()
    with _no_collector():
        assert needed(ast, parse) == frozenset({"a"})
        gone = weakref.ref(parse)
        del parse
        assert gone() is None


def test_the_look_sees_files_through_linked_folders_and_hidden_snippets(tmp_path: Path) -> None:
    """reload54: a Kubernetes ConfigMap links ``blocks`` to ``..data/blocks``, and an include
    may name ``.part.html``: loads read both, and an edit of either was never seen (the set kept
    the old snippet until a restart). A link back up is looked into once; a link out of the
    folder too, as an include reads through it (eye54b), OUTSIDE entries at most."""
    snippets = tmp_path / "snippets"
    real = snippets / "..data" / "blocks"
    real.mkdir(parents=True)
    (real / "probe.html").write_text("S1")
    (snippets / "blocks").symlink_to(real, target_is_directory=True)
    (snippets / "far").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "big.html").write_text("an include may name far/big.html")
    (snippets / ".part.html").write_text("P1")
    (snippets / ".probe.html.swp").write_text("vim")
    (real / "up").symlink_to(snippets, target_is_directory=True)  # a loop
    rules = tmp_path / "rules"
    seen = {Path(e[0]).relative_to(snippets).as_posix() for e in fingerprint(rules, snippets)}
    assert seen == {".part.html", "blocks/probe.html", "far/big.html"}
    before = fingerprint(rules, snippets)
    (real / "probe.html").write_text("S2")
    assert fingerprint(rules, snippets) != before
    before = fingerprint(rules, snippets)
    (snippets / ".part.html").write_text("P2")
    assert fingerprint(rules, snippets) != before


@pytest.mark.anyio
async def test_the_watcher_s_look_is_taken_off_the_event_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """reload54: the stat of every file ran on the event loop at every look (10 µs a file:
    with 2,000 snippets every request waited 20 ms a second)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    looked_from: list[str] = []
    real = reload.fingerprint

    def watched(*folders: Path) -> reload.Seen:
        looked_from.append(threading.current_thread().name)
        return real(*folders)

    cfg = RulesSettings(
        dir=tmp_path / "rules", snippets_dir=tmp_path / "snippets", reload_interval=3600
    )
    reloader = Reloader(cfg, Metrics())
    reloader.maybe_reload()
    monkeypatch.setattr(reload, "fingerprint", watched)
    try:
        reloader._tick()
        if reloader._look is not None:
            await asyncio.wait([reloader._look])
    finally:
        reloader.stop()
    assert looked_from and threading.main_thread().name not in looked_from


def test_each_folder_is_looked_at_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """eye54: the snippets folder inside the rules folder (or linked from it) was looked into
    once, under the rules folder's name, so no snippet was known as one and a snippet edit
    kept the old Jinja environment."""
    rules = tmp_path / "rules"
    snippets = rules / "snippets"
    snippets.mkdir(parents=True)
    (snippets / "a.html").write_text("ONE")
    (rules / "shared").symlink_to(snippets, target_is_directory=True)
    monkeypatch.chdir(tmp_path)  # the rules folder written relative, the snippets' absolute
    names = {entry[0] for entry in fingerprint(Path("rules"), snippets)}
    assert str(snippets / "a.html") in names
