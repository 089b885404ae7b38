"""Which encoding a browser reads a page in: a byte-order mark, else the Content-Type charset
(a label browsers know), else the ``<meta>`` the WHATWG prescan finds in the first 1024 bytes,
else utf-8 (ours).

The prescan follows HTML's "prescan a byte stream to determine its encoding": one pass over at
most 1024 bytes, comments and other tags' attribute values skipped as a browser skips them.
Labels are mapped as the WHATWG Encoding standard maps them (``latin1`` and ``ascii`` are
windows-1252) to the Python codec that decodes as a browser decodes. windows-1252 is a codec of
our own (:data:`WINDOWS_1252`): Python's cp1252 refuses the five bytes the standard decodes to C1
controls (0x81, 0x8D, 0x8F, 0x90, 0x9D).
"""

from __future__ import annotations

import codecs
from typing import TYPE_CHECKING

from omotenashi.errors import PageRefused

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

PRESCAN_BYTES = 1024
_SPACE = b"\t\n\x0c\r "
_SPACE_SLASH = _SPACE + b"/"
_VALUE_END = _SPACE + b">"
_META_END = frozenset(bytes([c]) for c in _SPACE_SLASH)  # what may follow "<meta"
_ASCII_SPACE = "\t\n\x0c\r "

# WHATWG windows-1252: cp1252, but the five bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90,
# 0x9D) are U+0081, U+008D, U+008F, U+0090, U+009D; every byte decodes, every page encodes back.
WINDOWS_1252 = "whatwg-windows-1252"
_DECODING = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in range(256))
_ENCODING = codecs.charmap_build(_DECODING)


def _encode_1252(text: str, errors: str = "strict") -> tuple[bytes, int]:
    return codecs.charmap_encode(text, errors, _ENCODING)


