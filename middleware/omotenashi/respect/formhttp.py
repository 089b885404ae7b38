"""The HTTP side of the preferences page's forms: a refused form's answer, the form's fields,
and where a choice may send the browser next (a path on this site only, as a ``Location``)."""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs, quote

# A form whose token is not the visitor's now: a page shown before their id changed. Its
# answer says nothing was changed, why (as far as this process can tell: :class:`Erased`),
# and links back to the page the form came from, where the choice can be made again.
EXPIRED = (
    "the form has expired, so nothing was changed: it comes from a page shown before something "
    "changed in how this browser is known to us (your data erased, a sign-in or a sign-out, for "
    "example), and a choice is kept only from a page shown since"
)
ERASED_SINCE = (
    "the form has expired, so nothing was changed: it comes from a page shown before your data "
    "was erased, and a choice is kept only from a page shown since"
)
NO_CONSENT = (
    "we could not keep this choice: a choice is kept only in a cookie, and this site sets none "
    "until you give consent"
)
NO_COOKIE = (
    "we could not keep this choice: your browser sent no cookie from us (it may block them, or "
    "ask sites not to track it), and a choice is kept only in that cookie"
)
NOT_READ = (
    "we could not keep this choice: your browser sent this site more cookies than we read, and "
    "ours was not among those we read (a choice is kept only in it, and we change none we "
    "could not read)"
)
BOT = (
    "we could not keep this choice: automated visitors are never personalised, and no choice "
    "is kept for them"
)
# Readable without anything else loaded (our pages' CSP allows an inline style, no more)
_STYLE = (
    "<style>body{font:1rem/1.55 system-ui,sans-serif;margin:0;color:#1f2a30;"
    "background:#fdfaf5}main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem;"
    "overflow-wrap:anywhere}h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 1rem}"
    "a{color:#1f4d63}ul{padding-left:1.2rem}li{margin:.5rem 0}</style>"
)


class Erased:
    """The form tokens of the ids this process's preferences page erased (at most ``keep``,
    the oldest forgotten first; in memory only): a form from a page shown before the erase
    is told so (:data:`ERASED_SINCE`), any other stale one in general words (:data:`EXPIRED`,
    true whatever changed: another process's erase, a sign-in or sign-out, cookies cleared)."""

    def __init__(self, keep: int = 4096) -> None:
        self.keep = keep
        self._tokens: dict[str, None] = {}

    def add(self, token: str) -> None:
        self._tokens[token] = None
        while len(self._tokens) > self.keep:
            del self._tokens[next(iter(self._tokens))]

    def why(self, token: str) -> str:
        return ERASED_SINCE if token in self._tokens else EXPIRED


def refusal(
    message: str,
    headers: dict[str, str],
    prefix: str,
    root: str = "",
    back: str = "",
    title: str = "",
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """A refused form: a short page for a browser (never bare JSON), JSON for other callers
    (``prefix``: our URLs' as the browser reaches them; ``root``: the site's path prefix;
    ``back``: the page the form came from, a :func:`safe_next` path, where the choice can be
    made again: then the page says nothing was changed and links there first; ``title``: the
    page's own, else "That did not work")."""
    if "text/html" not in headers.get("accept", ""):
        return json.dumps({"error": message}).encode(), [(b"content-type", b"application/json")]
    text = html.escape(message[:1].upper() + message[1:])
    own = f"{prefix}/preferences"
    choices = f'<a href="{html.escape(own)}">Your personalisation choices</a>'
    links = [choices, f'<a href="{html.escape(root)}/">Back to the site</a>']
    if back:  # first the page the form came from; then ours, or the site's home if it is ours
        mine = back.partition("#")[0].partition("?")[0] == own
        said = "Back to your personalisation choices" if mine else "Back to the page you were on"
        there = f'<a id="omo-back" href="{html.escape(back)}">{said}</a>, to choose again'
        links, title = [there, links[1] if mine else choices], "Nothing was changed"
    title = title or "That did not work"
    items = "".join(f"<li>{link}</li>" for link in links)
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{_STYLE}</head><body><main><h1>{title}</h1>"
        f'<p id="omo-problem">{text}.</p><ul>{items}</ul></main></body></html>'
    )
    return page.encode(), [(b"content-type", b"text/html; charset=utf-8")]


def parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


# The longest Location a posted ``next`` goes to: what our own forms carry (a page's path and
# a query of up to MAX_QUERY, 8 KiB: engine/facts.py ``back``), with room for a long path
MAX_NEXT = 16384


def safe_next(value: str, home: str = "/") -> str:
    """Only a path on this site (never //host or a scheme) is followed after a dismiss.

    Browsers drop tabs and newlines from a URL and read ``\\`` as ``/``, so
    ``/<tab>/evil.example`` is ``//evil.example`` to them: any control character, space or
    backslash means ``home`` (the site's home page, behind a path prefix with it). So does a
    value whose ``Location`` (:func:`location`: what is not ASCII percent-escaped, several
    times as long) would be longer than MAX_NEXT, more than any form of ours carries: a proxy
    in front may refuse so long a header (a form posted with a 16 KiB ``next`` of non-ASCII
    text was answered with a 48 KiB ``Location``).
    """
    if (
        value.startswith("/")
        and not value.startswith("//")
        and len(value) <= MAX_NEXT
        and not any(ord(ch) <= 0x20 or ch in "\\\x7f" for ch in value)
        and (value.isascii() or len(location(value)) <= MAX_NEXT)
    ):
        return value
    return home


def location(target: str) -> bytes:
    """``target`` (a path on this site, :func:`safe_next`) as a ``Location`` header: what is not
    ASCII in UTF-8 and percent-escaped, as a browser writes a URL (``/tours/京都`` stays that page;
    as latin-1 it went out as ``/tours/??``); its own escapes are kept."""
    return quote(target, safe="!#$%&'()*+,/:;=?@[]~").encode("ascii")
