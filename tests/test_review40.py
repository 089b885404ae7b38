"""Found reviewing 2026-12-04's commits as a sceptical user: scripts/bootstrap's pinned and
unpinned installs (a stand-in .venv/bin/python records what pip was asked, nothing installed);
text reading as NaN ("Nan", "NaN") that no rule could ever equal, and an int past floats that
crashed ``omotenashi check`` (found trying loader/never.py ``_both_of`` on such values)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.engine.conditions import all_hold, compile_when
from omotenashi.engine.facts import Facts
from omotenashi.loader.never import contradictions
from omotenashi.rules.model import When

from .conftest import ROOT
from .test_tooling import write_site

# a .venv/bin/python that logs each call's arguments; "fail" in FAKE_PIP fails the project's
# install (after the pip self-upgrade), as a download cut half way would
_FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../../calls"
case "$*" in *"-e .[dev]"*) [ "$FAKE_PIP" = fail ] && exit 1;; esac
exit 0
"""


def _checkout(tmp: Path, stamp: str | None, files_newer: bool = False) -> Path:
    """A copy of the repository's bootstrap with a .venv whose stamp says ``stamp`` (None: no
    stamp; "": an old bootstrap's empty one), pyproject.toml and constraints.txt older than it
    (or newer: ``files_newer``)."""
    (tmp / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap", tmp / "scripts" / "bootstrap")
    for name in ("pyproject.toml", "constraints.txt"):
        (tmp / name).write_text("# a stand-in\n")
    python = tmp / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(_FAKE_PYTHON)
    python.chmod(0o755)
    if stamp is not None:
        (tmp / ".venv" / ".omotenashi-installed").write_text(stamp and stamp + "\n")
        then = os.stat(tmp / ".venv" / ".omotenashi-installed").st_mtime
        for name in ("pyproject.toml", "constraints.txt"):
            moment = then + 100 if files_newer else then - 100
            os.utime(tmp / name, (moment, moment))
    return tmp


def _bootstrap(tmp: Path, unpinned: bool = False, fail: bool = False) -> list[str]:
    """Run it; the pip installs of the project it made (not pip's own upgrade)."""
    env = {**os.environ, "PYTHON": sys.executable, "FAKE_PIP": "fail" if fail else ""}
    env.pop("OMOTENASHI_UNPINNED", None)
    if unpinned:
        env["OMOTENASHI_UNPINNED"] = "1"
    (tmp / "calls").unlink(missing_ok=True)
    done = subprocess.run(
        ["bash", str(tmp / "scripts" / "bootstrap")], env=env, capture_output=True, text=True
    )
    assert done.returncode == (1 if fail else 0), done.stderr
    calls = (tmp / "calls").read_text().splitlines() if (tmp / "calls").exists() else []
    return [c for c in calls if "-e .[dev]" in c]


@pytest.mark.parametrize(
    ("stamp", "files_newer", "unpinned", "want"),
    [
        (None, False, False, "-c constraints.txt"),  # a fresh .venv
        ("", False, False, "-c constraints.txt"),  # one an older bootstrap stamped
        ("pinned", False, False, None),  # nothing changed: no pip
        ("pinned", True, False, "-c constraints.txt"),  # a pull changed pyproject/constraints
        ("unpinned 1764849600", False, False, "-c constraints.txt"),  # back from unpinned
        # the newest of every dependency, not only of the project itself (pip's default
        # --upgrade-strategy only-if-needed keeps each installed one that still fits)
        ("pinned", False, True, "--upgrade --upgrade-strategy eager"),
    ],
    ids=["fresh", "old-stamp", "unchanged", "pulled", "after-unpinned", "unpinned"],
)
def test_bootstrap_installs_what_its_mode_says(
    tmp_path: Path, stamp: str | None, files_newer: bool, unpinned: bool, want: str | None
) -> None:
    installs = _bootstrap(_checkout(tmp_path, stamp, files_newer), unpinned)
    if want is None:
        assert installs == []
    else:
        assert len(installs) == 1 and want in installs[0], installs


def test_an_unpinned_install_that_fails_half_way_is_redone_pinned(tmp_path: Path) -> None:
    """pip upgrades package by package: one that stops half way leaves newer versions in the
    .venv, so the next plain run must install the pinned ones again, not trust the stamp."""
    checkout = _checkout(tmp_path, "pinned")
    _bootstrap(checkout, unpinned=True, fail=True)
    again = _bootstrap(checkout)
    assert len(again) == 1 and "-c constraints.txt" in again[0], again


def test_a_pinned_install_that_fails_says_how_to_refresh_the_pins(tmp_path: Path) -> None:
    """A pyproject.toml that asks for versions constraints.txt does not pin fails in pip's
    resolver: the message says what to do about it."""
    env = {**os.environ, "PYTHON": sys.executable, "FAKE_PIP": "fail"}
    env.pop("OMOTENASHI_UNPINNED", None)
    checkout = _checkout(tmp_path, None)
    done = subprocess.run(
        ["bash", str(checkout / "scripts" / "bootstrap")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "refresh it (OMOTENASHI_UNPINNED=1 scripts/test" in done.stderr


BIG = 10**400  # an int no float holds (a rule file's 400-digit "number")

# (the when, a visitor it holds for): the engine fires, and check says it can
FIRES: list[tuple[dict[str, object], dict[str, object]]] = [
    ({"attr": {"name": "Nan"}}, {"attrs": {"name": "nan"}}),  # a name, not a number
    ({"query": {"price": "NaN"}}, {"query": {"price": "NaN"}}),  # a script's lost price
    ({"attr": {"name": {"eq": "Nan", "in": ["NAN", "Bob"]}}}, {"attrs": {"name": "Nan"}}),
    ({"all": [{"attr": {"n": "nan"}}, {"attr": {"n": "NaN"}}]}, {"attrs": {"n": "nan"}}),
    ({"attr": {"n": BIG}}, {"attrs": {"n": str(BIG)}}),
    ({"attr": {"n": {"in": [BIG, 1]}}}, {"attrs": {"n": "1.0"}}),
]


@pytest.mark.parametrize(("when", "visitor"), FIRES)
def test_nan_as_text_and_a_huge_int_are_values_a_rule_can_equal(
    when: dict[str, object], visitor: dict[str, object]
) -> None:
    model = When.model_validate(when)
    assert all_hold(compile_when(model, "UTC"), Facts(**visitor))  # type: ignore[arg-type]
    assert contradictions(model) == []


@pytest.mark.parametrize(
    ("when", "visitor"),
    [
        ({"attr": {"name": {"ne": "Nan"}}}, {"attrs": {"name": "NAN"}}),
        ({"attr": {"n": {"at_least": 0}}}, {"attrs": {"n": "nan"}}),
        ({"attr": {"n": "nan"}}, {"attrs": {"n": "inf"}}),
    ],
)
def test_nan_as_text_is_still_no_number_nor_another_text(
    when: dict[str, object], visitor: dict[str, object]
) -> None:
    assert not all_hold(compile_when(When.model_validate(when), "UTC"), Facts(**visitor))  # type: ignore[arg-type]


def test_check_names_no_crash_for_an_int_past_floats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = f"""
        rules:
          - id: big
            slot: hero
            text: hi
            why: "a plan of ours"
            when: {{attr: {{plan: {{eq: {BIG}}}}}}}
        """
    root = write_site(tmp_path, rules)
    code = main(["check", str(root / "rules")])
    err = capsys.readouterr().err
    assert code == 0 and "OverflowError" not in err, err
