"""editor51: a condition that can never hold inside an ``all:`` or ``any:`` is said by
``omotenashi check`` at its own line, and "none of the any: branches can hold" at the
``any:``; before, both were said at the rule's ``when:``, which may be screens away."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site
from .test_editb47_never import HEAD, said_first


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (
            "    when:\n      device: mobile\n      all:\n        - stage: interest\n"
            "        - visits: {at_most: 0}\n",
            "r.yaml:10: error: rule 'kyoto-hero' can never fire: visits: it asks for fewer than 1",
        ),
        (
            "    when:\n      device: mobile\n      all:\n        - all:\n"
            "            - stage: interest\n            - event: {signup: {lt: 0}}\n",
            "r.yaml:11: error: rule 'kyoto-hero' can never fire: event.signup: it asks for less "
            "than 0",
        ),
        (
            "    when:\n      device: mobile\n      stage: interest\n      any:\n"
            "        - {new: true, returning: true}\n        - {purchases: {lt: 0}}\n",
            "r.yaml:9: error: rule 'kyoto-hero' can never fire: none of the any: branches can hold "
            "(any[0]: new: true and returning: true cannot both hold; any[1]: purchases: ",
        ),
        (  # (a condition of the rule's own: its line, as before)
            "    when:\n      device: mobile\n      purchases: {lt: 0}\n",
            "r.yaml:8: error: rule 'kyoto-hero' can never fire: purchases: it asks for less",
        ),
        (
            "    when:\n      any:\n        - {returning: true}\n        - all:\n"
            "            - {new: true}\n            - {returning: true}\n",
            "r.yaml:9: warning: rule 'kyoto-hero': when.any[1] can never hold (new: true and "
            "returning: true cannot both hold): the rule fires by its other branches only",
        ),
        (
            "    when:\n      all:\n        - any:\n            - {device: mobile}\n"
            "            - {visits: {at_most: 0}}\n",
            "r.yaml:10: warning: rule 'kyoto-hero': when.all[0].any[1] can never hold (visits: ",
        ),
    ],
    ids=["in-all", "in-all-in-all", "any-branches", "own", "dead-any", "dead-any-in-all"],
)
def test_a_condition_that_can_never_hold_is_said_at_its_own_line_at_any_depth(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: str,
    said: str,
) -> None:
    """An error (exit 1); a branch of an ``any:`` that cannot hold beside others that can
    (below), a warning (exit 0)."""
    code = 0 if ": warning: " in said else 1
    said_first(check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}), code, said)


def test_branches_that_may_hold_are_not_warned_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "    when:\n      any:\n        - {returning: true}\n        - {device: mobile}\n"
    assert check_site(tmp_path, monkeypatch, capsys, {"r.yaml": HEAD + extra}) == (0, [])
