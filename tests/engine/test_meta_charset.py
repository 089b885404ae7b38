"""A page whose charset is only in its ``<meta>`` is read and written in that charset, as a
browser reads it: a byte-order mark first, then the header's charset, then the ``<meta>`` browsers
honour (test_meta_charset_late.py), else utf-8; every byte outside the targets goes out as the app
sent it."""

from __future__ import annotations

import html
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.charset import PRESCAN_BYTES, encoding_for, prescan
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import PageRefused
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

CONFIG = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
HERO = "<h1 data-omo-slot=hero>Welcome</h1>"
SHOWN = '<h1 data-omo-slot=hero data-omo-rule="hero">{}</h1>'
TEXTS = {"de": "Willkommen zurück", "ja": "ようこそ ¥100", "sym": "€ → ü"}


def _ruleset(root: Path, text: str) -> RuleSet:
    (root / "rules").mkdir(exist_ok=True)
    (root / "snippets").mkdir(exist_ok=True)
    rule = f"rules:\n  - {{id: hero, slot: hero, text: {text!r}, why: Always.}}\n"
    (root / "rules" / "site.yaml").write_text(textwrap.dedent(rule), encoding="utf-8")
    return load_ruleset(root / "rules", Renderer(root / "snippets"), base=root)


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, RuleSet]:
    return {k: _ruleset(tmp_path_factory.mktemp(k), v) for k, v in TEXTS.items()}


def _send(body: bytes, content_type: bytes, ruleset: RuleSet) -> bytes:
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", content_type)]
    result = personalise_response(body, headers, visit, ruleset, Journey(), CONFIG)
    assert [d.id for d in result.shown] == ["hero"]
    return result.body


def _page(head: str, body: str = "<p>caf&eacute;</p>") -> str:
    return f"<!doctype html><html><head>{head}<title>T</title></head><body>{HERO}{body}</body>"


PAD = "<!-- " + "x" * PRESCAN_BYTES + " -->"
CASES = [
    # (Content-Type, leading bytes, <head> before the title, rule, the slot's bytes as sent)
    (b"text/html", b"", '<meta charset="windows-1252">', "de", b"Willkommen zur\xfcck"),
    (b"text/html", b"", "<META Charset=Latin1>", "de", b"Willkommen zur\xfcck"),
    (b"text/html", b"", "<meta charset=us-ascii>", "de", b"Willkommen zur\xfcck"),
    (
        b"text/html",
        b"",
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">',
        "de",
        b"Willkommen zur\xfcck",
    ),
    (b"text/html", b"", "<meta charset=windows-1252>", "sym", b"\x80 &#8594; \xfc"),
    # the pragma without http-equiv names nothing: declared nowhere, the browser guesses, and
    # an ASCII page's insertions stay ASCII, read alike in any guess (html64)
    (b"text/html", b"", '<meta content="charset=windows-1252">', "de", b"zur&#252;ck"),
    # a byte-order mark wins over the <meta> and over the header
    (b"text/html", b"\xef\xbb\xbf", "<meta charset=windows-1252>", "de", b"zur\xc3\xbcck"),
    (b"text/html; charset=latin1", b"\xef\xbb\xbf", "", "de", b"zur\xc3\xbcck"),
    # the header's charset wins over the <meta>
    (b"text/html; charset=utf-8", b"", "<meta charset=windows-1252>", "de", b"zur\xc3\xbcck"),
    (b"text/html; charset=iso-8859-1", b"", "<meta charset=utf-8>", "de", b"zur\xfcck"),
    (b'text/html; charset=""', b"", "<meta charset=windows-1252>", "de", b"zur\xfcck"),
    # past the first 1024 bytes but still in the head (after a long comment): browsers honour it
    (b"text/html", b"", PAD + "<meta charset=windows-1252>", "de", b"zur\xfcck"),
    # in a comment or with a label no browser knows: declared nowhere, so ASCII insertions and
    # the header as it came (test below)
    (b"text/html", b"", "<!-- <meta charset=windows-1252> -->", "de", b"zur&#252;ck"),
    (b"text/html", b"", "<meta charset=klingon>", "de", b"zur&#252;ck"),
    (b"text/html", b"", "<meta charset=klingon><meta charset=cp1252>", "de", b"zur\xfcck"),
    # Shift_JIS as browsers decode it (Windows-31J): ¥ has no byte of its own there
    (
        b"text/html",
        b"",
        "<meta charset=Shift_JIS>",
        "ja",
        "ようこそ ".encode("cp932") + b"&#165;100",
    ),
    (b"text/html", b"", "<meta charset=euc-jp>", "ja", "ようこそ ".encode("euc_jp") + b"&#165;100"),
    # Python's shift_jis (a header's Shift_JIS) would write ¥ as 0x5C, a backslash to browsers
    (b"text/html; charset=Shift_JIS", b"", "", "ja", "ようこそ ".encode("cp932") + b"&#165;100"),
]


