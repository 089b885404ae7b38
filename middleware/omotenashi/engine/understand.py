"""What this request tells us, and what we then know: the change to write and the facts
that rules and the journey are decided on (the profile as it will be after this request)."""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from omotenashi.engine import limits
from omotenashi.engine.change import Change, apply
from omotenashi.engine.facts import Device, Facts, Forced, RequestInfo, evolve, in_cart
from omotenashi.engine.flash import Flash
from omotenashi.engine.html.tokens import ATTRS, attrs, quote_left_open, raw_text_end
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import FIRST_TOUCH, Profile
from omotenashi.engine.restraint import Prefs, history_off
from omotenashi.quick import quick_dict
from omotenashi.recommend.signals import Shared
from omotenashi.rules.text import LISTED, page_item, topic
from omotenashi.settings import RespectSettings

# An omotenashi meta tag, or where text that is not markup begins (a comment, or an element
# whose content a browser reads as text or does not apply: a script echoing a search could
# otherwise plant a tag no browser ever sees)
_TEXT = (
    r"<!--|<(script|style|xmp|iframe|noembed|noframes|noscript|textarea|title|plaintext"
    r"|template|/template)(?=[\t\n\f\r />])"
)
_META = rf"<meta(?=[\t\n\f\r />])({ATTRS})(>)?"  # quoted values may hold < and >; no > runs on
# ... or any other tag, read whole: a quoted value may hold a "<meta ...>" that is not a tag
# ... and a bogus comment ("<!x", "<?", "</" and no letter): up to the first ">", quotes or not
_META_OR_TEXT = re.compile(
    rf"{_META}|{_TEXT}|</?[A-Za-z][^\t\n\f\r />]*+{ATTRS}(>)?"
    r"|<(?:!(?!--)|\?|/(?![A-Za-z>]))[^>]*+(>)?",
    re.I,
)
_META_AT = re.compile(r"<meta(?=[\t\n\f\r />])", re.I)
_KINDS = {"omotenashi:topics": "topics", "omotenashi:item": "item"}
_COMMENT_SHUT = re.compile(r"-?>")  # right after "<!--": an empty comment
_COMMENT_END = re.compile(r"--!?>")
META_WINDOW = 32768  # the page's meta tags are looked for in its first 32 KiB
_UNKNOWN = Device(kind="other", browser="Other", os="Other", is_bot=False)
_NO_NAMES: Mapping[str, str] = {}  # (the facts' names until a catalogue's: read, never changed)
# Events whose only meaning is an item the visitor viewed (engine/change.py ``add_event``):
# browsing history, not recorded while it is off
VIEW_EVENTS = frozenset({"view_item"})


@dataclass(frozen=True)
class Visit:
    """Everything the engine knows about one request and its visitor, besides the page and the
    rules: given by the adapters, never looked up by the engine."""

    visitor_id: str
    profile: Profile
    now: float  # seconds since the epoch; the engine never reads a clock
    request: RequestInfo = field(default_factory=RequestInfo)
    device: Device = _UNKNOWN
    is_new: bool = False  # no valid visitor cookie came with the request
    choices: Prefs = field(default_factory=Prefs)
    private: bool = False  # GPC/DNT or no consent: only contextual rules, nothing recorded
    privacy: str = ""  # why, for its words only (respect/privacy.py Privacy.said: "gpc" ...)
    keeps_choices: bool = True  # a choice of theirs can be kept: "don't show me this" is offered
    events: Sequence[tuple[str, Mapping[str, Any]]] = ()
    attrs: Mapping[str, Any] = field(default_factory=dict)
    forced: Forced | None = None  # a QA preview
    csrf: str = ""  # the token the visitor's forms carry (why notes' "don't show me this")
    shared: Shared = field(default_factory=Shared)  # read for recommendations with the profile
    # Measured rules this visitor was already counted for, with their arm ("t" or "c"): they
    # are not counted again, and the arm sticks (a sign-in changes the id the draw is made on).
    measured_arms: Mapping[str, str] = field(default_factory=dict)
    flash: Flash | None = None  # what a choice made from the page did, to say once (flash.py)


def meta_tags(page: str) -> list[tuple[str, str]]:
    """(kind, content) of the omotenashi meta tags in the page's first 32 KiB, as a browser
    reads the markup: none inside a comment, a script, a textarea, a template or another tag's
    attribute value. Each tag is read whole and each stretch of text skipped to its end
    (engine/html/tokens.py ``raw_text_end``), up to the last "<meta": most pages have none, or a
    few near their start."""
    head = page[:META_WINDOW]
    last = -1
    for maybe in _META_AT.finditer(head):  # (few: the markup is read up to the last)
        last = maybe.start()
    found = _tags(head, last) if last >= 0 else []
    return [(kind, content) for _, kind, content in found]


