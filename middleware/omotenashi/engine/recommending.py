"""Recommend rules on a page: the visitor's signals for ranking, and the picks each rule made
(for its snippet, and for the why note that lists every item's own reason)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from omotenashi.engine.facts import Facts
from omotenashi.engine.journey import Journey
from omotenashi.engine.limits import cut
from omotenashi.engine.onpage import items_shown
from omotenashi.engine.periods import day_number
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs, chosen_off, history_off
from omotenashi.engine.ruleset import CompiledRule
from omotenashi.recommend.catalog import Catalog
from omotenashi.recommend.coview import POPULAR_HALF_LIFE
from omotenashi.recommend.rank import recommend
from omotenashi.recommend.signals import Pick, Shared, Signals, Source
from omotenashi.rules.model import Rule
from omotenashi.rules.recommend import Exclusion, RecommendSpec
from omotenashi.settings import RespectSettings

MIN_TITLE = 24  # characters of a title left before its reason, when a line is cut

# Picks whose reason is about the visitor (their interests, what they viewed, something
# outside their top interests): the rest
# ("Popular this week", "From our selection", "Often viewed with <this page's item>") are
# what any visitor on the page could get
PERSONAL: frozenset[Source] = frozenset({"interests", "recently_viewed", "serendipity"})
# The filters that hold this visitor's own items (a brand-new visitor's take out nothing)
OWN_FILTERS: tuple[Exclusion, ...] = ("viewed", "cart", "purchased")
_new = object.__new__


@dataclass
class Recommender:
    catalog: Catalog
    make_signals: Callable[[], Signals]  # worked out only when a recommend rule is decided
    host: str = ""  # the page's (recommend/links.py own_host): its links to it name its items
    page: str = ""  # the page's URL (path, query) as the browser has it: relative links read so
    picks: dict[str, list[Pick]] = field(default_factory=dict)  # rule id → what it showed
    _signals: Signals | None = field(default=None, init=False, repr=False)
    _specs: dict[str, RecommendSpec] = field(default_factory=dict, init=False, repr=False)
    _left: dict[str, tuple[Exclusion, ...]] = field(default_factory=dict, init=False, repr=False)
    # what personal() and reasons() said of a rule's picks, with the list they said it of (the
    # note asks once per block, the panel again: the answer stands while the list is the same)
    _personal: dict[str, tuple[list[Pick], bool]] = field(
        default_factory=dict, init=False, repr=False
    )
    _reasons: dict[str, tuple[list[Pick], list[str]]] = field(
        default_factory=dict, init=False, repr=False
    )
    # ids of the items the page's other blocks show (``exclude: on_page``): what editors'
    # blocks link to, then each recommendation block's picks for the blocks after it
    on_page: set[str] = field(default_factory=set, init=False, repr=False)
    _on_page: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False)
    # each rule's picks with what they were made of (its spec, the items left out as on the
    # page): a page placed again asks again, and the answer is the same (not a new draw)
    _made: dict[str, tuple[RecommendSpec, frozenset[str], list[Pick]]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def signals(self) -> Signals:
        if self._signals is None:
            self._signals = self.make_signals()
        return self._signals

    def items(self, rule: Rule) -> list[Pick]:
        """The rule's picks (empty: nothing to show, the slot keeps its default)."""
        if rule.recommend is None or not self.catalog.items:
            return []
        others = frozenset(self.on_page) if "on_page" in rule.recommend.exclude else frozenset()
        made = self._made.get(rule.id)  # (the page placed again, seen.py: the same picks)
        if made is not None and made[0] is rule.recommend and made[1] == others:
            picks = made[2]
        else:
            picks = recommend(self.catalog, rule.recommend, self.signals, others)
            self._made[rule.id] = (rule.recommend, others, picks)
        self._on_page[rule.id] = others
        self.picks[rule.id] = picks
        self._specs[rule.id] = rule.recommend
        self._left.pop(rule.id, None)
        return picks

    def new_page(self) -> None:
        """Forgets what a page's blocks showed (the page is personalised again, as a
        measurement's control, with the same recommender)."""
        self.on_page.clear()
        self._on_page.clear()

    def leaves_out_on_page(self, rules: Iterable[Rule]) -> bool:
        """Whether any of ``rules`` recommends, leaving out what other blocks show."""
        for r in rules:  # (a loop: no generator per page)
            if r.recommend is not None and "on_page" in r.recommend.exclude:
                return True
        return False

    def showing(self, rule: Rule, inner: str | None, attrs: Mapping[str, str]) -> None:
        """Notes what a block that reached the page shows: a recommendation's picks, the items
        an editors' block links to (``on_page``, left out of the recommendations after it)."""
        if rule.recommend is not None:
            self.on_page.update(p.item.id for p in self.picks.get(rule.id, ()))
        elif self.catalog.items:
            self.on_page.update(items_shown(self.catalog, inner, attrs, self.host, self.page))

    def personal(self, rule_id: str) -> bool:
        """Whether any item the rule showed is there because of the visitor's own signals
        (``also_viewed`` counts unless its seed is the page's own item)."""
        picks = self.picks.get(rule_id)
        if not picks:
            return False
        known = self._personal.get(rule_id)
        if known is not None and known[0] is picks:
            return known[1]
        current = self.signals.current
        mine = any(
            p.source in PERSONAL or (p.source == "also_viewed" and p.because != current)
            for p in picks
        )
        self._personal[rule_id] = (picks, mine)
        return mine

    def left_out(self, rule_id: str) -> tuple[Exclusion, ...]:
        """Which of the visitor's own filters ("viewed", "cart", "purchased") took an item out
        of the general suggestions the rule showed: the same ranking without them would have
        listed it. Empty for a brand-new visitor, and for a list chosen for the visitor (it
        says so already)."""
        if rule_id not in self._left:
            self._left[rule_id] = self._left_out(rule_id)
        return self._left[rule_id]

    def _left_out(self, rule_id: str) -> tuple[Exclusion, ...]:
        spec = self._specs.get(rule_id)
        if spec is None or rule_id not in self.picks or self.personal(rule_id):
            return ()
        signals = self.signals
        own: dict[Exclusion, Set[str]] = {
            "viewed": signals.viewed.keys(),
            "cart": signals.cart,
            "purchased": signals.purchased,
        }
        used = [name for name in OWN_FILTERS if name in spec.exclude and own[name]]
        if not used:
            return ()
        kept = tuple(e for e in spec.exclude if e not in used)
        unfiltered = recommend(
            self.catalog,
            spec.model_copy(update={"exclude": kept}),
            signals,
            self._on_page.get(rule_id, ()),
        )
        ids = {p.item.id for p in unfiltered}
        return tuple(name for name in used if not ids.isdisjoint(own[name]))

    def reasons(self, rule_id: str) -> list[str]:
        """ "Title: reason" for each item the rule showed, for the why note."""
        picks = self.picks.get(rule_id)
        if not picks:
            return []
        known = self._reasons.get(rule_id)
        if known is None or known[0] is not picks:
            known = self._reasons[rule_id] = (picks, [_line(p.item.title, p.reason) for p in picks])
        return list(known[1])  # (a copy: the caller's to keep)

    def reasons_within(self, rule_id: str, limit: int) -> list[str]:
        """:meth:`reasons`, each within ``limit`` characters: a long title is cut ("…") to
        leave its reason whole, and only a reason too long by itself is cut (with "…")."""
        picks = self.picks.get(rule_id, [])
        out = []
        for p, line in zip(picks, self.reasons(rule_id), strict=True):  # (kept: the note's too)
            if len(line) > limit:
                room = limit - len(p.reason) - 2  # (for the title, before ": ")
                if room >= MIN_TITLE:
                    line = _line(cut(p.item.title, room), p.reason)
                line = cut(line, limit)
            out.append(line)
        return out


