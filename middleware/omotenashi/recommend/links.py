"""Which catalogue items a link names (``exclude: on_page``): a link names an item when it goes
to the item's page, however either is written.

* The site: a site-relative link (``/tours/x``) and an absolute one to the page's own host
  (``https://<host>/tours/x``, either scheme) are one page, whichever form the catalogue's
  ``url`` has; a link to another host names only an item whose ``url`` is on that host.
* The path: without the fragment and the trailing slash (``/`` itself stays), its dot
  segments resolved as a browser does (``/tours/../tours/a`` is ``/tours/a``); a relative
  link (``kyoto``, ``../tours/kyoto``, ``?id=3``) read against the page's own path (an
  empty one or ``#x``: the page itself, its query too), as a browser reads it (a page's
  ``<base href>`` is not read: such a link is read against the page's path all the same).
* The query: the parameters the catalogue's items at that path use (``id`` for
  ``/product.php?id=3``) name the page, in any order and whatever else the link adds
  (``/product.php?utm_source=x&id=3`` is item ``id=3``; ``/product.php?id=31`` is not);
  tracking parameters (``utm_*``, ``gclid``, ``fbclid`` ... :data:`TRACKING`) name nothing,
  in an item's ``url`` either. A path where no item has a query: any query is the same page;
  a link with none of the naming parameters names the one item at its path, if only one is
  there (``/tours/kyoto`` when the catalogue has only ``/tours/kyoto?lang=en``).

Made once with the catalogue (one pass); a link is looked up with one or two dict reads, in
time linear in its length: never a pass over the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote_from_bytes, unquote_plus, unquote_to_bytes

# Parameters that say where a visitor came from or which ad they clicked: they name no page.
TRACKING = frozenset(
    {
        "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid",
        "ttclid", "li_fat_id", "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
        "mkt_tok", "srsltid", "oly_anon_id", "oly_enc_id", "vero_id", "wickedid", "rb_clickid",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")  # (Google's, Matomo's and Piwik's campaigns)
_DEFAULT_PORTS = (":80", ":443")
# A link longer than this names no item: no server takes such a request line (nginx's default
# limit is 8 KB), and a block's link is read in bounded time, whatever an editor pasted
LONGEST = 8192
# The answers :meth:`Addresses.named` remembers (a block's links and the page's own address,
# page after page), each for a link and a page of up to this many characters
REMEMBERED, REMEMBERED_LENGTH = 1024, 512

Pairs = tuple[tuple[str, str], ...]
Key = tuple[str, str, Pairs]  # (host, "" for the site's own; path; the naming parameters)


def own_host(host: str) -> str:
    """A host as links are compared: lower case, without a default port or a final dot."""
    host = host.strip().lower()
    for port in _DEFAULT_PORTS:
        if host.endswith(port):
            host = host[: -len(port)]
    return host.rstrip(".")


def _parts(url: str, page: str = "") -> tuple[str | None, str, str] | None:
    """(its host, None for a site-relative URL; its path; its query), or None for a URL that
    names no page (``mailto:``, ``tel:`` ..., or an absolute one with no host: ``///x``,
    ``https://@/x``, which a browser takes to another host). A relative URL is read against
    ``page``, the URL of the page it is on, its path and query (as written when not known).
    Read by hand, not by ``urlsplit``: a catalogue of 200,000 items is read in a fraction of
    the time."""
    url = url.split("#", 1)[0]
    host = None
    if url[:1] != "/" or url[1:2] in ("/", "\\"):  # not a path on this site
        head = url[:8].lower()
        if url[:2] in ("//", "/\\", "\\/", "\\\\"):  # (a browser reads a backslash as "/")
            skip = 2
        elif head[:7] == "http://" or head == "https://":
            skip = len(head) if head == "https://" else 7
        elif ":" in url.partition("?")[0].partition("/")[0]:  # mailto:, tel:, ftp: ...
            return None
        else:  # a relative path ("kyoto", "../x", "?id=3"): against the page's
            skip = 0
            if page[:1] == "/":  # (a first backslash is a "/": from the root, read below)
                if not url:  # "" and "#x": this very page, its query too
                    url = page
                elif url[:1] == "?":
                    url = page.partition("?")[0] + url
                elif url[:1] != "\\":
                    path = page.partition("?")[0]
                    url = path[: path.rfind("/") + 1] + url
        if skip:
            rest = url[skip:]
            cut = len(rest)
            for mark in "/?\\":
                at = rest.find(mark, 0, cut)
                cut = at if at >= 0 else cut
            host, url = own_host(rest[:cut].rpartition("@")[2]), rest[cut:]
            if not host or host.startswith(":"):  # no host: not this site, nor one we know
                return None
    path, _, query = url.partition("?")
    if "\\" in path:  # (a browser reads a backslash in a path as "/")
        path = path.replace("\\", "/")
    if "/." in path or "%2" in path:  # (a dot segment, maybe escaped: "/./", "/%2e%2e/")
        path = _without_dots(path)
    if not _PLAIN.fullmatch(path):  # "/ツアー/x", "/new york/", "/%e3%83%84": one way to write each
        path = "/".join(map(_escaped, path.split("/")))
    path = path.rstrip("/") or ("/" if path or host is not None else "")
    return host, path, query


# A path written in these alone is as a browser sends it; any other (not ASCII, a space, a "%"
# escape in either case) is written one way: each segment decoded and escaped again (%2F stays)
_PCHAR = "!$&'()*+,;=:@-._~"
_PLAIN = re.compile(r"[A-Za-z0-9/!$&'()*+,;=:@._~-]*")


def _escaped(segment: str) -> str:
    raw = unquote_to_bytes(segment.encode("utf-8", "surrogatepass"))
    return quote_from_bytes(raw, safe=_PCHAR)


_DOT, _DOTS = frozenset((".", "%2e")), frozenset(("..", ".%2e", "%2e.", "%2e%2e"))


def _without_dots(path: str) -> str:
    """A path's dot segments resolved (RFC 3986's remove_dot_segments, ``%2e`` as ``.``, as
    browsers do): ``/a/./b/../c`` is ``/a/c``; no ``..`` goes above the root."""
    segments = path.split("/")
    out: list[str] = []
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        folded = segment.lower() if "%" in segment else segment
        if folded in _DOT or folded in _DOTS:
            if folded in _DOTS and len(out) > 1:
                out.pop()
            if index == last:  # "/a/." and "/a/b/.." end in a "/"
                out.append("")
            continue
        out.append(segment)
    return "/".join(out)


def _query(query: str, only: frozenset[str] | None = None) -> list[tuple[str, str]]:
    """A query's parameters as a form reads them ("+" a space, %-escapes decoded), but
    tracking ones; with ``only``, those of these names alone (a value is decoded only for
    them: a link's long query costs a split, not a decoding of each of its values). A name
    given twice is read by its first value (``?id=3&id=3`` is ``?id=3``)."""
    pairs: dict[str, str] = {}
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if "%" in name or "+" in name:
            name = unquote_plus(name)
        if (only is not None and name not in only) or name in pairs:
            continue
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        if name not in TRACKING and not name.startswith(_TRACKING_PREFIXES):
            pairs[name] = value
    return list(pairs.items())


class Addresses:
    """The catalogue's items by the page each ``url`` goes to (:meth:`named`)."""

    __slots__ = ("_alone", "_hosts", "_ids", "_known", "_naming")

    def __init__(self, urls: Iterable[tuple[str, str]]) -> None:
        """``urls``: each item's (id, url), in catalogue order."""
        ids: dict[Key, tuple[str, ...]] = {}
        naming: dict[tuple[str, str], set[str]] = {}  # (host, path) → its items' parameters
        for item_id, url in urls:
            parts = _parts(url, "/")  # ("tours/x", as a page at the root reads it: /tours/x)
            if parts is None:
                continue
            host, path, query = parts
            pairs = _query(query) if query else []
            if pairs:
                naming.setdefault((host or "", path), set()).update([k for k, _ in pairs])
                key: Key = (host or "", path, tuple(sorted(pairs)))
            else:
                key = (host or "", path, ())
            found = ids.get(key)
            ids[key] = (item_id,) if found is None else (*found, item_id)
        # at a path whose items have a query: the one item there, if only one is
        alone: dict[tuple[str, str], tuple[str, ...] | None] = {}
        for (host, path, _), found in ids.items():
            if (host, path) in naming:
                alone[host, path] = found if (host, path) not in alone and len(found) == 1 else None
        self._ids = ids
        self._naming = {place: frozenset(names) for place, names in naming.items()}
        self._alone = {place: found for place, found in alone.items() if found is not None}
        self._hosts = frozenset(host for host, _, _ in ids if host)  # (of the absolute urls)
        self._known: dict[tuple[str, str, str, bool], tuple[str, ...]] = {}  # named()'s answers

    def named(self, link: str, here: str, page: str = "", *, alone: bool = True) -> tuple[str, ...]:
        """The ids of the items ``link`` goes to, on a page of the host ``here``
        (:func:`own_host`; "" when not known: an absolute link then names only items on its
        host) whose URL is ``page``, its path and query (a relative link is read against it;
        "" when not known: as written); ``alone`` False: not the one item at a path whose
        items' urls have a query, for a link without its naming parameters (``/item.php``, a
        list page, is no item's page: engine/page.py asks so)."""
        if max(len(link), len(page), len(here)) > REMEMBERED_LENGTH:
            return self._named(link, here, page, alone)
        key = (link, here, page, alone)
        found = self._known.get(key)
        if found is None:
            found = self._named(link, here, page, alone)
            if len(self._known) >= REMEMBERED:  # bounded: pages' addresses come from outside
                self._known.clear()
            self._known[key] = found
        return found

    def _named(self, link: str, here: str, page: str, alone: bool) -> tuple[str, ...]:
        if len(link) > LONGEST:
            return ()
        parts = _parts(link.strip(), page)
        if parts is None:
            return ()
        host, path, query = parts
        if host is None:  # the page's own site: its items written either way (an absolute
            places = ("", here) if here in self._hosts else ("",)  # url on it, if any has it)
        else:
            places = (host, "") if host == here else (host,)
        out: tuple[str, ...] = ()
        for place in places:
            names = self._naming.get((place, path)) if query else None
            mine = tuple(sorted(_query(query, names))) if names else ()
            found = self._ids.get((place, path, mine))
            if found is None and not mine and alone:  # none of its naming parameters: the one
                found = self._alone.get((place, path))  # item there
            if found:
                out += found
        return out

    def __len__(self) -> int:
        return len(self._ids)
