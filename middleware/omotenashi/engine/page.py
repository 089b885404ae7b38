"""The engine's front door: page bytes + request and profile facts + rules + the visitor's
choices + the time → the body to send, the rules shown (with their reasons), the record to write
and the headers to set. No I/O, no ASGI, no Redis, no clock: adapters call this.

    result = personalise_response(body, headers, visit, ruleset, journey, config)

``personalise_page`` does the same on decoded text, for previews, tests and benchmarks. Which
responses are taken, their gzip, and the headers a rewritten page goes with: engine/pagehttp.py.
"""

from __future__ import annotations

import gzip
import re
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from omotenashi.engine.change import Change
from omotenashi.engine.charset import WINDOWS_1252, declared_nowhere, encode, page_codec
from omotenashi.engine.config import EngineConfig as EngineConfig
from omotenashi.engine.decide import Decision
from omotenashi.engine.disclosure import Disclosure, kept_reasons, reach
from omotenashi.engine.exposure import exposures
from omotenashi.engine.facts import Facts, evolve, query_params
from omotenashi.engine.flash import confirm
from omotenashi.engine.headers import Headers, content_type, get
from omotenashi.engine.html.base import base_facts
from omotenashi.engine.journey import Journey
from omotenashi.engine.limits import ITEMS_PER_PAGE, cut
from omotenashi.engine.pagehttp import SKIP_HEADER as SKIP_HEADER
from omotenashi.engine.pagehttp import VALIDATORS as VALIDATORS
from omotenashi.engine.pagehttp import can_personalise as can_personalise
from omotenashi.engine.pagehttp import gunzip, is_gzip, is_json, private_headers
from omotenashi.engine.pagehttp import head_headers as head_headers
from omotenashi.engine.personalise import personalise
from omotenashi.engine.profile import Profile, visitor_view
from omotenashi.engine.recommending import Recommender, signals_for
from omotenashi.engine.render import LazyView
from omotenashi.engine.restraint import Restraint, history_off, is_fresh
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.understand import Visit, build_change, page_tags, understand
from omotenashi.errors import PageRefused
from omotenashi.ids import is_user_id
from omotenashi.recommend.catalog import Catalog
from omotenashi.recommend.links import own_host

# The codecs ``page_codec`` gives whose decoding is one byte sequence per character: a page
# that decodes encodes back to the same bytes (for any other, the round trip is checked).
ROUND_TRIP_CHARSETS = frozenset({"utf-8", WINDOWS_1252})

_ISO2022 = re.compile("\x1b\\$")  # ESC $: double-byte text (not ANSI colours, not tput's ESC ( B)


@dataclass
class PageResult:
    html: str
    shown: list[Decision]
    change: Change  # the record to write after the response
    facts: Facts  # what the rules were decided on
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # decide, render (seconds)
    skipped: list[str] = field(default_factory=list)  # targets left alone (HTML not sure)
    why: list[str] = field(default_factory=list)  # e.g. held-out=<ids>, fresh, private, prefetch
    flashed: bool = False  # it says what a choice made from the page did (engine/flash.py)


@dataclass
class Result:
    body: bytes  # the original bytes when nothing was personalised
    headers: Headers
    shown: list[Decision]
    change: Change
    problems: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # decide, render (seconds)
    skipped: list[str] = field(default_factory=list)  # targets left alone (HTML not sure)
    flashed: bool = False  # as PageResult's: the visitor's cookie then drops the flash


