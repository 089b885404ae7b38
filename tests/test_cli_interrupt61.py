"""cli61: a malformed ``--redis`` URL was a raw ValueError naming neither the option nor a
right form; a name=value argument without "=" exited 1; a day that does not exist was told to
be written as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("redis://127.0.0.1:6379/abc", "its database 'abc' should be a whole number"),
        ("redis://h:99999/0", "a port should be a number from 1 to 65535"),
        ("notaurl", "it should start with redis://"),
    ],
)
def test_a_malformed_redis_url_is_one_line_naming_the_option(
    url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", str(ROOT / "rules"), "--redis", url])
    err = capsys.readouterr().err
    assert code == 2 and f"{url} is not a Redis URL: {says}" in err and "--redis" in err, err
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["profile", "set", "ab" * 11, "foo"],
            "omotenashi profile: expected name=value, got 'foo'",
        ),
        (
            ["report", str(ROOT / "rules"), "--since", "2026-02-30", "--redis", "redis://x:1/0"],
            "--since: there is no such day (YYYY-MM-DD) (got '2026-02-30')",
        ),
    ],
)
def test_a_value_written_wrong_is_exit_2_saying_what_is_wrong(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # (cli61: a missing "=" exited 1; a day that does not exist was told to be written as it was)
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", "redis://127.0.0.1:1/0")
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2 and says in err, err
