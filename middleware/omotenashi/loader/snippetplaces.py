"""Where a snippet puts the visitor's own text: never where escaping does not make it safe.

Autoescaping keeps a visitor's text (a name a sign-up form stored, a cart item's id) from
running as HTML in an element or a quoted attribute. It does not where a browser reads the
text as code or as a URL's scheme: in an ``on*`` handler (the browser decodes ``&#39;`` before
running it: a name of ``'+alert(1)+'`` runs), a ``style`` attribute, at the start of a URL
attribute (a name of ``javascript:alert(1)`` in ``href="{{ visitor.name }}"``), or inside a
``<script>`` or ``<style>`` (a trailing ``\\`` ends a string). The loader renders each snippet
that reads the visitor for a sample whose text is marked, and refuses one that puts the marked
text in such a place (inject52), as it refuses ``| safe`` on it (loader/safescan.py). ``| tojson``
in a script is fine: it writes the mark as ``\\ue000``, and the text as a JSON string.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from jinja2 import ChainableUndefined

from omotenashi.engine.render import VISITOR_FIELDS
from omotenashi.rules.urls import URL_ATTRS

MARK = "\ue000"  # ends each of the sample's texts: escaping keeps it, tojson does not
_RAW = frozenset({"script", "style"})
_SAMPLE_TAIL = re.compile(r"[A-Za-z0-9-]*$")
PLACE_HINT = (
    "keep the visitor's text in an element or a plain attribute (data-*, title, alt, a path "
    "after the site's own '/...'); in a script, pass it with | tojson"
)


def marked(sample: dict[str, Any]) -> dict[str, Any]:
    """``sample`` with MARK after each of its texts (lists of them too)."""
    out = dict(sample)
    for key, value in sample.items():
        if isinstance(value, str) and key not in ("stage", "device"):
            out[key] = value + MARK
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            out[key] = [v + MARK for v in value]
    return out


class _Places(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: str | None = None
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if self.found is None and value is not None and MARK in value:
                self.found = _attribute_place(tag, name, value)
        self._raw = tag if tag in _RAW else None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self.found is None and self._raw is not None and MARK in data:
            self.found = f"inside a <{self._raw}>, where escaping does not keep it text"


def _attribute_place(tag: str, name: str, value: str) -> str | None:
    if name.startswith("on") or name == "style":
        return f"in <{tag} {name}>, which the browser reads as script or CSS"
    if name == "srcdoc":  # (HTML: the browser unescapes it and reads it as a page)
        return f"in <{tag} {name}>, which the browser reads as a page of HTML"
    if name in URL_ATTRS or name.endswith(":href"):
        # the site's own text before the visitor's (the sample's texts are letters, digits and
        # "-"): without a "/", "?", "#" or ":" in it, the visitor's text chooses the scheme
        site = _SAMPLE_TAIL.sub("", value[: value.index(MARK)])
        if not any(c in site for c in "/?#:"):
            return f"at the start of <{tag} {name}>, where it can be a javascript: URL"
        if site.strip().lower().startswith(("javascript:", "vbscript:", "data:")):
            return f"in a {site.strip().split(':')[0].lower()}: URL of <{tag} {name}>"
    return None


def unsafe_place(output: str) -> str | None:
    """Where in ``output`` (a snippet rendered for :func:`marked`'s sample) the visitor's text
    lands unsafely, said after "puts the visitor's text"; None where nowhere."""
    if MARK not in output:
        return None
    places = _Places()
    places.feed(output)
    places.close()
    return places.found


class _Open(dict[str, Any]):
    """A sample visitor's free-form mapping: any key reads as an empty, chainable value."""

    def __missing__(self, key: str) -> Any:
        return ChainableUndefined(name=key)


# A visitor with every field (engine/profile.py ``visitor_view``), for trying snippets at load.
SAMPLE_VISITOR: dict[str, Any] = {
    "stage": "awareness",
    "segments": ["sample"],
    "visits": 2,
    "returning": True,
    "interests": ["sample"],
    "name": "Sam",
    "device": "desktop",
    "cart": ["sample-item"],
    "purchases": 1,
    "viewed_in": _Open(),
    "titles": _Open(),
}
assert tuple(SAMPLE_VISITOR) == VISITOR_FIELDS
SAMPLE_SAID = (
    "stage awareness, returning, 2 visits, one interest, segment and cart item, 1 purchase, "
    "nothing viewed in a list"
)
MARKED = marked(SAMPLE_VISITOR)
