"""``omotenashi proxy``: a bad origin or worker count is refused before anything starts."""

from __future__ import annotations

import pytest

from omotenashi.cli.main import main


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--upstream", "ftp://origin/"], "'ftp://origin/'"),
        (["--upstream", "origin:8080"], "'origin:8080'"),
        ([], "omotenashi proxy: OMOTENASHI_PROXY_UPSTREAM: set the origin's URL"),
        (["--upstream", "http://origin:8080", "--workers", "0"], "got 0"),
    ],
)
def test_the_proxy_command_refuses_what_cannot_work(
    args: list[str], said: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OMOTENASHI_PROXY_UPSTREAM", raising=False)
    monkeypatch.setenv("OMOTENASHI_PROXY_UPSTREAM", "")  # restored after the test
    assert main(["proxy", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omotenashi proxy: ") and said in err