def _decode_1252(data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
    return codecs.charmap_decode(data, errors, _DECODING)


class _Encoder1252(codecs.IncrementalEncoder):
    def encode(self, text: str, final: bool = False) -> bytes:
        return _encode_1252(text, self.errors)[0]


class _Decoder1252(codecs.IncrementalDecoder):
    def decode(self, data: ReadableBuffer, final: bool = False) -> str:
        return _decode_1252(data, self.errors)[0]


_CODEC_1252 = codecs.CodecInfo(
    _encode_1252,
    _decode_1252,
    name=WINDOWS_1252,
    incrementalencoder=_Encoder1252,
    incrementaldecoder=_Decoder1252,
)


def _search(name: str) -> codecs.CodecInfo | None:
    return _CODEC_1252 if name == WINDOWS_1252.replace("-", "_") else None


codecs.register(_search)

# WHATWG encoding name: (the Python codec for it, its labels). A codec may refuse a few bytes the
# browser decodes (cp1250 leaves 0x81 undefined): such a page then goes out untouched.
_ENCODINGS = {
    "utf-8": ("utf-8", "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
    "ibm866": ("cp866", "866 cp866 csibm866 ibm866"),
    "iso-8859-2": (
        "iso8859-2",
        "csisolatin2 iso-ir-101 iso8859-2 iso88592 iso_8859-2 iso_8859-2:1987 l2 latin2",
    ),
    "iso-8859-3": (
        "iso8859-3",
        "csisolatin3 iso-ir-109 iso8859-3 iso88593 iso_8859-3 iso_8859-3:1988 l3 latin3",
    ),
    "iso-8859-4": (
        "iso8859-4",
        "csisolatin4 iso-ir-110 iso8859-4 iso88594 iso_8859-4 iso_8859-4:1988 l4 latin4",
    ),
    "iso-8859-5": (
        "iso8859-5",
        "csisolatincyrillic cyrillic iso-ir-144 iso8859-5 iso88595 iso_8859-5 iso_8859-5:1988",
    ),
    "iso-8859-6": (
        "iso8859-6",
        "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114 iso-8859-6-e "
        "iso-8859-6-i iso-ir-127 iso8859-6 iso88596 iso_8859-6 iso_8859-6:1987",
    ),
    "iso-8859-7": (
        "iso8859-7",
        "csisolatingreek ecma-118 elot_928 greek greek8 iso-ir-126 iso8859-7 iso88597 "
        "iso_8859-7 iso_8859-7:1987 sun_eu_greek",
    ),
    "iso-8859-8": (
        "iso8859-8",
        "csiso88598e csisolatinhebrew hebrew iso-8859-8-e iso-ir-138 iso8859-8 iso88598 "
        "iso_8859-8 iso_8859-8:1988 visual",
    ),
    "iso-8859-8-i": ("iso8859-8", "csiso88598i logical"),
    "iso-8859-10": ("iso8859-10", "csisolatin6 iso-ir-157 iso8859-10 iso885910 l6 latin6"),
    "iso-8859-13": ("iso8859-13", "iso8859-13 iso885913"),
    "iso-8859-14": ("iso8859-14", "iso8859-14 iso885914"),
    "iso-8859-15": ("iso8859-15", "csisolatin9 iso8859-15 iso885915 iso_8859-15 l9"),
    "iso-8859-16": ("iso8859-16", ""),
    "koi8-r": ("koi8-r", "cskoi8r koi koi8 koi8_r"),
    "koi8-u": ("koi8-u", "koi8-ru"),
    "macintosh": ("mac-roman", "csmacintosh mac x-mac-roman"),
    "windows-874": ("cp874", "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620"),
    "windows-1250": ("cp1250", "cp1250 x-cp1250"),
    "windows-1251": ("cp1251", "cp1251 x-cp1251"),
    "windows-1252": (
        WINDOWS_1252,
        "ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1 "
        "iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii x-cp1252",
    ),
    "windows-1253": ("cp1253", "cp1253 x-cp1253"),
    "windows-1254": (
        "cp1254",
        "cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9 "
        "iso_8859-9:1989 l5 latin5 x-cp1254",
    ),
    "windows-1255": ("cp1255", "cp1255 x-cp1255"),
    "windows-1256": ("cp1256", "cp1256 x-cp1256"),
    "windows-1257": ("cp1257", "cp1257 x-cp1257"),
    "windows-1258": ("cp1258", "cp1258 x-cp1258"),
    "x-mac-cyrillic": ("mac-cyrillic", "x-mac-ukrainian"),
    # browsers decode gbk with the gb18030 decoder
    "gbk": (
        "gb18030",
        "chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 iso-ir-58 x-gbk",
    ),
    "gb18030": ("gb18030", ""),
    "big5": ("big5hkscs", "big5-hkscs cn-big5 csbig5 x-x-big5"),
    "euc-jp": ("euc_jp", "cseucpkdfmtjapanese x-euc-jp"),
    "iso-2022-jp": ("iso2022_jp", "csiso2022jp"),
    # browsers' Shift_JIS is Windows-31J; Python's shift_jis would write ¥ as a backslash byte
    "shift_jis": ("cp932", "csshiftjis ms932 ms_kanji shift-jis sjis windows-31j x-sjis"),
    "euc-kr": (
        "cp949",
        "cseuckr csksc56011987 iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989 ksc5601 "
        "ksc_5601 windows-949",
    ),
    "replacement": (
        "",
        "csiso2022kr hz-gb-2312 iso-2022-cn iso-2022-cn-ext iso-2022-kr",
    ),
    "utf-16be": ("utf-16-be", "unicodefffe"),
    "utf-16le": ("utf-16-le", "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16"),
    "x-user-defined": ("", ""),
}
LABELS = {
    label: name for name, (_, labels) in _ENCODINGS.items() for label in (name, *labels.split())
}


# Python's shift_jis and euc_jp write ¥ and ‾ as 0x5C and 0x7E, which browsers show as \ and ~
_LOOKALIKES = {0xA5: "&#165;", 0x203E: "&#8254;"}
_LOOKALIKE_CODECS = frozenset({"shift_jis", "euc_jp"})


def encode(text: str, codec: str) -> bytes:
    """A page's text in its codec; what the codec cannot hold (or would write as a character a
    browser reads differently) goes out as a character reference. Text the page decoded to
    encodes back to its own bytes: no such codec decodes any byte to ¥ or ‾."""
    if codecs.lookup(codec).name in _LOOKALIKE_CODECS:
        text = text.translate(_LOOKALIKES)
    return text.encode(codec, "xmlcharrefreplace")


def encoding_for(label: str) -> str | None:
    """The WHATWG encoding a label names (``" Latin1 "`` → ``windows-1252``), or None."""
    return LABELS.get(label.strip(_ASCII_SPACE).lower())


def bom_codec(data: bytes) -> str | None:
    """The codec a byte-order mark names; it wins over every declaration, as in browsers."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    if data.startswith(b"\xfe\xff"):
        return "utf-16-be"
    if data.startswith(b"\xff\xfe"):
        return "utf-16-le"
    return None


def page_codec(declared: str | None, data: bytes) -> str:
    """The Python codec to decode and re-encode a page with.

    ``declared`` is the Content-Type charset (None when the header names none), read as a
    browser reads it (``latin1`` is windows-1252). A label browsers do not know they ignore,
    and so do we: the ``<meta>`` decides; without one a browser guesses, so the page is refused.
    A page that declares nothing is read as UTF-8 (see :func:`declared_nowhere`).
    Raises :class:`~omotenashi.errors.PageRefused` for those, and for an encoding we cannot
    decode as browsers do (one they only show as U+FFFD, or x-user-defined).
    """
    bom = bom_codec(data)
    if bom is not None:
        return bom
    name = encoding_for(declared) if declared else None
    if name is None:
        name = prescan(data)
    if name is None:
        if declared:
            raise PageRefused(
                "a charset label browsers do not know, and no <meta> charset", declared
            )
        return "utf-8"  # declared nowhere: read as UTF-8 (a rewritten page then says so)
    codec = _ENCODINGS[name][0]
    if not codec:
        if name == "replacement":
            raise PageRefused("a charset browsers do not decode (all U+FFFD)", name)
        raise PageRefused("a charset we cannot decode as browsers do", name)
    return codec


def declared_nowhere(declared: str | None, data: bytes) -> bool:
    """Whether neither the header, a byte-order mark nor a ``<meta>`` names the charset: a
    browser then guesses (windows-1252, often), so a page rewritten as UTF-8 must say it is."""
    return not declared and bom_codec(data) is None and prescan(data) is None


def prescan(data: bytes) -> str | None:
    """The WHATWG encoding the first ``<meta>`` in ``data[:1024]`` declares, or None."""
    head = data[:PRESCAN_BYTES]
    if head.startswith((b"<\x00?\x00x\x00", b"\x00<\x00?\x00x")):  # a UTF-16 XML declaration
        return "utf-16le" if head[0] == 0x3C else "utf-16be"
    lower = head.lower()  # ASCII only, as the prescan lower-cases
    if b"<meta" not in lower:
        return None
    end = len(head)
    pos = 0
    while 0 <= pos < end:
        pos = head.find(b"<", pos)
        if pos < 0 or pos + 1 >= end:
            return None
        after = head[pos + 1 : pos + 2]
        if head.startswith(b"<!--", pos):
            close = head.find(b"-->", pos + 2)  # "<!-->" closes itself
            pos = close + 3 if close >= 0 else -1
        elif lower.startswith(b"<meta", pos) and head[pos + 5 : pos + 6] in _META_END:
            pos, found = _meta(head, lower, pos + 6)
            if found is not None:
                return found
        elif after.isalpha() or (after == b"/" and head[pos + 2 : pos + 3].isalpha()):
            pos = _skip_tag(head, lower, pos + 1)
        elif after in (b"!", b"/", b"?"):
            close = head.find(b">", pos + 1)
            pos = close + 1 if close >= 0 else -1
        else:
            pos += 1
    return None


def _skip_tag(head: bytes, lower: bytes, pos: int) -> int:
    """Past another tag's name and attributes (a ``>`` in a quoted value does not end it)."""
    end = len(head)
    while pos < end and head[pos] not in _VALUE_END:
        pos += 1
    while pos >= 0:
        pos, name, _ = _attribute(head, lower, pos)
        if name is None:
            return pos
    return -1


def _meta(head: bytes, lower: bytes, pos: int) -> tuple[int, str | None]:
    """A ``<meta>``'s attributes read from ``pos``: where the scan goes on, and its encoding."""
    seen: set[bytes] = set()
    got_pragma = False
    need_pragma: bool | None = None
    charset: str | None = None  # "" when a charset attribute names no known encoding
    while True:
        pos, name, value = _attribute(head, lower, pos)
        if name is None:
            break
        if name in seen:
            continue
        seen.add(name)
        if name == b"http-equiv":
            got_pragma = got_pragma or value == b"content-type"
        elif name == b"content" and charset is None:
            found = _from_content(value.decode("latin-1"))
            if found is not None:
                charset, need_pragma = found, True
        elif name == b"charset":
            charset, need_pragma = encoding_for(value.decode("latin-1")) or "", False
    if pos < 0 or need_pragma is None or (need_pragma and not got_pragma) or not charset:
        return pos, None
    if charset in ("utf-16be", "utf-16le"):  # a page that says so in ASCII is not UTF-16
        return pos, "utf-8"
    return pos, "windows-1252" if charset == "x-user-defined" else charset


def _attribute(head: bytes, lower: bytes, pos: int) -> tuple[int, bytes | None, bytes]:
    """HTML's "get an attribute": (position after it, lower-cased name, value); the name is None
    at the tag's ``>`` or, with position -1, when the 1024 bytes end first."""
    end = len(head)
    while pos < end and head[pos] in _SPACE_SLASH:
        pos += 1
    if pos >= end:
        return -1, None, b""
    if head[pos] == 0x3E:
        return pos, None, b""
    start = pos
    pos += 1  # the first byte is part of the name, even an "="
    while pos < end and head[pos] not in b"\t\n\x0c\r =/>":
        pos += 1
    name = lower[start:pos]
    while pos < end and head[pos] in _SPACE:
        pos += 1
    if pos >= end:
        return -1, None, b""
    if head[pos] != 0x3D:  # no value
        return pos, name, b""
    pos += 1
    while pos < end and head[pos] in _SPACE:
        pos += 1
    if pos >= end:
        return -1, None, b""
    quote = head[pos]
    if quote in b"\"'":
        close = head.find(bytes([quote]), pos + 1)
        if close < 0:
            return -1, None, b""
        return close + 1, name, lower[pos + 1 : close]
    start = pos
    while pos < end and head[pos] not in _VALUE_END:
        pos += 1
    if pos >= end:
        return -1, None, b""
    return pos, name, lower[start:pos]


def _from_content(content: str) -> str | None:
    """HTML's "extract a character encoding from a meta element" on a content attribute."""
    pos = 0
    while True:
        found = content.find("charset", pos)
        if found < 0:
            return None
        pos = found + 7
        while pos < len(content) and content[pos] in _ASCII_SPACE:
            pos += 1
        if pos < len(content) and content[pos] == "=":
            break
    pos += 1
    while pos < len(content) and content[pos] in _ASCII_SPACE:
        pos += 1
    if pos >= len(content):
        return None
    if content[pos] in "\"'":
        close = content.find(content[pos], pos + 1)
        return encoding_for(content[pos + 1 : close]) if close >= 0 else None
    stop = pos
    while stop < len(content) and content[stop] not in _ASCII_SPACE + ";":
        stop += 1
    return encoding_for(content[pos:stop])
