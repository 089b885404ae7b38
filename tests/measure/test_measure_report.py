from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omotenashi.measure import report as rep
from omotenashi.measure.errors import MeasureError
from omotenashi.measure.htmlreport import render_html
from omotenashi.measure.report import RuleSpec
from omotenashi.measure.stats import Verdict
from omotenashi.measure.text import render_text

DAYS = {
    "2025-12-01": {
        "x|t|hero": "3000",
        "x|c|hero": "3000",
        "c|t|hero|purchase": "360",
        "c|c|hero|purchase": "300",
        "c|t|hero|signup": "30",
        "c|c|hero|signup": "31",
        "x|t|promo": "50",
        "x|c|promo": "5",
        "junk": "7",
        "x|t|bad": "not a number",
    },
    "2025-12-02": {
        "x|t|hero": "2000",
        "x|c|hero": "2000",
        "c|t|hero|purchase": "240",
        "c|c|hero|purchase": "200",
    },
}
SPECS = [RuleSpec("hero", 50.0, ("purchase", "signup")), RuleSpec("promo", 10.0)]


def make(**kwargs: str | None) -> rep.Report:
    return rep.build(rep.counts_from_days(DAYS), SPECS, ["purchase"], **kwargs)  # type: ignore[arg-type]


def row(report: rep.Report, rule: str, goal: str) -> rep.Row:
    return next(r for r in report.rows if (r.rule, r.goal) == (rule, goal))


def test_rows_sum_days_and_judge() -> None:
    report = make()
    hero = row(report, "hero", "purchase")
    assert (hero.n_t, hero.x_t, hero.n_c, hero.x_c) == (5000, 600, 5000, 500)
    assert hero.diff == pytest.approx(0.02)
    assert hero.diff_ci.low > 0
    assert hero.verdict is Verdict.HELPS
    assert not hero.srm
    signup = row(report, "hero", "signup")
    assert signup.verdict is Verdict.NO_EVIDENCE


def test_rules_without_own_goals_use_the_site_goals() -> None:
    assert [(r.rule, r.goal) for r in make().rows] == [
        ("hero", "purchase"),
        ("hero", "signup"),
        ("promo", "purchase"),
    ]


@pytest.mark.parametrize(
    ("since", "until", "n_t"),
    [
        (None, None, 5000),
        ("2025-12-02", None, 2000),
        (None, "2025-12-01", 3000),
        ("2025-12-03", None, 0),
    ],
)
def test_since_and_until_select_cohort_days(since: str | None, until: str | None, n_t: int) -> None:
    assert row(make(since=since, until=until), "hero", "purchase").n_t == n_t


def test_small_and_skewed_groups_give_no_verdict() -> None:
    promo = row(make(), "promo", "purchase")
    assert not promo.enough
    assert promo.verdict is Verdict.NO_EVIDENCE
    assert "Too few visitors" in promo.sentence


def test_a_skewed_split_is_flagged() -> None:
    counts = rep.counts_from_days({"2025-12-01": {"x|t|hero": 6000, "x|c|hero": 4000}})
    hero = rep.build(counts, [RuleSpec("hero", 50.0)], ["purchase"]).rows[0]
    assert hero.srm and hero.srm_p is not None and hero.srm_p < 1e-9
    assert "cannot be trusted" in hero.sentence


@pytest.mark.parametrize(
    ("specs", "holdout", "words"),
    [
        ([RuleSpec("hero", 0.0)], 0.0, "No holdout"),
        ([], None, "no longer in the rule files"),  # counted, no longer configured: no split
    ],
)
def test_rules_without_a_control_or_config(
    specs: list[RuleSpec], holdout: float | None, words: str
) -> None:
    counts = rep.counts_from_days({"2025-12-01": {"x|t|hero": 10}})
    hero = rep.build(counts, specs, ["purchase"]).rows[0]
    assert (hero.holdout, hero.srm_p) == (holdout, None)
    assert words in hero.sentence


def test_json_is_valid_and_complete() -> None:
    data = json.loads(json.dumps(make().as_json(), allow_nan=False))
    first = data["rows"][0]
    assert first["treatment"] == {"visitors": 5000, "conversions": 600, "rate": 0.12}
    assert (first["verdict"], first["early"]) == ("helps (early)", True)  # 5,000 of 13,253
    assert "Newcombe" in data["methods"]["absolute_lift"]
    # 11 % (both groups: 12 % and 10 %) -> 12.1 %, 50 % held out
    assert first["needed"] == {"control": 13253, "treatment": 13253}
    assert data["daily"]["hero"][1] == {
        "day": "2025-12-02",
        "exposures": {"treatment": 2000, "control": 2000},
        "conversions": {"treatment": 240, "control": 200},
    }


def test_text_table_lists_every_row_and_sentence() -> None:
    text = render_text(make())
    assert re.search(r"^hero +purchase +50% +5,000 +12.0% +5,000 +10.0% +\+2.0 \[", text, re.M)
    assert "+2.0 [" in text
    assert "hero / purchase: The rule helps" in text
    assert render_text(rep.build(rep.Counts(), [])).count("Nothing counted yet") == 1


