"""Rules that can never fire or paths that never match what they look like are said by
``omotenashi check`` at their lines: an empty any:/not:, a visit count below 1, a not: that
rules out what the rule asks for, a 100% holdout, path globs in another tool's syntax."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site

HEAD = """\
rules:
  - id: kyoto-hero
    slot: hero
    text: "Autumn in Kyoto"
    why: "You asked for it."
"""


@pytest.mark.parametrize(
    ("extra", "code", "said"),
    [
        (
            "    when:\n      any: []\n",
            1,
            "r.yaml:7: error: rules[0].when.any: any: [] holds for no visitor (it lists no "
            "alternative), so the rule never fires (list the alternatives",
        ),
        (
            "    when:\n      not: {}\n",
            1,
            "r.yaml:7: error: rules[0].when.not: not: {} rules out every visitor",
        ),
        (
            "    when:\n      visits: {lt: 1}\n",
            1,
            "r.yaml:7: error: rule 'kyoto-hero' can never fire: visits: it asks for fewer than 1, "
            "and a page view counts its own visit",
        ),
        (
            "    when:\n      attr: {plan: gold}\n      not: {attr: {plan: Gold}}\n",
            0,
            "r.yaml:8: warning: rules[0].when.not: this not: (line 8) rules out attr.plan = "
            "'gold', which the same conditions ask for at line 7: the rule can never fire",
        ),
        (
            "    when:\n      device: mobile\n      not: {device: [mobile, tablet]}\n",
            0,
            "r.yaml:8: warning: rules[0].when.not: this not: (line 8) rules out device: mobile, "
            "which the same conditions ask for at line 7",
        ),
        (
            "    holdout: 100%\n",
            0,
            "r.yaml:6: warning: rules[0].holdout: rule 'kyoto-hero' never shows: holdout: 100% "
            "keeps every visitor in its control group",
        ),
        (
            "    when:\n      path: /tours/[id]\n",
            0,
            "r.yaml:7: warning: rules[0].when.path: '/tours/[id]' matches only '/tours/i' or "
            "'/tours/d': a [...] is one character of the set (for a placeholder use *: write "
            "'/tours/*')",
        ),
        (
            "    when:\n      path: ['/tours/{kyoto,hawaii}']\n",
            0,
            "r.yaml:7: warning: rules[0].when.path[0]: '/tours/{kyoto,hawaii}' never matches: "
            "{a,b} is not supported in a path glob, the braces are read as themselves (write "
            "path: ['/tours/kyoto', '/tours/hawaii'], or two rules)",
        ),
        (
            "    when:\n      path: ['/', '/tours/[kyoto']\n",
            0,
            "r.yaml:7: warning: rules[0].when.path[1]: '/tours/[kyoto' matches only that very "
            "text: a '[' that no ']' closes is read as '['",
        ),
        (
            "    when:\n      path: /tours/[]\n",
            0,
            "r.yaml:7: warning: rules[0].when.path: '/tours/[]' matches only that very text",
        ),
    ],
    ids=[
        "any",
        "not",
        "visits",
        "attr-not",
        "device-not",
        "holdout",
        "set",
        "braces",
        "unclosed",
        "empty-set",
    ],
)
def test_a_rule_that_cannot_fire_or_match_is_said_at_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    code: int,
    said: str,
) -> None:
    said_first(check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}), code, said)


def said_first(checked: tuple[int, list[str]], code: int, said: str) -> None:
    """``check`` exited with ``code`` and said ``said`` (its start), first and once."""
    got, out = checked
    assert (got, [line for line in out if line.startswith(f"rules/{said}")]) == (code, [out[0]])


@pytest.mark.parametrize(
    "extra",
    [
        "    when:\n      path: ['/[Kk]yoto/*', '/tours/x[ab]', '/tours/*', '/t/[0-9]']\n",
        "    when:\n      attr: {plan: gold}\n      not: {attr: {plan: gold, tier: x}}\n",
        "    when:\n      device: [mobile, desktop]\n      not: {device: mobile}\n",
        "    when:\n      visits: {lt: 2}\n",
        "    holdout: 99%\n",
    ],
    ids=["sets", "not-more", "device-left", "visits-1", "holdout-99"],
)
def test_what_can_hold_is_not_warned_about(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
) -> None:
    assert check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}) == (0, [])