def _line(title: str, reason: str) -> str:
    """An item's line where reasons are listed: "Title: reason"."""
    return f"{title}: {reason}"


def signals_for(
    visitor_id: str,
    now: float,
    after: Profile,
    facts: Facts,
    shared: Shared,
    items: Sequence[str],
    *,
    personal: bool,
    history_off: bool = False,
    zone: tzinfo = UTC,
) -> Signals:
    """What ranking may use for this visitor on this page; ``personal`` False: popular only.

    ``history_off`` (the visitor switched their browsing history off): nothing they browsed
    is used, neither to rank nor to filter (views, interests, their own viewed-together
    pairs); items in their cart and those they bought are still left out of suggestions. The
    page's own item's co-views and popular items remain; their reasons say nothing about
    the visitor. ``zone``: the site's calendar, whose days the serendipity draw changes with.
    The visitor's own pairs are ``shared.own`` (worked out before, store/seeds.py).
    """
    own = personal and not history_off
    # (a seed's co-views under its id, the page's own read from the shared keys, win)
    co_views = {**(shared.own if own else {}), **shared.co_views}
    # its fields filled in directly, as decide.new_decision (its frozen __init__ sets each of
    # the twelve through object.__setattr__); tests/recommend/test_recommend_builds.py holds it
    # to what __init__ builds
    signals = _new(Signals)
    fields = signals.__dict__
    fields["now"], fields["visitor"] = now, visitor_id
    fields["day"], fields["personal"] = day_number(now, zone), personal
    fields["interests"] = facts.interests if own else {}
    fields["viewed"] = {} if history_off else after.viewed  # ranks only when personal, else filters
    fields["co_views"] = co_views if personal else {}
    fields["popular"] = shared.popular
    fields["popular_half_life_days"] = POPULAR_HALF_LIFE / 86400
    fields["purchased"], fields["cart"] = after.purchased, frozenset(after.cart)
    fields["current"] = items[0] if items else None
    fields["page_items"] = frozenset(items)
    return signals


