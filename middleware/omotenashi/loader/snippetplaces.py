"""Where a snippet puts the visitor's own text: never where escaping does not make it safe.

Autoescaping keeps a visitor's text (a name a sign-up form stored, a cart item's id) from
running as HTML in an element or a quoted attribute. It does not where a browser reads the
text as code or as a URL's scheme: in an ``on*`` handler (the browser decodes ``&#39;`` before
running it: a name of ``'+alert(1)+'`` runs), a ``style`` attribute, at the start of a URL
attribute (a name of ``javascript:alert(1)`` in ``href="{{ visitor.name }}"``), or inside a
``<script>`` or ``<style>`` (a trailing ``\\`` ends a string). The loader renders each snippet
that reads the visitor for a sample whose text is marked, and refuses one that puts the marked
text in such a place (inject52), as it refuses ``| safe`` on it (loader/safescan.py), and one
that puts it in an attribute's name or an unquoted value. ``| tojson`` in a script is fine (it
writes the text as a JSON string); in an attribute it is not (eye52b: it leaves ``"`` as is).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from jinja2 import ChainableUndefined
from jinja2.exceptions import SecurityError

from omotenashi.engine.printing import PrintlessDict, PrintlessList
from omotenashi.engine.render import VISITOR_FIELDS
from omotenashi.errors import SnippetError
from omotenashi.rules.urls import EDGES, URL_ATTRS

MARK = "\ue000"  # ends each of the sample's own texts: escaping keeps it
TOJSON_MARK = "\\ue000"  # ... as ``| tojson`` writes it (a JSON string's escape)
_RAW = frozenset({"script", "style"})
_SAMPLE_TAIL = re.compile(r"[A-Za-z0-9-]*$")
_TAG = re.compile(r"<[A-Za-z][^>]*>")  # a start tag, as the output has it
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")
_HOST = re.compile(r"https?:[/\\\\]*|[/\\\\]{2,}")  # what the host follows
_GAP = re.compile(r"\s")  # (the first, after the tag's name: a tab or a newline too)
_RUNS = ("javascript:", "vbscript:", "data:")
_OUT = "keep it out: put it in a quoted data-* attribute, and read it from your script there"
_PATH = 'put it after the site\'s own path: href="/members/{{ visitor.name }}"'
_SCRIPT = "in a script, pass it with | tojson; in a style, leave it out"
_QUOTE = 'quote the value: {}="{{{{ visitor.name }}}}"'
_TOJSON = "quote that attribute with ' (| tojson escapes that one), or use | forceescape"
_NAME = "never put the visitor's text in an attribute's name"
# The sample's texts a visitor writes: a name (what the site's sign-up form took), cart ids
TEXTS = ("name", "cart")
_SAID: dict[str, tuple[str, str] | None] = {}  # output -> where, once: rules share snippets


def marked(sample: dict[str, Any]) -> dict[str, Any]:
    """``sample`` with MARK after each of its visitor's texts (:data:`TEXTS`)."""
    out = PrintlessDict(sample)
    for key in TEXTS:
        value = sample[key]
        out[key] = (
            value + MARK if isinstance(value, str) else PrintlessList(v + MARK for v in value)
        )
    return out


class _Places(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, str] | None = None
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if self.found is None and value is not None and (MARK in value or TOJSON_MARK in value):
                self.found = _attribute_place(tag, name, value)
        self._raw = tag if tag in _RAW else None

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)  # (<script/> opens a script: browsers ignore the /)
        if tag not in _RAW:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self.found is None and self._raw is not None and MARK in data:
            self.found = (f"inside a <{self._raw}>, where escaping does not keep it text", _SCRIPT)


def _attribute_place(tag: str, name: str, value: str) -> tuple[str, str] | None:
    if name.startswith("on") or name == "style":
        return f"in <{tag} {name}>, which the browser reads as script or CSS", _OUT
    if name == "srcdoc":  # (HTML: the browser unescapes it and reads it as a page)
        return f"in <{tag} {name}>, which the browser reads as a page of HTML", _OUT
    animated = tag in ("animate", "set") and name in ("values", "to", "from", "by")
    if MARK not in value or not (name in URL_ATTRS or name.endswith(":href") or animated):
        return None
    site = _site(value[: value.index(MARK)])
    clean = re.sub("[\t\n\r]", "", site).lstrip(EDGES).lower()  # as browsers read a URL
    scheme = _SCHEME.match(clean)
    if any(runs.startswith(clean) for runs in _RUNS):  # (nothing, or "java": the visitor's)
        return f"at the start of <{tag} {name}>, where it can be a javascript: URL", _PATH
    if scheme is not None and scheme.group(0) in _RUNS:
        return f"in a {scheme.group(0)} URL of <{tag} {name}>, which the browser runs", _OUT
    if _HOST.fullmatch(clean):  # "//", "http://", "https:" (browsers add the slashes)
        return f"at the host of <{tag} {name}>, where it chooses the site", _PATH
    return None


