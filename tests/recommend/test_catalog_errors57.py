"""last56 P3: a catalogue's or a rule file's error quoted the whole value it was about (a
2,000-character title made a 2,100-character line; a 500 KB one, 500 KB): it now quotes the
first 80 characters, enough to find it, with the file, line and field as before."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omotenashi.errors import RuleSetError
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.recommend.catalog import load_catalog

LONG = "B" * 2000


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        (
            f'items:\n  - id: a\n    url: /a\n    title: "{LONG}"\n',
            "catalog.yaml:4: items[0].title: 'BBB",
        ),
        (
            f'items:\n  - id: a\n    url: /a\n    title: "{LONG}\\u202e"\n',
            "catalog.yaml:4: items[0].title: 'BBB",
        ),
        (f'labels:\n  kyoto: "{LONG}\\x07"\nitems: []\n', "catalog.yaml:1: labels: 'BBB"),
    ],
)
def test_a_catalogue_error_quotes_a_long_value_short(
    tmp_path: Path, text: str, starts: str
) -> None:
    path = tmp_path / "catalog.yaml"
    path.write_text(text)
    with pytest.raises(RuleSetError) as caught:
        load_catalog(path, base=tmp_path)
    lines = [line for line in str(caught.value).splitlines() if line.startswith(starts)]
    assert lines, str(caught.value)[:500]
    assert all(len(line) < 300 for line in lines), [len(line) for line in lines]


def test_a_rule_file_error_quotes_a_long_value_short(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "site.yaml").write_text(
        textwrap.dedent(
            f"""\
            rules:
              - id: "{"x" * 500}"
                slot: hero
                text: Hi
                why: Because.
            """
        )
    )
    with pytest.raises(RuleSetError) as caught:
        load_ruleset(rules, Renderer(tmp_path / "snippets"), base=tmp_path)
    lines = [line for line in str(caught.value).splitlines() if "site.yaml:2" in line]
    assert lines, str(caught.value)[:500]
    assert all(len(line) < 300 for line in lines), [len(line) for line in lines]
