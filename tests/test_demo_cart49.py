"""qa49b: the demo shop's cart (its session, per browser) and the one Omotenashi knows are in
step before each page (demo_site/cartsync.py). After "Erase everything" the home hero offered
the Kyoto tour beside "Cart (1)" holding it; a person signed in on two browsers saw "Your trip
is in your cart" above an empty cart, and "Booked!" above a cart still holding what the other
browser booked (real Redis, the demo app in-process)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import client_for
from tests.conftest import form_token as csrf
from tests.test_demo import demo

pytestmark = pytest.mark.anyio
PREFS = "/_omotenashi/preferences"
FORM = {"origin": "http://shop.test"}


def rules_shown(page: str) -> set[str]:
    return set(re.findall(r'data-omo-rule="([^"]+)"', page))


async def history_off(client: object) -> None:
    """Every kind ticked on the preferences page but the browsing history."""
    page = await client.get(PREFS)  # type: ignore[attr-defined]
    kinds = re.findall(r'name="category" value="([^"]+)"', page.text)
    assert "browsing-history" in kinds, kinds
    form = {"csrf": csrf(page.text), "action": "save"}
    form["category"] = [k for k in kinds if k != "browsing-history"]  # type: ignore[assignment]
    saved = await client.post(PREFS, data=form, headers=FORM)  # type: ignore[attr-defined]
    assert saved.status_code == 303


@pytest.mark.parametrize("history", ["on", "off"])
@pytest.mark.parametrize("action", ["erase", "reset"])
async def test_a_cart_omotenashi_forgot_is_told_again_so_no_page_offers_what_it_holds(
    omotenashi_redis_url: str, action: str, history: str
) -> None:
    """(respect50) With the browsing history off too: the cart is no browsing history, it is
    kept all the same, and the sync had stopped, so "You may also like" offered its tours."""
    async with client_for(demo(omotenashi_redis_url)) as client:
        for _ in range(2):
            await client.get("/tours/kyoto-autumn")
        await client.post("/cart", data={"tour": "kyoto-autumn"})
        if history == "off":
            await history_off(client)
        asked = await client.get(PREFS + f"?confirm={action}")
        done = await client.post(
            PREFS, data={"csrf": csrf(asked.text), "action": action, "confirm": "yes"}, headers=FORM
        )
        assert done.status_code == 303
        for _ in range(3):
            await client.get("/tours/kyoto-autumn")
        home = await client.get("/")
        data = await client.get(PREFS + "/data")
    assert "Cart (1)" in home.text
    assert "kyoto-hero" not in rules_shown(home.text)  # not offered: it is in the cart
    assert "no record of “Kyoto in autumn” in your cart" not in home.text
    assert "Kyoto in autumn" in data.text  # Omotenashi knows the cart again


async def test_a_person_signed_in_on_two_browsers_has_one_cart(omotenashi_redis_url: str) -> None:
    async with client_for(demo(omotenashi_redis_url)) as a:
        async with client_for(demo(omotenashi_redis_url)) as b:
            await a.post("/login", data={"username": "qa-two-zoe"})
            await b.post("/login", data={"username": "qa-two-zoe"})
            await b.post("/cart", data={"tour": "kyoto-autumn"})
            held = await a.get("/cart")  # another browser's add shows here
            await b.post("/checkout", data={"name": "Zoe"})
            after = await a.get("/cart")  # and its booking too
    assert "Cart (1)" in held.text and "Kyoto in autumn" in held.text
    assert "Cart (0)" in after.text and "Your cart is empty" in after.text


async def test_a_checkout_books_only_what_it_showed(omotenashi_redis_url: str) -> None:
    """(eye49b) A tour added on the person's other browser while this one showed the
    checkout is not booked with it, unseen."""
    async with client_for(demo(omotenashi_redis_url)) as a:
        async with client_for(demo(omotenashi_redis_url)) as b:
            await a.post("/login", data={"username": "qa-two-kai"})
            await b.post("/login", data={"username": "qa-two-kai"})
            await a.post("/cart", data={"tour": "kyoto-autumn"})
            shown = await a.get("/checkout")
            await b.post("/cart", data={"tour": "hawaii-family"})
            await a.post("/checkout", data={"name": "Kai"})
            thanks = await a.get("/thanks")
    assert "Hawaii" not in shown.text
    assert "Kyoto in autumn" in thanks.text and "Hawaii" not in thanks.text
