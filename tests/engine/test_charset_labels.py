"""The Content-Type charset is read as browsers read it (WHATWG MIME Sniffing's parameters, the
Encoding standard's labels): a label a browser rejects is not used by us either, and a page we
cannot read as a browser does is refused with :class:`PageRefused`, its reason and value."""

from __future__ import annotations

import gzip
import textwrap
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.charset import encode, page_codec
from omotenashi.engine.headers import content_type
from omotenashi.engine.ruleset import RuleSet
from omotenashi.errors import OmotenashiError, PageRefused
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings


@pytest.mark.parametrize(
    ("header", "charset"),
    [
        (b'text/html; charset="Shift_JIS"', "shift_jis"),  # double quotes are quotes
        (b"text/html; charset='utf-8'", "'utf-8'"),  # single quotes are part of the label
        (b'text/html; charset="utf\\-8"', "utf-8"),  # a backslash escapes the next character
        (b'text/html; charset="utf-8"junk; x=1', "utf-8"),  # after the closing quote: dropped
        (b'text/html; charset="big5', "big5"),  # unclosed: to the end
        (b"text/html; charset=gbk; charset=utf-8", "gbk"),  # the first one wins
        (b"text/html; charset=; charset=utf-8", "utf-8"),  # an empty one is no parameter
        (b"text/html; charset=\x01gbk; charset=utf-8", "utf-8"),  # nor a control character
        (b'text/html; a="x;charset=gbk"; charset=utf-8', "utf-8"),  # ";" in quotes is text
        (b"text/html; charset =utf-8", None),  # "charset " is another name
        (b'text/html; charset=""', None),  # names none
    ],
)
def test_the_charset_parameter_is_read_as_browsers_read_it(
    header: bytes, charset: str | None
) -> None:
    assert content_type([(b"content-type", header)]) == ("text/html", charset)


ASCII = b"<!doctype html><title>T</title><p>text</p>"
WINDOWS_1252 = "whatwg-windows-1252"  # ours: Python's cp1252 refuses five bytes browsers decode


@pytest.mark.parametrize(
    ("declared", "data", "codec"),
    [
        ("latin1", ASCII, WINDOWS_1252),  # as the Encoding standard maps it, as in a <meta>
        ("iso-8859-1", ASCII, WINDOWS_1252),
        ("us-ascii", ASCII, WINDOWS_1252),
        ("shift_jis", ASCII, "cp932"),  # Windows-31J, as browsers decode it
        ("x-sjis", ASCII, "cp932"),  # a label Python does not know
        ("gb2312", ASCII, "gb18030-whatwg"),  # (gb18030 as browsers read it: ḿ, i18n67)
        ("utf-16", b"<\x00p\x00", "utf-16-le"),
        (" UTF-8 ", ASCII, "utf-8"),
        ("'utf-8'", b"<meta charset=koi8-r>" + ASCII, "koi8-r"),  # browsers ignore the label
        ("klingon", b"\xef\xbb\xbf" + ASCII, "utf-8"),  # a byte-order mark wins over all
    ],
)
def test_a_header_label_names_the_codec_browsers_decode_with(
    declared: str, data: bytes, codec: str
) -> None:
    assert page_codec(declared, data) == codec


@pytest.mark.parametrize(
    ("declared", "data", "reason", "value"),
    [
        ("'utf-8'", ASCII, "a charset label browsers do not know", "'utf-8'"),
        ("klingon", ASCII, "a charset label browsers do not know", "klingon"),
        ("cp500", ASCII, "a charset label browsers do not know", "cp500"),  # Python's only
        ("utf-7", ASCII, "a charset label browsers do not know", "utf-7"),
        ("iso-2022-kr", ASCII, "a charset browsers do not decode", "replacement"),
        ("x-user-defined", ASCII, "a charset we cannot decode as browsers do", "x-user-defined"),
    ],
)
def test_a_label_browsers_reject_is_refused(
    declared: str, data: bytes, reason: str, value: str
) -> None:
    with pytest.raises(PageRefused) as refused:
        page_codec(declared, data)
    assert refused.value.reason.startswith(reason)
    assert refused.value.value == value
    assert repr(value) in str(refused.value)
    assert isinstance(refused.value, OmotenashiError)


