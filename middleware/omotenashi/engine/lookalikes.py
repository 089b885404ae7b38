"""ISO-2022-JP and Big5 as browsers read them (the WHATWG Encoding standard): Python's codecs,
with the characters they read otherwise than browsers put right.

Python's ``iso2022_jp`` reads six JIS X 0208 pairs as ``euc_jp`` does (0x2141 is 〜 to it, ～
to a browser; ‖ − ¢ £ ¬ are ∥ － ￠ ￡ ￢ to a browser), and ``big5hkscs`` eleven Big5 pairs (•
､ ‾ ∼ ♁ ☉ ／ ＼ ¥ ¢ £ are ‧ ﹑ ¯ ～ ⊕ ⊙ ∕ ﹨ ￥ ￠ ￡ to a browser: every pair read in Chromium;
0xA1FE and 0xA240 are ／ and ＼ to both). These codecs decode a page to what a browser shows and
encode it back to its own bytes; an inserted character of Python's reading (a snippet's 〜 or
¥) goes to the ``errors`` handler (a character reference), since its bytes would show as the
other one, and one of the browser's reading (～) goes out as the bytes a browser reads so. No
pair decodes to a browser's reading in Python's codec, so a page's own text never holds
Python's: every such character in a text encoded was inserted. (Pairs Python does not know,
HKSCS-2008's, NEC's ① in ISO-2022-JP, still make a page be refused.)
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["BIG5", "GB18030", "ISO_2022_JP", "KOI8_U"]

ISO_2022_JP = "iso2022-jp-whatwg"  # ("iso2022": what charset.py and page.py look for)
BIG5 = "big5-whatwg"
KOI8_U = "koi8-u-whatwg"
GB18030 = "gb18030-whatwg"
_ALIKE = "a browser would show another character"


class _Reading:
    """Python's ``base`` codec read as browsers read it, as the codec ``name``: ``fixed``,
    Python's reading of a pair and the browser's; ``own``, a character and the bytes it goes
    out as where Python's encoder writes others."""

    def __init__(
        self, name: str, base: str, fixed: dict[str, str], own: dict[str, bytes] | None = None
    ) -> None:
        self.name, self.base, self.own = name, base, own or {}
        self.shown = str.maketrans({ours: t for ours, t in fixed.items() if ours not in self.own})
        refused = sorted({*fixed, *self.own})  # (Python's readings; ours written as bytes)
        # each hidden as a lone surrogate (no text decoded from a page holds one) that the
        # encoder refuses, and the handler gives back as itself
        hidden = {ord(c): chr(0xDC00 + i) for i, c in enumerate(refused)}
        theirs = {ord(t): ours for ours, t in fixed.items() if t not in self.own}
        self.written = {**theirs, **hidden}
        self.unhidden = {ord(h): chr(code) for code, h in hidden.items()}
        # (found first, at C speed: a dict's translate of a 100 KB page takes 10 ms, and most
        # pages hold none of them: review65)
        self.to_write = _any_of(self.written)
        self.to_show = _any_of(self.shown)
        self.info = codecs.CodecInfo(self.encode, self.decode, name=name)

    def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
        written = text.translate(self.written) if self.to_write.search(text) else text
        return written.encode(self.base, self._handler(errors)), len(text)

    def decode(self, data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
        raw = bytes(data)
        text = raw.decode(self.base, errors)
        return text.translate(self.shown) if self.to_show.search(text) else text, len(raw)

    def _handler(self, errors: str) -> str:
        """An encode error handler that writes a character of ``own`` as its bytes, and gives
        any other hidden one to ``errors`` as itself."""
        name = f"omotenashi-{self.name}-{errors}"
        try:
            codecs.lookup_error(name)
        except LookupError:
            fallback = codecs.lookup_error(errors)
            last: list[tuple[str, str] | None] = [None]  # (one translation per text: eucjp.py)

            def handle(exc: UnicodeError) -> tuple[str | bytes, int]:
                if not isinstance(exc, UnicodeEncodeError) or not any(
                    ord(c) in self.unhidden for c in exc.object[exc.start : exc.end]
                ):
                    return fallback(exc)
                char = self.unhidden.get(ord(exc.object[exc.start]), "")
                if char in self.own:
                    return self.own[char], exc.start + 1
                seen = last[0]
                if seen is not None and seen[0] is exc.object:
                    text = seen[1]
                else:
                    text = exc.object.translate(self.unhidden)
                    last[0] = (exc.object, text)
                return fallback(UnicodeEncodeError(self.name, text, exc.start, exc.end, _ALIKE))

            codecs.register_error(name, handle)
        return name


class _Big5(_Reading):
    """Big5: ``big5hkscs`` reads both 0xA1FE and 0xA241 as ／ (browsers: ／ and ∕), and both
    0xA240 and 0xA242 as ＼ (＼ and ﹨): the second of each is read where it starts a pair."""

    def decode(self, data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
        raw = bytes(data)
        if b"\xa2\x41" not in raw and b"\xa2\x42" not in raw:
            return super().decode(raw, errors)
        kinds = raw.translate(_KINDS)  # (each byte as L, below 0x80, or H: found in C)
        parts, at, start, last = [], 0, 0, 0
        for pair in _SLASHES.finditer(raw):  # (one step per such pair: eye66, a step per run
            lead = pair.start()  # of high bytes took a page with one ∕ 12 times as long)
            low = kinds.rfind(b"L", last, lead)  # (back to the last pair only: linear in all)
            last, start = lead, low + 1 if low >= 0 else start  # where its high run starts: a
            if (lead - start) % 2 == 0:  # byte below ends every pair; 0xA2 is a lead there
                parts.append(super().decode(raw[at:lead], errors)[0])
                parts.append("∕" if raw[lead + 1] == 0x41 else "﹨")
                at = lead + 2
        parts.append(super().decode(raw[at:], errors)[0])
        return "".join(parts), len(raw)


class _Swapped:
    """Python's ``base`` codec with pairs of characters swapped both ways, as ``name``: where
    Python reads one byte sequence as the character browsers read another as, and the other
    way round (``gb18030``, the 2005 table: 0xA8BC is U+E7C7 to it, ḿ to a browser, and
    0x8135F437 ḿ to it, U+E7C7 to a browser). A page's own bytes decode to what a browser
    shows and encode back to themselves; an inserted ḿ goes out as the bytes a browser shows
    as ḿ."""

    def __init__(self, name: str, base: str, pairs: dict[str, str]) -> None:
        self.base = base
        both = {**pairs, **{b: a for a, b in pairs.items()}}
        self.table = str.maketrans(both)
        self.found = _any_of(self.table)
        self.info = codecs.CodecInfo(self.encode, self.decode, name=name)

    def encode(self, text: str, errors: str = "strict") -> tuple[bytes, int]:
        swapped = text.translate(self.table) if self.found.search(text) else text
        return swapped.encode(self.base, errors), len(text)

    def decode(self, data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
        raw = bytes(data)
        text = raw.decode(self.base, errors)
        return text.translate(self.table) if self.found.search(text) else text, len(raw)


def _any_of(table: dict[int, str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")


_SLASHES = re.compile(rb"\xa2[\x41\x42]")
_KINDS = bytes.maketrans(bytes(range(256)), b"L" * 128 + b"H" * 128)
_JIS = {"〜": "～", "‖": "∥", "−": "－", "¢": "￠", "£": "￡", "¬": "￢"}
_BIG5 = {
    **{"•": "‧", "､": "﹑", "‾": "¯", "∼": "～", "♁": "⊕", "☉": "⊙", "¥": "￥", "¢": "￠"},
    **{"£": "￡", "／": "∕", "＼": "﹨"},
}
_CODECS = {
    r.info.name.replace("-", "_"): r.info
    for r in (
        _Reading(ISO_2022_JP, "iso2022_jp", _JIS),
        _Big5(BIG5, "big5hkscs", _BIG5, own={"／": b"\xa1\xfe", "＼": b"\xa2\x40"}),
        # (i18n67: KOI8-U is KOI8-RU to browsers: 0xAE and 0xBE are ў and Ў, not ╝ and ╬)
        _Reading(KOI8_U, "koi8_u", {"╝": "ў", "╬": "Ў"}),
        _Swapped(GB18030, "gb18030", {"\ue7c7": "ḿ"}),
    )
}
codecs.register(_CODECS.get)
