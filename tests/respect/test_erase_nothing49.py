"""qa49: Back after "Yes, erase everything" brought the question back, "Erase everything about
you? This deletes what we keep about you …", when nothing was kept any more. Asked with nothing
kept, the page now says there is nothing to erase, and offers no erase button; asked with
something kept, it asks as before (real Redis)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from tests.conftest import client_for, page_app
from tests.conftest import form_token as csrf
from tests.test_preferences_truth import FORM, PAGE, PREFS, RULES

pytestmark = pytest.mark.anyio
ASKS = "Erase everything about you?"
NOTHING = "We keep nothing about you now, so there is nothing to erase."


async def test_asked_to_erase_with_nothing_kept_the_page_says_so(
    make_settings: Callable[..., Settings],
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        await client.get("/")
        await client.get("/")  # something kept: a visit, two page views
        asked = await client.get(PREFS + "?confirm=erase")
        erased = await client.post(
            PREFS,
            data={"csrf": csrf(asked.text), "action": "erase", "confirm": "yes"},
            headers=FORM,
        )
        assert erased.status_code == 303
        again = await client.get(PREFS + "?confirm=erase")  # Back, after erasing
    assert ASKS in asked.text and NOTHING not in asked.text
    # everything it deletes is named (visitor65: bookings and the first name were not)
    said = " ".join(asked.text.split())
    assert "your cart and bookings as we saw them, what you did here and what the site told" in said
    assert "(such as your first name), how you first found us" in said
    assert 'value="erase"><input type="hidden" name="confirm" value="yes">' in asked.text
    assert NOTHING in again.text and ASKS not in again.text
    assert 'name="confirm" value="yes"' not in again.text  # no erase button for nothing
