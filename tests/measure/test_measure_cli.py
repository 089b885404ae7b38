from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import redis

from omotenashi.cli.main import main

RULES = """\
goals:
  - {id: purchase, event: purchase}
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 50%, why: "Everyone."}
"""
DAYS = {
    "2025-12-01": {"x|t|promo": 3000, "x|c|promo": 3000, "c|t|promo|purchase": 360,
                   "c|c|promo|purchase": 300},
    "2025-12-02": {"x|t|promo": 2000, "x|c|promo": 2000, "c|t|promo|purchase": 240,
                   "c|c|promo|purchase": 200},
}  # fmt: skip


def stats_site(
    tmp_path: Path,
    url: str,
    monkeypatch: pytest.MonkeyPatch,
    days: dict[str, dict[str, int]],
    rules: str = RULES,
) -> Path:
    """A rules folder and these days' counters under a key prefix of their own, the
    environment set for ``omotenashi report``."""
    prefix = f"r{uuid.uuid4().hex[:12]}"
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    client = redis.Redis.from_url(url)
    for day, fields in days.items():
        client.hset(f"{prefix}:stats:{day}", mapping=fields)
    client.close()
    monkeypatch.setenv("OMOTENASHI_REDIS_URL", url)
    monkeypatch.setenv("OMOTENASHI_REDIS_KEY_PREFIX", prefix)
    monkeypatch.setenv("OMOTENASHI_RULES_SNIPPETS_DIR", str(tmp_path / "snippets"))
    return tmp_path


@pytest.fixture
def site(tmp_path: Path, omotenashi_redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    return stats_site(tmp_path, omotenashi_redis_url, monkeypatch, DAYS)


@pytest.mark.parametrize(
    ("since", "until", "treated"),
    [("2025-12-01", "2025-12-02", 5000), ("2025-12-02", "2025-12-02", 2000)],
)
def test_report_json_and_html(
    site: Path, capsys: pytest.CaptureFixture[str], since: str, until: str, treated: int
) -> None:
    html = site / "report.html"
    argv = ["report", str(site / "rules"), "--since", since, "--until", until, "--json"]
    assert main([*argv, "--html", str(html)]) == 0
    data = json.loads(capsys.readouterr().out)
    row = data["rows"][0]
    assert (row["rule"], row["goal"], row["treatment"]["visitors"]) == (
        "promo",
        "purchase",
        treated,
    )
    assert row["treatment"]["rate"] == pytest.approx(0.12)
    assert (row["verdict"], row["early"]) == ("helps (early)", True)  # fewer than planned
    page = html.read_text()
    assert page.count("<svg") == 3 and "<script" not in page


def test_report_text(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["report", str(site / "rules"), "--since", "2025-12-01", "--until", "2025-12-02"]) == 0
    )
    out = capsys.readouterr().out
    assert "promo" in out and "helps" in out and "Newcombe" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--since", "12/01/2025"], "'12/01/2025'"),
        (["--since", "2025-12-03", "--until", "2025-12-01"], "since must not be after until"),
    ],
)
def test_report_refuses_bad_days(
    site: Path, capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert main(["report", str(site / "rules"), *args]) == 2
    assert words in capsys.readouterr().err


def test_report_needs_redis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMOTENASHI_REDIS_URL", raising=False)
    assert main(["report", str(tmp_path)]) == 2


def test_report_finds_snippets_next_to_the_rules_it_is_given(
    site: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # as `omotenashi check` does: run from elsewhere, a snippet rule's file is found
    (site / "snippets" / "promo.html").write_text("<b>Promo</b>")
    rules = RULES.replace("text: Promo", "snippet: promo.html")
    (site / "rules" / "site.yaml").write_text(rules)
    monkeypatch.delenv("OMOTENASHI_RULES_SNIPPETS_DIR")
    monkeypatch.chdir(site.parent)
    argv = ["report", str(site / "rules"), "--since", "2025-12-01", "--until", "2025-12-02"]
    assert main(argv) == 0
    assert "promo" in capsys.readouterr().out
