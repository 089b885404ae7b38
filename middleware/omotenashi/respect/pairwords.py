"""A visitor's suggestion pairs in plain words, for their data page (respect/yourdata.py): each
pair as the items it is, a pair kept in two forms (before codes, and codes) said once, an item
the catalogue no longer lists said to be gone."""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping

from omotenashi.engine.explain import words
from omotenashi.engine.profile import Profile
from omotenashi.recommend.coview import is_code, pair_part, pair_sides


def pair_count(profile: Profile, names: Mapping[str, str], ids: Container[str]) -> int:
    """How many suggestion pairs the profile keeps, as the data page lists them
    (:func:`pairs_kept`)."""
    return len(pairs_kept(profile, names, ids))


def pairs_kept(
    profile: Profile, names: Mapping[str, str], ids: Container[str]
) -> dict[tuple[str, str], tuple[str, str]]:
    """The profile's suggestion pairs (seed, item) by the items they are: a pair kept in two
    forms (``seed>item``, written before codes, and codes) is one, its item gone or not;
    ``names``: the catalogue's ids by code (``Catalog.pair_names``), ``ids`` its ids."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for member in sorted(profile.also):
        if sides := pair_sides(member):
            out.setdefault((_item(sides[0], names, ids), _item(sides[1], names, ids)), sides)
    return out


def _item(part: str, names: Mapping[str, str], ids: Container[str]) -> str:
    """A side of a pair as its item: the catalogue's id for it, else (an item gone) the code
    an id is written as (recommend/coview.py pair_part), so its two forms are one."""
    if is_code(part):  # a listed item's code, else the code of an item gone
        return names.get(part, part)
    if part in ids:  # a listed item's id (two may share a code: each is its own)
        return part
    return pair_part(part)  # the id of an item gone, as its code would be written


def pair_line(seed: str, item: str) -> str:
    """ "Kyoto in autumn: Tokyo lights"; both items gone, said once ("…: another one")."""
    return f"{seed}: {'another one' if seed == item == GONE else item}"


def side(title: Callable[[str], str], part: str, listed: Container[str] | None = None) -> str:
    """One side of a suggestion pair by its item's title; one the catalogue names no more
    (``listed``, when known; else a code, recommend/coview.py pair_part, with no title), its
    item gone, is said to be one, not shown: an id as a code alike (compact on or off)."""
    if listed is not None:
        return title(part) if part in listed else GONE
    said = title(part)
    return GONE if is_code(part) and said == words(part) else said


GONE = "an item the site no longer lists"
