"""The reasons kept with a profile ("why was this shown to me"), written compactly and read back
exactly as they were said.

A shown rule keeps its reasons in its own field when they are few and short, else as numbered
fields of the profile hash, each sentence once (store/scripts.py); either way the engine's
stock phrases are replaced by a code: one control character (``\\x01`` to ``\\x1e``) for each
of :data:`PHRASES`, ``\\x00`` and a capital letter for each of :data:`MORE_PHRASES`. The tables
below only ever grow at their end: a stored sentence reads back the same after an upgrade (a
release before MORE_PHRASES shows their codes as the letter: the sentence misses those
words). Control characters in a sentence itself (the engine never writes any) are stored as
spaces; ``\\x1f`` separates the reasons kept in one value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

#: Stock phrases of engine/explain.py, engine/history.py and recommend/reasons.py. Append only.
PHRASES = (
    "you have looked at pages about ",
    " or more times",
    "you have been exploring what we offer",
    "you looked at “",
    ": Because you have been looking at ",
    ": Because you viewed ",
    ": Often viewed with ",
    ": Something different",
    ": Popular ",
    ": You viewed this recently",
    ": From our selection",
    "you have not looked at ",
    "you have seen ",
    " pages here",
    "you have visited us ",
    " times, counting this visit",
    "you have bought from us",
    "your cart ",
    "you have done ",
    "you came from ",
    "you first came ",
    "this is your first visit",
    "you have visited us before",
    "this is shown to every visitor",
    " holidays",
    "we think you fit the group ",
    "you are getting to know us",
    "you have been getting ready to book (for example, something went into your cart)",
    "you are in our group ",
    "we know of nothing in your cart",
)
#: More of them, once PHRASES was full (engine/history.py, engine/conditions.py). Append only.
MORE_PHRASES = (
    "we have no record of you buying ",
    "we have no record of you looking at ",
    "we have no record of ",
    "you bought ",
    "you are not looking at ",
    ", which is in our sale list",
    "nothing about you chose this: it may be shown to anyone",  # (words52: not "every visitor")
    ", but what it says here is made from what we know of you",  # (streams60)
)
_CODES = [chr(1 + i) for i in range(len(PHRASES))]
# Two bytes each: NUL, which no sentence kept before them holds (encode made it a space), then
# a capital, which no phrase begins with (so no phrase replaced after it can take it in)
_MORE_CODES = ["\x00" + chr(ord("A") + i) for i in range(len(MORE_PHRASES))]
_DECODE = {ord(code): phrase for code, phrase in zip(_CODES, PHRASES, strict=True)}
_MORE = {code[1]: phrase for code, phrase in zip(_MORE_CODES, MORE_PHRASES, strict=True)}
_ESCAPED = re.compile("\x00(.)", re.S)
_CONTROLS = {n: " " for n in range(32)}
# Longest first: a phrase inside a longer one does not break the longer one up.
_ENCODE = sorted(
    zip(PHRASES + MORE_PHRASES, _CODES + _MORE_CODES, strict=True), key=lambda pc: -len(pc[0])
)
assert len(PHRASES) <= 30  # codes 1 to 30: 31 (\x1f) separates reasons
assert len(MORE_PHRASES) <= 26 and not any(p[:1].isupper() for p in PHRASES + MORE_PHRASES)


@lru_cache(maxsize=4096)  # the same few sentences again and again: coded once
def encode(sentence: str) -> str:
    text = sentence.translate(_CONTROLS)
    for phrase, code in _ENCODE:
        if phrase in text:
            text = text.replace(phrase, code)
    return text


@lru_cache(maxsize=4096)
def decode(text: str) -> str:
    if "\x00" in text:  # (a code a later release added reads as nothing, never a wrong phrase)
        text = _ESCAPED.sub(lambda m: _MORE.get(m[1], ""), text)
    return text.translate(_DECODE)


def encode_all(sentences: Iterable[object]) -> list[str]:
    return [encode(str(s)) for s in sentences]