def _tags(head: str, stop: int) -> list[tuple[int, str, str]]:
    """Where each meta tag up to ``stop`` starts, its kind and content."""
    out: list[tuple[int, str, str]] = []
    at = templates = 0  # inside a template: markup, but not the page's
    # a quote a tag never closes is the last of its kind (else the pattern reads up to it)
    last_q1, last_q2 = head.rfind("'"), head.rfind('"')
    while (m := _META_OR_TEXT.search(head, at)) is not None and m.start() <= stop:
        at = m.end()
        text = m.group(0)
        if m.group(1) is None and m.group(3) is None and not text.startswith("<!--"):
            if text[1] in "!?" or not ("a" <= text[2:3].lower() <= "z" or text[1] != "/"):
                if m.group(5) is None:  # a bogus comment: to the first ">", or the end
                    break
                continue
        markup = m.group(3) is None and text[1] != "!"  # a tag, read whole
        if markup and (m.start() < last_q1 < at or m.start() < last_q2 < at):
            if quote_left_open(head, m.start() + 2, at):
                break  # a value that runs to the end of the input: nothing after it
        if markup and m.group(1) is None:  # another tag
            if m.group(4) is None:  # one that runs to the end of the input hides the rest
                break
            continue
        if m.group(1) is not None:
            if m.group(2) is None:  # a tag that runs to the end of the input: nothing after it
                break
            if not templates:
                found = {a.name: a.value for a in attrs(head, m.start(1), m.end())}
                kind = _KINDS.get(found.get("name", "").strip().lower())
                if kind is not None and "content" in found:
                    out.append((m.start(), kind, found["content"]))
        elif m.group(3) is None:  # a comment: "<!-->" and "<!--->" end at once
            closed = _COMMENT_SHUT.match(head, m.end()) or _COMMENT_END.search(head, m.end())
            if closed is None:
                break
            at = closed.end()
        elif (tag := m.group(3).lower()) in ("template", "/template"):
            templates = templates + 1 if tag == "template" else max(templates - 1, 0)
        else:
            opened = head.find(">", m.end())
            if tag == "plaintext" or opened < 0:
                break  # text to the end
            at = raw_text_end(head, tag, opened + 1)
    return out


_read: OrderedDict[int, tuple[str, tuple[tuple[str, str], ...]]] = OrderedDict()
_read_lock = threading.Lock()  # pages are personalised on the event loop and in worker threads
READ_KEPT = 32  # this many page heads (distinct lengths) kept: 1-4 MB (32 KiB of characters
# each, 1-4 bytes a character); all pages past 32 KiB share one entry


def page_meta(page: str) -> tuple[tuple[str, str], ...]:
    """:func:`meta_tags` of ``page``, kept for the next page whose first 32 KiB are the same
    (compared in full, at C speed): most pages of a site come out the same request after
    request, and reading them costs more than comparing them."""
    head = page[:META_WINDOW]
    with _read_lock:
        kept = _read.get(len(head))
    if kept is not None and (kept[0] is head or kept[0] == head):
        return kept[1]
    found = tuple(meta_tags(head))
    with _read_lock:
        _read[len(head)] = (head, found)
        _read.move_to_end(len(head))
        if len(_read) > READ_KEPT:
            _read.popitem(last=False)
    return found


def page_tags(page: str, path: str, journey: Journey) -> tuple[list[str], list[str]]:
    """Topics and items of a page: the journey's path rules, then the page's own meta tags;
    each once, the first TOPICS_PER_PAGE and ITEMS_PER_PAGE not too long. One pass over the
    values however many a tag lists (a page's 32 KiB held 6,000 topics, each looked for in
    the list so far: 0.3 s of the event loop per view)."""
    on_path = journey.page_tags(path)
    meta = page_meta(page)
    if not (meta or on_path[0] or on_path[1]):  # (most pages: nothing to take)
        return [], []
    topics: list[str] = []
    items: list[str] = []
    seen: tuple[set[str], set[str]] = (set(), set())
    _take(topics, seen[0], on_path[0], limits.MAX_TOPIC, limits.TOPICS_PER_PAGE)
    # (an item: true path's last segment, lower case as the page's own ids: eye54b)
    _take(items, seen[1], map(page_item, on_path[1]), limits.MAX_ITEM, limits.ITEMS_PER_PAGE)
    budget = [4 * limits.MAX_TOPIC * limits.TOPICS_PER_PAGE]  # characters not ASCII, a page
    for kind, content in meta:
        if kind.lower() == "topics":
            folded = _folded(content, budget)
            _take(topics, seen[0], folded, limits.MAX_TOPIC, limits.TOPICS_PER_PAGE)
        else:
            _take(
                items,
                seen[1],
                map(page_item, content.split(",")),
                limits.MAX_ITEM,
                limits.ITEMS_PER_PAGE,
            )
    return topics, items


