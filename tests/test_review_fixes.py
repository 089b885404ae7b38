"""Regressions found by a sceptical review: each would change a page or a choice wrongly."""

from __future__ import annotations

import gzip
import textwrap
import zlib
from pathlib import Path
from typing import Any

import pytest

from omotenashi.asgi.requestheaders import request_headers
from omotenashi.engine import EngineConfig, Profile, RequestInfo, Visit, personalise_response
from omotenashi.engine.journey import Journey
from omotenashi.engine.pagehttp import gunzip
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.identity.cookie import Identity
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect.preferences import apply_choice
from omotenashi.settings import RespectSettings

RULES = """
rules:
  - {id: hero-a, slot: hero, text: "Aloha", why: "Shown to everyone.", category: campaigns}
  - {id: hero-b, slot: side, text: "Hi", why: "Shown to everyone too.", category: campaigns}
"""


def ruleset(tmp_path: Path) -> RuleSet:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(RULES))
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))


def respond(
    tmp_path: Path, body: bytes, headers: list[tuple[bytes, bytes]], **respect: Any
) -> bytes:
    config = EngineConfig(respect=RespectSettings(fresh_share=0.0, **respect))
    visit = Visit(visitor_id="v", profile=Profile(), now=1.7e9, request=RequestInfo(path="/"))
    return personalise_response(body, headers, visit, ruleset(tmp_path), Journey(), config).body


@pytest.mark.anyio
async def test_saving_choices_on_a_page_that_lists_no_rule_switches_no_rule_off(
    tmp_path: Path,
) -> None:
    rules = ruleset(tmp_path)
    ident = Identity(vid="a" * 32, is_new=False, issued_at=0.0, prefs={"r": ["hero-b"]})
    form = {"action": ["save"], "category": ["campaigns"]}  # a new visitor's page
    new, _, _ = await apply_choice(None, rules, "/_omotenashi", ident, form)  # type: ignore[arg-type]
    assert Prefs.from_cookie(new.prefs).off_rules == frozenset({"hero-b"})  # kept as it was
    listed = {**form, "listed": ["hero-a"]}  # hero-a listed and left unticked: switched off
    new, _, _ = await apply_choice(None, rules, "/_omotenashi", ident, listed)  # type: ignore[arg-type]
    assert Prefs.from_cookie(new.prefs).off_rules == frozenset({"hero-a", "hero-b"})


