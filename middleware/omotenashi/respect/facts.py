"""What the preferences page says is kept about the visitor ("What we keep about you"), as
sentences a visitor understands: never keys or ids."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sized

from markupsafe import Markup

from omotenashi.engine.bidi import needs, value_html
from omotenashi.engine.explain import words as plain
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.recommend.catalog import Catalog
from omotenashi.respect import pairwords, shown, yourdata
from omotenashi.respect.historywords import erased_at_sign_in, not_counted
from omotenashi.respect.yourdata import first_visit, stage_sentence
from omotenashi.respect.yourdata import listed as listed


def describe(
    profile: Profile,
    now: float,
    journey: Journey,
    catalog: Catalog | None,
    zone: str,
    history_off: bool = False,
) -> list[str]:
    """What is stored, as sentences a visitor understands (never keys or ids): items by their
    titles and topics by the catalogue's words for them; ``history_off``: the visitor's
    browsing history is off, so the pages they see are not counted (nor said to be)."""
    half_life = journey.half_life
    titles = catalog.titles if catalog is not None else {}
    labels = catalog.labels if catalog is not None else {}

    def item(i: str) -> str:
        return titles.get(i) or plain(i)

    if not shown.kept(profile):
        return []
    out = [stage_line(profile.stage, journey.stage_words)]
    out.append(
        visits_sentence(
            profile.visits,
            profile.views,
            history_off,
            profile.unrecorded,
            erased_at_sign_in(profile),
            profile.unrecorded_nothing,
        )
    )
    if said := first_visit(profile.first_seen, zone):  # on the site's calendar, named
        out.append(said)
    scores = profile.interest_now(now, half_life)
    interests = sorted(((t, s) for t, s in scores.items() if s > 0), key=lambda kv: (-kv[1], kv[0]))
    if interests:  # the strongest 8, and how many more (all of them: on the data page)
        top = interests[: listed(interests, 8)]
        out.append(
            named(
                "You have shown interest in: {}" + over(interests, 8) + ".",
                [labels.get(t) or plain(t) for t, _ in top],
                [f" ({'strong' if s >= 3 else 'some'})" for _, s in top],
            )
        )
    segments = yourdata.groups_now(profile, journey, now)  # kept and derived
    out += yourdata.groups_sentence(segments, journey.segment_words)  # in the site's words
    if profile.viewed:  # the latest 10, and how many more (all of them: on the data page)
        looked = yourdata.latest_first(profile.viewed, profile.viewed, item)
        recent = looked[: listed(looked)]
        out.append(named("You recently looked at: {}" + over(looked) + ".", recent, item))
    if profile.cart:
        out.append(named("In your cart: {}.", sorted(profile.cart), item))
    if profile.purchases:
        out.append(f"Purchases: {profile.purchases}.")
    if profile.purchased:  # (a block may still name it)
        bought = yourdata.latest_first(profile.purchased, profile.bought_at, item)
        out.append(
            named(
                "What you bought, the latest first: {}" + over(bought) + ".",
                bought[: listed(bought)],
                item,
            )
        )
    names, ids = (catalog.pair_names, catalog.position) if catalog is not None else ({}, {})
    if n := pairwords.pair_count(profile, names, ids):
        pairs = f"{n} pair{'s' * (n != 1)}"  # (a pair kept in two forms is one)
        out.append(
            f"From an earlier version of this site we still keep {pairs} of items (one you "
            "viewed, one other visitors viewed with it); they are no longer used, and go when "
            "they expire or when you erase your data."
        )
    if profile.events:
        done = ", ".join(
            f"{n.replace('_', ' ')} ({yourdata.times(c)})"
            for n, c in sorted(profile.events.items())
        )
        out.append(f"Things you did here: {done}.")
    if profile.first_touch:
        out.append(first_touch_line(yourdata.first_touch_parts(profile)))
    if profile.attrs:
        out.append(f"{shown.DETAILS}: {', '.join(plain(a) for a in sorted(profile.attrs))}.")
    return [line for line in out if line]


def over(items: Sized, limit: int = 10) -> str:
    """How many of ``items`` are left out after the first :func:`listed`: ", and 3 more"."""
    n = len(items) - listed(items, limit)
    return f", and {n} more" if n else ""


def named(
    text: str, names: list[str], after: list[str] | Callable[[str], str] | None = None
) -> str:
    """``text`` with its ``{}`` the ``names`` joined by commas (``after``: a callable, each
    name by it; a list, what follows each). Right-to-left names in ``<bdi>``, so that the
    commas and what follows stay in their places (bidi58): the line is then markup for the
    page; a line without one is as it always was."""
    if callable(after):
        names, after = [after(n) for n in names], None
    tails = after or [""] * len(names)
    if not any(map(needs, names)):
        return text.format(", ".join(n + a for n, a in zip(names, tails, strict=True)))
    each = (
        Markup("{}{}").format(Markup(value_html(n)), a) for n, a in zip(names, tails, strict=True)
    )
    return Markup(text).format(Markup(", ").join(each))


def first_touch_line(parts: list[tuple[str, str]]) -> str:
    """The line "How you first found us: the campaign ...: <value>; ...": right-to-left values in
    ``<bdi>`` (the line is then markup), so the semicolons stay in their places."""
    if not any(needs(value) for _, value in parts):
        said = "; ".join(f"{lowered(label)}: {value}" for label, value in parts)
        return f"How you first found us: {said}."
    each = (Markup("{}: {}").format(lowered(k), Markup(value_html(v))) for k, v in parts)
    return Markup("How you first found us: {}.").format(Markup("; ").join(each))


def stage_line(stage: str, site: Mapping[str, str] | None = None) -> str:
    """The stage with a lead-in, so the list does not open with a bare sentence: "How far
    along we think you are: you have been exploring what we offer." (the site's words, the
    journey file's ``stages:``, else the built-in ones); "" for a stage we have no words for."""
    said = stage_sentence(stage, site)
    return f"How far along we think you are: {lowered(said)}" if said else ""


def lowered(sentence: str) -> str:
    """A sentence's first letter in lower case, to follow a colon; not a word written in
    capitals ("VIP members ...", "EU", a name the site spells so)."""
    return sentence if sentence[1:2].isupper() else sentence[:1].lower() + sentence[1:]


def visits_sentence(
    visits: int,
    views: int,
    history_off: bool = False,
    unrecorded: bool = False,
    merged: bool = False,
    nothing: bool = False,
) -> str:
    """ "You have visited 2 times and seen 5 pages.", or with the history off (views are not
    counted then) what the count is: the pages seen while it was on; and so, once it is back
    on, where pages went uncounted meanwhile (``unrecorded``: Profile.unrecorded; ``merged``: a
    sign-in left out what was browsed before it, historywords.py ``erased_at_sign_in``)."""
    times = f"You have visited {yourdata.times(visits)}"
    said = not_counted(history_off, unrecorded, merged, nothing)
    if not said:
        return f"{times} and seen {views} page{'s' * (views != 1)}."
    seen = f"a record of {views} page{'s' * (views != 1)}" if views else "no record of any page"
    if history_off:
        return f"{times}. We have {seen} you saw: {said}."
    return f"{times}. We have {seen} you saw ({said})."
