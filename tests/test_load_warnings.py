"""What the live load does not refuse a rule set for, though an editor should hear of it: a
snippet that fails only for the sample visitor, a schedule that ends before it starts (that
rule is never on), an empty journey file (the default journey). Each loads the rest, logs one
line, and is said by ``omotenashi check`` (a warning, or an error where nothing is lost by
refusing there). What is certain to fail stays a refusal."""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path

import pytest

from omotenashi import RuleSetError
from omotenashi.cli.main import main
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.journey import load_journey
from omotenashi.loader.reload import Reloader
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.metrics import Metrics
from omotenashi.settings import RulesSettings

SAMPLE = "with a sample visitor (stage awareness, returning"


def site(tmp_path: Path, rules: str, snippets: dict[str, str], journey: str | None = None) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    if journey is not None:
        (tmp_path / "rules" / "journey.yaml").write_text(journey)
    for name, body in snippets.items():
        (tmp_path / "snippets" / name).write_text(body)
    return tmp_path


def rule(snippet: str, extra: str = "") -> str:
    return f"rules:\n  - {{id: r, slot: hero, snippet: {snippet}, why: because{extra}}}\n"


# Snippets that render for every visitor their rule shows to, but not for the sample visitor
# (stage awareness, returning, one interest, nothing viewed in a list).
FINE_FOR_ITS_VISITORS = [
    (
        rule(
            "s.html",
            ", with: {messages: {consideration: Compare, purchase: Book}},"
            " when: {stage: [consideration, purchase]}",
        ),
        "<p>{{ messages[visitor.stage] }}</p>",
    ),
    (
        rule("s.html", ", when: {viewed_in_list: sale}"),
        "{% set it = visitor.viewed_in.sale | first %}<a>{{ visitor.titles[it] }}</a>",
    ),
    (
        rule("s.html", ", when: {interest: {kyoto: {at_least: 1}, hawaii: {at_least: 1}}}"),
        "{{ visitor.interests[0] }} or {{ visitor.interests[1] }}?",
    ),
    (  # a shared hero: this rule shows it to new visitors only, and gives only their headline
        rule("s.html", ", with: {headline: Welcome}, when: {new: true}"),
        "{% if visitor.returning %}{{ returning_headline }}{% else %}{{ headline }}{% endif %}",
    ),
]


@pytest.mark.parametrize(
    ("rules", "snippet"),
    FINE_FOR_ITS_VISITORS,
    ids=["message-by-stage", "first-on-sale", "second-interest", "shared-hero"],
)
def test_a_snippet_failing_only_for_the_sample_visitor_loads_with_one_warning(
    rules: str, snippet: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = site(tmp_path, rules, {"s.html": snippet})
    noted: list[LoadWarning] = []
    loaded = load_ruleset(root / "rules", Renderer(root / "snippets"), warnings=noted)
    assert [r.id for r in loaded.rules] == ["r"]
    assert len(noted) == 1 and noted[0].level == "warning"
    assert SAMPLE in noted[0].error.problem
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader = Reloader(cfg, Metrics())
    assert [r.id for r in reloader.current.ruleset.rules] == ["r"]
    said = [r.getMessage() for r in caplog.records if SAMPLE in r.getMessage()]
    assert len(said) == 1, said


@pytest.mark.parametrize(
    ("rules", "snippet", "error"),
    [
        (  # read on every render: certain to fail
            rule("s.html", ", with: {headline: Hi}"),
            "<h1>{{ headline }}</h1>{% if visitor.returning %}!{% endif %}<a>{{ cta_label }}</a>",
            "the snippet 's.html' needs 'cta_label', which with: does not give",
        ),
        (  # a with: key the snippet never uses, near the name it lacks: a typo
            rule("s.html", ", with: {returning_headlne: Hi}"),
            "{% if visitor.returning %}{{ returning_headline }}{% endif %}",
            "s.html:1 needs 'returning_headline': one of the two is misspelt; write "
            "'returning_headline' here, or 'returning_headlne' in the snippet)",
        ),
        (
            rule("s.html"),
            "{% if visitor.visits > 9 %}{{ visitor.frist_name }}{% endif %}",
            "'frist_name' is not a visitor field",
        ),
        (rule("s.html"), "{{ visitor.name }\n", "does not compile"),
    ],
)
def test_what_is_certain_to_fail_is_still_refused(
    rules: str, snippet: str, error: str, tmp_path: Path
) -> None:
    root = site(tmp_path, rules, {"s.html": snippet})
    with pytest.raises(RuleSetError) as info:
        load_ruleset(root / "rules", Renderer(root / "snippets"))
    assert error in str(info.value)


def test_check_says_a_sample_failure_as_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules, snippet = FINE_FOR_ITS_VISITORS[0]
    site(tmp_path, rules, {"s.html": snippet})
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if SAMPLE in line and ": warning: " in line], out


