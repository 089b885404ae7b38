"""The HTTP side of the preferences page's forms: a refused form's answer, the form's fields,
and where a choice may send the browser next (a path on this site only, as a ``Location``)."""

from __future__ import annotations

import html
import json
from urllib.parse import parse_qs, quote

EXPIRED = "the form has expired: reload the page and try again"
NO_CONSENT = (
    "we could not keep this choice: a choice is kept only in a cookie, and this site sets none "
    "until you give consent"
)
NO_COOKIE = (
    "we could not keep this choice: your browser sent no cookie from us (it may block them, or "
    "ask sites not to track it), and a choice is kept only in that cookie"
)


def refusal(
    message: str, headers: dict[str, str], prefix: str, root: str = ""
) -> tuple[bytes, list[tuple[bytes, bytes]]]:
    """A refused form: a short page for a browser (never bare JSON), JSON for other callers
    (``prefix``: our URLs' as the browser reaches them; ``root``: the site's path prefix)."""
    if "text/html" not in headers.get("accept", ""):
        return json.dumps({"error": message}).encode(), [(b"content-type", b"application/json")]
    text = html.escape(message[:1].upper() + message[1:])
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>That did not work</title></head><body><main><h1>That did not work</h1>"
        f'<p id="omo-problem">{text}.</p><p><a href="{html.escape(prefix)}/preferences">'
        f'Your personalisation choices</a> · <a href="{html.escape(root)}/">Back to the site</a>'
        "</p></main></body></html>"
    )
    return page.encode(), [(b"content-type", b"text/html; charset=utf-8")]


def parse_form(body: bytes) -> dict[str, list[str]]:
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def safe_next(value: str, home: str = "/") -> str:
    """Only a path on this site (never //host or a scheme) is followed after a dismiss.

    Browsers drop tabs and newlines from a URL and read ``\\`` as ``/``, so
    ``/<tab>/evil.example`` is ``//evil.example`` to them: any control character, space or
    backslash means ``home`` (the site's home page, behind a path prefix with it).
    """
    if (
        value.startswith("/")
        and not value.startswith("//")
        and not any(ord(ch) <= 0x20 or ch in "\\\x7f" for ch in value)
    ):
        return value
    return home


def location(target: str) -> bytes:
    """``target`` (a path on this site, :func:`safe_next`) as a ``Location`` header: what is not
    ASCII in UTF-8 and percent-escaped, as a browser writes a URL (``/tours/京都`` stays that page;
    as latin-1 it went out as ``/tours/??``); its own escapes are kept."""
    return quote(target, safe="!#$%&'()*+,/:;=?@[]~").encode("ascii")