@pytest.mark.parametrize(("ctype", "lead", "head", "rule", "sent"), CASES)
def test_the_slot_is_written_in_the_charset_a_browser_reads_the_page_in(
    rules: dict[str, RuleSet], ctype: bytes, lead: bytes, head: str, rule: str, sent: bytes
) -> None:
    page = _page(head, "<p>caf&eacute; 日本</p>" if rule == "ja" else "<p>caf&eacute;</p>")
    named = ctype.decode() + head
    charset = "cp932" if "Shift_JIS" in named else "euc_jp" if "euc-jp" in named else "ascii"
    body = lead + page.encode(charset)
    out = _send(body, ctype, rules[rule])
    assert sent in out
    start = out.index(b"<h1")
    end = out.index(b"</h1>", start) + 5
    assert out[:start] + HERO.encode() + out[end:] == body  # every other byte as it came


@pytest.mark.parametrize("label", ["iso-2022-kr", "hz-gb-2312", "replacement"])
def test_a_meta_naming_an_undecodable_encoding_leaves_the_page_alone(
    rules: dict[str, RuleSet], label: str
) -> None:
    body = _page(f"<meta charset={label}>").encode()
    headers = [(b"content-type", b"text/html")]
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    with pytest.raises(ValueError, match="browsers do not decode"):  # the adapter sends it as is
        personalise_response(body, headers, visit, rules["de"], Journey(), CONFIG)


@pytest.mark.parametrize(
    ("head", "found"),
    [
        (b'<meta charset="windows-1252">', "windows-1252"),
        (b"<meta/charset=sjis>", "shift_jis"),
        (b"<meta http-equiv=content-type content='text/html;charset=\"koi8-r\"'>", "koi8-r"),
        (b'<meta content="text/html; charset=gbk" http-equiv="Content-Type">', "gbk"),
        (b'<meta http-equiv="refresh" content="0; charset=gbk">', None),
        (b'<meta charset="utf-16le">', "utf-8"),  # ASCII bytes that claim UTF-16 are utf-8
        (b"<meta charset=x-user-defined>", "windows-1252"),
        (b'<div title="<meta charset=koi8-r>"><meta charset=euc-kr>', "euc-kr"),
        (b"<!--><meta charset=big5>", "big5"),
        (b"<metal charset=big5><meta charset=iso-8859-2>", "iso-8859-2"),
        (b"<meta charset=big5 charset=koi8-r>", "big5"),
        (b'<meta charset="big5', None),  # cut short by the page's end
        (b"<p>no meta here</p>", None),
        (b"x" * (PRESCAN_BYTES - 10) + b"<meta charset=big5>", "big5"),  # starts in them
    ],
)
def test_the_prescan_finds_what_a_browser_finds(head: bytes, found: str | None) -> None:
    assert prescan(head) == found


@pytest.mark.parametrize(
    ("label", "name"),
    [("latin1", "windows-1252"), (" ISO-8859-1\t", "windows-1252"), ("ascii", "windows-1252")]
    + [("sjis", "shift_jis"), ("x-euc-jp", "euc-jp"), ("UTF8", "utf-8"), ("klingon", None)],
)
def test_labels_map_as_the_encoding_standard_maps_them(label: str, name: str | None) -> None:
    assert encoding_for(label) == name


