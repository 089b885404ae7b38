"""base47: a page's ``<base href>`` that names another host (a CDN, ``//cdn``, ``http://`` on an
https page) would take the visitor's Dismiss form (their CSRF token, the rule) and the links to
their choices there: on such a page every address Omotenashi writes is absolute for the page's
own origin, and without an origin there is none (no form, no link); a page without one, or
with a relative one, keeps its root-relative addresses, byte for byte."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from omotenashi.engine.disclosure import reach
from omotenashi.engine.facts import RequestInfo
from omotenashi.engine.flash import Flash
from omotenashi.engine.html.base import foreign_base, on_origin
from omotenashi.engine.journey import Journey
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.engine.understand import Visit
from omotenashi.rules.model import Rule
from omotenashi.settings import RespectSettings

NOW = 1_700_000_000.0
ORIGIN = "https://shop.test"
HERO = CompiledRule(
    Rule(id="hello", slot="hero", text="Hi", why="You came."), "f", 1, 0, [], None, "Hi"
)
GONE = CompiledRule(
    Rule(id="gone", slot="tagline", text="Bye", why="You went."), "f", 1, 1, [], None, "Bye"
)
CONFIG = EngineConfig(respect=RespectSettings(disclosure=True, page_panel=True, fresh_share=0.0))


@pytest.mark.parametrize(
    ("page", "away"),
    [
        ("<p>no base</p>", False),
        ('<base href="/">', False),  # (an Angular app's)
        ('<base href="/shop/">', False),
        ('<base href="img/">', False),
        ('<base href="?q=1">', False),
        ('<base href="#top">', False),
        ('<base href="">', False),
        ('<base target="_blank">', False),
        ('<base href="https://cdn.example/site/">', True),
        ('<BASE HREF="//cdn.example/">', True),
        ('<base href="http://shop.test/">', True),  # on an https page: over http
        ('<base href=" \t//cdn.example/">', True),  # blanks the URL parser drops
        ('<base href="/\t/cdn.example/">', True),  # a tab inside, dropped too
        ('<base href="/\\cdn.example/">', True),  # a backslash is a slash
        ('<base href="/&#47;cdn.example/">', True),  # a character reference, decoded
        ("<base/href=//cdn.example/>", True),
        ('<base href="mailto:x@y">', True),
        ('<base href="/" href="//cdn.example/">', False),  # the first of a name counts
        ('<base href="/"><base href="//cdn.example/">', True),  # (later ones too: harmless)
        ('<base title="<base href=/>" href="//cdn.example/">', True),  # one tag over another
        ('<base href="//cdn.example/"', True),  # runs to the end
        ('<!-- <base href="//cdn.example/"> -->', True),  # (not read: absolute, harmless)
        ('<basefont href="//cdn.example/">', False),
        ('<base-x href="//cdn.example/">', False),
    ],
)
def test_a_base_that_may_lead_to_another_origin_is_found(page: str, away: bool) -> None:
    assert foreign_base(f"<!doctype html><html><head>{page}</head><body></body></html>") is away


@pytest.mark.parametrize(
    ("href", "on"),
    [("/", True), ("a:b", False), ("1a:b", True), ("\\\\cdn", False), ("/", True), ("\x00/", True)],
)
def test_a_base_href_is_read_as_the_url_parser_reads_it(href: str, on: bool) -> None:
    assert on_origin(href) is on


@pytest.mark.parametrize(
    ("page", "origin", "reached"),
    [
        ("<base href=/shop/>", ORIGIN, "/app/_omotenashi"),
        ("<base href=//cdn/>", ORIGIN, "https://shop.test/app/_omotenashi"),
        ("<base href=//cdn/>", "", ""),  # no origin to write: no address
    ],
)
def test_our_addresses_reach_the_page_origin(page: str, origin: str, reached: str) -> None:
    assert reach(foreign_base(page), "/app", "/_omotenashi", origin) == reached


class Addresses(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a":
            self.found.append(values.get("href") or "")
        elif tag == "form":
            self.found.append(values.get("action") or "")
            self.forms.append(values.get("class") or "")


def made(base: str, origin: str) -> str:
    """The page with its block, its "i", the panel and the confirmation of a dismissal."""
    page = (
        f"<!doctype html><html><head>{base}<title>t</title></head><body>"
        '<div id="hero" data-omo-slot="hero">H</div><div data-omo-slot="tagline">T</div>'
        "</body></html>"
    )
    visit = Visit(
        visitor_id="v1",
        profile=Profile(),
        now=NOW,
        request=RequestInfo(path="/rooms/", host="shop.test", origin=origin),
        csrf="token",
        choices=Prefs(off_rules=frozenset({"gone"})),
        flash=Flash("gone", NOW),
    )
    ruleset = RuleSet(rules=[HERO, GONE])
    out = personalise_page(page, visit, ruleset, Journey(), CONFIG)
    assert [d.id for d in out.shown] == ["hello"] and out.flashed
    return out.html


@pytest.mark.parametrize(
    ("base", "origin", "start"),
    [
        ("", ORIGIN, "/_omotenashi/"),
        ('<base href="/rooms/">', ORIGIN, "/_omotenashi/"),
        ('<base href="https://cdn.invalid/">', ORIGIN, "https://shop.test/_omotenashi/"),
        ('<base href="http://shop.test/">', ORIGIN, "https://shop.test/_omotenashi/"),
        ('<base href="//cdn.invalid/">', "http://127.0.0.1:8000", "http://127.0.0.1:8000/_omo"),
    ],
)
def test_every_address_we_write_starts_on_the_page_origin(
    base: str, origin: str, start: str
) -> None:
    parsed = Addresses()
    parsed.feed(made(base, origin))
    # the "i"'s form and link, the panel's link, the confirmation's Undo form and link
    assert parsed.forms == ["omo-dismiss", "omo-undo"]
    assert len(parsed.found) == 5
    assert all(a.startswith(start) for a in parsed.found), parsed.found


def test_a_page_without_a_base_is_made_as_it_was() -> None:
    assert made("", ORIGIN) == made("", "")  # the origin is not written at all
    assert made('<base href="/rooms/">', ORIGIN) == made('<base href="/rooms/">', "")


def test_without_an_origin_a_page_that_leads_away_gets_no_address_of_ours() -> None:
    out = made('<base href="//cdn.invalid/">', "")
    parsed = Addresses()
    parsed.feed(out)
    assert parsed.found == [] and "_omotenashi" not in out
    assert 'class="omo-i"' in out and 'id="omo-why"' in out and 'id="omo-done"' in out
