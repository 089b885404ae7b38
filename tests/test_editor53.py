"""editor53: what an editor writes that reads otherwise than meant. A count compared so that
every visitor passes (``views: {at_least: 0}``) is a ``check`` warning at its own line (its "i"
told a visitor "you have looked at 0 or more pages"); a text field YAML reads as a number or
true/false (``id: 0x10``) is said as such, not "got 16"."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site
from .test_editb47_never import HEAD, said_first


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (
            "    when:\n      views: {at_least: 0}\n",
            "r.yaml:7: warning: rules[0].when.views: views: {at_least: 0} holds for every "
            "visitor: no count is below 0 (write {at_least: 1} for one or more, or remove views:)",
        ),
        (  # (a bound below 0 beside another test: it rules out no one)
            "    when:\n      cart_items: {at_least: -1, at_most: 3}\n",
            "r.yaml:7: warning: rules[0].when.cart_items: cart_items: at_least: -1 rules out no "
            "visitor: no count is below 0 (remove at_least:)",
        ),
        (
            "    when:\n      device: mobile\n      any:\n        - {visits: {at_least: 2}}\n"
            "        - event: {signup: {gt: -1}}\n",
            "r.yaml:10: warning: rules[0].when.any[1].event.signup: event.signup: {gt: -1} holds",
        ),
        (
            "    when:\n      all:\n        - interest: {kyoto: {at_least: 0}}\n",
            "r.yaml:8: warning: rules[0].when.all[0].interest.kyoto: interest.kyoto: {at_least: 0}",
        ),
        (  # (japan53: a .jp shop's "jp" is a country's code; browsers ask for "ja")
            "    when: {language: [jp]}\n",
            "r.yaml:6: warning: rules[0].when.language[0]: 'jp' is a country's code, not a "
            "language's: browsers ask for 'ja' (Japanese), not 'jp' (write language: ja, or "
            "country: JP for where)",
        ),
    ],
    ids=["views", "beside", "event-in-any", "interest-in-all", "language-jp"],
)
def test_what_reads_otherwise_than_meant_is_a_warning_at_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    said: str,
) -> None:
    said_first(check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}), 0, said)


@pytest.mark.parametrize(
    "extra",
    [
        "    when:\n      views: {at_least: 1}\n",
        "    when:\n      visits: {at_least: 0, at_most: 3}\n",
    ],
)
def test_counts_that_choose_are_not_warned_of(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
) -> None:
    _, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra})
    assert not [line for line in out if "holds for every" in line or "rules out no" in line]


@pytest.mark.parametrize(
    ("written", "read"),
    [("0x10", "the number 16"), ("1_000", "the number 1000"), ("true", "true or false")],
)
def test_a_text_field_yaml_reads_as_a_number_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    written: str,
    read: str,
) -> None:
    rule = HEAD.replace("id: kyoto-hero", f"id: {written}")
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rule})
    assert code == 1
    assert out[0] == (
        f"rules/r.yaml:2: error: rules[0].id: YAML reads what is written here as {read}, not "
        "as text (quote it exactly as written, e.g. '0x10' or 'true')"
    )


@pytest.mark.parametrize(
    ("paths", "warned"),
    [
        (("/ja/*", "/en/*"), False),  # one rule per language: never together (site53)
        (("/ja", "/en/*"), False),
        (("/ja/*", "/ja/tours/*"), True),
        (("/j*", "/en/*"), True),  # (a wildcard in the first segment: it may be either)
        (("/ja/*", None), True),
    ],
)
def test_rules_on_pages_apart_are_not_said_to_clash(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    paths: tuple[str, str | None],
    warned: bool,
) -> None:
    rules = "rules:\n"
    for n, path in enumerate(paths):
        rules += f'  - {{id: r{n}, slot: hero, text: "T{n}", why: "Because."'
        rules += f", when: {{path: ['{path}']}}}}\n" if path else "}\n"
    _, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rules})
    assert any("the same priority" in line for line in out) is warned, out
