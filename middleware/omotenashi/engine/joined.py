"""What a sign-in's merge carried into the user's profile, as it records it: one letter per
kind of thing the anonymous profile joined to the account, and one per kind it left out
(store/merging.py ``joined_marks`` writes them after the merge's time, in the ``x`` field of
the anonymous id; store/replies.py reads them into ``Profile.joined``). The data page says
them in these words (respect/joinedwords.py), in this order, and the download by the names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (profile.py reads download() from here)
    from omotenashi.engine.profile import Profile

# Joined: the letter, the download's name, the data page's words
JOINED: tuple[tuple[str, str, str], ...] = (
    ("v", "visits", "your visits (how many, and when)"),
    ("b", "browsing", "what you browsed (the pages you saw, their topics and the items)"),
    ("s", "blocks_shown", "how often each block was shown to you"),
    ("c", "cart", "your cart"),
    ("p", "bookings", "your bookings"),
    ("e", "events", "what else you did here (such as playing a video)"),
    ("d", "details", "details the site passed on to us"),
    ("g", "groups", "the groups the site put you in"),
    ("j", "stage", "how far along we thought you were"),
    ("m", "measurement", "which measurements you were counted in"),
)
# Left out: the letter, the download's name, the data page's sentence
LEFT_OUT: tuple[tuple[str, str, str], ...] = (
    (
        "h",
        "browsing",
        "What you browsed before signing in was not joined: your browsing history was off "
        "in that browser, so signing in erased it.",
    ),
)
MARKS = frozenset(mark for mark, _, _ in (*JOINED, *LEFT_OUT))


def download(marks: str) -> dict[str, list[str]]:
    """The marks as the download gives them: ``{"joined": [...], "erased": [...]}``."""
    return {
        "joined": [name for mark, name, _ in JOINED if mark in marks],
        "erased": [name for mark, name, _ in LEFT_OUT if mark in marks],
    }


def marks(profile: Profile, data: Mapping[str, Any], history: bool = True) -> str:
    """What the merge argument ``data`` (store/merging.py) carries of the anonymous
    ``profile``, as the letters above: each kind it joins to the account, then what it left
    out that the profile held (``history`` False: the visitor's browsing history was off, and
    nothing they browsed is carried)."""
    browsed = profile.views or profile.viewed or profile.interests or profile.first_touch
    said = {
        "v": data["visits"] > 0,
        "b": bool(data["views"] or data["interests"] or data["viewed"] or data["first_touch"]),
        "s": bool(data["shown"] or data["caps"]),
        "c": bool(data["cart"]),
        "p": bool(data["purchases"] or data["bought"]),
        "e": bool(data["events"]),
        "d": bool(data["attrs"]),
        "g": bool(data["segments"]),
        "j": data["stage"] not in ("", "awareness"),
        "m": bool(data["measure"]),
        "h": not history and bool(browsed),
    }
    return "".join(mark for mark, kept in said.items() if kept)
