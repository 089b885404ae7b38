"""EUC-JP as browsers decode and encode it (the WHATWG Encoding standard), a codec of our own.

Python's ``euc_jp`` knows JIS X 0208 as it was in 1990: it refuses the NEC special characters
(row 13: ①, Ⅰ, ㈱, №) and the NEC-selected IBM extensions (rows 89 to 92: 髙, 﨑) that
browsers decode and Japanese pages in EUC-JP use every day, so such a page was refused. It also
reads six characters other than browsers do (0xA1C1 is 〜 to it, ～ to a browser; ‖ −
¢ £ ¬ are ∥ － ￠ ￡ ￢ to a browser), and writes those six, ¥ and ‾ as bytes a browser shows
as another character.

A browser reads a two-byte EUC-JP character with the table it reads Shift_JIS with
(``index-jis0208``), which Python's ``cp932`` decodes as browsers do: the pair is turned into
its Shift_JIS bytes and decoded by ``cp932``. Half-width katakana (0x8E) and JIS X 0212 (0x8F)
are ``euc_jp``'s. A character with two byte sequences encodes to the first, as in browsers; a
page using the other does not survive decoding and encoding, and goes out as the app sent it.
"""

from __future__ import annotations

import codecs
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = ["EUC_JP", "LOOKALIKES"]

EUC_JP = "whatwg-euc-jp"


def _shift_jis(lead: int, trail: int) -> bytes:
    """The Shift_JIS bytes of an EUC-JP pair's ``index-jis0208`` pointer."""
    row, cell = divmod((lead - 0xA1) * 94 + trail - 0xA1, 188)
    return bytes([row + (0x81 if row < 0x1F else 0xC1), cell + (0x40 if cell < 0x3F else 0x41)])


def _tables() -> tuple[dict[bytes, str], dict[str, bytes], dict[int, str]]:
    """Each pair as a browser reads it, each character's first pair, and what a browser reads
    where ``euc_jp`` reads another character."""
    decoded: dict[bytes, str] = {}
    encoded: dict[str, bytes] = {}
    fixed: dict[int, str] = {}
    for lead in range(0xA1, 0xFF):
        for trail in range(0xA1, 0xFF):
            pair = bytes([lead, trail])
            try:
                char = _shift_jis(lead, trail).decode("cp932")
            except UnicodeDecodeError:
                continue
            decoded[pair] = char
            encoded.setdefault(char, pair)
            try:
                python = pair.decode("euc_jp")
            except UnicodeDecodeError:
                continue
            if python != char:
                fixed[ord(python)] = char
    assert not fixed.keys() & {ord(char) for char in decoded.values()}
    return decoded, encoded, fixed


def _python(char: str) -> bytes | None:
    try:
        return char.encode("euc_jp")
    except UnicodeEncodeError:
        return None


_DECODED, _ENCODED, _FIXED = _tables()
# Characters euc_jp writes as bytes a browser shows as another: ¥ and ‾ (0x5C and 0x7E are \
# and ~), 〜 ‖ − ¢ £ ¬ (read as ～ ∥ － ￠ ￡ ￢). ISO-2022-JP's JIS X 0208 reads the six so too.
LOOKALIKES = frozenset([0xA5, 0x203E, *_FIXED])
# What browsers write as a JIS X 0208 pair and euc_jp otherwise (№ and 纊 in JIS X 0212) or not.
_OWN = {char: pair for char, pair in _ENCODED.items() if _python(char) != pair}
# each stands in for one while euc_jp encodes (a lone surrogate no text decoded from a page has)
_HIDDEN = {
    code: chr(0xDC00 + index)
    for index, code in enumerate(sorted(LOOKALIKES | {ord(char) for char in _OWN}))
}
_SHOWN = {ord(hidden): chr(code) for code, hidden in _HIDDEN.items()}
_ALIKE = "a browser would show another character"


def _handler(errors: str, encoding: bool) -> str:
    """The name of an error handler that gives euc_jp's gaps our table's reading, else leaves
    the character (or bytes) to ``errors``."""
    name = f"omotenashi-euc-jp-{'encode' if encoding else 'decode'}-{errors}"
    try:
        codecs.lookup_error(name)
    except LookupError:
        fallback = codecs.lookup_error(errors)
        # the last text translated, and it translated: one translation per encode, not one per
        # look-alike character (a name of 2,000 "〜" in a 150 KB page took 16 s); one tuple,
        # replaced whole, so a thread never reads another's text with its own
        last: list[tuple[str, str] | None] = [None]

        def handle(exc: UnicodeError) -> tuple[str | bytes, int]:
            if isinstance(exc, UnicodeEncodeError):
                char = exc.object[exc.start]
                shown = _SHOWN.get(ord(char))
                if shown in _OWN:
                    return _OWN[shown], exc.start + 1
                if shown is not None:
                    seen = last[0]
                    if seen is not None and seen[0] is exc.object:
                        text = seen[1]
                    else:
                        text = exc.object.translate(_SHOWN)
                        last[0] = (exc.object, text)
                    alike = UnicodeEncodeError(EUC_JP, text, exc.start, exc.start + 1, _ALIKE)
                    return fallback(alike)[0], exc.start + 1
            elif isinstance(exc, UnicodeDecodeError):
                pair = bytes(exc.object[exc.start : exc.start + 2])
                if pair in _DECODED:
                    return _DECODED[pair], exc.start + 2
            return fallback(exc)

        codecs.register_error(name, handle)
    return name


# Searched for first, at C speed: a page without them (most) is not translated whole (dos66:
# three full-page translations made every EUC-JP page 10-15 times a UTF-8 one's cost)
_TO_HIDE = re.compile("[" + "".join(map(re.escape, map(chr, sorted(_HIDDEN)))) + "]")
_TO_FIX = re.compile("[" + "".join(map(re.escape, map(chr, sorted(_FIXED)))) + "]")


def _encode(text: str, errors: str = "strict") -> tuple[bytes, int]:
    hidden = text.translate(_HIDDEN) if _TO_HIDE.search(text) else text
    return hidden.encode("euc_jp", _handler(errors, True)), len(text)


def _decode(data: ReadableBuffer, errors: str = "strict") -> tuple[str, int]:
    raw = bytes(data)
    text = raw.decode("euc_jp", _handler(errors, False))
    return (text.translate(_FIXED) if _TO_FIX.search(text) else text), len(raw)


_CODEC = codecs.CodecInfo(_encode, _decode, name=EUC_JP)


def _search(name: str) -> codecs.CodecInfo | None:
    return _CODEC if name == EUC_JP.replace("-", "_") else None


codecs.register(_search)
