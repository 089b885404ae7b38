"""How much one visitor can make Omotenashi store: every value and every count is bounded.

The engine trims what a request brings (UTM values, referrer, topics, item ids); the store's
scripts refuse new entries past the counts below. So no key grows past :data:`KEY_BOUND`
bytes of data (field names plus values), whatever anyone sends, and a request without a
cookie, the cheapest thing to send, stores at most :data:`NEW_VISITOR_BOUND` bytes, kept for
``OMOTENASHI_REDIS_NEW_TTL`` (a day) unless the visitor comes back for a second visit.
"""

from __future__ import annotations

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
MAX_ATTR_NAME = 40  # characters of an attribute name
MAX_ATTR_BYTES = 256  # bytes of one attribute value, as JSON
MAX_MERGED = 20  # anonymous ids remembered as merged into one user's profile
MAX_BOUGHT = 50  # items remembered as bought
MAX_RULE_ID = 64  # characters of a rule id (shown and caps hold one entry per rule)

_NUMBER = 24  # the longest number we write ("1733059200.123456", a count ...)
_SCALARS = 16 * (12 + _NUMBER)  # views, visits, first_seen, stage ... of the profile hash
_UTM = 5 * (len("first_utm_content") + MAX_UTM)
_FIRST_REFERRER = len("first_referrer") + MAX_REFERRER
_EVENTS = MAX_EVENT_NAMES * (len("ev:") + 40 + _NUMBER)
_MERGED = MAX_MERGED * (len("merged:") + 33 + _NUMBER)
_BOUGHT = MAX_BOUGHT * (len("bought:") + MAX_ITEM + _NUMBER)

#: The most data (bytes of field names and values) any one key of a profile holds.
KEY_BOUND = 16384
#: Per family, what the limits above allow (each within :data:`KEY_BOUND`).
FAMILY_BOUNDS = {
    "profile": _SCALARS + _UTM + _FIRST_REFERRER + _EVENTS + _MERGED + _BOUGHT,
    "attrs": MAX_ATTRS * (MAX_ATTR_NAME + MAX_ATTR_BYTES),
    "interests": MAX_TOPICS * (2 * MAX_TOPIC + 1 + 2 * _NUMBER),
    "cart": MAX_CART * (MAX_ITEM + _NUMBER),
    "viewed": VIEWED_KEEP * (MAX_ITEM + _NUMBER),
    "rate": _NUMBER,
}
#: A request without a cookie: one page view of a new visitor, everything at its longest
#: (the rules shown and their caps: at most the page budget, 4 by default, of them).
NEW_VISITOR_BOUND = (
    _SCALARS
    + _UTM
    + _FIRST_REFERRER
    + TOPICS_PER_PAGE * (2 * MAX_TOPIC + 1 + 2 * _NUMBER)
    + ITEMS_PER_PAGE * (MAX_ITEM + _NUMBER)
    + 4 * 2 * (MAX_RULE_ID + 2 * _NUMBER)
)

assert all(bound <= KEY_BOUND for bound in FAMILY_BOUNDS.values())
