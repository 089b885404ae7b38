"""What one request changes in a profile: built from the page view and the app's events,
applied in memory (so this very page sees it) and written after the response in one script."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from omotenashi.engine import limits
from omotenashi.engine.facts import site_of
from omotenashi.engine.profile import STAGE_ORDER, Profile, decayed
from omotenashi.errors import PayloadError
from omotenashi.rules.text import nfc

_utf8_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode  # Lua's cjson: no NaN


_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")


def storable(value: object) -> bool:
    """Whether ``value`` is plain JSON whose every string, keys too, is text that encodes to
    UTF-8, and whose numbers are finite. A lone UTF-16 surrogate (``"\\ud800"`` in JSON, which
    ``json.loads`` accepts) is not, nor is NaN or infinity: Redis's cjson refuses the whole
    write they are in (and a script stopped half-way leaves a profile without its expiry)."""
    try:
        _utf8_dumps(value).encode("utf-8")
    except (TypeError, ValueError, RecursionError):  # (UnicodeEncodeError is a ValueError)
        return False
    return True


def check_storable(value: object, what: str = "event data") -> None:
    """PayloadError unless :func:`storable`: the one check of what a visitor or the app sends
    (the beacon's events; ``track``'s and ``remember``'s values) before any of it is stored."""
    if not storable(value):
        raise PayloadError(f"{what} must be plain JSON values of valid Unicode text")


def _item_id(value: object) -> str | None:
    """An event's item id as kept (NFC, as a page's items: rules/text.py), or None: not text,
    empty, past the bound (engine.limits), not storable, or with a control character
    (journey65: a NUL went into the visitor's own preferences page as it was)."""
    item = nfc(value) if isinstance(value, str) else None
    if item is None or not 0 < len(item) <= limits.MAX_ITEM or not storable(item):
        return None
    return None if _CONTROLS.search(item) else item


ITEM_EVENTS = frozenset(("view_item", "add_to_cart", "remove_from_cart", "purchase"))


def bad_item(name: str, data: Mapping[str, Any]) -> str | None:
    """Why an event with built-in meaning names an item that would not be kept (its
    ``item``, or one of a purchase's ``items``), or None (security69: the beacon answered 204
    and counted a view_item whose item it left out)."""
    if name not in ITEM_EVENTS:
        return None
    items = data.get("items")  # (as :meth:`Change.add_event` reads them: a purchase's
    if name == "purchase" and isinstance(items, list):  # items, else its item)
        given = items
    else:
        given = [data["item"]] if data.get("item") is not None else []
    for value in given:
        if _item_id(value) is None:
            return (
                f"item {value!r:.80} is not an item id: 1 to {limits.MAX_ITEM} characters of "
                "text without control characters"
            )
    return None


@dataclass
class Change:
    now: float
    view: bool = False  # a page view (GET of an HTML page)
    # a page view not counted (the browsing history is off) and the profile not yet marked so
    unrecorded: bool = False
    new_visit: bool = False
    # the session gap new_visit was judged by: the store checks it against what is kept, which
    # another worker may have written since the read (a first page and the next within ms)
    gap: int = 0
    absent_days: float | None = None
    topics: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    shown: list[str] = field(default_factory=list)
    shown_why: dict[str, list[object]] = field(default_factory=dict)  # rule: [when, reasons]
    events: dict[str, int] = field(default_factory=dict)
    cart_add: dict[str, int] = field(default_factory=dict)
    cart_remove: list[str] = field(default_factory=list)  # items removed whole
    cart_less: dict[str, int] = field(default_factory=dict)  # items removed some (qty) of
    cart_clear: bool = False
    purchases: int = 0
    stage: str | None = None
    stage_back: bool = False
    # the stage a move back (decay) was judged from: it is made only from that stage (a move
    # forward another request wrote since, a booking in another tab, stands: journey58)
    stage_was: str = ""
    # the counts the stage was judged on, as this write leaves them (field: count; events and
    # bookings): another request's since, and the next request judges ``judged`` again
    counted: dict[str, int] = field(default_factory=dict)
    judged: str = ""  # the events' names, sorted, joined by commas
    rejudged: str = ""  # the profile's "judge again" this request's judgement took (cleared)
    first: dict[str, str] = field(default_factory=dict)
    # When the profile this change was made from was first seen (0: none, a new profile).
    # Its write is refused when that profile has gone meanwhile (erased after the read).
    since: float = 0.0
    attrs: dict[str, Any] = field(default_factory=dict)
    caps: dict[str, list[object]] = field(default_factory=dict)  # rule: [period, new count]
    bought: list[str] = field(default_factory=list)  # items of a purchase (recommendations)
    # Measurement: rules first exposed on this page ("t" shown, "c" held out), then, added by
    # the adapter, the visitor-record fields to add and the statistics to count (see measure).
    exposed: dict[str, str] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    stats: dict[tuple[str, str], int] = field(default_factory=dict)  # (day, field): n

    def __post_init__(self) -> None:
        if self.attrs:  # an attribute Redis would refuse (and the whole write with it): left out
            self.attrs = {k: v for k, v in self.attrs.items() if storable({k: v})}

    @property
    def empty(self) -> bool:
        """Nothing to write. A page shown with its history off is no view, yet the rules it
        showed (their counts, caps and exposures) and a visit it begins are still recorded."""
        return not (
            self.view
            or self.unrecorded
            or self.new_visit
            or self.events
            or self.items
            or self.attrs
            or self.stage
            or self.shown
            or self.caps
            or self.exposed
        )

    def add_event(self, name: str, data: Mapping[str, Any]) -> None:
        """Fold one event into the change; events with built-in meaning update the profile."""
        self.events[name] = self.events.get(name, 0) + 1
        item = _item_id(data.get("item"))
        if name == "add_to_cart" and item is not None:
            qty = data.get("qty", 1)
            qty = min(max(qty, 1), limits.MAX_QTY) if type(qty) is int else 1
            self.cart_add[item] = min(self.cart_add.get(item, 0) + qty, limits.MAX_QTY)
        elif name == "remove_from_cart" and item is not None:
            self._remove(item, data.get("qty"))
        elif name == "purchase":
            self.purchases += 1
            self.cart_clear = True
            self.cart_add.clear()
            self.cart_less.clear()
            items = data.get("items")
            got = set(self.bought)  # (a set: a beacon may list thousands)
            for bought in items if isinstance(items, list) else [item]:
                if (kept := _item_id(bought)) is not None:  # (eye65: one cut to 100, not left)
                    got.add(kept)
            # one time for all: the store keeps the latest MAX_BOUGHT, alike by id (the largest)
            self.bought = sorted(got)[-limits.MAX_BOUGHT :]
        elif name == "view_item" and item is not None and item not in self.items:
            self.items.append(item)

    def _remove(self, item: str, qty: object) -> None:
        """``remove_from_cart``, after what this request added: ``qty`` of the item (an int,
        1 or more), else all of it. An add earlier in the request is taken back first, and
        what is left comes off the cart as kept (words52: an add and a remove of one item in
        one request left it in the cart, and a qty was read as all of it)."""
        if type(qty) is not int or qty < 1:
            self.cart_add.pop(item, None)
            self.cart_less.pop(item, None)
            if item not in self.cart_remove:
                self.cart_remove.append(item)
            return
        added = self.cart_add.pop(item, 0)
        if added > qty:
            self.cart_add[item] = added - qty
        elif qty > added and item not in self.cart_remove:  # (else none is kept to take from)
            less = self.cart_less.get(item, 0) + qty - added
            self.cart_less[item] = min(less, limits.MAX_QTY)

    def payload(self, ttl: int, half_life: float) -> dict[str, Any]:
        return {
            "now": self.now,
            "since": self.since,
            "ttl": ttl,
            "half_life": half_life,
            "view": self.view,
            **({"unrecorded": True} if self.unrecorded else {}),  # (rare: the usual bytes)
            "new_visit": self.new_visit,
            **({"gap": self.gap} if self.new_visit and self.gap else {}),
            "absent_days": self.absent_days,
            "topics": self.topics,
            "items": self.items,
            "shown": self.shown,
            "shown_why": self.shown_why,
            "events": self.events,
            "cart_add": self.cart_add,
            "cart_remove": self.cart_remove,
            "cart_less": self.cart_less,
            "cart_clear": self.cart_clear,
            "purchases": self.purchases,
            "stage": self.stage or "",
            "stage_back": self.stage_back,
            **({"stage_was": self.stage_was} if self.stage_was else {}),  # (rare: a move back)
            **({"counted": self.counted, "judged": self.judged} if self.counted else {}),
            **({"rejudged": self.rejudged} if self.rejudged else {}),
            "first": self.first,
            "attrs": self.attrs,
            "caps": self.caps,
            "bought": self.bought,
            "measure": self.measure,
        }


def went_on(profile: Profile, change: Change) -> bool:
    """Whether ``change``'s new visit is one ``profile`` shows going on: a visit counted,
    last seen within the gap (the read missed a page another worker wrote since: upgrade55).
    The store's RECORD_SCRIPT decides the same, against what it keeps."""
    last = profile.last_seen
    return (
        change.new_visit
        and change.gap > 0
        and profile.visits >= 1
        and last is not None
        and math.floor(change.now) - last <= change.gap
    )


def apply(profile: Profile, change: Change, half_life: float, *, page: bool = True) -> Profile:
    """The profile as it will be once ``change`` is written (Redis does the same, atomically:
    the store's RECORD_SCRIPT; tests/test_profile_drift.py checks the two agree on random changes).

    ``page=False`` leaves out what the page itself is about (the view, its topics and items):
    the profile as the visitor arrives at this page, with this request's events applied.
    """
    p = object.__new__(Profile)  # copy.copy, without its pickling detour
    p.__dict__ = profile.__dict__.copy()
    now = change.now
    if change.view and page:
        p.views += 1
    elif change.unrecorded and page:  # a page not counted (the history off): marked once
        p.unrecorded = True
    stale = went_on(p, change)
    if change.new_visit and not stale:
        p.visits += 1
        p.visit_start = now
        if change.absent_days is not None:  # as Redis: a first visit leaves it unset
            p.absent_days = change.absent_days
    if p.first_seen is None:
        p.first_seen = now
    # never back: a server whose clock is behind would leave a quiet gap the next server reads
    # as a new visit (Redis keeps the later too: RECORD_SCRIPT)
    last = p.last_seen  # (max(last, now), without the call)
    p.last_seen = now if last is None or now > last else last
    # (each container a copy of the profile's, even where the change adds nothing to it)
    p.first_touch = {**change.first, **p.first_touch} if change.first else dict(p.first_touch)
    if (ref := p.first_touch.pop("referrer", None)) is not None and (site := site_of(ref)):
        p.first_touch["referrer"] = site  # its site alone, as the store keeps and reads it
    p.interests = interests = dict(p.interests)
    topics = change.topics if page else ()
    if topics:
        second = math.floor(now)  # (the record script's times are whole seconds)
        taken = {t for t in topics if t in interests}  # the page's: none makes room for another
        for topic in topics:
            if topic not in interests and len(interests) >= limits.MAX_TOPICS:  # weakest goes
                rest = [t for t in interests if t not in taken]
                weakest = min(rest, key=lambda t: (decayed(*interests[t], second, half_life), t))
                del interests[weakest]
            taken.add(topic)
            score, at = interests.get(topic, (0.0, now))
            interests[topic] = (decayed(score, at, now, half_life) + 1.0, now)
    p.viewed = viewed = dict(p.viewed)
    for item in change.items if page else ():
        viewed[item] = now
    p.events = events = dict(p.events)
    for name, n in change.events.items():
        events[name] = events.get(name, 0) + n
    cart = {} if change.cart_clear else dict(p.cart)
    for item in change.cart_remove:
        cart.pop(item, None)
    for item, less in change.cart_less.items():
        if cart.get(item, 0) > less:
            cart[item] -= less
        else:
            cart.pop(item, None)
    for item, qty in change.cart_add.items():
        cart[item] = cart.get(item, 0) + qty
    if change.cart_add or change.cart_remove or change.cart_less:
        p.cart_at = now
    p.cart = cart
    if change.purchases:
        p.purchases += change.purchases
        p.purchase_at = now
    if change.bought:
        bought_at = {**p.bought_at, **dict.fromkeys(change.bought, now)}  # as the store:
        latest = sorted(bought_at, key=lambda i: (bought_at[i], i))[-limits.MAX_BOUGHT :]
        p.bought_at = {i: bought_at[i] for i in latest}  # the latest, the rest let go
        p.purchased = (p.purchased | frozenset(change.bought)) - (bought_at.keys() - set(latest))
    p.attrs = {**p.attrs, **change.attrs} if change.attrs else dict(p.attrs)
    p.shown = shown = dict(p.shown)
    for rule_id in change.shown:
        shown[rule_id] = shown.get(rule_id, 0) + 1
    p.caps = caps = dict(p.caps)
    for k, v in change.caps.items():
        period = str(v[0])
        if stale and period[:1] == "v":  # the visit that goes on (as RECORD_SCRIPT)
            period = f"v{int(p.visit_start or p.first_seen or now)}"
        caps[k] = (period, int(str(v[1])))
    if change.rejudged and ",".join(sorted(p.rejudge)) == change.rejudged:
        p.rejudge = frozenset()  # judged again: done (as store/stagemoves.py)
    moved = {  # counts moved under the judgement: its events and theirs judged again
        "purchase" if f == "P" else f[1:]
        for f, n in change.counted.items()
        if (kept := (p.purchases or None) if f == "P" else p.events.get(f[1:])) is not None
        and kept != n
    }
    if moved:
        p.rejudge |= moved | frozenset(change.judged.split(","))
    back = change.stage_back and not moved and change.stage_was in ("", p.stage)
    if change.stage and (back or STAGE_ORDER.index(change.stage) > STAGE_ORDER.index(p.stage)):
        p.stage = change.stage
    return p
