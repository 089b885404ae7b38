"""base47 through the middleware (real Redis): on a page whose ``<base href>`` names another
host, the "i"'s Dismiss form, its "Your choices" link and the panel's link name the host and
scheme the browser asked for (behind a trusted proxy, its X-Forwarded-Host and -Proto), the
one a posted form is checked against; the form posted there switches the block off. A page
without a ``<base>`` keeps root-relative addresses."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.origin import page_origin
from tests.conftest import client_for, page_app
from tests.test_proxy_upstream import RULES

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
RESPECT = {"disclosure": True, "page_panel": True}
PROXY = {"host": "app:8000", "x-forwarded-host": "shop.example", "x-forwarded-proto": "https"}
CDN = '<base href="https://cdn.example/site/">'


def page(base: str) -> str:
    return (
        f"<!doctype html><html><head>{base}<title>Inn</title></head>"
        '<body><h1 id="hero" data-omo-slot="hero">Hello</h1></body></html>'
    )


def ours(text: str) -> list[str]:
    """Every link's and form's address that leads to Omotenashi's own pages."""
    found = re.findall(r'<(?:a href|form method="post" action)="([^"]*)"', text)
    return [a for a in found if "_omotenashi" in a]


@pytest.mark.parametrize(
    ("trust", "headers", "base", "start"),
    [
        (False, {}, "", "/_omotenashi/preferences"),
        (False, {}, '<base href="/rooms/">', "/_omotenashi/preferences"),
        (False, {}, CDN, "http://shop.test/_omotenashi/preferences"),
        (False, {}, '<base href="//cdn.example/">', "http://shop.test/_omotenashi/preferences"),
        (True, PROXY, CDN, "https://shop.example/_omotenashi/preferences"),
        (False, PROXY, CDN, "http://app:8000/_omotenashi/preferences"),  # (not trusted)
    ],
)
async def test_our_addresses_name_the_host_the_browser_asked_for(
    make_settings: Make, trust: bool, headers: dict[str, str], base: str, start: str
) -> None:
    settings = make_settings(RULES, respect=RESPECT, trust_forwarded_host=trust)
    async with client_for(Omotenashi(page_app(page(base)), settings=settings)) as client:
        for _ in range(2):  # the second view is personalised
            got = await client.get("/rooms/", headers=headers)
    assert got.headers["x-omotenashi-rules"] == "welcome-back"
    assert ours(got.text) == [start] * 3  # the form, the "i"'s link, the panel's link


async def test_the_form_posted_to_the_page_origin_dismisses_the_block(make_settings: Make) -> None:
    settings = make_settings(RULES, respect=RESPECT)
    async with client_for(Omotenashi(page_app(page(CDN)), settings=settings)) as client:
        await client.get("/rooms/")
        shown = await client.get("/rooms/")
        assert "Welcome back" in shown.text
        action = ours(shown.text)[0]
        fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', shown.text))
        posted = await client.post(action, data=fields, headers={"origin": "http://shop.test"})
        assert posted.status_code == 303, posted.text
        again = await client.get(posted.headers["location"])
    assert again.headers["x-omotenashi-rules"] == "-" and "Welcome back" not in again.text
    assert "Done: you won't see" in again.text
    assert ours(again.text) == ["http://shop.test/_omotenashi/preferences"] * 2  # Undo, link


@pytest.mark.parametrize(
    ("host", "scheme", "origin"),
    [
        ("shop.example", "https", "https://shop.example"),
        ("127.0.0.1:8000", "http", "http://127.0.0.1:8000"),
        ("[::1]:8443", "https", "https://[::1]:8443"),
        ("my_app:8000", "http", "http://my_app:8000"),  # a container's name
        ("shop.example.", "https", "https://shop.example."),
        ("", "https", ""),  # no Host
        ("shop.example/x", "https", ""),
        ('shop.example"><script>', "https", ""),
        ("user@shop.example", "https", ""),
        ("shop.example", "ftp", ""),
    ],
)
def test_the_page_origin_is_one_a_link_can_carry(host: str, scheme: str, origin: str) -> None:
    assert page_origin(host, scheme) == origin
