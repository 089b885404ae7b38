"""Session 54: a page's item ids keep their case. ``<meta name="omotenashi:item"
content="SKU-ABC">`` had been kept as ``sku-abc``, so ``viewed: [SKU-ABC]``, the catalogue's
``SKU-ABC`` and the beacon's never met it (README: item ids are made NFC only)."""

from __future__ import annotations

from typing import Any

import pytest

from omotenashi import Omotenashi
from omotenashi.engine.journey import Journey
from omotenashi.engine.understand import page_tags

from .conftest import client_for, page_app

RULES = """
rules:
  - {id: back, slot: hero, text: "Welcome back to SKU-ABC", when: {viewed: [SKU-ABC]},
     why: "You looked at it."}
"""
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:item" content="SKU-ABC">'
    '</head><body><div data-omo-slot="hero">Default</div></body></html>'
)


@pytest.mark.parametrize(
    ("content", "items"),
    [
        ("SKU-ABC", ["SKU-ABC"]),
        (" SKU-ABC , sku-abc ", ["SKU-ABC", "sku-abc"]),  # two ids: case is the id's
        ("Café\u200b", ["Café"]),
    ],
)
def test_a_page_s_item_id_keeps_its_case(content: str, items: list[str]) -> None:
    page = f'<head><meta name="omotenashi:item" content="{content}"></head>'
    assert page_tags(page, "/", Journey()) == ([], items)


@pytest.mark.anyio
async def test_viewed_meets_an_item_a_page_named_in_capitals(make_settings: Any) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        first = (await client.get("/tours/abc")).text
        again = (await client.get("/tours/abc")).text
    assert "Welcome back" not in first
    assert "Welcome back to SKU-ABC" in again
