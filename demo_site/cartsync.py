"""The shop's cart and the one Omotenashi knows, kept in step before a page is made.

The demo shop keeps its cart in its session cookie, per browser, and tells Omotenashi of each
tour added (``add_to_cart``) and each booking (``purchase``); the pages' "your trip is in your
cart", and the blocks that leave out a tour already in it (``in_cart:``), read Omotenashi's copy.
The two part where one changes without the other:

* a signed-in person's cart is their account's (the shop keeps no accounts of its own: the
  profile is the saved cart), on every browser they are signed in on: a tour added, or booked,
  on another one shows here on the next page;
* a visitor's own cart that Omotenashi forgot ("Erase everything", "Start afresh") is told
  again: the shop still holds it, and a page must not offer a tour it holds, nor say that
  nothing is in it.

Nothing is read or told where nothing may be kept (GPC, no consent) or Redis did not answer
(under "Personalise nothing" the account's cart is joined at the sign-in, the shop's own, and
nothing told)
(the browsing history off is no such case: the cart and bookings are kept all the same, and
the pages leave out what the cart holds, respect50); and a page whose session holds no cart
and no person waits for nothing (most pages: their profile read goes on while the app runs).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from omotenashi import get_visitor, track


async def in_step(
    request: Request, cart: list[str], sellable: Callable[[str], bool], *, join: bool = True
) -> None:
    """Puts this browser's ``cart`` (the session's tours) and the profile's in step: a tour
    the profile holds joins this browser's cart (another browser of the person's added it); one
    booked since leaves it unless the profile still holds it (added again); any other the
    profile lacks is told again."""
    visitor = get_visitor(request)
    if visitor is None or not (cart or request.session.get("user")):
        return
    if getattr(request.state, "cart_in_step", False):  # once a request (what it told is
        return  # not in the profile it read)
    request.state.cart_in_step = True
    shop_only = visitor.privacy == "nothing"  # (personalised nothing: the account's cart is
    if visitor.private and not shop_only:  # the shop's to show all the same: visitor64)
        return
    profile = await visitor.loaded()
    if visitor.degraded or (visitor.private and not shop_only):  # (a revoked id: by its read)
        return
    saved, booked = profile.cart, profile.purchased
    kept = [slug for slug in cart if slug in saved or slug not in booked]
    for slug in kept:  # forgotten ("Erase everything", "Start afresh"): told again (the next
        if slug not in saved:  # page's read sees it; pages loading at once may each tell it)
            await track(request, "add_to_cart", {"item": slug})
    if join:  # (not where the visitor is booking the lines they were shown: nothing added)
        kept += [slug for slug in saved if sellable(slug) and slug not in kept]
    if kept != cart:
        request.session["cart"] = kept
