"""A why sentence never carries text the visitor wrote: a path condition names the rule's own
pattern, not the request's path, and a country header that is not a code is no country. Checked
in the page (note and panel) and on the preferences page, which shows the stored why again."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.engine.conditions import compile_when, deny, explain
from omotenashi.engine.facts import Facts, RequestInfo, country_code
from omotenashi.rules.model import When

from .conftest import client_for, page_app

pytestmark = pytest.mark.security
Make = Callable[..., Settings]
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default</div><div data-omo-slot="side">Default</div>'
    "</body></html>"
)
RULES = """\
rules:
  - {id: tours, slot: hero, text: "Our tours", why: "You are looking at tours.",
     when: {path: ["/tours/*"]}}
  - {id: abroad, slot: side, text: "Welcome", why: "We welcome visitors from abroad.",
     when: {not: {country: [JP]}}}
"""
CRAFTED = "ZZCALLNOW"
PATHS = [
    f"/tours/{CRAFTED}%20for%20a%20refund",
    f"/tours/%3Cb%3E{CRAFTED}%3C%2Fb%3E",
    f"/tours/x/{CRAFTED}",
]
COUNTRIES = [f"<script>{CRAFTED}</script>", f"{CRAFTED} call us", CRAFTED, f"J{CRAFTED}"]


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "country"), list(zip(PATHS * 2, COUNTRIES * 2, strict=False)))
async def test_crafted_path_and_country_never_reach_the_why(
    make_settings: Make, path: str, country: str
) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    site = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(site) as client:
        await client.get("/")  # a visitor with a cookie: what they were shown is kept
        page = await client.get(path, headers={"cf-ipcountry": country})
        prefs = await client.get("/_omotenashi/preferences")
        data = await client.get("/_omotenashi/preferences/data")
    assert "Our tours" in page.text and "Welcome" in page.text  # both rules shown
    said = page.text.lower()
    assert "you are on a page under /tours/." in said  # the rule's own pattern, in plain words
    assert "we do not know which country you are in." in said
    back_here = re.compile(r'<input type="hidden" name="next" value="[^"]*">')  # the dismiss
    for text in (back_here.sub("", page.text), prefs.text, data.text):  # form's way back
        assert CRAFTED.lower() not in text.lower()


@pytest.mark.anyio
async def test_a_normal_request_still_reads_true(make_settings: Make) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = await client.get("/tours/kyoto", headers={"cf-ipcountry": "fr"})
    said = page.text.lower()
    assert "you are on a page under /tours/." in said and "you appear to be in fr." in said


@pytest.mark.parametrize(
    ("header", "country"),
    [
        ("JP", "JP"),
        ("jp", "jp"),
        (" US ", "US"),
        ("T1", "T1"),  # Cloudflare: Tor
        ("XX", "XX"),  # Cloudflare: unknown
        ("GBR", "GBR"),  # three letters, as a rule may name them (``omotenashi check`` warns)
        ("", ""),
        ("J", ""),
        ("JPN1", ""),
        ("1P", ""),
        ("J P", ""),
        ("<script>x</script>", ""),
        ("Free money", ""),
        ("ＪＰ", ""),  # full-width letters
        ("JP\r\n", "JP"),
    ],
)
def test_a_country_header_is_a_code_or_no_country(header: str, country: str) -> None:
    assert country_code(header) == country
    request = RequestInfo.from_parts(
        "/", "", {"cf-ipcountry": header}, country_header="CF-IPCountry"
    )
    assert request.country == country


@pytest.mark.parametrize(
    ("globs", "path", "holds", "sentence"),
    [
        (["/tours/*"], "/tours/kyoto", True, "you are on a page under /tours/"),
        (["/tours/*"], "/tours/Call 555 now", True, "you are on a page under /tours/"),
        (["/tours/*"], "/Call 555 now", False, "you are not on a page under /tours/"),
        (["/about"], "/about", True, "you are on the page /about"),
        (
            ["/about", "/tours/*"],
            "/x",
            False,
            "you are not on the page /about or a page under /tours/",
        ),
        (["/tour*"], "/tours", True, "you are on a page whose address starts with /tour"),
        (["/*/book"], "/kyoto/book", True, "you are on a page matching /*/book"),
        (["/*"], "/kyoto", True, "you are on any page"),  # (it said "a page under /")
    ],
)
def test_a_path_sentence_names_the_rules_pattern(
    globs: list[str], path: str, holds: bool, sentence: str
) -> None:
    conditions = compile_when(When.model_validate({"path": globs}), "UTC")
    facts = Facts(path=path)
    said = explain(conditions, facts) if holds else deny(conditions, facts)
    assert said == [sentence]
