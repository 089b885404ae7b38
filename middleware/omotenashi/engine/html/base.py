"""Whether a page's ``<base href>`` may take a root-relative address (``/_omotenashi/…``) to
another origin than the page's own.

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


def foreign_base(page: str) -> bool:
    """Whether ``page`` may have a ``<base href>`` that takes root-relative addresses to
    another origin (see the module's notes: when not sure, True)."""
    starts = [m.start() for m in _OPEN.finditer(page)]
    for k, lt in enumerate(starts):
        name_end = lt + 5
        tag = _TAG.match(page, name_end)
        if tag is None:  # runs to the end: a browser drops it; not read further
            return True
        if k + 1 < len(starts) and tag.end() > starts[k + 1]:  # "<base" in a value of it
            return True
        if _HREF.search(page, name_end, tag.end()) is None:  # (most have none: no attrs read)
            continue
        href = next((a.value for a in attrs(page, name_end, tag.end()) if a.name == "href"), None)
        if href is not None and not on_origin(href):
            return True
    return False
