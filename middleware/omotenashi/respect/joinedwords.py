"""What the data page says of the sign-ins that joined what was kept before to the account
(``Profile.merged``, when; ``Profile.joined``, what each merge recorded it carried and left
out: engine/joined.py): only what was joined, and what a sign-in erased instead."""

from __future__ import annotations

from collections.abc import Callable

from omotenashi.engine.joined import JOINED, LEFT_OUT
from omotenashi.engine.limits import MAX_MERGED
from omotenashi.engine.profile import Profile

BEFORE = "before you signed in was joined to your account"


def listed(said: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    return f"{', '.join(said[:-1])} and {said[-1]}" if said[1:] else "".join(said)


def joined_lines(profile: Profile, zone: str, day: Callable[[float | None, str], str]) -> list[str]:
    """The sign-ins that joined something: when (the latest; the store keeps the latest
    MAX_MERGED, so that many may be more), what the latest joined, and what it erased rather
    than joined (the browsing history off in that browser). A merge recorded before merges
    said what they carried (no marks) is said as what was kept, without a list."""
    latest = max(profile.merged, key=lambda vid: (profile.merged[vid], vid))
    n, last = len(profile.merged), day(profile.merged[latest], zone)
    marks = profile.joined.get(latest)  # (None: recorded before merges said what they carried)
    what = listed([said for mark, _, said in JOINED if mark in (marks or "")])
    before = f"before you signed in on {last} was joined to your account"  # (none: all left out)
    if n == 1:
        if marks is None:  # (as said before merges said what they carried)
            out = [f"What we kept about you {BEFORE} on {last}"]
        elif what:
            out = [f"Joined to your account when you signed in on {last}: {what}."]
        else:
            out = [f"Nothing kept about you {before}."]
    else:
        many = f"at least {n}" if n >= MAX_MERGED else n
        said = f"What we kept about you before {many} of your sign-ins was joined to your account"
        out = [f"{said}, the last time on {last}" + ("." if marks is not None else "")]
        if what:
            out.append(f"Joined that last time: {what}.")
    erased = [said for mark, _, said in LEFT_OUT if mark in (marks or "")]
    if n > 1:
        erased = [f"That last time, {said[:1].lower()}{said[1:]}" for said in erased]
    return out + erased
