"""``omotenashi check`` on rules that share a slot and a priority: one warning per slot and
priority, naming at most ten rules, at the first of them, and never a rule already reported
as unable to fire. Schedules with a date that does not exist or an end not after the start are
errors at their field; a rule file with no rules is a warning, an empty journey file an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

SAME = "with the same priority"


def rule(name: str, slot: str = "hero", extra: str = "") -> str:
    return f'  - {{id: {name}, slot: {slot}, text: X, why: "because {name}"{extra}}}\n'


NEVER = rule("never", extra=", when: {new: true, visits: {at_least: 3}}")
ENDED = rule("ended", extra=", schedule: {end: 2020-01-01T00:00:00Z}")
FIFTEEN = "".join(rule(f"r{i:02}") for i in range(15))


@pytest.mark.parametrize(
    ("rules", "warnings"),
    [
        (
            rule("a") + rule("b"),
            [
                "rules/site.yaml:2: warning: rules 'a' and 'b' fill 'hero' with the same "
                "priority (50) and can both hold: 'a' wins by coming first; give one a higher "
                "priority if that is not what you mean"
            ],
        ),
        (
            FIFTEEN,
            [
                "rules/site.yaml:2: warning: rules 'r00', 'r01', 'r02', 'r03', 'r04', 'r05', "
                "'r06', 'r07', 'r08', 'r09' and 5 more fill 'hero' with the same priority (50) "
                "and more than one can hold at once: the first listed that holds wins; give one "
                "a higher priority if that is not what you mean"
            ],
        ),
        (NEVER + ENDED + rule("alone"), []),
        (
            NEVER + rule("a") + ENDED + rule("b"),
            ["rules/site.yaml:3: warning: rules 'a' and 'b' fill 'hero'"],
        ),
        (
            rule("d", extra=", when: {stage: interest}")
            + rule("e", extra=", when: {stage: loyalty}"),
            [],
        ),
        (rule("a") + rule("b", extra=", priority: 60") + rule("c", "tagline"), []),
        (
            rule("a") + rule("b") + rule("c", "tagline") + rule("d", "tagline"),
            [
                "rules/site.yaml:2: warning: rules 'a' and 'b'",
                "rules/site.yaml:4: warning: rules 'c' and 'd'",
            ],
        ),
        (  # (editor51: a rule switched off is never decided: it clashes with nothing)
            rule("a", extra=", enabled: false") + rule("b", extra=", enabled: false"),
            [],
        ),
        (
            rule("a") + rule("off", extra=", enabled: false") + rule("b"),
            ["rules/site.yaml:2: warning: rules 'a' and 'b' fill 'hero'"],
        ),
    ],
    ids=[
        "two-rules",
        "fifteen-rules-one-warning",
        "never-and-ended-are-not-paired",
        "never-and-ended-left-out-of-the-list",
        "disjoint-stages",
        "other-priority-or-slot",
        "one-warning-per-slot",
        "disabled-pair",
        "disabled-left-out-of-the-list",
    ],
)
def test_rules_sharing_a_slot_and_a_priority_are_one_warning(
    rules: str,
    warnings: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text("rules:\n" + rules)
    monkeypatch.chdir(tmp_path)
    main(["check", "rules"])
    found = [line for line in capsys.readouterr().out.splitlines() if SAME in line]
    assert len(found) == len(warnings), found
    for line, start in zip(found, warnings, strict=True):
        assert line.startswith(start), line


def check_site(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
) -> tuple[int, list[str]]:
    """``omotenashi check rules`` on these rule files (a name under ``rules/`` or
    ``snippets/``: there; else in ``rules/``): its exit code and the lines it prints."""
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    for name, text in files.items():
        path = tmp_path / (name if name.startswith(("rules/", "snippets/")) else f"rules/{name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    return code, capsys.readouterr().out.splitlines()


REAL_DATE = "(write a real date, e.g. 2026-12-01T00:00:00+09:00)"
BACKWARDS = "the rule would never be on (make end later than start"


@pytest.mark.parametrize(
    ("schedule", "error"),
    [
        (
            "start: 2026-13-01T00:00:00+09:00",
            f"schedule.start: month 13 does not exist {REAL_DATE}",
        ),
        ("start: '2026-13-01'", f"schedule.start: month 13 does not exist {REAL_DATE}"),
        ("start: 2026-02-30", f"schedule.start: February 2026 has no day 30 {REAL_DATE}"),
        ("end: 2026-04-31T10:00:00Z", f"schedule.end: April 2026 has no day 31 {REAL_DATE}"),
        ("start: 2026-12-01T25:00:00+09:00", "schedule.start: hour 25 does not exist"),
        (
            "start: 2026-12-05T00:00:00+09:00, end: 2026-12-01T00:00:00+09:00",
            "schedule.end: the schedule ends (2026-12-01T00:00:00+09:00) before it starts "
            f"(2026-12-05T00:00:00+09:00): {BACKWARDS}",
        ),
        (
            "end: 2026-12-01T10:00:00+09:00, start: 2026-12-01T02:00:00Z",
            "schedule.end: the schedule ends (2026-12-01T10:00:00+09:00) before it starts "
            f"(2026-12-01T02:00:00+00:00): {BACKWARDS}",
        ),
        (
            "start: 2026-12-05T00:00:00Z, end: 2026-12-05T00:00:00Z",
            "schedule.end: the schedule ends (2026-12-05T00:00:00+00:00) when it starts",
        ),
        ("start: 2026-12-05, end: 2026-12-03", "schedule.end: the schedule ends (2026-12-04"),
    ],
    ids=[
        "month-13",
        "month-13-quoted",
        "february-30",
        "april-31-end",
        "hour-25",
        "end-before-start",
        "end-before-start-other-offset",
        "end-at-start",
        "bare-end-before-bare-start",
    ],
)
def test_an_impossible_or_backwards_schedule_is_an_error_at_its_field(
    schedule: str,
    error: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rules = "rules:\n  - id: sale\n    slot: hero\n    text: X\n    why: because\n"
    code, out = check_site(
        tmp_path, monkeypatch, capsys, {"site.yaml": rules + f"    schedule: {{{schedule}}}\n"}
    )
    assert code == 1
    assert len(out) == 1 and out[0].startswith(f"rules/site.yaml:6: error: rules[0].{error}"), out


GOALS_ONLY = "goals:\n  - {id: purchase, event: purchase}\n"
NO_RULES = "rules/empty.yaml:1: warning: the file has no rules"


@pytest.mark.parametrize(
    "empty",
    ["", "# only a comment\n", "rules: []\n", "---\n"],
    ids=["empty", "comment-only", "empty-list", "empty-document"],
)
def test_a_rule_file_with_no_rules_is_a_warning(
    empty: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {"empty.yaml": empty, "goals.yaml": GOALS_ONLY, "site.yaml": "rules:\n" + rule("a")}
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 0
    assert [line for line in out if "warning" in line] == [
        f"{NO_RULES} (it is empty, only comments, or rules: []): if a save was cut short, "
        "restore it; if not, delete the file"
    ]


@pytest.mark.parametrize("journey", ["", "# only a comment\n"], ids=["empty", "comment-only"])
@pytest.mark.parametrize("file", ["journey.yaml", "journey.yml"])
def test_an_empty_journey_file_is_an_error(
    journey: str,
    file: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {file: journey, "site.yaml": "rules:\n" + rule("a")}
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 1
    assert out == [
        f"rules/{file}:1: error: the journey file is empty (or only comments): the "
        "default journey is used, so nobody would move past awareness (restore it; to have no "
        "journey, delete the file)"
    ]


def test_two_journey_files_are_an_error_naming_the_one_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "journey.yaml": "stages: {}\n",
        "journey.yml": "stages: {interest: {when: {views: {at_least: 1}}}}\n",
        "site.yaml": "rules:\n" + rule("a"),
    }
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 1
    assert (
        "rules/journey.yml:1: error: there are two journey files: rules/journey.yml is ignored, "
        "rules/journey.yaml is read (keep one of them)"
    ) in out


def when_rule(when: str, name: str = "a", slot: str = "hero", extra: str = "") -> str:
    return (
        f"  - id: {name}\n    slot: {slot}\n    text: X\n    why: because\n{extra}    when:\n{when}"
    )


JOURNEY = (
    "transitions:\n  - {to: interest, when: {views: {at_least: 3}}}\n"
    "segments:\n  member: {event: {join_club: {at_least: 1}}}\n"
    "topics:\n  - {path: /tours/hawaii-*, topics: [hawaii]}\n"
)
SALE = "items: [kyoto-autumn]\n"


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (
            "      viewed_in_list: sales\n",
            "rules/site.yaml:7: error: rules[0].when.viewed_in_list: no list 'sales' (lists: "
            "sale) (did you mean 'sale'?)",
        ),
        (
            "      viewed_in_list: winter\n",
            "rules/site.yaml:7: error: rules[0].when.viewed_in_list: no list 'winter' (lists: "
            "sale) (a list is a file rules/data/<name>.yaml with items: [...]; add "
            "rules/data/winter.yaml)",
        ),
        (
            '      path: "tours/*"\n',
            "rules/site.yaml:7: error: rules[0].when.path: 'tours/*' can never match: a request "
            "path always starts with '/' (write '/tours/*')",
        ),
        (
            "      path: [/tours/*, tours/*]\n",
            "rules/site.yaml:7: error: rules[0].when.path[1]: 'tours/*' can never match",
        ),
        (
            "      country: Japan\n",
            "rules/site.yaml:7: error: rules[0].when.country: 'Japan' can never match: countries "
            "are ISO 3166 two-letter codes (write a two-letter code such as 'JP')",
        ),
        (
            "      language:\n        - ja\n        - Japanese\n",
            "rules/site.yaml:9: error: rules[0].when.language[1]: 'Japanese' can never match: "
            "browsers send language tags (write a tag such as 'ja' or 'ja-JP')",
        ),
        (
            "      event: {join-club: 1}\n",
            "rules/site.yaml:7: error: rules[0].when.event.join-club: the event 'join-club' can "
            "never be recorded: event names are lowercase letters, digits and _, starting with "
            "a letter, at most 40 (write 'join_club')",
        ),
        (
            "      any:\n        - {stage: interest}\n        - segment: membr\n",
            "rules/site.yaml:9: warning: rules[0].when.any[1].segment: 'membr' is not a segment "
            "the journey defines (the site may set it) (did you mean 'member'?)",
        ),
        (
            "      interest:\n        hawai: {at_least: 2}\n",
            "rules/site.yaml:8: warning: rules[0].when.interest.hawai: 'hawai' is not a topic "
            "the journey, the catalogue or other rules name (pages may tag it) (did you mean "
            "'hawaii'?)",
        ),
    ],
    ids=[
        "unknown-list-close",
        "unknown-list",
        "path-without-slash",
        "path-in-a-list",
        "country-name",
        "language-name",
        "event-with-dash",
        "segment-typo-nested",
        "topic-typo",
    ],
)
def test_a_name_that_can_never_match_is_reported_at_its_field(
    when: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {
        "journey.yaml": JOURNEY,
        "data/sale.yaml": SALE,
        "site.yaml": "rules:\n" + when_rule(when),
    }
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == (1 if ": error: " in expected else 0)
    assert len(out) == 1 and out[0].startswith(expected), out


@pytest.mark.parametrize(
    "when",
    [
        "      viewed_in_list: sale\n",
        "      path: ['*.pdf', /tours/*]\n",
        "      country: [jp, GB, T1]\n",
        "      language: [ja, en-GB, zh-Hant-TW]\n",
        "      event: {join_club: 1}\n",
        "      segment: [member, vip]\n",  # the site may set vip: not close to a known one
        "      interest: {hawaii: 1, surfing: 2}\n",
        "      browser: Chorme\n",  # ua-parser's browser names are not a finite set
    ],
    ids=["list", "paths", "countries", "languages", "event", "segments", "topics", "browser"],
)
def test_names_that_may_match_are_not_reported(
    when: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {
        "journey.yaml": JOURNEY,
        "data/sale.yaml": SALE,
        "site.yaml": "rules:\n" + when_rule(when),
    }
    assert check_site(tmp_path, monkeypatch, capsys, files) == (0, [])


@pytest.mark.parametrize(
    ("slot", "expected"),
    [
        ("heroo", "(did you mean 'hero'?)"),
        ("sidebar", "(check the slot's name)"),
    ],
    ids=["close", "not-close"],
)
def test_an_undeclared_slot_is_a_warning_at_its_line(
    slot: str,
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "home.html").write_text('<div data-omo-slot="hero"></div>')
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        f"rules:\n  - id: a\n    text: X\n    why: because\n    slot: {slot}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules", "--templates", "templates"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"rules/site.yaml:5: warning: rules[0].slot: no template in templates declares the "
        f"slot {slot!r} that rule 'a' fills {expected}"
    ]


ALWAYS = "rule 'everyone' (priority 99, no conditions) always wins 'hero': "
TURN_OFF = "can show only to visitors who turn it off (give it a lower priority or a when:)"
INTEREST = rule("interest", extra=", when: {stage: interest}")


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            rule("everyone", extra=", priority: 99") + INTEREST + rule("other", "tagline"),
            [f"rules/site.yaml:2: warning: {ALWAYS}'interest' {TURN_OFF}"],
        ),
        (
            INTEREST + rule("everyone", extra=", priority: 99, when: {}") + FIFTEEN[:0],
            [f"rules/site.yaml:3: warning: {ALWAYS}'interest' {TURN_OFF}"],
        ),
        (
            rule("everyone", extra=", priority: 99")
            + "".join(rule(f"r{i:02}", extra=f", priority: {i}") for i in range(12)),
            [
                f"rules/site.yaml:2: warning: {ALWAYS}'r11', 'r10', 'r09', 'r08', 'r07', 'r06', "
                f"'r05', 'r04', 'r03', 'r02' and 2 more {TURN_OFF}"
            ],
        ),
        (rule("everyone", extra=", priority: 99, cap: {views: 3}") + INTEREST, []),
        (rule("everyone", extra=", priority: 99, holdout: 10") + INTEREST, []),
        (rule("everyone", extra=", priority: 99, intent: welcome") + INTEREST, []),
        (rule("everyone", extra=", priority: 99, enabled: false") + INTEREST, []),
        (
            rule("everyone", extra=", priority: 99, schedule: {start: 2026-01-01T00:00:00Z}")
            + INTEREST,
            [],
        ),
        (rule("everyone", extra=", priority: 99, when: {new: true}") + INTEREST, []),
        (
            INTEREST.replace("interest}", "interest}, priority: 100")
            + rule("everyone", extra=", priority: 99"),
            [],
        ),
    ],
    ids=[
        "shadows-lower",
        "empty-when-later-in-file",
        "names-ten",
        "capped",
        "held-out",
        "intent-budget",
        "disabled",
        "scheduled",
        "has-a-condition",
        "only-higher-rules",
    ],
)
def test_a_rule_that_always_holds_hides_lower_rules_on_its_slot(
    rules: str,
    expected: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"site.yaml": "rules:\n" + rules})
    assert code == 0
    assert [line for line in out if "always wins" in line] == expected


GOALS = """goals:
  - {id: done, path: /checkout/done}
  - id: welcome
    path: /accounts/welcome
  - {id: thanks, path: /thanks}
  - {id: any, path: "/checkout/*"}
