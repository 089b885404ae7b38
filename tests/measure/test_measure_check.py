"""``omotenashi check`` warns when more measured rules may apply on one page than a page view
counts the held-out visitors of (engine/exposure.py's CHECKS_PER_VIEW): the rules past it miss
one-page visitors' control exposures, a sample-ratio mismatch we cause."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.engine.exposure import CHECKS_PER_VIEW

N = CHECKS_PER_VIEW + 1
WARNING = "measured rules (holdout:) may apply on one page"


def rule(i: int, slot: str | None = None, extra: str = "") -> str:
    where = slot or f"s{i}"
    return f'  - {{id: r{i:02}, slot: {where}, text: X, why: "because {i}"{extra}}}\n'


def measured(count: int, slot: str | None = None, extra: str = "", start: int = 0) -> str:
    return "".join(rule(i, slot, ", holdout: 50%" + extra) for i in range(start, start + count))


def crowded(
    rules: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text("rules:\n" + rules)
    monkeypatch.chdir(tmp_path)
    main(["check", "rules"])
    out = capsys.readouterr().out.splitlines()
    assert not [line for line in out if ": error: " in line and "never fire" not in line], out
    return [line for line in out if WARNING in line]


@pytest.mark.parametrize(
    ("rules", "count"),
    [
        (measured(N), N),  # one more than a view counts, each on its own slot
        (measured(CHECKS_PER_VIEW), 0),  # as many as a view counts: every one counted
        (measured(CHECKS_PER_VIEW) + rule(90) + rule(91), 0),  # rules without a holdout
        (measured(N, slot="hero"), N),  # one slot: a rule held out leaves it to the next
        (measured(CHECKS_PER_VIEW) + rule(90, extra=", holdout: 10%, enabled: false"), 0),
        (
            measured(CHECKS_PER_VIEW)
            + rule(90, extra=", holdout: 10%, when: {new: true, returning: true}"),
            0,  # a rule that can never fire is not held out either
        ),
        # separate pages: literal paths that differ, or globs under different folders
        (
            measured(5, extra=", when: {path: [/tours]}")
            + measured(5, extra=", when: {path: [/blog]}", start=5),
            0,
        ),
        (
            measured(5, extra=", when: {path: ['/tours/*']}")
            + measured(5, extra=", when: {path: ['/blog/*', /about]}", start=5),
            0,
        ),
        # pages that may be one: a glob and a path it matches, nested globs, no path at all
        (
            measured(5, extra=", when: {path: ['/tours/*']}")
            + measured(5, extra=", when: {path: [/tours/kyoto]}", start=5),
            10,
        ),
        (
            measured(5, extra=", when: {path: ['/t*']}")
            + measured(5, extra=", when: {path: ['/tours/*']}", start=5),
            10,
        ),
        (measured(5, extra=", when: {path: [/tours]}") + measured(5, start=5), 10),
    ],
    ids=[
        "nine-slots",
        "eight",
        "unmeasured-do-not-count",
        "one-slot",
        "disabled",
        "never-fires",
        "literal-paths",
        "disjoint-globs",
        "glob-and-its-path",
        "nested-globs",
        "one-without-path",
    ],
)
def test_more_measured_rules_on_a_page_than_a_view_counts_is_one_warning(
    rules: str,
    count: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = crowded(rules, tmp_path, monkeypatch, capsys)
    assert len(found) == (1 if count else 0), found
    if count:
        assert found[0].startswith(f"rules/site.yaml:2: warning: {count} {WARNING}: 'r00', ")


def test_the_warning_says_why_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (line,) = crowded(measured(12), tmp_path, monkeypatch, capsys)
    assert "'r00', 'r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08', 'r09' and 2 more" in line
    for words in (
        f"a page view counts the held-out visitors of at most {CHECKS_PER_VIEW} of them, in turns",
        "visitors who see only one page go missing from some held-out groups",
        "the report finds their split skewed (a sample-ratio mismatch)",
        f"measure at most {CHECKS_PER_VIEW} rules at once, or put them on separate pages",
    ):
        assert words in line


def test_only_the_crowded_page_is_named_among_many_separate_pages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    separate = "".join(
        rule(i, extra=f", holdout: 10%, when: {{path: [/p/{i}, '/q/{i}/*']}}") for i in range(40)
    )
    crowd = measured(N, extra=", when: {path: ['/tours/*']}", start=40)
    (line,) = crowded(separate + crowd, tmp_path, monkeypatch, capsys)
    assert line.startswith(f"rules/site.yaml:42: warning: {N} {WARNING}: 'r40', 'r41', ")