def test_the_prescan_is_one_bounded_pass() -> None:
    # a kilobyte of opened tags, attributes and comments, then megabytes: only 1024 are read
    nasty = b"<a b='" + b"<a " * 400 + b"<!--" * 200 + b"<meta charset=big5>" * 100_000
    assert prescan(nasty) is None
    assert prescan(b"<meta charset=big5>" + nasty) == "big5"


HEADS = {  # meta → the Python codec pages in it are written with here
    "<meta charset=windows-1252>": "cp1252",
    "<meta charset=shift_jis>": "cp932",
    "<meta charset=euc-jp>": "euc_jp",
    "<meta charset=koi8-r>": "koi8_r",
    '<meta http-equiv=content-type content="text/html; charset=latin1">': "cp1252",
    "": "utf-8",
}
SAMPLE = "aé€’ü日本語のペ-ジЖж<>&\"'=/ \n\t"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(HEADS)),
    st.text(alphabet=SAMPLE, max_size=200),
    st.text(alphabet=SAMPLE, max_size=200),
    st.sampled_from(["de", "ja", "sym"]),
)
def test_bytes_outside_the_target_are_the_apps(
    rules: dict[str, RuleSet], head: str, before: str, after: str, rule: str
) -> None:
    codec = HEADS[head]
    page = f"<!doctype html><head>{head}</head><body><p>{before}</p>{HERO}<p>{after}</p></body>"
    body = page.encode(codec, "ignore")
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html")]
    try:
        result = personalise_response(body, headers, visit, rules[rule], Journey(), CONFIG)
    except ValueError:  # bytes this codec would not give back: the page goes out as it came
        return
    if not result.shown:
        assert result.body == body
        return
    out = result.body
    start = out.index(b"<h1")
    end = out.index(b"</h1>", start) + 5
    assert out[:start] + HERO.encode() + out[end:] == body
    # and the browser, reading the page in the codec its <meta> names, shows the rule's text
    shown = html.unescape(out[start:end].decode(codec))
    assert shown == SHOWN.format(TEXTS[rule])


def test_a_page_declared_nowhere_that_is_not_ascii_is_left_as_it_came(
    rules: dict[str, RuleSet],
) -> None:
    # (html64: charset=utf-8 was added, and Chromium, which read the page as windows-1252,
    # "CafÃ©", showed it otherwise outside the blocks too: "Café", and its forms' charset)
    body = _page("<title>Caf\u00e9</title>").encode("utf-8")
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    with pytest.raises(PageRefused, match="declares no charset and is not ASCII"):
        personalise_response(
            body, [(b"content-type", b"text/html")], visit, rules["de"], Journey(), CONFIG
        )


@pytest.mark.parametrize(
    ("ctype", "head", "said"),
    [
        (b"text/html", "", b"zur&#252;ck"),  # declared nowhere: the browser's guess stays
        (b"text/html", "<meta charset=klingon>", b"zur&#252;ck"),
        (b"text/html", "<meta charset=windows-1252>", b"zur\xfcck"),  # the page says it
        (b"text/html; charset=utf-8", "", b"zur\xc3\xbcck"),
        (b'text/html; charset=""', "", b"zur&#252;ck"),  # an empty one names none
        (b"text/html; charset=", "", b"zur&#252;ck"),
        (b"text/html; level=1", "", b"zur&#252;ck"),
        (b'text/html; q="a;charset=x"', "", b"zur&#252;ck"),
    ],
)
def test_a_rewritten_page_keeps_its_content_type_declared_or_not(
    rules: dict[str, RuleSet], ctype: bytes, head: str, said: bytes
) -> None:
    # (until html64 a page declared nowhere gained "charset=utf-8": Chromium, which guesses
    # windows-1252 for it, then read the whole page otherwise; its insertions are ASCII now)
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    body = _page(head).encode("ascii")
    result = personalise_response(
        body, [(b"content-type", ctype)], visit, rules["de"], Journey(), CONFIG
    )
    assert dict(result.headers)[b"content-type"] == ctype and said in result.body