rules:
""" + rule("a")
NEVER_REACHED = "can never be reached: "


@pytest.mark.parametrize(
    ("exclude", "warned"),
    [
        (None, ["rules/site.yaml:3: warning: goal 'welcome'"]),  # /accounts/*: untracked
        (
            "/checkout/*",  # the glob goal too: every page it matches is left alone (editor63)
            [
                "rules/site.yaml:2: warning: goal 'done'",
                "rules/site.yaml:3",
                "rules/site.yaml:6: warning: goal 'any' can never be reached: every page",
            ],
        ),
        ("/checkout/d*", ["rules/site.yaml:2: warning: goal 'done'", "rules/site.yaml:3"]),
        ("/thanks", ["rules/site.yaml:5: warning: goal 'thanks'", "rules/site.yaml:3"]),
    ],
)
def test_a_goal_on_a_page_left_alone_is_a_warning(
    exclude: str | None,
    warned: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing is tracked on a path the settings leave alone (measure44: the report then waits
    forever at 0.0% against 0.0%); a glob goal when every page it matches is (one that may
    reach pages elsewhere is not)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(GOALS)
    monkeypatch.chdir(tmp_path)
    if exclude is not None:
        monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", exclude)
    main(["check", "rules"])
    found = sorted(line for line in capsys.readouterr().out.splitlines() if NEVER_REACHED in line)
    assert len(found) == len(warned), found
    for line, start in zip(found, sorted(warned), strict=True):
        assert line.startswith(start), line


def test_the_goal_warning_names_the_goal_s_own_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not a rule that shares the goal's id in a file that also names goals (final44)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(
        "rules:\n  - {id: thanks, slot: s, text: X, why: Everyone., goals: [thanks]}\n"
    )
    (tmp_path / "rules" / "goals.yaml").write_text(
        "# the site's goals\ngoals:\n  - {id: other, path: /x}\n  - {id: thanks, path: /thanks}\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OMOTENASHI_EXCLUDE_PATHS", "/thanks")
    main(["check", "rules"])
    found = [line for line in capsys.readouterr().out.splitlines() if NEVER_REACHED in line]
    assert len(found) == 1 and found[0].startswith("rules/goals.yaml:4: warning: goal 'thanks'")


@pytest.mark.parametrize(
    ("glob", "warned"),
    [
        ('"https://news.example/article/*"', True),
        ('"*google.*/search?q=*"', True),
        ('"*google.*"', False),
        ('"https://www.google.com/"', False),
        ('"*news.example/*"', False),
        ('["*bing.*", "https://x.example/a"]', True),
    ],
)
def test_a_first_referrer_that_names_a_page_is_a_warning(
    glob: str,
    warned: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The first referrer is kept as its site alone (final44: such a glob silently never
    matched after 920d814)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n" + rule("a", extra=f", when: {{first_referrer: {glob}}}")
    )
    monkeypatch.chdir(tmp_path)
    main(["check", "rules"])
    found = [line for line in capsys.readouterr().out.splitlines() if "names a page" in line]
    assert len(found) == int(warned), found
    assert not found or found[0].startswith(
        "rules/site.yaml:2: warning: rules[0].when.first_referrer"
    )


@pytest.mark.parametrize(
    ("path", "fix"),
    [
        ("club", "'/club'"),
        ("Club", "'/Club'"),
        ("brochures/thanks", "'/brochures/thanks'"),
        ("https://shop.example/club", "'/club'"),
    ],
)
def test_a_goal_path_without_its_slash_is_said_so(
    path: str,
    fix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (editor63: "'club' has characters that are not allowed here (use lowercase letters ...)")
    goals = f'goals:\n  - {{id: club, path: "{path}"}}\n'
    code, out = check_site(tmp_path, monkeypatch, capsys, {"goals.yaml": goals})
    assert code == 1
    assert out[0] == (
        f"rules/goals.yaml:2: error: goals[0].path: {path!r} can never match: a request path "
        f"always starts with '/' (write {fix})"
    )


@pytest.mark.parametrize(
    ("when", "fix"),
    [
        ("      priority: 50\n", "rules[0].when.priority: unknown field 'priority' (it belongs"),
        (
            "      any:\n        - {visits: 2, cap: {max: 1, per: day}}\n",
            "rules[0].when.any[0].cap:",
        ),
    ],
)
def test_a_rule_field_indented_under_when_is_told_to_come_out(
    when: str,
    fix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (editor63: "unknown field 'priority' (allowed: stage, segment, ...)")
    rules = "rules:\n  - id: a\n    slot: hero\n    text: X\n    why: Because.\n    when:\n"
    code, lines = check_site(
        tmp_path, monkeypatch, capsys, {"site.yaml": rules + "      stage: [interest]\n" + when}
    )
    out = lines[0]
    assert code == 1
    assert fix in out and out.endswith("beside 'when', not under it: indent it as far as when:)"), (
        out
    )


@pytest.mark.parametrize(
    ("end", "said"),
    [
        (
            '"31/12/2026"',
            "'31/12/2026' is not a date as rules write them (year-month-day) (write 2026-12-31)",
        ),
        ('"12/31/2026"', "(write 2026-12-31)"),
        ('"01/02/2026"', "(write 2026-02-01 or 2026-01-02 (year-month-day))"),
        ('"2026/12/31"', "(write 2026-12-31)"),
        ("tomorrow", "(write a date such as 2026-12-01, or a date and time such as "),
        ('"31/02/2026"', "(write a date such as 2026-12-01"),  # no such day: no fix named
        (
            "2020-11-30",
            "warning: rule 'a' can never fire: its schedule ended with 2020-11-30 "
            "(2020-12-01T00:00:00+00:00)",
        ),
    ],
)
def test_a_schedule_date_is_said_as_the_editor_writes_it(
    end: str,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # (editor63: "invalid character in year" and a full timestamp as the only fix; a bare
    # date's end said as the next day's midnight)
    rule = f'rules:\n  - {{id: a, slot: s, text: X, why: "Because.", schedule: {{end: {end}}}}}\n'
    _, out = check_site(tmp_path, monkeypatch, capsys, {"site.yaml": rule})
    assert out[0].startswith("rules/site.yaml:2: ") and said in out[0], out


@pytest.mark.parametrize(
    ("template", "codec"),
    [
        ('<meta charset="Shift_JIS"><h1 data-omo-slot="ヒーロー">ようこそ</h1>', "cp932"),
        ('<h1 data-omo-slot="ヒーロー">ようこそ</h1>', "utf-16"),  # (with its byte-order mark)
        ("<h1 data-omo-slot=ヒーロー>ようこそ</h1>", "utf-8"),
    ],
)
def test_a_template_declares_a_slot_of_any_name_in_its_own_charset(
    template: str,
    codec: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """i18n67: slot names were read as ASCII only, and templates as UTF-8 (a Shift_JIS one's
    slots went unseen, a UTF-16 one was skipped): "no template declares the slot"."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "home.html").write_bytes(template.encode(codec))
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n  - id: a\n    text: X\n    why: because\n    slot: ヒーロー\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules", "--templates", "templates"]) == 0
    assert capsys.readouterr().out.splitlines() == []