def personalise_page(
    page: str,
    visit: Visit,
    ruleset: RuleSet,
    journey: Journey,
    config: EngineConfig,
    catalog: Catalog | None = None,
) -> PageResult:
    """Decide, render and splice one page for one visitor; the change records the page view."""
    request = visit.request
    respect = config.respect
    # the visitor's browsing history switched off: this page view is no browsing history (not
    # recorded as a view, see build_change) and no rule on their behaviour is shown
    off = history_off(visit.choices, respect)
    topics, items = page_tags(page, request.path, journey)
    back = request.back  # (the page's URL: a property worked out anew on each read)
    named = catalog is not None and any(i in catalog.position for i in items)  # by the journey
    host = own_host(request.host) if catalog is not None and catalog.items else ""
    if catalog is not None and catalog.items and not named:
        items = _catalogued(catalog, host, back) or items
    change = build_change(
        visit,
        view=True,
        session_gap=config.session_gap,
        topics=topics,
        items=items,
        respect=respect,
        off=off,
    )
    after, facts = understand(visit, change, journey, off=off)
    forced = visit.forced
    if forced is not None:  # a QA preview overrides what it names, before segments derive
        after.stage = forced.stage or after.stage
        after.attrs = {**after.attrs, **forced.attrs}
        stored = visit.profile.segments  # the site's own; derived ones again from forced facts
        facts = replace(facts, stage=after.stage, attrs=after.attrs, segments=stored)
        facts = evolve(facts, now=forced.moment(facts.now))  # --time: schedules, time conditions
        derived = journey.derive_segments(facts) if journey.segments else frozenset()
        facts = evolve(facts, segments=stored | derived | forced.segments)
    if catalog is not None and catalog.items:  # items and topics named as the site names them
        names = {"titles": catalog.titles, "labels": catalog.labels, "pages": catalog.page_titles}
        facts.__dict__.update(names)  # (the facts are this page's alone: set in place, no copy)
    view = LazyView(partial(_view, after, facts, journey, off))  # (made if a snippet reads it)
    # a preview is never one of the fresh page views (its views are not recorded: the same
    # browser would draw the same way every time), nor a private visitor's page (none of
    # their pages is made from a guess, so none is "shown as everyone sees it" for a change),
    # nor one with their history off (none is made from what they browsed)
    fresh = (
        forced is None
        and not (visit.private or off)
        and is_fresh(visit.visitor_id, visit.profile.views, respect.fresh_share)
    )
    restraint = Restraint(
        respect,
        visit.choices,
        after,
        change.now,
        behavioural=not (visit.private or fresh or off),
        visitor_id=visit.visitor_id,
        ignore_holdout=forced is not None,  # a preview shows the rules, not a holdout's default
        unmeasured=visit.private,
        # rules forced by name show whatever else; every other slot is decided as without them
        forced=forced.rules if forced else frozenset(),
        arms=visit.measured_arms,
        intent_periods=ruleset.intent_periods,
        zone=config.zone,
    )
    disclosure = object.__new__(_Reached)  # every field but the two the page's <base> gives
    disclosure.__dict__.update(
        enabled=respect.disclosure,
        panel=respect.page_panel,
        fresh=fresh,  # the panel says so
        history_off=off,  # and this
        path=back,  # a choice made on the page returns to it
        csrf=visit.csrf,
        dismiss=visit.keeps_choices,  # else no choice can be kept for them: no button to refuse
        _page=page,
        _reach=(request.root, config.prefix, request.origin),
    )
    recommender = None
    if ruleset.recommends and catalog is not None and catalog.items:
        # another catalogue item at the address of the one the journey named is this page too:
        # never suggested on it, a link to itself (recs56)
        here = list(dict.fromkeys([*items, *_catalogued(catalog, host, back)])) if named else items
        signals = partial(
            signals_for,
            visit.visitor_id,
            visit.now,
            after,
            facts,
            visit.shared,
            here,
            personal=not (visit.private or fresh),  # history off: signals_for leaves it out
            history_off=off,
            zone=config.zone,  # the surprises change at the site's midnight
        )
        # (its links read as the browser reads them: recommend/links.py)
        recommender = Recommender(catalog, signals, host, back)
    outcome = personalise(
        page,
        ruleset,
        facts,
        view,
        slot_attribute=config.slot_attribute,
        restraint=restraint,
        disclosure=disclosure,
        forced=forced.rules if forced else frozenset(),
        recommender=recommender,
    )
    change.shown = [d.id for d in outcome.applied]
    change.shown_why = {  # bounded: the last time each rule was shown, and its reasons then
        d.id: [change.now, _reasons(d, recommender, facts)] for d in outcome.applied
    }
    change.caps = restraint.caps_to_record(outcome.applied)
    if forced is None:
        change.exposed = exposures(
            outcome.applied,
            restraint,
            frozenset(visit.measured_arms),
            lambda without_holdouts: (
                personalise(
                    page,
                    ruleset,
                    facts,
                    view,
                    slot_attribute=config.slot_attribute,
                    restraint=without_holdouts,
                    recommender=recommender,
                ).applied
            ),
        )
    why = [f"held-out={','.join(restraint.held)}"] if restraint.held else []
    placed = [d.id for d in outcome.applied if d.id in restraint.forced]
    why += [f"forced={','.join(placed)}"] if placed else []  # shown whatever the rest says
    flags = (("fresh", fresh), ("private", visit.private), ("history-off", off))
    ahead = request.prefetch and not respect.count_prefetch  # fetched ahead, so unrecorded
    why += [n for n, on in (*flags, ("prefetch", ahead)) if on]
    slots, private = config.slot_attribute, visit.private  # (nothing on what they did shows)
    signed = is_user_id(visit.visitor_id)  # a dismissal holds on this device only
    said = confirm(
        outcome.html, visit.flash, ruleset, restraint, visit.now, disclosure, slots, signed,
        private, visit.privacy,  # (an Undo names why it stays off)
    )  # fmt: skip
    return PageResult(
        said[0],
        outcome.applied,
        change,
        facts,
        outcome.problems,
        outcome.timings,
        outcome.skipped,
        why,
        said[1],
    )


