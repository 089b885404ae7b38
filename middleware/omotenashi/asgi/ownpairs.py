"""A visitor's own recommendation pairs, worked out before the page is decided
(recommend/coview.py own_co_views; the co lists: store/seeds.py). Nothing of them is kept per
visitor: they come from the shared co-views of the items the visitor viewed.

The co lists this process has not kept are read as soon as the profile is here
(:func:`own_pairs_soon`, from the responder: at arrival when the profile was read before the
app, else when the reply of the read sent ahead comes in), so the read runs while the app
does; the page waits for it only where the pairs are used, just before it is decided
(:func:`with_own_pairs`). A read the page ends up not using (the app raised, the client left,
the answer is no page) is the store's, not the request's: it ends within the read timeout and
its lists serve the next page (store/seeds.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace

from omotenashi import quiet
from omotenashi.asgi.visitor import Visitor
from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import suggestions_off
from omotenashi.loader.reload import Loaded
from omotenashi.recommend.coview import Learning, learn_from_view, own_co_views, seeds_of
from omotenashi.store.seeds import Read, read_soon, seed_lists
from omotenashi.store.store import Store

log = logging.getLogger("omotenashi")


def _wanted(visitor: Visitor, loaded: Loaded) -> Mapping[str, int] | None:
    """The catalogue's ids when recommendations may use the visitor's own pairs (a recommend
    rule, a catalogue, their history on and a suggestion of theirs on, no QA preview)."""
    catalog, ruleset = loaded.catalog, loaded.ruleset
    if catalog is None or not catalog.items or not ruleset.recommends:
        return None
    if visitor.private or visitor.degraded or visitor.forced is not None or visitor.history_off:
        return None
    return None if suggestions_off(visitor.prefs, ruleset.recommending) else catalog.position


def own_pairs_soon(store: Store, visitor: Visitor, loaded: Loaded) -> dict[str, Read]:
    """Start reading the co lists the visitor's pairs need and this process has not kept, as
    soon as their profile is here; returns those reads by seed (filled in when it comes:
    :func:`with_own_pairs` takes them). Nothing for a visitor whose pairs are not wanted, or
    a new one (no profile); when the profile is read only once awaited (no read was sent
    ahead: Sentinel, Cluster, a write of theirs not queued yet), the page reads them."""
    reads: dict[str, Read] = {}
    try:  # (built with the request's responder, before the page's own guard: never raised)
        position = None if visitor.is_new else _wanted(visitor, loaded)
    except Exception:
        store.metrics.inc("own_pairs_error")
        quiet.bug(log, "omotenashi: the visitor's own recommendation pairs failed")
        return reads
    if position is None:
        return reads

    def start(profile: Profile) -> None:
        try:
            if not profile.revoked and (seeds := seeds_of(profile.viewed, position)):
                reads.update(read_soon(store, store.recs.unkept(seeds)))
        except Exception:  # (on the event loop, maybe in a callback: never raised)
            store.metrics.inc("own_pairs_error")
            quiet.bug(log, "omotenashi: the visitor's own recommendation pairs failed")

    if visitor.reading is None:
        start(visitor.profile)
    else:
        visitor.reading.when_here(start)
    return reads


async def with_own_pairs(
    store: Store, visitor: Visitor, loaded: Loaded, started: dict[str, Read] | None = None
) -> None:
    """Sets ``visitor.shared.own`` when recommendations may use the visitor's own pairs
    (``started``: the reads :func:`own_pairs_soon` started, waited for here). Never raises:
    a failure of ours leaves the page without those pairs (counted as ``own_pairs_error``), a
    Redis failure too (store/seeds.py)."""
    try:
        if (position := _wanted(visitor, loaded)) is None:
            return
        viewed = visitor.profile.viewed
        seeds = seeds_of(viewed, position)
        if not seeds:
            return
        own = own_co_views(viewed, await seed_lists(store, seeds, started), position)
    except Exception:  # never break the page: it goes out without the visitor's own pairs
        store.metrics.inc("own_pairs_error")
        quiet.bug(log, "omotenashi: the visitor's own recommendation pairs failed")
        return
    if own:
        visitor.shared = replace(visitor.shared, own=own)


def learning(loaded: Loaded, visitor: Visitor, change: Change) -> Learning | None:
    """What this page view teaches recommendations (a viewed catalogue item), if anything."""
    catalog = loaded.catalog
    item = next((i for i in change.items if i in catalog.position), None)
    # (history off: build_change made it no view, with no items: the one decision)
    if item is None or not change.view:
        return None
    profile = visitor.profile
    return learn_from_view(
        profile.viewed,
        item,
        change.now,
        known=catalog.position,  # only catalogue ids ever name or join a shared key
        cookie=not visitor.is_new,  # a cookie-less request counts no popular view
        visits=profile.visits,  # only a returning visitor teaches co-views
        new_visit=change.new_visit,
        full=profile.viewed_full,  # past VIEWED_KEEP items: no more counted views
        uncounted=profile.uncounted,
    )
