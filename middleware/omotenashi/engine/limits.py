"""How much one visitor can make Omotenashi store: every value and every count is bounded.

The engine trims what a request brings (UTM values, referrer, topics, item ids); the store's
scripts refuse new entries past the counts below. So a profile (one hash) holds at most
:data:`KEY_BOUND` bytes of data (field names plus values) plus :data:`RULE_BOUND` per rule
shown, whatever anyone sends, and a request without a cookie, the cheapest thing to send,
stores at most :data:`NEW_VISITOR_BOUND` bytes (and the reasons of the rules shown), kept for
``OMOTENASHI_REDIS_NEW_TTL`` (a day) unless the visitor comes back for a second visit.
"""

from __future__ import annotations

import unicodedata

# characters of a rule id, longer refused at load (shown and caps hold one entry per rule)
from omotenashi.rules.model import MAX_RULE_ID as MAX_RULE_ID

MAX_UTM = 200  # characters of each first-visit UTM value
MAX_REFERRER = 300  # characters of the first-visit referrer
MAX_TOPIC = 40  # characters of a topic
MAX_ITEM = 100  # characters of an item id (viewed, cart)
MAX_QTY = 99  # one add_to_cart adds at most this many
TOPICS_PER_PAGE = 10
ITEMS_PER_PAGE = 5
MAX_TOPICS = 50  # topics in one profile's interests
MAX_EVENT_NAMES = 50  # distinct event names counted in one profile
MAX_CART = 50  # distinct items in one cart
VIEWED_KEEP = 50  # most recently viewed items kept
MAX_ATTRS = 20  # attributes the app may remember per profile
MAX_ATTR_NAME = 40  # bytes of an attribute name (UTF-8)
MAX_ATTR_BYTES = 256  # bytes of one attribute value, as JSON
MAX_MERGED = 20  # anonymous ids remembered as merged into one user's profile
MAX_BOUGHT = 50  # items remembered as bought

MAX_REASONS = 10  # sentences kept per rule shown (the reasons given the last time)
MAX_REASON_BYTES = 800  # bytes of one kept sentence (the engine keeps them to 200 characters)


def _pieced(name: int, value: int) -> int:
    """Bytes of a field of ``name`` bytes holding ``value`` bytes, as store/pieces.py keeps it:
    a value over 64 bytes in pieces (each further one named ``\\x1e<k>:<name>``, at least 61
    bytes when cut between 4-byte characters); a name over 64 bytes under its 17-byte hash,
    beside a field of that size holding the name (in pieces too)."""
    if name > 64:
        return _pieced(17, value) + _pieced(17, name)
    return name + value + (-(-value // 61) - 1) * (len("\x1e99:") + name)


_UTF8 = 4  # bytes of one character at most: a limit in characters is up to 4 times in bytes


# Bytes of field names and values in the profile hash (store/scripts.py).
_NUMBER = 24  # the longest number we write ("1733059200.123456", a count ...)
# views, visits, first_seen, stage ... of the profile hash, and the count of pieced values
_SCALARS = 16 * (12 + _NUMBER) + 1 + _NUMBER
_UTM = 5 * _pieced(len("futm_content"), _UTF8 * MAX_UTM)
_FIRST_REFERRER = _pieced(len("freferrer"), _UTF8 * MAX_REFERRER)
_EVENTS = MAX_EVENT_NAMES * (1 + 40 + _NUMBER)
_MERGED = MAX_MERGED * (1 + 33 + _NUMBER)
_BOUGHT = MAX_BOUGHT * _pieced(1 + _UTF8 * MAX_ITEM, _NUMBER)
# an attribute name is at most MAX_ATTR_NAME bytes; its value is measured as json.dumps writes
# it, and stored as Lua's cjson writes it, which escapes "/" as "\\/": up to twice as long
_ATTRS = MAX_ATTRS * _pieced(1 + MAX_ATTR_NAME, 2 * MAX_ATTR_BYTES)
_TOPIC = _pieced(1 + _UTF8 * MAX_TOPIC, 2 * _NUMBER + 1)  # "i<topic>": "<score> <when>"
_INTERESTS = MAX_TOPICS * _TOPIC
_CART = MAX_CART * _pieced(1 + _UTF8 * MAX_ITEM, _NUMBER)
_VIEWED = VIEWED_KEEP * _pieced(1 + _UTF8 * MAX_ITEM, _NUMBER)
_SHOWN = 1 + MAX_RULE_ID + 3 * _NUMBER  # "s<rule>": "<count> <when> <n>.<n>..."
_CAP = 1 + MAX_RULE_ID + _NUMBER  # "k<rule>": "<period>:<count>"

#: Per family of the profile hash, what the limits above allow; ``rate`` is the beacon's
#: counter, a key of its own.
FAMILY_BOUNDS = {
    "profile": _SCALARS + _UTM + _FIRST_REFERRER + _EVENTS + _MERGED + _BOUGHT,
    "attrs": _ATTRS,
    "interests": _INTERESTS,
    "cart": _CART,
    "viewed": _VIEWED,
    "rate": _NUMBER,
}
#: Per rule shown (one entry per rule of the site's): its count, caps and kept reasons.
RULE_BOUND = _SHOWN + _CAP + MAX_REASONS * _pieced(len("99"), MAX_REASON_BYTES)
#: The most data (bytes of field names and values) one profile hash holds, besides its
#: per-rule entries (:data:`RULE_BOUND` each).
KEY_BOUND = sum(bound for family, bound in FAMILY_BOUNDS.items() if family != "rate")
#: A request without a cookie: one page view of a new visitor, everything at its longest
#: (the rules shown and their caps: at most the page budget, 4 by default, of them; their
#: reasons are the site's sentences, counted in :data:`RULE_BOUND`).
NEW_VISITOR_BOUND = (
    _SCALARS
    + _UTM
    + _FIRST_REFERRER
    + TOPICS_PER_PAGE * _TOPIC
    + ITEMS_PER_PAGE * _pieced(1 + _UTF8 * MAX_ITEM, _NUMBER)
    + 4 * (_SHOWN + _CAP)
)


_ZWJ = "\u200d"


def _extends(char: str) -> bool:
    """Whether ``char`` belongs to the character before it: a combining mark (the dakuten of
    が written as か and U+3099), a variation selector (葛 and U+E0100, an ideographic variant
    a name may need), an emoji skin tone, a zero-width joiner or an emoji tag."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char == _ZWJ
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
        or 0x1160 <= code <= 0x11FF  # a Hangul syllable written as jamo: its vowel and final
        or 0xD7B0 <= code <= 0xD7FF
    )


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters, ending with "…" where it is cut (:func:`clip`):
    a reader sees that something is missing, rather than a shorter text that says another
    thing."""
    return text if len(text) <= limit else clip(text, limit - 1) + "…"


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, never inside what a reader sees as one: not
    before a mark that belongs to the character kept last, not after a joiner, not between
    the two letters of a flag (🇯🇵)."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > 0 and (_extends(text[cut]) or text[cut - 1] == _ZWJ):
        cut -= 1
    flags = 0
    while flags < cut and 0x1F1E6 <= ord(text[cut - flags - 1]) <= 0x1F1FF:
        flags += 1
    return text[: cut - flags % 2]
