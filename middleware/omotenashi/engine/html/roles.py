"""The ``role`` values that make an element a control to assistive technology, where the why
note's "i" never goes (tree.NOTELESS_NAMES for the elements that are one by their name)."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (tokens.py reads roles: names_control)
    from .tokens import Attr

# Roles that make an element a control, an image or a heading to assistive technology (WAI-ARIA
# 1.2): an "i" inside one is read as part of its name, and a click on it reaches the control's
# own handler (a11y68: in a card with role="link", Enter on the "i" followed the link), as in
# the elements of tree.NOTELESS_NAMES.
CONTROL_ROLES = frozenset(
    "button checkbox combobox heading img image link listbox menuitem menuitemcheckbox "
    "menuitemradio meter option progressbar radio scrollbar searchbox separator slider "
    "spinbutton switch tab textbox treeitem".split()
)
# Items of a list or of a composite widget (a menu, a tab list, a list box, a tree): a note
# right after one would stand among the items (review68: axe's aria-required-children, and a
# <details> in a <ul>), so a block that is one and cannot hold its note has none (the page's
# panel lists it)
ITEM_ROLES = frozenset(
    "menuitem menuitemcheckbox menuitemradio option tab treeitem"  # (last69: and a list's,
    " listitem row cell gridcell columnheader rowheader radio".split()  # a grid's, a group's)
)
_LISTED = frozenset(("li", "dt", "dd"))
# Roles whose element holds such items: a note at the end of its content would stand among them
# (html70: "list: listitem, listitem, group: i"), as it would in a <ul> (not FLOW)
HOLDER_ROLES = frozenset(
    "list listbox menu menubar tablist tree treegrid grid radiogroup row rowgroup feed".split()
)


def _has_role(attrs: Sequence[Attr], roles: frozenset[str]) -> bool:
    """Whether ``attrs`` hold a ``role`` naming one of ``roles`` (any case, any of its words)."""
    return any(a.name == "role" and not roles.isdisjoint(a.value.lower().split()) for a in attrs)


def holds_items(attrs: Sequence[Attr]) -> bool:
    """Whether an element with ``attrs`` holds the items of a list or a composite widget by its
    role (a <ul>, <ol> or <dl> does by its name: disclosure.FLOW leaves them out)."""
    return _has_role(attrs, HOLDER_ROLES)


def listed_item(tag: str, attrs: Sequence[Attr]) -> bool:
    """Whether the element ``tag`` with ``attrs`` is an item of a list or of a composite
    widget (by its name or its role)."""
    return tag in _LISTED or _has_role(attrs, ITEM_ROLES)


# A role's value where the scanner finds ``role``: the whitespace around ``=`` read whole (each
# run follows its own ``role`` or ``=``: no two finds read the same one), a value's first 80
# characters (role values are short words: no page makes it read far from each one; review68:
# every ``role`` attribute had its tag's attributes read, 2-3 times the scan of a role-heavy page)
_ROLE = re.compile(
    r"role[\t\n\f\r ]*=[\t\n\f\r ]*"
    r"(?:\"([^\"]{0,80})(\"?)|'([^']{0,80})('?)|([^\t\n\f\r >]{0,80})([\t\n\f\r >]?))",
    re.I,
)


def names_control(page: str, at: int) -> bool:
    """Whether the ``role`` attribute at ``at`` may name one of :data:`CONTROL_ROLES` (a value
    written with character references, or longer than 80 characters, is read as if it did: its
    tag's attributes are then read whole; eye68)."""
    m = _ROLE.match(page, at)
    if m is None:
        return False
    for value, end in ((1, 2), (3, 4), (5, 6)):
        if m.group(value) is not None:
            text = m.group(value)
            cut = not m.group(end) and m.end() < len(page)
            return cut or "&" in text or not CONTROL_ROLES.isdisjoint(text.lower().split())
    return False  # (not reached: one of the three matches)


# An id list's value after ``aria-labelledby`` or ``aria-describedby``: its first 1,000
# characters (each find reads no further: linear however they overlap)
_IDREFS = re.compile(
    r"[\t\n\f\r ]*=[\t\n\f\r ]*(?:\"([^\"]{0,1000})|'([^']{0,1000})|([^\t\n\f\r >]{0,1000}))"
)
_SPACES = re.compile(r"[\t\n\f\r ]+")


def named_ids(page: str) -> frozenset[str]:
    """The ids an ``aria-labelledby`` or ``aria-describedby`` on ``page`` names: the text of an
    element with one is part of another's accessible name or description, so an "i" inside it
    would be too (a11y68). Found where an attribute's name may be (after a space, a quote or
    ``/``), in any case; a value with character references is read with them decoded. Each
    find reads on from the end of the value before it (last69: one value re-read by every name
    inside it was 60 times the page)."""
    low = page.lower()  # (one lowered copy and a find: cheaper than a find per case mix)
    if "edby" not in low:
        return frozenset()
    # (a "İ" lowers to two: the offsets in the lowered copy would not match the page's)
    names = _NAMES.finditer(low) if len(low) == len(page) else _NAMES_ANY_CASE.finditer(page)
    out: set[str] = set()
    done = 0  # where the last value read ends
    for name in names:
        at = name.start()
        if at < done or not at or page[at - 1] not in "\t\n\f\r /\"'":
            continue
        if m := _IDREFS.match(page, name.end()):
            value, done = m.group(m.lastindex or 1), m.end()
            out.update(_SPACES.split(html.unescape(value) if "&" in value else value))
    out.discard("")
    return frozenset(out)


_NAMES = re.compile("aria-(?:labell|describ)edby")
_NAMES_ANY_CASE = re.compile("aria-(?:labell|describ)edby", re.I)