def _folded(content: str, budget: list[int]) -> Iterator[str]:
    """A tag's topics, NFKC-folded (:func:`topic`), each from its first characters, and those
    not ASCII only while the page's ``budget`` lasts (shared by its tags: eye53d): NFKC of a
    page's text may make 18 characters of one (ﷺ), at a microsecond each (eye53b: 25 ms a
    view for a tag of them)."""
    for value in LISTED.split(content):
        value = value[: 4 * limits.MAX_TOPIC]
        if not value.isascii():
            budget[0] -= len(value)
            if budget[0] < 0:
                return
        yield topic(value)


def _take(into: list[str], seen: set[str], values: Iterable[str], longest: int, most: int) -> None:
    """Append to ``into`` the ``values`` not yet ``seen``, none empty or over ``longest``
    characters, until it holds ``most``."""
    for value in values:
        if len(into) >= most:
            return
        if value and len(value) <= longest and value not in seen:
            seen.add(value)
            into.append(value)


def build_change(
    visit: Visit,
    *,
    view: bool,
    session_gap: int,
    topics: Sequence[str] = (),
    items: Sequence[str] = (),
    respect: RespectSettings,
    off: bool | None = None,
) -> Change:
    """What this request changes in the profile: the page view (``view``: its topics and
    items) and the app's events. While the visitor's browsing history is off
    (:func:`~omotenashi.engine.restraint.history_off`; ``off``, when the caller knows it), a
    page view is built as a non-view (no view count, topics or items; when a visit begins is
    still kept, so that per-visit caps start afresh) and ``view_item`` events are left out:
    every path that records a request (a page, the beacon, ``track``) comes through here."""
    now = visit.now
    profile = visit.profile
    off = history_off(visit.choices, respect) if off is None else off
    page = view
    if off:
        view, topics, items = False, (), ()
    # a visit starts with a page or with an event (a link to "add to cart", a payment's
    # return, the beacon) after the gap: else the event moved the last time seen, and the
    # page after it continued a visit of weeks before (journey51)
    kept = [(n, d) for n, d in visit.events if not (off and n in VIEW_EVENTS)]
    new_visit = (page or bool(kept)) and (
        profile.last_seen is None
        or math.floor(now) - profile.last_seen > session_gap  # (whole seconds, as the store)
        or profile.visit_start is None  # seen only through an event so far (a sign-in)
    )
    change = Change(
        now=now,
        view=view,
        unrecorded=off and page and not profile.unrecorded,  # marked once: the count says so
        new_visit=new_visit,
        gap=session_gap,
        topics=list(topics),
        items=list(items),
        attrs=dict(visit.attrs),
        since=profile.first_seen or 0.0,
    )
    if new_visit and profile.last_seen is not None and profile.visit_start is not None:
        change.absent_days = round((now - profile.last_seen) / 86400, 3)
    if profile.views == 0 and view:
        request = visit.request
        first = {
            k: limits.clip(v, limits.MAX_UTM) for k, v in request.query.items() if k in FIRST_TOUCH
        }
        if site := request.referring_site:  # (the site alone: kept as long as the profile)
            first["referrer"] = limits.clip(site, limits.MAX_REFERRER)
        change.first = first
    for name, data in kept:
        change.add_event(name, data)
    return change


