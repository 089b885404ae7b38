"""After "Don't show me this", the block that fills the slot next keeps its "i" right after
it: the confirmation goes after that "i", never between the block and its note (visitor62: the
new tagline's "i" sat below the bar, after the Done message)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app
from .test_dismiss_flash import form, submit

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<p id="tagline" data-omo-slot="tagline">Default tagline</p><main>Rest</main></body></html>'
)
RULES = """
rules:
  - {id: deciding, slot: tagline, text: "Still deciding?", priority: 9, why: "Help choosing."}
  - {id: welcome, slot: tagline, text: "Welcome back", priority: 1, why: "You came back."}
"""


async def test_the_confirmation_follows_the_next_blocks_note(make_settings: Make) -> None:
    settings = make_settings(RULES, respect={"disclosure": True, "fresh_share": 0.0})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("/")
        shown = await client.get("/")
        assert "Still deciding?" in shown.text
        await submit(client, form(shown.text, "omo-dismiss"))
        back = await client.get("/")
    order = re.findall(r'data-omo-rule="welcome"|class="omo-i"|class="omo-done"', back.text)
    assert order == ['data-omo-rule="welcome"', 'class="omo-i"', 'class="omo-done"']
    assert back.text.index("</details>") < back.text.index('class="omo-done"')
