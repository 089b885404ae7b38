"""Whether a page's ``<base href>`` may take a root-relative address (``/_omotenashi/…``) to
another origin than the page's own (:func:`foreign_base`), and whether its ``<base target>``
may open links and forms in another tab or window (:func:`base_target`).

A browser resolves every relative address of a page against its document base URL: the first
``<base>`` with an ``href`` in the document, wherever it is. A relative ``href`` (``/``,
``/shop/``, ``x/``, ``?a``, ``#top``, ``""``) resolves on the page's own origin, so a
root-relative address stays there; an absolute one (``https://cdn.example/``, ``http://`` on
an https page) or a network-path one (``//cdn.example/``, ``/\\cdn``) may not.

The scan errs one way only: every ``<base`` start tag a browser could read is looked at, and
also ones it would not (in a comment, a script, a template, an attribute's value), whose only
cost is that the page gets absolute addresses. A ``<base`` whose tag runs to the end of the
page or over the next ``<base`` is taken as one that may lead elsewhere. Linear time: each tag
is read up to its ``>`` and the scan stops at the first tag that runs over the next one.
"""

from __future__ import annotations

import re

from .tokens import ATTRS, attrs

_OPEN = re.compile(r"<base(?=[\t\n\f\r />])", re.I)
_TAG = re.compile(ATTRS + ">")
_HREF = re.compile("href", re.I)
_TARGET = re.compile("target", re.I)
# What the URL parser drops: leading and trailing C0 controls and spaces; tabs and newlines.
_C0_SPACE = "".join(map(chr, range(0x21)))
_TAB_NEWLINE = str.maketrans("", "", "\t\n\r")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def on_origin(href: str) -> bool:
    """Whether a base ``href`` (its value as decoded) keeps root-relative addresses on the
    page's own origin: no scheme (``https:``, ``c:``) and no ``//`` or ``\\\\`` host."""
    url = href.strip(_C0_SPACE).translate(_TAB_NEWLINE)
    if _SCHEME.match(url):
        return False
    return not (len(url) >= 2 and url[0] in "/\\" and url[1] in "/\\")


def _bases(page: str) -> list[tuple[int, int] | None]:
    """Where each ``<base`` start tag's attributes are: (after its name, at its ``>``); None
    for one that runs to the end of the page or over the next ``<base`` (the rest unread)."""
    starts = [m.start() for m in _OPEN.finditer(page)]
    out: list[tuple[int, int] | None] = []
    for k, lt in enumerate(starts):
        name_end = lt + 5
        tag = _TAG.match(page, name_end)
        if tag is None or (k + 1 < len(starts) and tag.end() > starts[k + 1]):
            return [*out, None]
        out.append((name_end, tag.end()))
    return out


def base_target(page: str) -> bool:
    """Whether ``page`` may have a ``<base target>`` that sends its links and forms to
    another tab or window (any value but ``""`` and ``_self``, which name the page's own):
    then what Omotenashi writes into it carries ``target="_self"``. As :func:`foreign_base`,
    when not sure (a tag that runs over), True."""
    return _target(page, _bases(page))


def _target(page: str, bases: list[tuple[int, int] | None]) -> bool:
    for where in bases:
        if where is None:
            return True
        start, end = where
        if _TARGET.search(page, start, end) is None:  # (most have none: no attrs read)
            continue
        for a in attrs(page, start, end):
            if a.name == "target" and a.value.lower() not in ("", "_self"):
                return True
    return False


def foreign_base(page: str) -> bool:
    """Whether ``page`` may have a ``<base href>`` that takes root-relative addresses to
    another origin (see the module's notes: when not sure, True)."""
    return _foreign(page, _bases(page))


def _foreign(page: str, bases: list[tuple[int, int] | None]) -> bool:
    for where in bases:
        if where is None:  # runs to the end (a browser drops it) or over the next: not sure
            return True
        start, end = where
        if _HREF.search(page, start, end) is None:  # (most have none: no attrs read)
            continue
        href = next((a.value for a in attrs(page, start, end) if a.name == "href"), None)
        if href is not None and not on_origin(href):
            return True
    return False


def base_facts(page: str) -> tuple[bool, bool]:
    """(:func:`foreign_base`, :func:`base_target`) of ``page``, its ``<base`` tags found once
    (a page without one, most, costs one search)."""
    bases = _bases(page)
    if not bases:
        return False, False
    return _foreign(page, bases), _target(page, bases)
