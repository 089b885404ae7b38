"""Which encoding a browser reads a page in: a byte-order mark, else the Content-Type charset
(a label browsers know), else the ``<meta>`` charset browsers honour, else utf-8 (ours).

The ``<meta>`` is the one Chromium and Firefox honour (:mod:`omotenashi.engine.metascan`): the
first that starts in the first 1024 bytes or later in the head, as their HTML tokenizer reads
the page; nothing past the first 64 KiB is looked at, and a page whose charset is not sure from
them is refused where it matters. Labels are mapped as the WHATWG Encoding standard maps them
(``latin1`` and ``ascii`` are windows-1252, :mod:`omotenashi.engine.labels`) to the Python codec
that decodes as a browser decodes. windows-1252 is a codec of our own (:data:`WINDOWS_1252`):
Python's cp1252 refuses the five bytes the standard decodes to C1 controls (0x81, 0x8D, 0x8F,
0x90, 0x9D).
"""

from __future__ import annotations

import codecs
import re
import threading
from typing import TYPE_CHECKING

from omotenashi.engine.eucjp import LOOKALIKES
from omotenashi.engine.html.rawtext import in_raw_text
from omotenashi.engine.labels import ENCODINGS, LABELS, WINDOWS_1252, encoding_for
from omotenashi.engine.metascan import PRESCAN_BYTES, SCAN_BYTES, meta_charset
from omotenashi.errors import PageRefused

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "LABELS",
    "PRESCAN_BYTES",
    "SCAN_BYTES",
    "WINDOWS_1252",
    "bom_codec",
    "declared_nowhere",
    "encode",
    "encoding_for",
    "page_codec",
    "prescan",
]

# WHATWG windows-1252: cp1252, but the five bytes it leaves undefined (0x81, 0x8D, 0x8F, 0x90,
# 0x9D) are U+0081, U+008D, U+008F, U+0090, U+009D; every byte decodes, every page encodes back.
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

# Python's shift_jis and euc_jp write ¥ and ‾ as 0x5C and 0x7E, which browsers show as \ and ~;
# cp932 (browsers' Shift_JIS) writes 〜 ‖ − ¢ £ ¬ as the bytes browsers show as ～ ∥ － ￠ ￡ ￢
# (no byte decodes to any of these, so a page's own text never holds one)
_LOOKALIKES = {code: f"&#{code};" for code in LOOKALIKES}
_LOOKALIKE_CODECS = frozenset({"shift_jis", "euc_jp", "cp932"})


def encode(text: str, codec: str) -> bytes:
    """A page's text in its codec; what the codec cannot hold (or would write as a character a
    browser reads differently) goes out as a character reference. Text the page decoded to
    encodes back to its own bytes: no such codec decodes any byte to ¥ or ‾. Raises
    :class:`~omotenashi.errors.PageRefused` when such a character is in raw text (a snippet's
    ``<script>`` or ``<style>``), where a browser would show the reference's own characters."""
    if codec == "utf-8":  # (most pages: it holds every character but a lone surrogate)
        try:
            return text.encode(codec)
        except UnicodeEncodeError:
            pass
    name = codecs.lookup(codec).name
    if name.startswith("iso2022") and "\x1b" in text:  # (a page whose own text holds one, a
        text = text.replace("\x1b", "")  # stray ESC, is refused: engine/page.py) inject52: an
        # ESC in a visitor's value switched the page to kanji up to the next escape, eating markup
    lookalikes = name in _LOOKALIKE_CODECS
    at: list[int] = []
    _noted.at = at
    try:
        out = text.encode(codec, _NOTED)  # as xmlcharrefreplace, noting where
    finally:
        _noted.at = []
    if lookalikes and _LOOKALIKE_FOUND.search(text):
        at += [m.start() for m in _LOOKALIKE_FOUND.finditer(text)]
        out = text.translate(_LOOKALIKES).encode(codec, "xmlcharrefreplace")
    raw = in_raw_text(text, sorted(set(at))) if at else None
    if raw is not None:
        said = "inserted text in a <script> or <style> that the charset cannot hold"
        raise PageRefused(said, text[raw])
    return out


_noted = threading.local()
_NOTED = "omotenashi-noted-xmlcharrefreplace"
_LOOKALIKE_FOUND = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(LOOKALIKES)) + "]")


def _note(exc: UnicodeError) -> tuple[str | bytes, int]:
    if isinstance(exc, UnicodeEncodeError):
        _noted.at.extend(range(exc.start, exc.end))
    return codecs.xmlcharrefreplace_errors(exc)


codecs.register_error(_NOTED, _note)


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
    Raises :class:`~omotenashi.errors.PageRefused` for those, for a page whose ``<meta>``
    charset is not sure (see :func:`prescan`), and for an encoding we cannot decode as browsers
    do (one they only show as U+FFFD, or x-user-defined).
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
    codec = ENCODINGS[name][0]
    if not codec:
        if name == "replacement":
            raise PageRefused("a charset browsers do not decode (all U+FFFD)", name)
        raise PageRefused("a charset we cannot decode as browsers do", name)
    return codec


def declared_nowhere(declared: str | None, data: bytes) -> bool:
    """Whether neither the header, a byte-order mark nor a ``<meta>`` names the charset: a
    browser then guesses (windows-1252, often), so a page rewritten as UTF-8 must say it is.
    Not where the ``<meta>`` is not sure: ``charset=utf-8`` must never override the page's."""
    if declared or bom_codec(data) is not None:
        return False
    try:
        return prescan(data) is None
    except PageRefused:
        return False


def prescan(data: bytes) -> str | None:
    """The WHATWG encoding the ``<meta>`` browsers honour declares (a UTF-16 XML declaration
    names UTF-16), or None. Raises :class:`~omotenashi.errors.PageRefused` when that is not sure
    from the first :data:`SCAN_BYTES` bytes: the head still going there without one, Chromium
    and Firefox reading it differently, or a ``<meta>`` past where they look naming another
    charset (see :func:`omotenashi.engine.metascan.meta_charset`)."""
    if data.startswith((b"<\x00?\x00x\x00", b"\x00<\x00?\x00x")):
        return "utf-16le" if data[0] == 0x3C else "utf-16be"
    global _last
    last = _last  # (one read: a tuple another thread may replace whole)
    if last[0] is data:
        return last[1]  # the same page asked again (to decode it, then whether it said)
    found = meta_charset(data)
    _last = (data, found)
    return found


_last: tuple[bytes, str | None] = (b"", None)