RULE = "rules:\n  - {id: hero, slot: hero, text: Welcome back \u2192 \u20ac, why: Always.}\n"
PAGE = b'<!doctype html><html><body><h1 data-omo-slot="hero">Hi</h1></body></html>'
CONFIG = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False), max_body=4096)
GZIP = [(b"content-encoding", b"gzip")]
REFUSED = [
    # (body, Content-Type, more headers, reason, value)
    (PAGE + b"Caf\xe9", b"text/html", [], "the page declares no charset and is not", None),
    (PAGE + b"\xe9", b"text/html; charset=utf-8", [], "the page has bytes not in", "utf-8"),
    (PAGE + b"\xfa\x4a", b"text/html; charset=sjis", [], "the page does not survive", "cp932"),
    (PAGE, b"text/html; charset='utf-8'", [], "a charset label browsers", "'utf-8'"),
    (b"<meta charset=hz-gb-2312>" + PAGE, b"text/html", [], "a charset browsers do not", None),
    (gzip.compress(PAGE + b" " * 4096), b"text/html", GZIP, "the gzip page inflates", 4096),
    (gzip.compress(PAGE)[:-12], b"text/html", GZIP, "the gzip body is truncated", None),
    # (several members are read as browsers read them: mount61; one cut short is not)
    (gzip.compress(PAGE) * 2 + b"\x1f", b"text/html", GZIP, "the gzip body is truncated", None),
    (b"\x1f\x8b\x08\x00junk" + PAGE, b"text/html", GZIP, "the gzip body does not inflate", None),
]


@pytest.fixture(scope="module")
def ruleset(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    root: Path = tmp_path_factory.mktemp("rules")
    (root / "rules").mkdir()
    (root / "snippets").mkdir()
    (root / "rules" / "site.yaml").write_text(textwrap.dedent(RULE))
    return load_ruleset(root / "rules", Renderer(root / "snippets"), base=root)


@pytest.mark.parametrize(
    ("body", "ctype", "more", "reason", "value"), REFUSED, ids=[r[3] for r in REFUSED]
)
def test_a_page_we_cannot_read_is_refused_with_its_reason(
    ruleset: RuleSet,
    body: bytes,
    ctype: bytes,
    more: list[tuple[bytes, bytes]],
    reason: str,
    value: object,
) -> None:
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", ctype), *more]
    with pytest.raises(PageRefused) as refused:
        personalise_response(body, headers, visit, ruleset, Journey(), CONFIG)
    assert refused.value.reason.startswith(reason)
    if value is not None:
        assert refused.value.value == value


# The five bytes cp1252 leaves undefined; the Encoding standard's windows-1252 decodes each to the
# C1 control of the same number, every other byte as cp1252 does.
UNDEFINED = b"\x81\x8d\x8f\x90\x9d"


@settings(max_examples=300, deadline=None)
@example(UNDEFINED)
@given(st.binary(max_size=64))
def test_windows_1252_decodes_as_browsers_and_gives_back_every_byte(data: bytes) -> None:
    codec = page_codec("latin1", b"")
    text = data.decode(codec)
    assert text == "".join(chr(b) if b in UNDEFINED else bytes([b]).decode("cp1252") for b in data)
    assert encode(text, codec) == data


SLOT = b'<h1 data-omo-slot="hero">Hi</h1>'
SHOWN = b'<h1 data-omo-slot="hero" data-omo-rule="hero">Welcome back &#8594; \x80</h1>'


@pytest.mark.parametrize("byte", [bytes([b]) for b in UNDEFINED], ids=lambda b: f"0x{b.hex()}")
@pytest.mark.parametrize(
    ("head", "ctype"),
    [(b"", b"text/html; charset=latin1"), (b"<meta charset=latin1>", b"text/html")],
    ids=["header", "meta"],
)
def test_a_windows_1252_page_with_c1_bytes_is_personalised_byte_for_byte(
    ruleset: RuleSet, byte: bytes, head: bytes, ctype: bytes
) -> None:
    body = (
        b"<!doctype html><html><head>" + head + b"<title>Caf\xe9 " + byte + b"</title></head>"
        b"<body><p>\x80" + byte + b"\x9f</p>" + SLOT + b"<p>" + byte * 2 + b"</p></body></html>"
    )
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", ctype)]
    result = personalise_response(body, headers, visit, ruleset, Journey(), CONFIG)
    assert [d.id for d in result.shown] == ["hero"]
    # the page's own bytes as the app sent them; "→" windows-1252 cannot hold is a reference
    assert result.body == body.replace(SLOT, SHOWN)
