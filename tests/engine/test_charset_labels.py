"""The Content-Type charset is read as browsers read it (WHATWG MIME Sniffing's parameters, the
Encoding standard's labels): a label a browser rejects is not used by us either, and a page we
cannot read as a browser does is refused with :class:`PageRefused`, its reason and value."""

from __future__ import annotations

import gzip
import textwrap
from pathlib import Path

import pytest

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.engine.charset import page_codec
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


@pytest.mark.parametrize(
    ("declared", "data", "codec"),
    [
        ("latin1", ASCII, "cp1252"),  # as the Encoding standard maps it, as in a <meta>
        ("iso-8859-1", ASCII, "cp1252"),
        ("us-ascii", ASCII, "cp1252"),
        ("shift_jis", ASCII, "cp932"),  # Windows-31J, as browsers decode it
        ("x-sjis", ASCII, "cp932"),  # a label Python does not know
        ("gb2312", ASCII, "gb18030"),
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


RULE = "rules:\n  - {id: hero, slot: hero, text: Welcome back, why: Always.}\n"
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
    (gzip.compress(PAGE) * 2, b"text/html", GZIP, "the gzip body has more than one", None),
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
