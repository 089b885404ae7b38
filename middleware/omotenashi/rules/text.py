"""Text from outside in one form, decided here: Unicode NFC, what browsers and the web write.

One word reaches Omotenashi spelled two ways: ``café`` precomposed (NFC, what browsers send
and most editors save) or as ``e`` and a combining accent (NFD, as a macOS file name or a
copy from one). Each is made NFC where it enters (a rule file's topics and path globs, a
page's topics and items, the app's and the beacon's item ids, the request's path), so that
the two are one interest, one item, one page. A topic is also put in one case and spacing,
and loses the characters that change how text reads without being seen (:func:`topic`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

# Unseen characters a topic loses: C0 and C1 controls, the soft hyphen, bidirectional marks,
# embeddings, overrides and isolates (U+202E would turn "why you see this" around), zero-width
# spaces, invisible operators and the BOM. The zero-width joiner and non-joiner stay: emoji
# sequences and Persian and Indic spellings need them.
UNSEEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u2069\ufeff]"
)


def problem(said: str, hint: str) -> PydanticCustomError:
    """A rule file's field is wrong: what, and what would be right (rules/fileerrors.py words
    it at its file, line and field)."""
    return PydanticCustomError("omo", "{problem}", {"problem": said, "hint": hint})


def not_a_flag(value: object) -> object:
    """A whole number field's value; true or false refused (to pydantic, the numbers 1, 0)."""
    if isinstance(value, bool):
        raise problem(f"{str(value).lower()} is not a number", "write a number, e.g. 60")
    return value


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (ASCII is, as it is)."""
    return text if text.isascii() else unicodedata.normalize("NFC", text)


LISTED = re.compile("[,\u3001\uff0c\uff64]")  # what separates topics: , 、 ， ､ (japan53)


def unstopped(text: str) -> str:
    """``text`` trimmed, without the full stops that end it (``.``, and ``。`` or ``．`` in
    Japanese: a sentence of ours adds its own, which made "です。." : japan53)."""
    return text.strip().rstrip(". \u3002\uff0e")


# Characters Shift_JIS and its Windows form (CP932) write apart for one byte pair, as the one NFKC
# makes of its twin: 〜 ～ are ~, − － are -, ‖ ∥ are ∥, — ― are — (eye53b, session 54)
_JIS_TWINS = str.maketrans({"\u301c": "~", "\u2212": "-", "\u2016": "\u2225", "\u2015": "\u2014"})


def topic(text: str) -> str:
    """A topic as it is kept and compared: NFKC (full-width letters and digits as ASCII,
    half-width kana as full-width: ＫＹＯＴＯ is kyoto, ｷｮｳﾄ is キョウト; japan53), the
    characters Shift_JIS and CP932 write apart as one (:data:`_JIS_TWINS`: 〜 and ～ are ~,
    − and － are -), lower case, without unseen characters, each run of spaces (any Unicode space:
    a no-break space too) one space, trimmed. ``Café``, ``cafe\\u0301`` and ``\\u202ecafé`` are
    ``café``."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split()).lower()
    text = unicodedata.normalize("NFKC", UNSEEN.sub("", text)).translate(_JIS_TWINS)
    return nfc(" ".join(text.split()).lower())


def page_item(text: str) -> str:
    """An item id a page's ``<meta name="omotenashi:item">`` gives: as :func:`topic`, but NFC
    only (``viewed:``, the app and the beacon give theirs in NFC: eye53b), lower case as the
    catalogue's ids are (``SKU-ABC`` is the catalogue's ``sku-abc``: ``check`` warns of a
    ``viewed:`` in capitals, eye54)."""
    if text.isascii() and text.isprintable():
        return " ".join(text.split()).lower()
    return nfc(" ".join(UNSEEN.sub("", text).split()).lower())


def snippet_name(name: str) -> str:
    """A snippet's name as the snippets folder knows it (the one name the loader, the rules'
    errors and ``check``'s unused snippets use): NFC, the path's steps joined by one '/',
    without empty and '.' steps. ``/banners/hero.html``, ``./banners/hero.html`` and
    ``banners//hero.html`` are ``banners/hero.html``; a name with no step is left as written
    (not found, named as written)."""
    steps = [s for s in nfc(name).split("/") if s not in ("", ".")]
    return "/".join(steps) if steps else name


def slot_name(name: str) -> str:
    """A slot's name, refused when it holds a character no one sees (rules61: ``hero`` and a
    zero-width space, which no page's ``data-omo-slot`` an editor reads as ``hero`` has)."""
    if (unseen := UNSEEN.search(name)) is not None:
        said = f"{name!r} holds a character no one sees ({unseen.group()!r})"
        raise problem(said, "write the name as the page's data-omo-slot has it, without it")
    return name


Topic = Annotated[str, AfterValidator(topic)]
Slot = Annotated[str, AfterValidator(slot_name)]
Nfc = Annotated[str, AfterValidator(nfc)]  # an item id, as pages and events give them
SnippetName = Annotated[str, AfterValidator(snippet_name)]
Number = Annotated[int, BeforeValidator(not_a_flag)]  # (priority: true was 1: rules61)
Glob = Nfc  # a path glob: matched to the request's path, NFC too (asgi/arrival.py)
