"""The page's own origin, for the links and forms written on a page whose ``<base href>``
names another host (engine/disclosure.py :func:`~omotenashi.engine.disclosure.reach`)."""

from __future__ import annotations

import re
from functools import lru_cache

# A host as a browser sends it, which an absolute link can carry as it is: a DNS name (an
# underscore too, as container names have), an IPv4 or bracketed IPv6 address; a port.
_HOST = re.compile(
    r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?"
)


@lru_cache(maxsize=64)  # asked on every request, of the site's same few hosts (each bounded)
def page_origin(host: str, scheme: str) -> str:
    """``scheme://host`` from arrival.request_host's (the host and scheme the browser asked
    for, which a form posted from the page is checked against), "" when they are not ones a
    link can carry (no Host, a malformed one, another scheme)."""
    if scheme not in ("http", "https") or not _HOST.fullmatch(host):
        return ""
    return f"{scheme}://{host}"
