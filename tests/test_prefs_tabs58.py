"""visitor58: a preferences page open in a tab since before other choices were made (the
browsing history switched off in a second tab, a block dismissed in a third) undid them all
when saved: a save rebuilt every switch from its form. A save now changes only what was
changed on its own form; the rest stays as the cookie has it."""

from __future__ import annotations

import re

import pytest

from omotenashi import Omotenashi

from .conftest import client_for, form_token, page_app, switch_history
from .test_preferences_truth import PAGE
from .test_prefs_truth44 import PREFS, RULES, Make, form_of, save

pytestmark = pytest.mark.anyio
DESKTOP = {"user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36"}


def switches(page: str) -> dict[str, bool]:
    """Each switch of the form (a kind, a block's entry, "nothing") and whether it is ticked."""
    form = re.search(r'<form[^>]*id="omo-switches".*?</form>', page, re.S)
    assert form is not None
    out = {}
    for box in re.findall(r'<input type="checkbox"[^>]*>', form.group(0)):
        value = re.search(r'value="([^"]*)"', box)
        assert value is not None
        out[value.group(1)] = " checked" in box
    return out


async def test_a_tab_opened_before_changes_only_what_was_changed_on_it(make_settings: Make) -> None:
    settings = make_settings(RULES, respect={"page_panel": False, "disclosure": True})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=DESKTOP) as c:
        await c.get("/?utm_campaign=winter-sale")
        first_tab = (await c.get(PREFS)).text  # opened now, saved last
        assert switches(first_tab)["campaigns"] and switches(first_tab)["browsing-history"]
        await switch_history(c, False)  # a second tab
        third = (await c.get(PREFS)).text  # a third: "Don't show me this" on a block
        dismissed = {"csrf": form_token(third), "action": "dismiss", "rule": "desk", "next": "/"}
        await save(c, dismissed)
        await save(c, form_of(first_tab, drop=frozenset({"campaigns"})))  # only that unticked
        now = switches((await c.get(PREFS)).text)
    assert now["campaigns"] is False  # what the first tab changed
    assert now["browsing-history"] is False  # what the others did stays
    assert now["desk"] is False
    assert now["1"] is False  # ("nothing": as it was)


async def test_a_form_without_what_it_showed_saves_as_before(make_settings: Make) -> None:
    """A site's own template (no ``was``): every listed switch as the form sends it."""
    settings = make_settings(RULES, respect={"page_panel": False})
    async with client_for(Omotenashi(page_app(PAGE), settings=settings), headers=DESKTOP) as c:
        first_tab = (await c.get(PREFS)).text
        await switch_history(c, False)
        form = {k: v for k, v in form_of(first_tab).items() if not k.startswith("was")}
        await save(c, form)
        assert switches((await c.get(PREFS)).text)["browsing-history"] is True
