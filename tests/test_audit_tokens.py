"""The outside audit's token findings: a preview token or visitor cookie with junk appended
(itsdangerous decodes base64 leniently, so it would still verify) is refused before it is
verified, and never echoed into a Set-Cookie; the preview cookie never outlives its link."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.identity.preview import ForceSigner

from .conftest import client_for, page_app

pytestmark = pytest.mark.security
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
JUNK = ["%0D%0A", "%0D%0ASet-Cookie:%20x=1", "%00", "%3B%20%2C", "%22%3C%3E", "!!~~", "%20"]
REFUSED = "refused: not a force link (characters a signed link never has)"


def preview_cookies(response: object) -> list[str]:
    got: list[str] = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return [c for c in got if c.startswith("omo_preview")]


@pytest.mark.parametrize("junk", ["\r\n", "\x00", "; ,", '"<>', "!!~~", " ", "=", "+/"])
def test_a_valid_token_with_anything_appended_is_refused(junk: str) -> None:
    signer = ForceSigner(Settings(secret_keys=["k" * 32], preview_keys=["p" * 32]))
    token = signer.make(rules=["hi"], host="shop.test", ttl=60)
    assert signer.read(token, "shop.test") is not None
    assert signer.check(token + junk, "shop.test") == REFUSED
    assert signer.check(junk + token, "shop.test") == REFUSED


@pytest.mark.anyio
@pytest.mark.parametrize("junk", JUNK)
async def test_a_preview_link_with_junk_is_refused_and_never_set_as_a_cookie(
    make_settings: Make, junk: str
) -> None:
    settings = make_settings(RULES, debug_header=False)  # only a forced page names its rules
    token = ForceSigner(settings).make(rules=["hi"], host="shop.test")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        good = await client.get(f"/?omo_preview={token}")
        client.cookies.clear()
        bad = await client.get(f"/?omo_preview={token}{junk}")
    assert len(preview_cookies(good)) == 1  # the token as signed still works
    assert good.headers["x-omotenashi-rules"] == "hi"
    assert bad.status_code == 200 and "Hello" in bad.text  # the page, not an error
    assert preview_cookies(bad) == []
    assert bad.headers["x-omotenashi-preview"] == REFUSED
    assert "x-omotenashi-rules" not in bad.headers


@pytest.mark.anyio
async def test_a_preview_cookie_with_junk_is_refused(make_settings: Make) -> None:
    settings = make_settings(RULES, debug_header=False)
    token = ForceSigner(settings).make(rules=["hi"], host="shop.test")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        client.cookies.set("omo_preview", token + "!!~~")
        response = await client.get("/")
    assert response.headers["x-omotenashi-preview"] == REFUSED
    assert "x-omotenashi-rules" not in response.headers and preview_cookies(response) == []


@pytest.mark.parametrize("junk", ["!!~~", "\r\n", "=="])
def test_a_visitor_cookie_with_junk_appended_is_not_read(junk: str) -> None:
    signer = CookieSigner(Settings(secret_keys=["k" * 32]))
    value = signer.sign(signer.identify(None))
    assert signer.read(value) is not None
    assert signer.read(value + junk) is None


@pytest.mark.anyio
async def test_a_visitor_cookie_with_junk_appended_is_a_new_visitor(make_settings: Make) -> None:
    settings = make_settings(RULES)
    signer = CookieSigner(settings)
    name = settings.cookie.name
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        first = await client.get("/")
        value = first.cookies[name]
        client.cookies.clear()
        again = await client.get("/", headers={"cookie": f"{name}={value}"})
        junk = await client.get("/", headers={"cookie": f"{name}={value}!!~~"})
    known = signer.read(value)
    assert known is not None
    assert name not in again.cookies or again.cookies[name] == value  # the same visitor
    fresh = signer.read(junk.cookies[name])  # a new cookie: a new visitor
    assert fresh is not None and fresh.vid != known.vid


@pytest.mark.anyio
@pytest.mark.parametrize(("signed_max", "site_max"), [(7200, 600), (3600, 60)])
async def test_the_preview_cookie_never_outlives_the_longest_life_allowed(
    make_settings: Make, signed_max: int, site_max: int
) -> None:
    """A link signed when (or where) links lived longer: its cookie ends when the site stops
    honouring the link (signed + OMOTENASHI_PREVIEW_MAX_AGE), not when the token says."""
    settings = make_settings(RULES, preview_max_age=site_max)
    older = ForceSigner(settings.model_copy(update={"preview_max_age": signed_max}))
    token = older.make(rules=["hi"], host="shop.test", ttl=signed_max)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        response = await client.get(f"/?omo_preview={token}")
    assert response.headers["x-omotenashi-rules"] == "hi"
    (cookie,) = preview_cookies(response)
    max_age = int(cookie.split("Max-Age=")[1].split(";")[0])
    assert site_max - 5 <= max_age <= site_max
    forced = ForceSigner(settings).read(token, "shop.test")
    assert forced is not None and forced.expires <= time.time() + site_max


@pytest.mark.anyio
async def test_a_force_links_token_is_not_repeated_in_the_page(make_settings: Make) -> None:
    """qa70: the "i"'s *Don't show me this* form returned to the page's URL, token and all: a
    page saved or shared carried the link (its cookie carries the forcing on without it)."""
    settings = make_settings(RULES, respect={"disclosure": True, "page_panel": True})
    token = ForceSigner(settings).make(rules=["hi"], host="shop.test")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("/")  # (a cookie: the "i" has its form)
        page = await client.get(f"/?a=1&omo_preview={token}&b=2")
        again = await client.get("/?a=1&b=2")  # where the form returns: forced still
    assert page.headers["x-omotenashi-rules"] == "hi" and 'class="omo-dismiss"' in page.text
    assert token not in page.text and "omo_preview" not in page.text
    assert 'name="next" value="/?a=1&amp;b=2"' in page.text
    assert again.headers["x-omotenashi-rules"] == "hi"
