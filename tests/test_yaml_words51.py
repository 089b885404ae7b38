"""What YAML reads otherwise than an editor meant is said as what it is, at its own line, with
its own fix. editor51: a YAML tag (``!mytag``, ``!!python/object``) and a second document
(``---``) both got "check the indentation and quote text containing ':' or '#'", which fixes
neither. i18n67 and last67: a key YAML reads as no text (``~:``, ``1:``) was "rules[0].None:
this is empty" at the rule's line; a number too long to read named no field; a value in curly
quotes and a line separator (a line break to YAML, unseen in editors) were said generically,
a line late."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omotenashi.recommend.catalog import load_catalog

from .test_cli_check import check_site

RULE = "rules:\n  - id: a\n    slot: hero\n    text: Hi\n    why: Because of a.\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "rules:\n  - {id: a, slot: x, text: !mytag hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag '!mytag' (a '!' before a value) is "
            "not read (remove it, or quote the whole value if the '!' is text",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: !!python/object:os.system x, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag '!!python/object:os.system'",
        ),
        (  # (eye51c: a quote in it, and a tag outside YAML's own, were named wrong)
            "rules:\n  - {id: a, slot: x, text: !my'tag hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag \"!my'tag\" (a '!' before a value)",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: !<tag:example.com,2000:x> hi, why: w}\n",
            "r.yaml:2: error: not valid YAML here: the tag 'tag:example.com,2000:x' (a '!'",
        ),
        (
            "rules:\n  - {id: a, slot: x, text: hi, why: w}\n---\nrules: []\n",
            "r.yaml:3: error: not valid YAML here: a second document ('---') in one file: the "
            "file is refused whole (remove the '---' line, or move what follows it into a "
            "file of its own)",
        ),
        # (i18n67, last67: wordless or a line late)
        (
            RULE + "    ~: x\n",
            "r.yaml:6: error: rules[0]: the key '~' is read as nothing (null), not as a name "
            "(quote it if it is text: '~':)",
        ),
        (RULE + "    null: x\n", "r.yaml:6: error: rules[0]: the key 'null' is read as nothing"),
        (RULE + "    1: x\n", "r.yaml:6: error: rules[0]: the key '1' is read as a number"),
        (RULE + "    true: x\n", "r.yaml:6: error: rules[0]: the key 'true' is read as true or"),
        (
            RULE + "    when: {query: {2024: x}}\n",
            "r.yaml:6: error: rules[0].when.query: the key '2024' is read as a number, not as a "
            "name (quote it if it is text: '2024':)",
        ),
        (
            RULE + "    when:\n      attr:\n        2026-12-01: x\n",
            "r.yaml:8: error: rules[0].when.attr: the key '2026-12-01' is read as a date",
        ),
        (  # a value read as a number first, then as a key: the fast reader's cache
            RULE + "    priority: 7\n    when: {query: {7: x}}\n",
            "r.yaml:7: error: rules[0].when.query: the key '7' is read as a number",
        ),
        (
            RULE + "    priority: " + "1" * 5001 + "\n",
            "r.yaml:6: error: rules[0].priority: a number of 5,001 characters is too long to "
            "read (write a shorter number, or quote it if it is text)",
        ),
        (
            RULE.replace("text: Hi", "text: \u201cHello: world\u201d"),
            "r.yaml:4: error: line 4 opens a value with '\u201c', a typographic quote YAML reads "
            "as text (write straight quotes: text: 'Hello: world')",
        ),
        (
            RULE.replace("why: Because of a.", "why: \u2018Because: you came.\u2019"),
            "r.yaml:5: error: line 5 opens a value with '\u2018', a typographic quote YAML reads "
            "as text (write straight quotes: why: 'Because: you came.')",
        ),
        (
            RULE.replace("- id: a", "- id: a # note\u2028more") + "    slott: x\n",
            "r.yaml:2: error: line 2 has a U+2028 LINE SEPARATOR, which YAML reads as a line "
            "break (delete it (most editors do not show it); in quotes, write it as \\u2028)",
        ),
        (  # (before the error YAML found, a line break of its own: the line is an editor's)
            RULE.replace("why: Because of a.", "why: Because\u2029of a.\n    text: [")
            + "    x: 1\n",
            "r.yaml:5: error: line 5 has a U+2029 PARAGRAPH SEPARATOR, which YAML reads as a",
        ),
    ],
    ids=[
        "custom-tag",
        "python-tag",
        "quoted-tag",
        "other-namespace",
        "second-document",
        "tilde-key",
        "null-key",
        "number-key",
        "true-key",
        "query-number-key",
        "date-key",
        "cached-number-key",
        "long-priority",
        "curly-double",
        "curly-single",
        "line-separator",
        "paragraph-separator",
    ],
)
def test_a_yaml_slip_is_said_as_what_it_is_at_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    said: str,
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": text})
    assert code == 1
    assert [line for line in out if line.startswith("rules/")][0].startswith("rules/" + said)


@pytest.mark.parametrize(
    "fields",
    [
        "    text: \u201cHello\u201d\n",  # curly quotes that are the text's own: kept
        '    text: "Hello\u2028world"\n'.replace("\u2028", "\\u2028"),  # the escape is fine
        "    text: Hi\n    when: {query: {'2024': x}}\n",  # a quoted number is a name
        '    text: "Hello\u2029world"\n',  # (eye68: kept in quotes, as a JSON catalogue's title)
    ],
)
def test_what_yaml_reads_as_meant_is_still_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fields: str
) -> None:
    rule = "rules:\n  - id: a\n    slot: hero\n    why: Because of a.\n" + fields
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rule})
    assert code == 0, out


def test_a_snippets_own_data_may_be_keyed_by_numbers_and_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """review68: a key read as no text is refused where a rule names its fields, not in the
    data a rule gives its snippet (prices by year), which loaded before."""
    rule = (
        "rules:\n  - id: a\n    slot: hero\n    why: Because of a.\n    snippet: p.html\n"
        "    with: {prices: {2024: 10, 2025: 12}, days: {2026-12-01: open}}\n"
    )
    snippet = "{% for y, p in prices.items() %}{{ y }}: {{ p }} {% endfor %}"
    files = {"r.yaml": rule, "snippets/p.html": snippet}
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    assert code == 0, out


def test_the_curly_quote_fix_keeps_a_backslash_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """review68: the fix was in double quotes, where YAML reads \\n as a new line."""
    text = RULE.replace("why: Because of a.", "why: \u201cSaved in C:\\new: see\u201d")
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": text})
    assert code == 1
    assert out[0].endswith("(write straight quotes: why: 'Saved in C:\\new: see')"), out


def test_a_json_catalogue_with_a_line_separator_in_a_title_loads(tmp_path: Path) -> None:
    """eye68: json.dumps(ensure_ascii=False) and JSON.stringify leave U+2028 raw in strings;
    refusing it wherever it stood refused such a catalogue whole on an upgrade."""
    data = {"items": [{"id": "t1", "title": "Kyoto walk\u2028Half day", "url": "/t/1"}]}
    (tmp_path / "catalog.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert [i.title for i in load_catalog(tmp_path / "catalog.json").items] == [
        "Kyoto walk\u2028Half day"
    ]
