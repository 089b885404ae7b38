"""The sentence each recommended item carries: always the true cause of its place."""

from __future__ import annotations

from omotenashi.recommend.catalog import Catalog
from omotenashi.recommend.signals import Signals, Source
from omotenashi.rules.recommend import RecommendSpec


def popular_window(half_life_days: float) -> str:
    """How recent "popular" is, given the half-life its scores decay with."""
    if half_life_days <= 0.5:
        return "today"
    if half_life_days <= 3.5:
        return "this week"
    if half_life_days <= 15:
        return "this month"
    return "lately"


# Up to how old a view is "recent" to a visitor (recs65: "You viewed this recently" was said
# of a view 85 days old, kept as long as the profile is); an older one was "before"
RECENT_VIEW = 14 * 86400.0


def reason(
    source: Source, because: str | None, catalog: Catalog, signals: Signals, item: str = ""
) -> str:
    """A short sentence for the visitor about ``item`` (an id).

    ``interests``: the strongest of the visitor's interests the item matches; ``also_viewed``:
    the viewed item whose co-views contributed most (the page's own item: "often viewed
    with"); ``popular``: the window its decay stands for; ``recently_viewed``: how long ago.
    """
    if source == "interests" and because:
        return f"Because you have been looking at {catalog.label(because)}"
    if source == "also_viewed" and because:
        seed = catalog.get(because)
        title = seed.title if seed else because
        if because == signals.current:
            return f"Often viewed with {title}"
        return f"Because you viewed {title}"
    if source == "popular":
        return f"Popular {popular_window(signals.popular_half_life_days)}"
    if source == "recently_viewed":
        when = signals.viewed.get(item, signals.now)
        return f"You viewed this {'recently' if signals.now - when <= RECENT_VIEW else 'before'}"
    if source == "serendipity":
        return "Something different"
    return "From our selection"


_KINDS = {
    "interests": "items like the ones you have been looking at",
    "also_viewed": "items other visitors viewed together with ones you viewed",
    "popular": "what is popular with other visitors",
    "recently_viewed": "items you viewed recently",
}


def explain(spec: RecommendSpec) -> str:
    """How a recommend rule chooses, in one sentence (for the preferences page)."""
    kinds = [_KINDS[name] for name, weight in spec.strategies.items() if weight > 0]
    if "popular" not in spec.strategies:
        kinds.append(_KINDS["popular"] + " (when we know too little)")
    text = "Suggestions come from " + ", ".join(kinds[:-1])
    text += (" and " if len(kinds) > 1 else "") + kinds[-1]
    if spec.serendipity > 0:
        text += ", with something different now and then"
    return text + "; each one says why it is there."
