"""What the page panel ("Why this page looks this way") says when nothing on the page, or
nothing from what the visitor browsed, was chosen for them (engine/disclosure.py)."""

from __future__ import annotations

# The panel on a fresh page view (engine/restraint.py is_fresh): with nothing on the page
# that differs for the visitor, and with blocks that only facts other than their browsing
# chose (a campaign link) or suggestions their own filters took items out of. A brand-new
# visitor's page may be one (the draw is on every page view, the first too: the share stays
# what the site set): neither implies that anything is known or guessed about them
FRESH = (
    "Now and then we show a page as everyone sees it, so that what you see is not always "
    "chosen for you; this is one of those."
)
FRESH_SOME = (
    "Now and then nothing on a page is chosen from what you browsed, so that what you see "
    "does not always follow it; this is one of those."
)

# The panel while the visitor's browsing history is off (engine/restraint.py history_off): no
# rule on their behaviour is shown, whatever its category (not a fresh page: every page is so)
HISTORY_OFF = "Your browsing history is off: nothing here is chosen from what you viewed."


def parts(n: int, before: str = "", after: str = "") -> str:
    """ "1 part is", "2 other parts are", "1 part of this page is"."""
    return f"{n} {before}part{'s' * (n != 1)}{after} {'are' if n != 1 else 'is'}"
