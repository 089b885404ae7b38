"""A rule file's YAML slip is named at the line the editor made it, with the fix for it, and an
unknown field is matched to a real field before a synonym."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site

GOOD = """\
rules:
  - id: kyoto-hero
    slot: hero
    text: "Autumn in Kyoto"
    when:
      interest: {kyoto: {at_least: 2}}
    priority: 70
    category: browsing-history
    why: "You have been looking at our Kyoto tour."
"""


def _with(line: int, text: str) -> str:
    rows = GOOD.splitlines()
    rows[line - 1] = text
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("line", "text", "said"),
    [
        (
            9,
            '    why: "You have been looking',
            "r.yaml:9: error: line 9 opens a quote that is never closed (close the quote that "
            "opens on line 9)",
        ),
        (
            4,
            '    text: "Autumn in Kyoto',
            "r.yaml:4: error: line 4 opens a quote that is not closed on it (close the quote "
            "that opens on line 4)",
        ),
        (
            7,
            "    priority 70",
            "r.yaml:7: error: line 7 has no ':' after 'priority' (write priority: 70)",
        ),
        (
            7,
            "    priority:70",
            "r.yaml:7: error: line 7 has no space after the ':' of 'priority' (write priority: 70)",
        ),
        (
            2,
            "  -id: kyoto-hero",
            "r.yaml:2: error: line 2 has no space after the '-' before 'id' (write - id:)",
        ),
        (
            3,
            "    slot:hero",
            "r.yaml:3: error: line 3 has no space after the ':' of 'slot' (write slot: hero)",
        ),
        (
            8,
            "    wiht: {a: b}",
            "r.yaml:8: error: rules[0].wiht: unknown field 'wiht' (did you mean 'with'?)",
        ),
        (
            8,
            "    weigth: 3",
            "r.yaml:8: error: rules[0].weigth: unknown field 'weigth' (did you mean 'priority'?)",
        ),
    ],
    ids=[
        "quote-at-end",
        "quote-runs-on",
        "no-colon",
        "no-space",
        "dash",
        "slot-glued",
        "wiht",
        "weigth",
    ],
)
def test_a_yaml_slip_is_named_where_it_is_with_its_fix(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    line: int,
    text: str,
    said: str,
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": _with(line, text)})
    assert code == 1
    assert f"rules/{said}" in out
