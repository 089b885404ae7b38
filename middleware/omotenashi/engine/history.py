"""Conditions on what the visitor did here: pages, bookings, the cart, events, items viewed,
how they first found the site."""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

from omotenashi.engine import explain as ex
from omotenashi.engine.compare import Condition, compare, same
from omotenashi.engine.facts import Facts
from omotenashi.engine.globs import url_matcher
from omotenashi.rules.model import Compare, When

# An empty cart is what we know of: the site's own cart may hold what it never told us (a
# ``track`` it does not send) or what the visitor had us forget (an erase).
NO_CART = "we know of nothing in your cart"


def history(when: When, out: list[Condition]) -> None:
    """Conditions on what the visitor did (pages, bookings, cart, events, first visit)."""
    counts: list[tuple[Compare | None, Callable[[Facts], object], ex.Count]] = [
        (
            when.views,
            lambda f: f.views,
            ex.Count(
                "you have seen {n} here",
                "page",
                zero="we know of no earlier page you have seen here",
                some="you have seen pages here before",  # (proxy67: "other" of one page seen twice)
                known="we know of {n} you have seen here",
            ),
        ),
        (
            when.purchases,
            lambda f: f.purchases,
            ex.Count(
                "you have bought from us {n}",
                "time",
                zero="we know of no purchase of yours",
                some="you have bought from us before",
                known="we know of {n} of yours",
                known_noun="purchase",
            ),
        ),
        (
            when.cart_items,
            lambda f: f.cart_items,
            ex.Count(
                "your cart holds {n}",
                "item",
                zero=NO_CART,
                some="there is something in your cart",
            ),
        ),
        (
            when.absent_days,
            lambda f: f.absent_days,
            ex.Count(
                "you were away for {n} before this visit",
                "day",
                unknown="we do not know of an earlier visit",
            ),
        ),
    ]
    for cmp, get, subject in counts:
        if cmp is not None:  # the counts are ints; the days away may be unknown (None)
            out.append(compare(get, cmp, subject, number=cmp is not when.absent_days))
    for name, cmp in (when.event or {}).items():
        done = f"“{ex.words(name)}”"
        subject = ex.Count(
            f"you have done {done} {{n}}",
            "time",
            zero=f"we have no record of you doing {done}",
            some=f"you have done {done} before",
            known=f"we have a record of you doing {done} {{n}}",
        )
        out.append(compare(_event(name), cmp, subject, number=True))
    if when.cart_abandoned is not None:
        want = when.cart_abandoned
        left = "you put something in your cart earlier, and we have no record of a purchase since"
        yes = (lambda f: [left]) if want else _cart_not_waiting
        no = _cart_not_waiting if want else (lambda f: [left])
        text = left if want else "no cart left waiting"
        out.append(Condition(lambda f: f.cart_abandoned == want, text, yes, no))
    if when.viewed is not None:  # (what we know: an expired profile or a full list forgets)
        out.append(_items(when.viewed, attrgetter("viewed"), "viewed", "looked at", "looking at"))
    if when.viewed_in_list is not None:
        listed = when.viewed_in_list
        label = f"our {ex.words(listed)} list"
        out.append(
            Condition(
                lambda f: not f.viewed.isdisjoint(f.lists.get(listed, ())),
                f"viewed something in {label}",
                lambda f: [_in_list(sorted(f.viewed & set(f.lists.get(listed, ()))), f, label)],
                lambda f: [f"we have no record of you looking at anything in {label}"],
            )
        )
    if when.bought is not None:  # (what we know: a purchase the site did not tell us of ...)
        out.append(_items(when.bought, attrgetter("bought"), "bought", "bought", "buying"))
    if when.in_cart is not None:  # (what we know: NO_CART)
        out.append(_carted(when.in_cart))
    for key, cmp in (when.first_utm or {}).items():
        out.append(compare(_first_touch(key), cmp, ex.query_subject(key, first=True)))
    if when.first_referrer is not None:
        first_ref = url_matcher(when.first_referrer)
        out.append(
            same(
                lambda f: first_ref(f.first_touch.get("referrer", "")),
                lambda f: (
                    f"you first came to us from {ex.host(f.first_touch['referrer'])}"
                    if f.first_touch.get("referrer")
                    else "we have no record of a site that first sent you to us"
                ),
                "first came from " + ex.either(when.first_referrer),
            )
        )


def _items(
    listed: list[str], held: Callable[[Facts], frozenset[str]], text: str, did: str, doing: str
) -> Condition:
    """Any of the ``listed`` items among those ``held`` (viewed, bought): "you <did> “A”", or
    "we have no record of you <doing> “A” or “B”" (what we know, never that it did not happen)."""
    items = frozenset(listed)
    return Condition(
        lambda f: not items.isdisjoint(held(f)),
        f"{text} {ex.either(listed)}",
        lambda f: [f"you {did} {ex.titled(sorted(items & held(f)), f.titles, 'and')}"],
        lambda f: [f"we have no record of you {doing} {ex.titled(sorted(items), f.titles)}"],
    )


def _carted(listed: list[str]) -> Condition:
    """Any of the ``listed`` items in the cart now: "you have “A” and “B” in your cart" (those
    in it), or "we have no record of “A” or “B” in your cart" (what we know: :data:`NO_CART`)."""
    items = frozenset(listed)
    return Condition(
        lambda f: not items.isdisjoint(f.in_cart),
        f"has {ex.either(listed)} in the cart",
        lambda f: [
            f"you have {ex.titled(sorted(items & f.in_cart), f.titles, 'and')} in your cart"
        ],
        lambda f: [f"we have no record of {ex.titled(sorted(items), f.titles)} in your cart"],
    )


def _in_list(seen: list[str], f: Facts, label: str) -> str:
    """ "you looked at “A” and “B”, which are in our sale list" (every one named was seen)."""
    which = "which is" if len(seen) == 1 else "which are"
    return f"you looked at {ex.titled(seen, f.titles, 'and')}, {which} in {label}"


def _cart_not_waiting(f: Facts) -> list[str]:
    if f.cart_items == 0:
        return [NO_CART]
    return ["nothing in your cart has been left waiting"]


def _event(name: str) -> Callable[[Facts], object]:
    return lambda f: f.events.get(name, 0)


def _first_touch(key: str) -> Callable[[Facts], object]:
    return lambda f: f.first_touch.get(key)
