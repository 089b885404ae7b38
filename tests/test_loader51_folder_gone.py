"""The rules folder going away while the site runs (deleted, moved, a volume unmounted) keeps
the last good set in force, said once, rather than a reload to 0 rules; and ``omotenashi check``
on a folder with a link to itself says so at the file and goes on."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.loader.reload import Reloader
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

RULE = 'rules:\n  - {id: ID, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
GONE = "(OMOTENASHI_RULES_DIR) is gone; the last good rules (1) stay in force until it is back"


def _ids(reloader: Reloader) -> list[str]:
    return [r.rule.id for r in reloader.maybe_reload().ruleset.rules]


def _loaded(tmp_path: Path) -> tuple[Path, Reloader]:
    """A rules folder of one rule, ``first``, and a Reloader that looks at every request."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "site.yaml").write_text(RULE.replace("ID", "first"))
    cfg = RulesSettings(dir=rules, snippets_dir=tmp_path / "snippets", reload_interval=1e-9)
    reloader = Reloader(cfg, Metrics())
    assert _ids(reloader) == ["first"]
    return rules, reloader


@pytest.mark.parametrize("how", ["deleted", "moved-away"])
def test_a_rules_folder_that_goes_away_keeps_the_last_good_set(
    how: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rules, reloader = _loaded(tmp_path)
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        if how == "deleted":
            shutil.rmtree(rules)
        else:
            os.rename(rules, tmp_path / "rules.old")
        assert _ids(reloader) == ["first"]
        assert _ids(reloader) == ["first"]  # and said once
    said = [r.getMessage() for r in caplog.records if r.name.startswith("omotenashi")]
    assert said == [f"omotenashi: the rules folder {str(rules)!r} {GONE}"]
    rules.mkdir()  # back, edited: loaded as any edit is
    (rules / "site.yaml").write_text(RULE.replace("ID", "second"))
    assert _ids(reloader) == ["second"]


def test_a_rules_folder_missing_at_startup_loads_when_it_comes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rules = tmp_path / "rules"
    cfg = RulesSettings(dir=rules, snippets_dir=tmp_path / "snippets", reload_interval=1e-9)
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader = Reloader(cfg, Metrics())
        assert _ids(reloader) == []
    assert not any("is gone" in r.getMessage() for r in caplog.records)
    rules.mkdir()
    (rules / "site.yaml").write_text(RULE.replace("ID", "first"))
    assert _ids(reloader) == ["first"]


@pytest.mark.parametrize("name", ["loop.yaml", "loop.yml", "data/loop.yaml"])
def test_check_says_a_link_to_itself_is_not_a_file_and_goes_on(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = tmp_path / "rules"
    (rules / "data").mkdir(parents=True)
    (rules / "site.yaml").write_text(RULE.replace("ID", "first").replace("Everyone sees it.", "x"))
    os.symlink(Path(name).name, rules / name)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    out = capsys.readouterr()
    assert code != 0
    lines = out.out.splitlines()
    assert f"rules/{name}:1: error: this is not a file (rule files are .yaml files)" in lines
    assert any(line.startswith("rules/site.yaml:2: error: rules[0].why") for line in lines)
    assert "RuntimeError" not in out.err


@pytest.mark.anyio
async def test_a_moment_the_rules_folder_cannot_be_read_is_waited_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """(eye51) ``is_dir`` raises on ESTALE (an NFS blip), EIO or EACCES: the watcher's look
    raised with it, and no look was ever scheduled again: rules stopped reloading for good."""
    import asyncio
    import errno

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "site.yaml").write_text(RULE.replace("ID", "first"))
    cfg = RulesSettings(dir=rules, snippets_dir=tmp_path / "snippets", reload_interval=0.02)
    blip = {"on": False}
    real = Path.stat

    def stat(self: Path, *args: object, **kwargs: object) -> os.stat_result:
        if blip["on"] and self == rules:
            raise OSError(errno.ESTALE, "Stale file handle", str(self))
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "stat", stat)
    reloader = Reloader(cfg, Metrics())
    assert _ids(reloader) == ["first"]
    blip["on"] = True
    assert _ids(reloader) == ["first"]  # (a request's look: the set in force, no error)
    await asyncio.sleep(0.2)  # the watcher's looks meet the blip
    blip["on"] = False
    (rules / "site.yaml").write_text(RULE.replace("ID", "second"))
    for _ in range(100):  # the watcher, still looking, loads the edit
        await asyncio.sleep(0.02)
        if _ids(reloader) == ["second"]:
            break
    assert _ids(reloader) == ["second"]
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and "Stale file handle" in said[0], said  # once a spell (eye51b)


def test_a_rules_folder_that_cannot_be_listed_keeps_the_last_good_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """(eye51c) A folder that can be stat'ed but not listed (chmod 000 as another user, an
    SELinux label) was read as empty: a reload of 0 rules, said only as "rules reloaded"."""
    import errno

    rules, reloader = _loaded(tmp_path)
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(str(path)) == rules:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        assert _ids(reloader) == ["first"]
        assert _ids(reloader) == ["first"]
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and "Permission denied" in said[0], said
