"""Rule and snippet files as editors really write them: saved as Windows-1252 or UTF-16, a
Cyrillic letter in a field name, an opening time or a ZIP code YAML 1.1 reads as another
number, a date where text is meant, and a snippet that marks the visitor's data safe. Each is
an error at its file and line saying what is wrong and what is right (or, for the numbers, is
read as written), through ``omotenashi check`` and through a live reload."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from omotenashi import Omotenashi
from omotenashi.cli.main import main
from omotenashi.rules.yamlsource import load_yaml

from .conftest import client_for, page_app
from .test_snippet_budgets import reloading

RULE = (
    "rules:\n"
    "  - id: hero\n"
    "    slot: hero\n"
    '    text: "Hello"\n'
    "    when:\n"
    "      visits: {at_least: 1}\n"
    "    why: You came by.\n"
)
# (a stored first name asked for: these snippets print visitor.name, which check warns of
# where nothing makes sure there is one: editor65)
WITH = RULE.replace('text: "Hello"', "snippet: s.html\n    with: {headline: Hi}").replace(
    "      visits: {at_least: 1}\n",
    "      visits: {at_least: 1}\n      attr: {first_name: {exists: true}}\n",
)
SAFE = "error: marks the visitor's data safe"


def check(tmp_path: Path, files: dict[str, str | bytes], monkeypatch: pytest.MonkeyPatch) -> int:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    monkeypatch.chdir(tmp_path)
    return main(["check", "rules"])


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (  # Notepad's "ANSI": the line of the first byte that is not UTF-8
            {"rules/a.yaml": RULE.replace("Hello", "Café").encode("cp1252")},
            "rules/a.yaml:4: error: the file is not UTF-8 text (save it as UTF-8)",
        ),
        (
            {"rules/a.yaml": RULE.encode("utf-16")},
            "rules/a.yaml:1: error: the file is UTF-16 text, not UTF-8 (save it as UTF-8)",
        ),
        (  # no byte-order mark: it used to be "the control character '\x00'"
            {"rules/a.yaml": RULE.encode("utf-16-le")},
            "rules/a.yaml:1: error: the file is UTF-16 text, not UTF-8 (save it as UTF-8)",
        ),
        (  # (editor51: it was called UTF-16, with a byte-order mark or without)
            {"rules/a.yaml": RULE.encode("utf-32")},
            "rules/a.yaml:1: error: the file is UTF-32 text, not UTF-8 (save it as UTF-8)",
        ),
        (
            {"rules/a.yaml": RULE.encode("utf-32-be")},
            "rules/a.yaml:1: error: the file is UTF-32 text, not UTF-8 (save it as UTF-8)",
        ),
        (  # it used to say "this should be a mapping of field: value"
            {"rules/a.yaml": RULE.replace("visits: {at_least: 1}", "query: {from: 2026-12-01}")},
            "rules/a.yaml:6: error: rules[0].when.query.from: 2026-12-01 is read as a date, "
            "not as text (quote it: '2026-12-01')",
        ),
        (
            {"rules/a.yaml": RULE.replace("id: hero", "id: 2026-12-01")},
            "rules/a.yaml:2: error: rules[0].id: 2026-12-01 is read as a date, not as text "
            "(quote it: '2026-12-01')",
        ),
        (  # the eye cannot tell 'whеn' from 'when'
            {"rules/a.yaml": RULE.replace("when:", "wh\u0435n:")},
            "rules/a.yaml:5: error: rules[0].wh\u0435n: unknown field 'wh\u0435n': it has "
            "'\u0435' (U+0435 CYRILLIC SMALL LETTER IE), not a plain ASCII character; retype it "
            "(did you mean 'when'?)",
        ),
        (
            {"rules/a.yaml": RULE.replace("visits: {at_least: 1}", "stage: int\u0435rest")},
            "rules/a.yaml:6: error: rules[0].when.stage: 'int\u0435rest' is not allowed: it has "
            "'\u0435' (U+0435 CYRILLIC SMALL LETTER IE), not a plain ASCII character; retype it",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "<p>{{ headline }}\n{{ visitor.name|safe }}</p>",
            },
            f"snippets/s.html:2: {SAFE}: 'visitor' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% set n = visitor.name %}<p>{{ headline }}"
                "{{ ('<b>' ~ n ~ '</b>')|safe }}</p>",
            },
            f"snippets/s.html:1: {SAFE}: 'n' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "<ul>{% for c in visitor.cart %}\n<li>{{ c|safe }}</li>"
                "{% endfor %}</ul><p>{{ headline }}</p>",
            },
            f"snippets/s.html:2: {SAFE}: 'c' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m(x) %}<b>{{ x|safe }}</b>{% endmacro %}"
                "<p>{{ headline }}{{ m(visitor.name) }}</p>",
            },
            f"snippets/s.html:1: {SAFE}: 'x' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% set ns = namespace(v='') %}{% set ns.v = visitor.name %}"
                "<p>{{ headline }}\n{{ ns.v|safe }}</p>",
            },
            f"snippets/s.html:2: {SAFE}: 'ns' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m() %}<b>{{ varargs|join|safe }}</b>{% endmacro %}"
                "<p>{{ headline }}{{ m(visitor.name) }}</p>",
            },
            f"snippets/s.html:1: {SAFE}: 'varargs' under | safe",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "<p>{{ headline }}{% autoescape false %}"
                "{{ visitor.name }}{% endautoescape %}</p>",
            },
            f"snippets/s.html:1: {SAFE}: 'visitor' with autoescaping off",
        ),
        (
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "<p>{{ headline }}</p>{% include 'parts/name.html' %}",
                "snippets/parts/name.html": "<p>\n{{ visitor.name|safe }}</p>",
            },
            f"snippets/parts/name.html:2: {SAFE}: 'visitor' under | safe",
        ),
        (  # a macro imported from another snippet, given the visitor's name
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% from 'm.html' import show %}<p>{{ headline }}\n"
                "{{ show(visitor.name) }}</p>",
                "snippets/m.html": "{% macro show(x) %}<b>{{ x|safe }}</b>{% endmacro %}",
            },
            f"snippets/m.html:1: {SAFE}: 'x' under | safe (given the visitor's data by "
            "'s.html' line 2)",
        ),
        (  # imported as a module, under another name, by keyword
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% import 'parts/m.html' as m %}<p>{{ headline }}\n\n"
                "{{ m.show(y=visitor.cart|join) }}</p>",
                "snippets/parts/m.html": "{% macro show(y) %}\n<b>{{ y|safe }}</b>{% endmacro %}",
            },
            f"snippets/parts/m.html:2: {SAFE}: 'y' under | safe (given the visitor's data by "
            "'s.html' line 3)",
        ),
        (  # through a second file's macro, which hands it on to a third's
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% from 'a.html' import outer as o %}<p>{{ headline }}"
                "{% set n = visitor.name %}{{ o(n) }}</p>",
                "snippets/a.html": "{% from 'b.html' import inner %}"
                "{% macro outer(v) %}{{ inner(v) }}{% endmacro %}",
                "snippets/b.html": "{% macro inner(w) %}{{ w|safe }}{% endmacro %}",
            },
            f"snippets/b.html:1: {SAFE}: 'w' under | safe (given the visitor's data by "
            "'a.html' line 1)",
        ),
        (  # imported with context: the macro reads the visitor itself
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% from 'm.html' import show with context %}"
                "<p>{{ headline }}{{ show() }}</p>",
                "snippets/m.html": "{% macro show() %}<b>{{ visitor.name|safe }}</b>{% endmacro %}",
            },
            f"snippets/m.html:1: {SAFE}: 'visitor' under | safe",
        ),
        (  # a parent snippet sees the visitor too
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% extends 'base.html' %}{% block b %}{{ headline }}"
                "{% endblock %}",
                "snippets/base.html": "<div>{% block b %}{% endblock %}\n"
                "{{ visitor.name|safe }}</div>",
            },
            f"snippets/base.html:2: {SAFE}: 'visitor' under | safe",
        ),
        (  # a call block's parameter, given the visitor's name by its macro
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m(v) %}{{ caller(v) }}{% endmacro %}{{ headline }}"
                "{% call(x) m(visitor.name) %}\n<b>{{ x|safe }}</b>{% endcall %}",
            },
            f"snippets/s.html:2: {SAFE}: 'x' under | safe",
        ),
        (  # a macro under another name
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m(v) %}{{ v|safe }}{% endmacro %}{{ headline }}"
                "{% set f = m %}{{ f(visitor.name) }}",
            },
            f"snippets/s.html:1: {SAFE}: 'v' under | safe",
        ),
        (  # a macro handed to another as an argument
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m(v) %}{{ v|safe }}{% endmacro %}"
                "{% macro run(fn, a) %}{{ fn(a) }}{% endmacro %}{{ headline }}"
                "{{ run(m, visitor.name) }}",
            },
            f"snippets/s.html:1: {SAFE}: 'v' under | safe",
        ),
        (  # the loop's own next or previous item
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{{ headline }}{% for c in visitor.cart %}"
                "{{ loop.previtem|safe }}{% endfor %}",
            },
            f"snippets/s.html:1: {SAFE}: 'loop' under | safe",
        ),
        (  # one snippet included twice: the second time with more of the visitor's data
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% from 'm.html' import show %}{% include 'x.html' %}"
                "{{ headline }}{{ show(visitor.name) }}",
                "snippets/m.html": "{% macro show(p) %}{% include 'x.html' %}{% endmacro %}",
                "snippets/x.html": "<i>{{ p|safe }}</i>",
            },
            f"snippets/x.html:1: {SAFE}: 'p' under | safe",
        ),
        (  # a {% set %} block is escaped as made, but |striptags gives the text back
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% set x %}{{ visitor.name }}{% endset %}{{ headline }}"
                "{{ x|striptags|safe }}",
            },
            f"snippets/s.html:1: {SAFE}: 'x' under | safe",
        ),
        (  # a macro behind a namespace's attribute
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% macro m(v) %}{{ v|safe }}{% endmacro %}{{ headline }}"
                "{% set ns = namespace(f=m) %}{{ ns.f(visitor.name) }}",
            },
            f"snippets/s.html:1: {SAFE}: 'v' under | safe",
        ),
        (  # an imported macro under another name
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% import 'm.html' as lib %}{% set f = lib.show %}"
                "{{ headline }}{{ f(visitor.name) }}",
                "snippets/m.html": "{% macro show(x) %}<b>{{ x|safe }}</b>{% endmacro %}",
            },
            f"snippets/m.html:1: {SAFE}: 'x' under | safe (given the visitor's data by "
            "'s.html' line 1)",
        ),
        (  # caller() in a macro imported with context: the call block's parameter
            {
                "rules/a.yaml": WITH,
                "snippets/s.html": "{% from 'm.html' import m with context %}{{ headline }}"
                "{% call(x) m() %}{{ x|safe }}{% endcall %}",
                "snippets/m.html": "{% macro m() %}{{ caller(visitor.name) }}{% endmacro %}",
            },
            f"snippets/s.html:1: {SAFE}: 'x' under | safe",
        ),
    ],
    ids=[
        "windows-1252",
        "utf-16",
        "utf-16-no-bom",
        "utf-32",
        "utf-32-be",
        "date-in-query",
        "date-as-id",
        "cyrillic-field",
        "cyrillic-value",
        "safe",
        "safe-via-set",
        "safe-via-loop",
        "safe-via-macro",
        "safe-via-namespace",
        "safe-via-varargs",
        "autoescape-false",
        "safe-in-include",
        "safe-via-imported-macro",
        "safe-via-import-as",
        "safe-via-two-imports",
        "safe-via-import-with-context",
        "safe-in-parent",
        "safe-via-call-block",
        "safe-via-macro-alias",
        "safe-via-macro-argument",
        "safe-via-loop-item",
        "safe-in-include-seen-twice",
        "safe-via-set-block-striptags",
        "safe-via-namespace-macro",
        "safe-via-imported-alias",
        "safe-via-caller-with-context",
    ],
)
def test_an_editors_file_is_named_at_its_line_with_the_fix(
    files: dict[str, str | bytes],
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check(tmp_path, files, monkeypatch) == 1
    out = capsys.readouterr().out
    assert said in out, out


@pytest.mark.parametrize(
    "snippet",
    [
        "<p>{{ headline|safe }} {{ visitor.name }}</p>",  # with: values are the editor's
        "<p>{% filter safe %}{{ visitor.name }}{% endfilter %}{{ headline }}</p>",  # escaped
        "{% macro m(x) %}<b>{{ x }}</b>{% endmacro %}<p>{{ m(headline) }}{{ visitor.name }}</p>",
        "{% macro m(x) %}<b>{{ x|safe }}</b>{% endmacro %}<p>{{ m(headline) }}{{ visitor.name }}"
        "</p>",
    ],
    ids=["safe-with-value", "filter-block", "macro", "macro-safe-with-value"],
)
def test_snippets_that_escape_the_visitor_load(
    snippet: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert check(tmp_path, {"rules/a.yaml": WITH, "snippets/s.html": snippet}, monkeypatch) == 0
    assert capsys.readouterr().err.endswith("0 error(s), 0 warning(s)\n")


@pytest.mark.parametrize(
    "snippet",
    [
        "{% from 'm.html' import show %}<p>{{ show(headline) }}{{ visitor.name }}</p>",
        "{% import 'm.html' as m %}<p>{{ m.plain(visitor.name) }}{{ m.show(headline) }}</p>",
        "{% from 'm.html' import show %}{% set visitor = headline %}<p>{{ show(visitor) }}</p>",
    ],
    ids=["editors-value", "escaping-macro", "visitor-rebound"],
)
def test_imported_macros_that_escape_the_visitor_load(
    snippet: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    files = {
        "rules/a.yaml": WITH,
        "snippets/s.html": snippet,
        "snippets/m.html": "{% macro show(x) %}<b>{{ x|safe }}</b>{% endmacro %}"
        "{% macro plain(x) %}<i>{{ x }}</i>{% endmacro %}",
    }
    assert check(tmp_path, files, monkeypatch) == 0, capsys.readouterr()
    assert capsys.readouterr().err.endswith("0 error(s), 0 warning(s)\n")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("12:30", "12:30"),  # YAML 1.1: 750 (base 60)
        ("3:25:45", "3:25:45"),  # 12345
        ("1:20.5", "1:20.5"),  # 80.5
        ("0123", "0123"),  # 83 (octal)
        ("01234", "01234"),  # 668
        ("007", "007"),  # 7
        ("42", 42),
        ("-3", -3),
        ("0", 0),
        ("1_000", 1000),
        ("0x1F", 31),
        ("1.5", 1.5),
        (".5", 0.5),
        ("NO", "NO"),
        ("true", True),
    ],
)
@pytest.mark.parametrize("reader", ["fast", "precise"])
def test_a_value_is_read_as_written(
    written: str, read: object, reader: str, tmp_path: Path
) -> None:
    path = tmp_path / "a.yaml"
    unusual = "<<: {}\n" if reader == "precise" else ""  # a merge key: the precise reader
    path.write_text(f"{unusual}with: {{opens: {written}}}\nlist: [{written}]\n")
    data, _ = load_yaml(path)
    assert data["with"]["opens"] == read and type(data["with"]["opens"]) is type(read)
    assert data["list"] == [read]


PAGE = b'<html><body><h1 data-omo-slot="hero">Default</h1><p>after</p></body></html>'


@pytest.mark.anyio
async def test_a_live_edit_that_marks_the_visitor_safe_is_refused(
    tmp_path: Path, omotenashi_redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "a.yaml").write_text(
        WITH.replace("{headline: Hi}", "{headline: Hi, opens: 12:30}").replace(
            "      attr: {first_name: {exists: true}}\n",
            "",  # (for any visitor)
        )
    )
    snippet = tmp_path / "snippets" / "s.html"
    snippet.write_text("<b>{{ headline }} {{ opens }}</b>\n")
    settings = reloading(tmp_path, omotenashi_redis_url)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        assert "<b>Hi 12:30</b>" in (await client.get("/")).text  # not 750
        good = mw.rules.current
        snippet.write_text("<b>{{ headline }}\n{{ visitor.name|safe }}</b>\n")
        with caplog.at_level(logging.ERROR, logger="omotenashi"):
            await mw.rules.check()
        assert mw.rules.current is good  # refused: the last good set stays in force
        assert f"snippets/s.html:2: {SAFE.removeprefix('error: ')}" in caplog.text
        page = (await client.get("/")).text
        assert "<b>Hi 12:30</b>" in page and "<p>after</p>" in page