@pytest.mark.parametrize(
    ("specs", "in_table", "listed"),
    [
        ([RuleSpec("hero", 50.0), RuleSpec("tagline", 0.0)], ["hero"], "(1 rule;"),
        ([RuleSpec("hero", 0.0), RuleSpec("tagline", 0.0)], [], "(2 rules;"),
    ],
)
def test_rules_without_a_holdout_are_named_once_not_judged(
    specs: list[RuleSpec], in_table: list[str], listed: str
) -> None:
    counts = rep.counts_from_days({"2025-12-01": {"x|t|hero": 900, "x|t|tagline": 800}})
    text = render_text(rep.build(counts, specs, ["purchase", "brochure"]))
    rows = re.findall(r"^(\w+) +(?:purchase|brochure) +\d", text, re.M)
    assert sorted(set(rows)) == in_table
    said = [line for line in text.splitlines() if line.startswith("Not measured, no holdout")]
    assert len(said) == 1 and listed in said[0] and said[0].endswith("tagline.")
    assert "tagline / " not in text  # no verdict sentence for a rule with nothing to compare
    page = render_html(rep.build(counts, specs, ["purchase", "brochure"]))
    assert '<th scope="row">tagline</th>' not in page and said[0] in page.replace("&#x27;", "'")
    assert ('<th scope="row">hero</th>' in page) is bool(in_table)


@pytest.mark.parametrize("text", ["2025-13-01", "yesterday", "", "2025/12/01"])
def test_bad_days_are_refused_with_the_value(text: str) -> None:
    with pytest.raises(MeasureError) as info:
        rep.parse_day(text)
    assert repr(text) in str(info.value)


@given(st.text(max_size=20))
def test_parse_day_accepts_only_iso_dates(text: str) -> None:
    try:
        day = rep.parse_day(text)
    except MeasureError:
        return
    assert len(day) == 10 and day[4] == "-" and day[7] == "-"


def test_since_after_until_is_refused() -> None:
    with pytest.raises(MeasureError):
        make(since="2025-12-02", until="2025-12-01")


def test_a_rule_no_longer_configured_gets_no_verdict_however_big_its_lift() -> None:
    # old-banner: 4,000 treated and 400 held out, converting 15 % vs 10 %: its split cannot be
    # checked against a holdout nobody knows any more, so "helps" would be unfounded
    days = {"2025-12-01": {"x|t|old": 4000, "x|c|old": 400, "c|t|old|buy": 600, "c|c|old|buy": 40}}
    old = rep.build(rep.counts_from_days(days), [], ["buy"]).rows[0]
    assert old.verdict is Verdict.NO_EVIDENCE and "no longer in the rule files" in old.sentence
    assert old.needed is None  # no plan either: the split it would follow is unknown


@pytest.mark.parametrize(
    ("holdout", "plan"),
    [
        (50.0, "plan on about 14,751 visitors per group"),
        (10.0, "plan on about 8,302 held-out visitors and 74,718 shown the rule"),
    ],
)
def test_the_plan_follows_the_rules_holdout(holdout: float, plan: str) -> None:
    share = holdout / 100
    n_c, n_t = round(2000 * share), round(2000 * (1 - share))
    days = {
        "2025-12-01": {
            "x|t|hero": n_t, "x|c|hero": n_c,
            "c|t|hero|buy": round(n_t * 0.1), "c|c|hero|buy": round(n_c * 0.1),
        }
    }  # fmt: skip
    hero = rep.build(rep.counts_from_days(days), [RuleSpec("hero", holdout)], ["buy"]).rows[0]
    assert hero.verdict is Verdict.NO_EVIDENCE and plan in hero.sentence


def test_more_conversions_than_visitors_is_unusable_data_not_an_error() -> None:
    """Old data over-counted by concurrent requests (30 conversions of 1 visitor) is shown as
    unusable with its reason; every other rule keeps its verdict, in every report."""
    over = {**DAYS["2025-12-01"], "x|t|dup": "1", "c|t|dup|purchase": "30"}
    days = {**DAYS, "2025-12-01": over}
    report = rep.build(rep.counts_from_days(days), [*SPECS, RuleSpec("dup", 50.0)], ["purchase"])
    dup = row(report, "dup", "purchase")
    assert dup.unusable and dup.label == "unusable data" and dup.diff is None
    assert "30 conversions counted for 1 treated visitors" in dup.sentence
    assert row(report, "hero", "purchase").verdict is Verdict.HELPS
    data = json.loads(json.dumps(report.as_json(), allow_nan=False))
    dup_json = next(r for r in data["rows"] if r["rule"] == "dup")
    assert (dup_json["verdict"], dup_json["unusable"]) == ("unusable data", True)
    assert dup_json["treatment"]["rate"] is None  # never 3,000 %
    assert f"dup / purchase: {dup.sentence}" in render_text(report)
    assert "unusable data</td>" in render_html(report)


def test_a_rule_no_longer_in_the_files_keeps_the_goals_counted_for_it() -> None:
    # (editor63: it was reported against every site goal, 2 rows became 5)
    counts = rep.Counts()
    counts.exposures[("gone", rep.Arm.TREATMENT, "2026-12-01")] = 40
    counts.exposures[("gone", rep.Arm.CONTROL, "2026-12-01")] = 40
    counts.conversions[("gone", "purchase", rep.Arm.TREATMENT, "2026-12-01")] = 4
    counts.conversions[("gone", "signup", rep.Arm.CONTROL, "2026-12-01")] = 1
    site = ["purchase", "signup", "brochure", "club", "newsletter"]
    rows = rep.build(counts, [], site).rows
    assert sorted(row.goal for row in rows) == ["purchase", "signup"]
    quiet = rep.Counts()  # nothing converted: the site's goals, as before
    quiet.exposures[("gone", rep.Arm.TREATMENT, "2026-12-01")] = 40
    assert sorted(row.goal for row in rep.build(quiet, [], site).rows) == sorted(site)