@pytest.mark.parametrize(
    "snippet",
    [
        "{% for visitor in reviews %}<q>{{ visitor.quote }}</q>{% endfor %}",
        "{% set visitor = reviews[0] %}{{ visitor.quote }}",
        "{% with visitor = reviews[0] %}{{ visitor.quote }}{% endwith %}",
        "{% macro card(visitor) %}{{ visitor.quote }}{% endmacro %}{{ card(reviews[0]) }}",
    ],
    ids=["for", "set", "with", "macro"],
)
def test_a_name_the_snippet_binds_itself_is_not_the_visitor(snippet: str, tmp_path: Path) -> None:
    root = site(
        tmp_path, rule("s.html", ", with: {reviews: [{quote: Lovely}]}"), {"s.html": snippet}
    )
    loaded = load_ruleset(root / "rules", Renderer(root / "snippets"))
    assert [r.id for r in loaded.rules] == ["r"]


def test_a_recommend_snippet_naming_no_visitor_field_is_refused(tmp_path: Path) -> None:
    root = site(
        tmp_path,
        rule("recs.html", ", recommend: {items: 4}"),
        {"recs.html": "<h3>For you, {{ visitor.frist_name }}</h3>{% for i in items %}{% endfor %}"},
    )
    with pytest.raises(RuleSetError) as info:
        load_ruleset(root / "rules", Renderer(root / "snippets"))
    assert "'frist_name' is not a visitor field" in str(info.value)


BACKWARDS = """
rules:
  - {id: ok, slot: hero, text: Hi, why: because}
  - {id: backwards, slot: tagline, text: Sale, why: because,
     schedule: {start: 2026-12-05, end: 2026-12-01}}
"""


def test_a_schedule_ending_before_it_starts_is_never_on_and_refuses_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import UTC, datetime, timedelta

    from omotenashi.engine.decide import eligible

    root = site(tmp_path, BACKWARDS, {})
    noted: list[LoadWarning] = []
    loaded = load_ruleset(root / "rules", Renderer(root / "snippets"), warnings=noted)
    backwards = next(r for r in loaded.rules if r.id == "backwards")
    start = datetime(2026, 11, 25, tzinfo=UTC)
    assert not any(eligible(backwards, start + timedelta(hours=h)) for h in range(0, 24 * 20, 6))
    assert [(n.level, n.error.field) for n in noted] == [("error", "rules[1].schedule.end")]
    assert "the rule would never be on" in noted[0].error.problem
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader = Reloader(cfg, Metrics())
    assert {r.id for r in reloader.current.ruleset.rules} == {"ok", "backwards"}
    assert len([r for r in caplog.records if "would never be on" in r.getMessage()]) == 1


@pytest.mark.parametrize("journey", ["", "# only a comment\n"], ids=["empty", "comment-only"])
def test_an_empty_journey_file_loads_the_default_journey_with_one_warning(
    journey: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = site(tmp_path, rule("s.html"), {"s.html": "Hi"}, journey=journey)
    noted: list[LoadWarning] = []
    assert load_journey(root / "rules", warnings=noted).spec.transitions == []
    assert [n.level for n in noted] == ["error"]  # in omotenashi check
    assert "nobody would move past awareness" in noted[0].error.problem
    assert "every rule with a stage condition" not in noted[0].error.problem
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader = Reloader(cfg, Metrics())
    assert [r.id for r in reloader.current.ruleset.rules] == ["r"]  # not refused
    assert len([r for r in caplog.records if "journey file is empty" in r.getMessage()]) == 1


def test_a_reload_logs_at_most_twenty_warnings_and_counts_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """They are logged on the event loop as the new set goes live: one line per warning for
    10,000 rules would hold it for a tenth of a second."""
    backwards = "".join(
        f"  - {{id: b{i}, slot: s{i}, text: Sale, why: because,"
        f" schedule: {{start: 2026-12-05, end: 2026-12-01}}}}\n"
        for i in range(30)
    )
    root = site(tmp_path, "rules:\n" + backwards, {})
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        Reloader(cfg, Metrics())
    said = [r.getMessage() for r in caplog.records]
    assert len([m for m in said if "would never be on" in m]) == 20
    assert "omotenashi: and 10 more warning(s): `omotenashi check` lists them all" in said


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("sub/more.yaml", "subfolders are not read"),
        ("sale.YAML", "in lowercase: rename it to sale.yaml"),
    ],
)
def test_a_rule_file_no_load_reads_is_a_warning_of_the_live_site_too(
    path: str, said: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Not only ``omotenashi check``: a site whose editor saved rules where they are never
    read logs it as it loads them."""
    root = site(tmp_path, rule("s.html"), {"s.html": "Hi"})
    extra = root / "rules" / path
    extra.parent.mkdir(exist_ok=True)
    extra.write_text("rules:\n  - {id: lost, slot: hero, text: Lost, why: because}\n")
    cfg = RulesSettings(dir=root / "rules", snippets_dir=root / "snippets")
    with caplog.at_level(logging.WARNING, logger="omotenashi"):
        reloader = Reloader(cfg, Metrics())
    assert [r.id for r in reloader.current.ruleset.rules] == ["r"]
    lines = [r.getMessage() for r in caplog.records if "never read" in r.getMessage()]
    assert len(lines) == 1 and said in lines[0] and path.split("/")[-1] in lines[0]