def _site(head: str) -> str:
    """The site's own text before a marked sample text (its case as a filter left it)."""
    for text in _WRITTEN:
        if head.lower().endswith(text.lower()):
            return head[: -len(text)]
    return _SAMPLE_TAIL.sub("", head)


def _in_tags(output: str) -> tuple[str, str] | None:
    """The visitor's text in an attribute's name, or in a value not quoted (a space in it
    begins another attribute: ``onmouseover=…``), read from the tags as written; ``| tojson``
    in a double-quoted value is the same (its ``"`` ends the value: eye52c)."""
    for tag in _TAG.finditer(output):
        text = tag.group(0)
        if MARK not in text and TOJSON_MARK not in text:
            continue
        gap = _GAP.search(text)
        for attr in _ATTR.finditer(text, gap.start() if gap else len(text)):
            name, value = attr.group(1), attr.group(2) or ""
            if TOJSON_MARK in name:
                return "through | tojson in a double-quoted attribute", _TOJSON
            if MARK in name:
                return "in an attribute's name", _NAME
            if MARK in value and value[:1] not in ("'", '"'):
                return f"in an unquoted value of its {name} attribute", _QUOTE.format(name)
    return None


def refused(name: str, place: tuple[str, str]) -> SnippetError:
    """The error of a snippet that puts the visitor's text at ``place`` (:func:`unsafe_place`):
    where, and the fix; caused by a SecurityError, as the sandbox's refusals are."""
    said = f"puts the visitor's text {place[0]}; {place[1]}"
    error = SnippetError(name, said)
    error.__cause__ = SecurityError(said)  # (as raise ... from)
    return error


def unsafe_place(output: str) -> tuple[str, str] | None:
    """Where in ``output`` (a snippet rendered for :func:`marked`'s sample) the visitor's text
    lands unsafely, said after "puts the visitor's text", and the fix; None where nowhere."""
    if MARK not in output and TOJSON_MARK not in output:
        return None
    if output in _SAID:
        return _SAID[output]
    found = _in_tags(output)
    if found is None:
        places = _Places()
        try:  # (<!--> ends a comment in browsers, not in HTMLParser: eye52c)
            places.feed(output.replace("<!--->", "<!---->").replace("<!-->", "<!---->"))
            places.close()
        except Exception:  # (a markup HTMLParser cannot read, <![ x ]>: what it read stands)
            pass
        found = places.found
    if len(_SAID) >= 1024:
        _SAID.clear()
    _SAID[output] = found
    return found


class _Open(PrintlessDict):
    """A sample visitor's free-form mapping: any key reads as an empty, chainable value."""

    def __missing__(self, key: str) -> Any:
        return ChainableUndefined(name=key)


# A visitor with every field (engine/profile.py ``visitor_view``), for trying snippets at load.
SAMPLE_VISITOR: dict[str, Any] = PrintlessDict({  # (printing as no text, as a visitor's)
    "stage": "awareness",
    "segments": PrintlessList(["sample"]),
    "visits": 2,
    "returning": True,
    "interests": PrintlessList(["sample"]),
    "name": "Sam",
    "device": "desktop",
    "cart": PrintlessList(["sample-item"]),
    "purchases": 1,
    "viewed_in": _Open(),
    "titles": _Open(),
})  # fmt: skip
assert tuple(SAMPLE_VISITOR) == VISITOR_FIELDS
SAMPLE_SAID = (
    "stage awareness, returning, 2 visits, one interest, segment and cart item, 1 purchase, "
    "nothing viewed in a list"
)
MARKED = marked(SAMPLE_VISITOR)
# A recommendation as a recommend rule's snippet gets them (recommend/recommending.py)
SAMPLE_ITEMS = [
    {"id": "sample-item", "title": "Sample", "url": "/sample", "image": "/sample.jpg",
     "reason": "Because you viewed Sample", "price": 10, "tags": ["sample"], "source": "popular"},
]  # fmt: skip
# The sample's texts as the visitor wrote them, longest first (what :func:`_site` takes off)
_WRITTEN = sorted({SAMPLE_VISITOR["name"], *SAMPLE_VISITOR["cart"]}, key=len, reverse=True)