def _view(after: Profile, facts: Facts, journey: Journey, off: bool) -> dict[str, Any]:
    """What a snippet sees of the visitor (nothing of it changes once the page is decided);
    history off: a new visitor's."""
    viewed_in = {
        name: sorted(after.viewed.keys() & listed) for name, listed in journey.lists.items()
    }
    return visitor_view(
        after,
        is_new=facts.is_new,
        device=facts.device.kind,
        interests=facts.interests,
        segments=facts.segments,
        viewed_in=viewed_in,
        titles=facts.titles,
        history_off=off,
    )


class _FromBase:
    """A field of :class:`_Reached` worked out, with the other, when first read: the page's
    ``<base>`` (html/base.py ``base_facts``) looked for once, then kept in the instance."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, d: Disclosure | None, owner: type | None = None) -> Any:
        if d is None:  # (read on the class)
            return self
        kept = d.__dict__
        foreign, tab = base_facts(kept["_page"])
        root, prefix, origin = kept["_reach"]
        # the URLs the browser reaches ours by (absolute where the page's <base> leads away);
        # and whether a <base target> would open ours elsewhere (then target=_self)
        kept.update(prefix=reach(foreign, root, prefix, origin), own_tab=tab)
        return kept[self.name]


class _Reached(Disclosure):
    """The page's :class:`Disclosure`, whose ``prefix`` and ``own_tab`` (what the page's
    ``<base>`` makes of our addresses) are worked out when first read: a page nothing of ours
    is written into (no block shown, no confirmation, or the "i" and the panel off) is never
    searched for a ``<base``."""

    prefix = _FromBase()
    own_tab = _FromBase()


def _catalogued(catalog: Catalog, host: str, back: str) -> list[str]:
    """The catalogue's items at this page's address (its ``url:``, ``back``: the request's),
    where the journey and the page's meta tags named none of its ids: ``/product.php?id=1`` is
    item ``p1``, not "product.php", so it is counted as viewed and not recommended on its own
    page (reco51)."""
    found = catalog.by_address.named(back, host, "", alone=False)
    return list(dict.fromkeys(found))[:ITEMS_PER_PAGE]


def _reasons(decision: Decision, recommender: Recommender | None, facts: Facts) -> list[str]:
    """What the preferences page shows for a decision: a recommendation's items' reasons
    (``Recommender.reasons_within``: a long title is cut, not the reason after it), else what
    chose it (disclosure.kept_reasons); each within 200 characters, "…" where it is cut (cut
    bare, "Because you viewed Apple iPhone 15 Pro Max" read "… Apple iPhone 15", an item the
    visitor never viewed: reco51)."""
    if recommender is not None and decision.id in recommender.picks:  # (others have none)
        items = recommender.reasons_within(decision.id, 200)
        if items:
            return items[:10]
    return [cut(r, 200) for r in kept_reasons(decision, facts)[:6]]


def personalise_response(
    body: bytes,
    headers: Headers,
    visit: Visit,
    ruleset: RuleSet,
    journey: Journey,
    config: EngineConfig,
    catalog: Catalog | None = None,
    *,
    inflated: bytes | None = None,
) -> Result:
    """The response to send for an HTML page the app made (see :func:`can_personalise`);
    ``inflated``: a gzip ``body`` inflated already (by asgi/offload.py, which judges the page by
    what it holds), else it is inflated here.

    Raises :class:`~omotenashi.errors.PageRefused` for a page we cannot read as a browser does
    (bytes not in its charset, a label browsers do not know, a gzip body too large or broken),
    and any other exception for a bug: either way the adapter sends the app's original response.
    """
    if (said := get(headers, b"content-length")) is not None and said.strip().isdigit():
        if int(said) != len(body):  # cut short (or overlong): the server would cut it too
            raise PageRefused("the body is not as long as its Content-Length says", int(said))
    gzipped = is_gzip(headers)
    raw = inflated if inflated is not None else gunzip(body, config.max_body) if gzipped else body
    # as a browser picks it: a byte-order mark, the header's charset, the page's <meta>, utf-8
    declared = content_type(headers)[1]
    charset = page_codec(declared, raw)
    try:
        text = raw.decode(charset)
    except UnicodeDecodeError:  # a browser shows U+FFFD there; our rewrite could not keep it
        if declared_nowhere(declared, raw):  # a browser guesses (windows-1252, often)
            raise PageRefused("the page declares no charset and is not UTF-8") from None
        raise PageRefused("the page has bytes not in its charset", charset) from None
    # declared nowhere, a page's charset is the browser's guess (windows-1252 in Chromium, by
    # the user's locale): one of ASCII bytes reads the same in any, and stays undeclared, with
    # what is inserted as ASCII too; any other is left as it is (html64: charset=utf-8 added
    # turned "CafÃ©", as Chromium showed it, into "Café", and the page's forms' charset)
    guessed = charset == "utf-8" and declared_nowhere(declared, raw)
    if guessed and not raw.isascii():
        raise PageRefused("the page declares no charset and is not ASCII: a browser guesses it")
    if is_json(text):  # an API answer labelled text/html (PHP's default): no page (proxy60)
        raise PageRefused("the body is JSON, not HTML, whatever its Content-Type says")
    if charset.startswith("iso2022") and "\x1b" in text:  # a stray ESC the codec let through:
        raise PageRefused("the page has a stray escape byte", charset)  # (encode drops ours)
    if "\x1b" in text and _ISO2022.search(text) and declared_nowhere(declared, raw):  # 2022-JP:
        raise PageRefused("the page declares no charset and has ISO-2022 escapes")  # (fuzz53)
    if charset not in ROUND_TRIP_CHARSETS and text.encode(charset) != raw:
        # This codec would not give back the same bytes (a byte-order mark, several byte
        # sequences for one character): the page goes out as the app made it.
        raise PageRefused("the page does not survive decoding and encoding", charset)
    forms = WINDOWS_1252 if guessed else charset  # (a guessed page's forms: review64)
    if not forms.startswith("utf-") and visit.request.query_string:  # its forms' charset
        query = query_params(visit.request.query_string, forms)
        if query != visit.request.query:
            visit = replace(visit, request=replace(visit.request, query=query))
    page = personalise_page(text, visit, ruleset, journey, config, catalog)
    out = body
    if page.shown or page.flashed or page.html != text:  # (blocks the page hides: in it too)
        # the page's own text encodes as it decoded; inserted text the charset cannot hold
        # ("→" in a latin-1 page, which is windows-1252) goes out as character references
        out = encode(page.html, "ascii" if guessed else charset)
        out = gzip.compress(out, compresslevel=6, mtime=0) if gzipped else out
    # The app's validators describe its default page, not this visitor's: without them no
    # conditional request can get a 304 that skips the page view or keeps stale choices.
    # A checksum or byte ranges of the app's bytes would be false of other bytes.
    new = private_headers(headers, len(out), config.vary, rewritten=out is not body)
    if config.debug_header or visit.forced is not None:
        shown = ",".join(d.id for d in page.shown).encode()
        new.append((b"x-omotenashi-rules", shown or b"-"))
        if page.why:  # why rules that matched were not shown: not a failed condition
            new.append((b"x-omotenashi-why", "; ".join(page.why).encode()))
    return Result(
        out, new, page.shown, page.change, page.problems, page.timings, page.skipped, page.flashed
    )
