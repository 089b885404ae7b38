"""``omotenashi check`` stays quick and fair on large rule sets: each distinct segment or topic
is compared once, with a bounded list of names; a rule that prints the visitor's name does not
"always win" (the name caps hold it back); a three-letter country is a warning (the country
header is the site's); editors' schemas accept the schedules the loader accepts; ``preview
--time`` without an offset is in the rules' time zone, as schedules are."""

from __future__ import annotations

import json
import re
import textwrap
import time
from pathlib import Path

import pytest

from omotenashi.cli.editors import schemas
from omotenashi.cli.main import main
from omotenashi.loader import near

ROOT = Path(__file__).resolve().parent.parent


def check_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rules: str,
) -> tuple[int, list[str]]:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    return code, capsys.readouterr().out.splitlines()


def segment_rules(uses: dict[str, int]) -> str:
    lines, n = ["rules:"], 0
    for name, times in uses.items():
        for _ in range(times):
            n += 1
            lines.append(
                f"  - {{id: r{n}, slot: s{n}, text: X, why: because, when: {{segment: [{name}]}}}}"
            )
    return "\n".join(lines) + "\n"


def test_each_distinct_segment_is_compared_once_with_a_bounded_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    many = {f"seg{chr(97 + i // 26)}{chr(97 + i % 26)}x": 3 for i in range(300)}
    uses = {"gold-member": 40, "gould-member": 20, **many, "rare": 1}
    calls: list[tuple[str, int]] = []
    close = near._close

    def counted(name: str, known: list[str], cutoff: float = 0.6) -> str | None:
        calls.append((name, len(known)))
        return close(name, known, cutoff)

    monkeypatch.setattr(near, "_close", counted)
    code, out = check_site(tmp_path, monkeypatch, capsys, segment_rules(uses))
    assert code == 0
    assert sorted(name for name, _ in calls) == sorted(uses)  # once per distinct name
    assert max(size for _, size in calls) <= 200  # the most used names, not all of them
    typo = [line for line in out if "'gould-member' is not a segment" in line]
    assert len(typo) == 20 and all("did you mean 'gold-member'?" in line for line in typo)


RULES_NAME = """
rules:
  - {id: welcome-name, slot: hero, text: "Welcome back, {{ visitor.name }}", priority: 60,
     why: "You told us your name."}
  - {id: kyoto-hero, slot: hero, text: Kyoto, priority: 40, why: "You looked at Kyoto.",
     when: {interest: {kyoto: {at_least: 1}}}}
"""


def test_a_rule_printing_the_name_does_not_always_win(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, RULES_NAME)
    assert code == 0
    assert [line for line in out if "always wins" in line] == []
    plain = RULES_NAME.replace("Welcome back, {{ visitor.name }}", "Welcome back")
    code, out = check_site(tmp_path, monkeypatch, capsys, plain)
    assert len([line for line in out if "always wins" in line]) == 1  # the check still works


@pytest.mark.parametrize(
    ("country", "level", "said"),
    [
        ("JPN", "warning", "matches only if the country header (OMOTENASHI_COUNTRY_HEADER)"),
        ("Japan", "error", "can never match: countries are ISO 3166 two-letter codes"),
    ],
)
def test_a_three_letter_country_is_a_warning(
    country: str,
    level: str,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    when = f"when: {{country: [{country}]}}"
    rules = f"rules:\n  - {{id: r, slot: hero, text: X, why: because, {when}}}\n"
    code, out = check_site(tmp_path, monkeypatch, capsys, rules)
    assert code == (1 if level == "error" else 0)
    assert [line for line in out if f": {level}: " in line and said in line], out


@pytest.mark.parametrize(
    "moment",
    [
        "2026-12-01",
        "2026-12-01T09:00:00",
        "2026-12-01T09:00",
        "2026-12-01T09:00:00+09:00",
        "2026-12-01T00:00:00Z",
    ],
)
def test_the_schedule_schema_accepts_what_the_loader_accepts(moment: str) -> None:
    schedule = schemas()["rules.schema.json"]["$defs"]["Schedule"]
    for field in ("start", "end"):
        string = next(
            s for s in schedule["properties"][field]["anyOf"] if s.get("type") == "string"
        )
        assert "format" not in string
        assert re.fullmatch(string["pattern"].strip("^$"), moment)
    assert "validation context" not in schedule["description"]
    committed = json.loads((ROOT / "schema" / "rules.schema.json").read_text())
    assert committed["$defs"]["Schedule"] == json.loads(json.dumps(schedule))


EVENING = """
rules:
  - {id: evening, slot: hero, text: Evening, why: "evening",
     schedule: {start: "2026-12-01T18:00:00", end: "2026-12-01T23:00:00"}}
"""


def test_preview_reads_a_time_without_an_offset_in_the_rules_time_zone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(EVENING))
    (tmp_path / "page.html").write_text(
        '<html><body><div data-omo-slot="hero">-</div></body></html>'
    )
    monkeypatch.setenv("OMOTENASHI_RULES_TIMEZONE", "Asia/Tokyo")
    monkeypatch.setenv("TZ", "America/New_York")  # the machine's zone plays no part
    time.tzset()
    try:
        args = ["preview", str(tmp_path / "page.html"), "--rules", str(tmp_path / "rules")]
        code = main([*args, "--time", "2026-12-01T18:30:00", "--out", str(tmp_path / "o.html")])
    finally:
        monkeypatch.undo()
        time.tzset()
    out = capsys.readouterr().out
    assert code == 0
    assert any(line.startswith("  fired      evening") for line in out.splitlines()), out