def suggestions_off(prefs: Prefs, recommending: list[CompiledRule]) -> bool:
    """Whether the visitor switched off every recommendation of the rule set (by rule or by
    category): then their own pairs are not worked out (asgi/ownpairs.py)."""
    if prefs.nothing:
        return True
    some_off = bool(prefs.off_rules or prefs.off_categories) and bool(recommending)
    return some_off and all(chosen_off(prefs, r) for r in recommending)


@dataclass(frozen=True)
class Carried:
    """What a sign-in carries of the anonymous profile into the user's (store/merging.py):
    ``history``, what the visitor browsed (page views, topics, viewed items, ``view_item``
    counts, how they first came). No recommendation pairs: a visitor's are worked out from
    their viewed items when read (store/seeds.py), so the items carried carry them."""

    history: bool = True
    # the journey: to judge the moves the anonymous profile had still to judge again, and with
    # the history off to work out the stage what is carried reaches; and the rules on
    # behaviour, whose showings name what was browsed (their "why"): not carried
    journey: Journey | None = None
    behavioural: frozenset[str] = frozenset()


def carried(
    prefs: Prefs,
    respect: RespectSettings | None,
    journey: Journey | None = None,
    rules: Sequence[CompiledRule] = (),
) -> Carried:
    """What a sign-in in this browser carries, by the switches in its cookie: nothing they
    browsed while their browsing history is off (:func:`history_off`: their views are not kept
    from then on); no recommendation pairs (none is kept: the user's are worked out from the
    viewed items, store/seeds.py). The user's profile is read on every
    device they sign in on: what one browser's switches keep out must not reach it through the
    merge."""
    if respect is not None and history_off(prefs, respect):
        # (its former ids too: the anonymous profile is merged as kept, under the old names)
        behavioural = frozenset(
            name for r in rules if r.behavioural for name in (r.id, *map(str, r.rule.formerly))
        )
        return Carried(history=False, journey=journey, behavioural=behavioural)
    return Carried(journey=journey)  # (its moves still to judge: judged as it merges)
