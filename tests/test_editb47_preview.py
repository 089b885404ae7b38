"""``omotenashi preview`` refuses a bad --stage, --time, --interest or --visits in one line that
names the flag, the value and what would be right, and exits 2, as for a bad --device."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "demo_site" / "templates" / "home.html")
RULES = str(ROOT / "rules")
EXAMPLE = "write a date and time such as 2026-11-23T19:00 or 2026-11-23T19:00+09:00"


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [
        ("--stage", "intrest", "invalid choice: 'intrest' (choose from 'awareness', 'interest',"),
        ("--time", "2026-02-30T10:00", "'2026-02-30T10:00' is not a date and time (day is"),
        ("--time", "19:00", f"'19:00' has no date: {EXAMPLE}"),
        ("--time", "soon", f"'soon' is not a date and time: {EXAMPLE}"),
        (
            "--interest",
            "kyoto=high",
            "'high' (in 'kyoto=high') is not a number: write a score such as kyoto=3",
        ),
        ("--interest", "kyoto", "'kyoto' is not TOPIC=SCORE: write one such as hawaii=3"),
        ("--visits", "-1", "'-1' is below 0: write 0 or more"),
        ("--visits", "two", "'two' is not a whole number: write one such as 3"),
        ("--views", "-1", "'-1' is below 0: write 0 or more"),
    ],
)
def test_a_bad_preview_flag_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, said: str
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["preview", HOME, "--rules", RULES, "--out", str(tmp_path / "p.html"), flag, value])
    err = capsys.readouterr().err
    assert (info.value.code, err.count("\n")) == (2, 1)
    assert f"omotenashi preview: argument {flag}: {said}" in err