def test_a_gzip_page_of_several_members_is_read_as_browsers_read_it(tmp_path: Path) -> None:
    # (mount61: Django's GZip makes a member of each chunk of a stream; such a page was never
    # personalised, nor a new visitor given a cookie on it)
    page = gzip.compress(b'<div data-omo-slot="hero">x</div>') + gzip.compress(b"<p>rest</p>")
    headers = [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")]
    out = gzip.decompress(respond(tmp_path, page, headers))
    assert out.startswith(b'<div data-omo-slot="hero" data-omo-rule=') and out.endswith(
        b"<p>rest</p>"
    )
    for n, broken in enumerate((page[:-3], page + b"junk", page + gzip.compress(b"x")[:-1])):
        (tmp_path / str(n)).mkdir()
        with pytest.raises(ValueError, match="truncated|does not inflate"):  # sent as it is
            respond(tmp_path / str(n), broken, headers)


def test_a_utf16_page_is_personalised_in_utf16_with_its_byte_order_mark(tmp_path: Path) -> None:
    # the BOM says which UTF-16 it is, as browsers read it (engine/charset.py): it used to be
    # read as "utf-16", written back little-endian, and so left alone
    body = b"\xfe\xff" + '<div data-omo-slot="hero">x</div>'.encode("utf-16-be")
    out = respond(tmp_path, body, [(b"content-type", b"text/html; charset=utf-16")])
    assert out.startswith(b"\xfe\xff")
    assert out[2:].decode("utf-16-be").startswith('<div data-omo-slot="hero" data-omo-rule=')


@pytest.mark.parametrize(
    ("charset", "body"),
    [("shift_jis", b'<div data-omo-slot="hero">x</div><p>\xfa\x4a</p>')],  # codec cp932
)
def test_a_page_whose_charset_would_not_round_trip_is_left_alone(
    tmp_path: Path, charset: str, body: bytes
) -> None:
    headers = [(b"content-type", f"text/html; charset={charset}".encode())]
    with pytest.raises(ValueError, match="does not survive"):
        respond(tmp_path, body, headers)


@pytest.mark.parametrize(
    ("tail", "panel"),
    [
        ("</body></html>\n", True),
        # a whole script after the end (a host's analytics): a browser appends it to the body
        ('</body></html><script>var s = "</body>";</script>', True),
        ("</body></html>\n<script src=/stats.js async></script>\n", True),
        ("</body></html><script>var s = 1;", False),  # not whole: the rest of the page is script
        ("</body></html><p>footer</p>", False),
        ("</body></html><noscript><p>x</p></noscript>", False),
        # comments after the end are the page's end too (cache plugins sign every page so)
        ("</body></html><!-- legacy footer </body> -->", True),
        ("", False),
        # the page ends inside an element whose text runs to the end: its "</body>" is text
        ("<textarea>notes</body></html>", False),
        ("<textarea>notes</body></html>\n", False),
        ("<script>var x = 1;</body></html>", False),
        ("<title>t</body></html>", False),
        ("<!-- unclosed </body></html>", False),
        ("<plaintext>left as text</body></html>", False),
        ("<textarea>notes</textarea></body></html>", True),
        # an end tag the parser ignores, or one after which the panel would not render
        ("<template>t</body></html>", False),
        ("<select><option>a</body></html>", False),
        ("<svg><g></body></html>", False),
        ("<math><mi>x</body></html>", False),
        ("<p>a</body>\n<p>b</body></html>", True),  # a stray early </body>: the last one
        ("<div>a</div>\n</BODY >\n </html  >\n\n", True),
    ],
)
def test_the_page_panel_goes_only_before_the_pages_own_end(
    tmp_path: Path, tail: str, panel: bool
) -> None:
    head = '<!doctype html><body><div data-omo-slot="hero">x</div>'
    out = respond(tmp_path, (head + tail).encode(), [(b"content-type", b"text/html")])
    assert (b"omo-why-page" in out) is panel
    html_end = tail.find("</html>")
    cuts = [tail.find("<!--"), tail.find("<script", html_end) if html_end >= 0 else -1]
    before = min([c for c in cuts if c >= 0], default=len(tail))  # (in a comment or script: text)
    end = tail[tail.lower().rfind("</body", 0, before) :] if panel else tail
    assert out.endswith(b"</aside>" + end.encode() if panel else end.encode())  # nothing after
    assert out.count(b"omo-why-page") <= 1  # the page's end is left as it was


def test_many_cookie_headers_are_joined_once() -> None:
    scope = {"headers": [(b"cookie", f"c{i}=v".encode()) for i in range(3)] + [(b"a", b"b")]}
    assert request_headers(scope) == {"cookie": "c0=v; c1=v; c2=v", "a": "b"}


def test_many_gzip_members_are_read_in_time_linear_in_the_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (the rest of the body after each member, copied member after member, cost its size
    # times the number of members: 40,000 small members took a second)
    member = gzip.compress(b"<p>0123456789</p>", mtime=0)
    body = member * 5000
    copied = [0]
    real = zlib.decompressobj

    class Counted:
        def __init__(self, **kwargs: int) -> None:
            self.inner = real(**kwargs)

        def decompress(self, data: bytes, limit: int) -> bytes:
            copied[0] += len(data)
            return self.inner.decompress(data, limit)

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

    monkeypatch.setattr(zlib, "decompressobj", Counted)
    assert gunzip(body, 10**7) == b"<p>0123456789</p>" * 5000
    assert copied[0] <= 4 * len(body)
