"""Behind a proxy trusted to say which host and scheme the browser asked for
(OMOTENASHI_TRUST_FORWARDED_HOST): a force link's page, its cookie, the beacon of the browser
it forces, and the same-site check of a posted event all use that host and scheme, and only
the proxy's own (last) X-Forwarded-Host value."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.asgi.beacon import PREVIEW_REASON, not_stored
from omotenashi.identity.preview import ForceSigner
from tests.conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = (
    'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it.", enabled: false}\n'
)
JOURNEY = "beacon:\n  events: [video_play]\n"
PROXY = {"host": "app:8000", "x-forwarded-host": "shop.example"}
TLS = {**PROXY, "x-forwarded-proto": "https"}


@pytest.mark.parametrize(
    ("trust", "headers", "forced", "secure"),
    [
        (True, PROXY, True, False),
        (True, TLS, True, True),  # TLS ends at the proxy: the browser's cookie is still Secure
        (True, {**TLS, "x-forwarded-proto": "http, https"}, True, True),
        (False, {"host": "shop.example"}, True, False),
        (False, TLS, False, False),  # not trusted: the host is app:8000
    ],
)
async def test_a_forced_browsers_page_cookie_and_events_behind_a_proxy(
    make_settings: Make, trust: bool, headers: dict[str, str], forced: bool, secure: bool
) -> None:
    settings = make_settings(RULES, journey=JOURNEY, trust_forwarded_host=trust)
    token = ForceSigner(settings).make(rules=["hi"], host="shop.example")
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        page = await client.get(f"http://app:8000/?omo_preview={token}", headers=headers)
        # the browser's scheme: the client's jar sends a Secure cookie over https only
        scheme = "https" if secure else "http"
        beacon = await client.post(
            f"{scheme}://app:8000/_omotenashi/events",
            json={"name": "video_play"},
            headers={**headers, "origin": f"{scheme}://shop.example"},
        )
    cookie = [c for c in page.headers.get_list("set-cookie") if c.startswith("omo_preview=")]
    assert ("Hello" in page.text) is forced and bool(cookie) is forced
    assert not cookie or ("; Secure" in cookie[0]) is secure
    if forced:  # the forced browser's events are neither kept nor counted
        assert (beacon.status_code, beacon.json()) == (202, not_stored(PREVIEW_REASON))
    else:  # an Origin naming shop.example is another site than app:8000
        assert beacon.status_code == 403


@pytest.mark.parametrize(
    ("trust", "host", "origin", "status"),
    [
        (True, "shop.example", "https://shop.example", 204),
        (True, "evil.example, shop.example", "https://shop.example", 204),  # the proxy's: last
        (True, "shop.example, evil.example", "https://shop.example", 403),
        (True, "shop.example", "https://evil.example", 403),
        (False, "shop.example", "https://shop.example", 403),
        (False, "shop.example", "http://app:8000", 204),
    ],
)
async def test_an_event_is_same_site_by_the_host_the_browser_asked_for(
    make_settings: Make, trust: bool, host: str, origin: str, status: int
) -> None:
    settings = make_settings(RULES, journey=JOURNEY, trust_forwarded_host=trust)
    headers = {"host": "app:8000", "x-forwarded-host": host}
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("http://app:8000/", headers=headers)
        beacon = await client.post(
            "http://app:8000/_omotenashi/events",
            json={"name": "video_play"},
            headers={**headers, "origin": origin},
        )
    assert beacon.status_code == status, beacon.text