def understand(
    visit: Visit, change: Change, journey: Journey, *, off: bool = False
) -> tuple[Profile, Facts]:
    """The visitor as they arrive at this page (this request's events applied, the page itself
    counting from the next page on) and the facts about them; a stage move goes into ``change``
    (``off``: the visitor's browsing history is off: the move is judged on :func:`unbrowsed`
    facts)."""
    half_life = journey.half_life
    after = apply(visit.profile, change, half_life, page=False)
    now = change.now
    interests = after.interest_now(now, half_life)
    abandoned = (
        bool(after.cart)
        and after.cart_at is not None
        and (
            (after.purchase_at is None or after.purchase_at < after.cart_at)
            and (
                now - after.cart_at > journey.abandon_after
                or (after.visit_start is not None and after.cart_at < after.visit_start)
            )
        )
    )
    request = visit.request
    facts = quick_dict(  # every field: built in one step
        Facts,
        {
            "stage": after.stage,
            "segments": after.segments,
            "attrs": after.attrs,
            "interests": interests,
            "visits": max(after.visits, 1),
            "is_new": after.visits <= 1,
            "device": visit.device,
            "path": request.path,
            "query": request.query,
            "referrer": request.referrer,
            "languages": request.languages,
            "country": request.country,
            "now": datetime.fromtimestamp(now, UTC),
            "views": after.views,
            "purchases": after.purchases,
            "cart_items": sum(after.cart.values()),
            "events": after.events,
            "absent_days": after.absent_days,
            "cart_abandoned": abandoned,
            "viewed": frozenset(after.viewed),
            "bought": after.purchased,
            "in_cart": in_cart(after.cart),
            "lists": journey.lists,
            "first_touch": after.first_touch,
            "titles": _NO_NAMES,
            "labels": _NO_NAMES,
            "stage_words": journey.stage_words,
            "segment_words": journey.segment_words,
            "pages": _NO_NAMES,
        },
    )
    judged = unbrowsed(facts, journey) if off else facts  # (before the segments derived)
    if journey.segments:  # the facts are ours alone until returned: set in place, no copy
        object.__setattr__(facts, "segments", after.segments | journey.derive_segments(facts))
    events, was = frozenset(change.events), after.stage
    if again := visit.profile.rejudge:  # moves judged on counts that moved since: judged
        change.rejudged = ",".join(sorted(again))  # again, from the stage they were judged
        again = again - VIEW_EVENTS if off else again  # on (then any decay: journey58b)
        was, _ = journey.next_stage(was, judged, again, False)
        judged = evolve(judged, stage=was) if was != after.stage else judged
    # the counts a move on this request's events is judged on (the bookings and the events
    # the journey moves on), as its write leaves them: moved by another request's write
    # meanwhile, the move is judged again by the next request (store/stagemoves.py)
    if on := change.events.keys() & journey.moved_on if change.events else None:
        change.judged = ",".join(sorted(on))
        change.counted = {f"e{name}": after.events.get(name, 0) for name in journey.moved_on}
        change.counted["P"] = after.purchases
    stage, back = journey.next_stage(was, judged, events, change.new_visit)
    if back and not change.counted:  # a move back stands only on the counts it was judged on:
        change.counted = {f"e{name}": after.events.get(name, 0) for name in journey.moved_on}
        change.counted["P"] = after.purchases  # (a booking another request wrote since wins)
    if stage == after.stage and back:  # back and forward again (a decay, then a booking): a
        change.stage = stage  # move forward, so a decay judged from the same read, written
        # first, does not stand (journey65: 8 of 30 such visits ended at interest)
    elif stage != after.stage:
        change.stage, change.stage_back = stage, back
        change.stage_was = after.stage if back else ""
        after.stage = stage
        facts = evolve(facts, stage=stage)
        if journey.segments:  # the groups of the stage now (journey62: the one left behind)
            object.__setattr__(facts, "segments", after.segments)
            object.__setattr__(facts, "segments", after.segments | journey.derive_segments(facts))
    after.segments = facts.segments
    return after, facts


def unbrowsed(facts: Facts, journey: Journey) -> Facts:
    """``facts`` without what the visitor browsed (views, interests, viewed items, view events,
    the segments derived from those): what the journey moves a stage on while their browsing
    history is off (README: "no stage move from browsing"; their cart, bookings and other
    events still move it; journey58: three views kept before the switch moved it)."""
    events = {name: n for name, n in facts.events.items() if name not in VIEW_EVENTS}
    quiet = evolve(facts, views=0, interests={}, viewed=frozenset(), events=events)
    if journey.segments:
        quiet = evolve(quiet, segments=facts.segments | journey.derive_segments(quiet))
    return quiet


def events_change(
    visit: Visit, journey: Journey, *, session_gap: int, respect: RespectSettings
) -> Change:
    """The change for a request that is not a page view (the beacon, an app page that is not
    HTML): the app's events and attributes, and the stage move they cause (``respect``: the
    visitor's browsing history switched off keeps their ``view_item`` events out)."""
    off = history_off(visit.choices, respect)
    change = build_change(visit, view=False, session_gap=session_gap, respect=respect, off=off)
    understand(visit, change, journey, off=off)
    return change
