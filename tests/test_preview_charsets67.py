"""``omotenashi preview`` reads a page that is not UTF-8 as a browser does (a byte-order mark,
the Content-Type, the page's <meta>) and writes the result in the charset the page declares
itself (i18n67: every Shift_JIS or UTF-16 page was "UnicodeDecodeError: 'utf-8' codec ...")."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

RULES = """
rules:
  - {id: hello, slot: hero, text: "ようこそ、お帰りなさい", why: "Everyone."}
"""


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "site.yaml").write_text(RULES, encoding="utf-8")
    (tmp_path / "snippets").mkdir()
    return folder


@pytest.mark.parametrize(
    ("page", "codec"),
    [
        ('<!doctype html><meta charset="Shift_JIS"><h1 data-omo-slot="hero">京都</h1>', "cp932"),
        ('<!doctype html><meta charset="euc-jp"><h1 data-omo-slot="hero">京都</h1>', "euc_jp"),
        ('<!doctype html><h1 data-omo-slot="hero">京都</h1>', "utf-16"),  # (with its BOM)
        ('<!doctype html><h1 data-omo-slot="hero">京都</h1>', "utf-8"),
    ],
)
def test_a_page_in_its_own_charset_is_previewed_and_written_in_it(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str], page: str, codec: str
) -> None:
    source, out = tmp_path / "page.html", tmp_path / "out.html"
    source.write_bytes(page.encode(codec))
    assert main(["preview", str(source), "--rules", str(rules), "--out", str(out)]) == 0
    assert "fired      hello" in capsys.readouterr().out
    written = out.read_bytes().decode(codec)
    assert "ようこそ、お帰りなさい" in written and "京都" not in written


def test_a_page_that_is_not_its_charset_is_one_line_naming_the_byte(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "page.html"
    source.write_bytes(b'<!doctype html><meta charset="utf-8"><h1 data-omo-slot="hero">\xff</h1>')
    assert main(["preview", str(source), "--rules", str(rules), "--out", "x.html"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "byte 62 is not utf-8 text" in err


@pytest.mark.parametrize("label", ["euc-jp", "big5", "iso-2022-jp", "koi8-u", "gbk", "gb18030"])
def test_a_template_in_a_charset_of_our_own_codecs_is_rendered(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str], label: str
) -> None:
    """eye67: Jinja opens a template with the codec's incremental decoder, which the codecs
    of our own (engine/lookalikes.py, eucjp.py) have none of: a TypeError."""
    from omotenashi.engine.labels import ENCODINGS

    codec = ENCODINGS[label][0]
    source, out = tmp_path / "page.html", tmp_path / "out.html"
    page = f'<!doctype html><meta charset="{label}"><h1 data-omo-slot="hero">{{{{ name }}}}</h1>'
    source.write_bytes(page.encode(codec))
    args = ["preview", str(source), "--rules", str(rules), "--out", str(out)]
    assert main([*args, "--context", '{"name": "x"}']) == 0
    assert "fired      hello" in capsys.readouterr().out
    assert f'<meta charset="{label}">'.encode() in out.read_bytes()
