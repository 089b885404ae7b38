"""The *Personalise nothing* card's hint says truly what its cookie holds: this choice beside the
visitor's others (it said "We keep only this choice", while the same cookie holds every switch).
Through the whole stack, against a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from ..conftest import client_for, page_app

pytestmark = pytest.mark.anyio


async def test_the_nothing_hint_does_not_say_only_this_choice_is_kept(
    make_settings: Callable[..., Settings],
) -> None:
    site = Omotenashi(page_app("<html><body>hi</body></html>"), settings=make_settings())
    async with client_for(site) as client:
        page = await client.get("/_omotenashi/preferences", headers={"accept": "text/html"})
    text = " ".join(page.text.split())
    assert page.status_code == 200
    assert "only this choice" not in text
    assert "This choice is kept in a cookie on this device, with your other choices here" in text
