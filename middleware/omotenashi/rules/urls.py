"""Which attributes a rule may set, and which URLs it may put in them.

A URL is judged the way a browser reads it: leading and trailing spaces and control characters
dropped, tabs and newlines removed anywhere (``java\\tscript:`` is ``javascript:`` to a
browser), then the scheme. Only http, https, mailto and tel, or a URL without a scheme (site
relative), are allowed; any other control character in a URL is refused outright.
"""

from __future__ import annotations

import re

NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_:.-]*")
# Attributes whose value a browser loads or navigates to (HTML, SVG, MathML).
URL_ATTRS = frozenset(
    {
        "action",
        "archive",
        "background",
        "cite",
        "classid",
        "codebase",
        "data",
        "dynsrc",
        "formaction",
        "href",
        "icon",
        "itemtype",
        "longdesc",
        "lowsrc",
        "manifest",
        "ping",
        "poster",
        "profile",
        "src",
        "usemap",
        "xlink:href",
        "xml:base",
    }
)
# Lists of URLs ("a.jpg 1x, b.jpg 2x").
SRCSET_ATTRS = frozenset({"srcset", "imagesrcset"})
# Never set by a rule unless the rule names them in ``allow_attrs``: markup and script
RISKY_ATTRS = frozenset({"style", "srcdoc", "is", "http-equiv", "content"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
EDGES = "".join(chr(c) for c in range(0x21))  # what browsers strip from a URL's ends
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def url_problem(value: str) -> str | None:
    """Why ``value`` is not a safe URL for an attribute, or None when it is."""
    seen = re.sub("[\t\n\r]", "", value.strip(EDGES))
    if _CONTROL.search(seen):
        return "it contains a control character"
    match = _SCHEME.match(seen)
    if match is not None and match.group(1).lower() not in SAFE_SCHEMES:
        return f"the scheme {match.group(1).lower()!r} is not allowed"
    return None


def attr_problem(name: str, value: str, allowed: frozenset[str]) -> str | None:
    """Why a rule may not set ``name="value"``, or None when it may."""
    low = name.lower()
    if not NAME.fullmatch(name):
        return "it is not an attribute name"
    if low == "charset" and low not in allowed:  # (a <meta charset> changed, or added before
        # the page's own, made a Shift_JIS page read as UTF-8: every character broken, charset52)
        return "it can change how the browser reads the page's bytes (every character)"
    if (low.startswith("on") or low in RISKY_ATTRS) and low not in allowed:
        return "it can run script or change markup"
    if low in URL_ATTRS or low.endswith(":href"):
        problem = url_problem(value)
        return f"{value!r} is not a safe URL: {problem}" if problem else None
    if low in SRCSET_ATTRS:
        for candidate in value.split(","):
            url = candidate.split()[0] if candidate.strip() else ""
            problem = url_problem(url) if url else None
            if problem:
                return f"{url!r} is not a safe URL: {problem}"
    return None
