"""The "i" control's accessible name holds its visible label, "i", as a word (WCAG 2.5.3 Label
in Name: a speech-control user says "click i"), and still tells each "i" on a page apart: two
blocks giving the same reason say which block each is. Through the whole stack."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Omotenashi, Settings

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]

ONE = '<div id="hero" data-omo-slot="hero">H</div>'
TWO = ONE + '<div id="promo" data-omo-slot="promo">P</div>'
SAME = """
rules:
  - {id: a, slot: hero, text: "A", why: "You have been here before & we remembered."}
  - {id: b, slot: promo, text: "B", why: "You have been here before & we remembered."}
"""
OTHER = """
rules:
  - {id: a, slot: hero, text: "A", why: "You like \\"family\\" tours."}
  - {id: b, slot: promo, text: "B", why: "Everyone sees it."}
"""


@pytest.mark.parametrize(
    ("body", "rules", "reasons"),
    [
        (ONE, SAME, ["You have been here before & we remembered"]),
        (
            TWO,
            SAME,
            [
                "You have been here before & we remembered, the “hero” block",
                "You have been here before & we remembered, the “promo” block",
            ],
        ),
        (TWO, OTHER, ['You like "family" tours', "Everyone sees it"]),
    ],
    ids=["one", "same-reason", "two-reasons"],
)
async def test_each_i_is_named_by_its_label_and_its_block(
    make_settings: Make, body: str, rules: str, reasons: list[str]
) -> None:
    page = f"<!doctype html><html><head></head><body>{body}</body></html>"
    settings = make_settings(rules, respect={"disclosure": True})
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        got = (await client.get("/")).text
    summaries = LexborHTMLParser(got).css("details.omo-i > summary")
    names = [s.attributes.get("aria-label") or "" for s in summaries]
    for summary, name in zip(summaries, names, strict=True):
        visible = summary.text().strip()
        assert visible == "i"
        assert re.match(rf"{re.escape(visible)}\b", name), name  # first, as a word
    assert [name.rpartition(": ")[2] for name in names] == reasons
    assert len(set(names)) == len(names)  # each "i" told apart
