"""A slot holding a ``<select>`` is personalised when its extent is sure, and never cut short:
with markup inside an option (a customizable select) browsers end the select where the classic
rules do not, and the scanner then leaves the slot alone rather than delete the rest of the
page (before 77b1434 a rule replaced ``</div><p>after</p>`` with the slot's content). Through
the middleware."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi import Omotenashi

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
RULES = """
rules:
  - {id: hero, slot: x, text: PERSONAL, why: Shown to everyone.}
"""


@pytest.mark.parametrize(
    "inside",
    [
        "<select><option>a</option></select>",
        "<select><option>a<option>b</select>",
        "<select><optgroup label=g><option>a</optgroup></select>",
        "<label>Tour <select name=t><option>a</option></select></label>",
    ],
)
async def test_a_slot_with_a_plain_select_is_personalised(make_settings: Any, inside: str) -> None:
    doc = f"<!doctype html><body><div data-omo-slot=x>{inside}</div><p>after</p></body>"
    body = await _body(make_settings, doc)
    assert 'data-omo-rule="hero">PERSONAL' in body
    assert body.endswith("<p>after</p></body>")


@pytest.mark.parametrize(
    "option",
    ["<b>B</b>", "<span>S</span>", "<button><selectedcontent></selectedcontent></button>"],
)
async def test_a_slot_with_markup_in_a_select_keeps_the_rest_of_the_page(
    make_settings: Any, option: str
) -> None:
    doc = (
        f"<!doctype html><body><div data-omo-slot=x><select><option>{option}</option></select>"
        "</div><p>after</p></body>"
    )
    body = await _body(make_settings, doc)
    assert body.endswith("</select></div><p>after</p></body>"), body


async def _body(make_settings: Any, doc: str) -> str:
    async with client_for(Omotenashi(page_app(doc), settings=make_settings(RULES))) as client:
        return (await client.get("/", headers={"accept": "text/html"})).text
