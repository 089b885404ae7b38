"""editor50: a holdout written as a share of 1 (``holdout: 0.1``, read as 0.1% of visitors) and
a count compared with a number below 0 are said by ``omotenashi check`` at their lines: below
0 only (``at_most: -1``) the rule can never fire; a lower bound below 0 holds for everyone. A
list file's item close to a catalogue item's, but not one, is said at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site
from .test_editb47_never import HEAD, said_first


@pytest.mark.parametrize(
    ("extra", "code", "said"),
    [
        (
            "    holdout: 0.1\n",
            0,
            "r.yaml:6: warning: rules[0].holdout: holdout: 0.1 keeps 0.1% of visitors from rule "
            "'kyoto-hero' (holdout is a percent, not a share of 1) (for 10% write holdout: 10%; "
            "for 0.1% write holdout: 0.1%)",
        ),
        (
            "    when:\n      cart_items: {at_most: -1}\n",
            1,
            "r.yaml:7: error: rule 'kyoto-hero' can never fire: cart_items: it asks for less "
            "than 0, and no count is below 0",
        ),
        (  # (qa50: said at the condition's line, not the rule's id)
            "    when:\n      device: mobile\n      purchases: {lt: 0}\n",
            1,
            "r.yaml:8: error: rule 'kyoto-hero' can never fire: purchases: it asks for less than 0",
        ),
        (
            "    when:\n      event: {signup: -2}\n",
            1,
            "r.yaml:7: error: rule 'kyoto-hero' can never fire: event.signup: it asks for less "
            "than 0",
        ),
        (
            "    when:\n      purchases: {at_least: -1}\n",
            0,
            "r.yaml:7: warning: rules[0].when.purchases: purchases: {at_least: -1} holds for "
            "every visitor: no count is below 0 (write {at_least: 1} for one or more, or "
            "remove purchases:)",
        ),
        (
            "    when:\n      any:\n        - {interest: {food: {gt: -0.5}}}\n",
            0,
            "r.yaml:8: warning: rules[0].when.any[0].interest.food: interest.food: {gt: -0.5} "
            "holds for every visitor",
        ),
    ],
    ids=[
        "holdout-share",
        "never-below-0",
        "its-own-line",
        "event-eq-negative",
        "at-least-negative",
        "gt-nested",
    ],
)
def test_a_share_holdout_and_a_count_below_0_are_said_at_their_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    code: int,
    said: str,
) -> None:
    said_first(check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}), code, said)


@pytest.mark.parametrize(
    "extra",
    [
        "    holdout: 0.5%\n",
        "    holdout: '0.5 %'\n",
        "    holdout: 10\n",
        "    holdout: 1\n",
        "    when:\n      cart_items: {at_least: 0, at_most: 3}\n",  # (alone: editor53)
        "    when:\n      visits: {at_least: 2}\n",
        "    when:\n      interest: {food: {gt: 0}}\n",
    ],
    ids=["percent", "percent-spaced", "ten", "one", "at-least-0", "visits", "gt-0"],
)
def test_a_percent_and_counts_from_0_are_not_warned_about(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
) -> None:
    assert check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}) == (0, [])


CATALOG = """
items:
  - {id: kyoto-autumn, title: Kyoto in autumn, url: /tours/kyoto-autumn}
  - {id: hawaii-family, title: Hawaii for families, url: /tours/hawaii-family}
"""


def test_a_list_item_close_to_a_catalogue_item_is_said_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = {
        "r.yaml": HEAD + "    when:\n      viewed_in_list: japan\n",
        "catalog.yaml": CATALOG,
        "data/japan.yaml": "items:\n  - kyoto-autumn\n  - kyoto-autum\n  - osaka-food\n",
    }
    got, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert got == 0
    assert out == [
        "rules/data/japan.yaml:3: warning: items[1]: 'kyoto-autum' is not an item of the "
        "catalogue (did you mean 'kyoto-autumn'?)"
    ]  # (osaka-food: close to none, an id the site may track beyond its catalogue)


@pytest.mark.parametrize(
    "reads",
    ["visitor.viewed_in.japn", "visitor.viewed_in['japn']", "visitor['viewed_in'].japn"],
)
def test_a_snippet_reading_a_list_there_is_not_is_said_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], reads: str
) -> None:
    """visitor.viewed_in.<no list> fails for every visitor (the slot keeps its default); the
    sample visitor check renders with takes any name, so nothing was said."""
    rule = HEAD.replace('    text: "Autumn in Kyoto"\n', "    snippet: seen.html\n")
    files = {
        "r.yaml": rule,
        "data/japan.yaml": "items: [kyoto-autumn]\n",
        "snippets/seen.html": "<p>Seen:</p>\n{% for i in " + reads + " %}{{ i }}{% endfor %}\n",
    }
    got, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert got == 0
    assert out == [
        "snippets/seen.html:2: warning: visitor.viewed_in.japn: there is no list 'japn' "
        "(data/japn.yaml), so it fails for every visitor and the slot keeps its default "
        "(lists: japan)"
    ]
