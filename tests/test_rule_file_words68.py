"""Rule-file errors i18n67 found wordless or misplaced, said at their own line with the field
and the fix: a key YAML reads as no text (``~:``, ``1:``), a number too long to read, a value in
a word processor's curly quotes, a line or paragraph separator (which YAML reads as a line
break where editors show none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_cli_check import check_site

RULE = "rules:\n  - id: a\n    slot: hero\n    text: Hi\n    why: Because of a.\n"


@pytest.mark.parametrize(
    ("text", "said"),
    [
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
            'as text (write straight quotes: text: "Hello: world")',
        ),
        (
            RULE.replace("why: Because of a.", "why: \u2018Because: you came.\u2019"),
            "r.yaml:5: error: line 5 opens a value with '\u2018', a typographic quote YAML reads "
            'as text (write straight quotes: why: "Because: you came.")',
        ),
        (
            RULE.replace("- id: a", "- id: a # note\u2028more") + "    slott: x\n",
            "r.yaml:2: error: line 2 has a U+2028 LINE SEPARATOR, which YAML reads as a line "
            "break (delete it (most editors do not show it); start a new line instead if one "
            "is meant)",
        ),
        (
            RULE.replace("Because of a.", '"Because\u2029of a."'),
            "r.yaml:5: error: line 5 has a U+2029 PARAGRAPH SEPARATOR, which YAML reads as a",
        ),
    ],
    ids=[
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
def test_the_error_is_said_at_its_line_with_its_field_and_fix(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    said: str,
) -> None:
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": text})
    assert code == 1
    assert out[0].startswith(f"rules/{said}"), out


@pytest.mark.parametrize(
    "fields",
    [
        "    text: \u201cHello\u201d\n",  # curly quotes that are the text's own: kept
        '    text: "Hello\u2028world"\n'.replace("\u2028", "\\u2028"),  # the escape is fine
        "    text: Hi\n    when: {query: {'2024': x}}\n",  # a quoted number is a name
    ],
)
def test_what_yaml_reads_as_meant_is_still_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], fields: str
) -> None:
    rule = "rules:\n  - id: a\n    slot: hero\n    why: Because of a.\n" + fields
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rule})
    assert code == 0, out
