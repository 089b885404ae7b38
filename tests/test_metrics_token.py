"""``/metrics`` with OMOTENASHI_METRICS_TOKEN: only a request bearing the token (Bearer or a
Basic password, as the report's) is answered; without the setting it stays open, as before."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app

pytestmark = [pytest.mark.security, pytest.mark.anyio]
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: hi, slot: hero, text: "Hello", why: "Everyone sees it."}\n'
TOKEN = "a-metrics-token-of-some-length"
METRICS = "/_omotenashi/metrics"


def basic(password: str, user: str = "prometheus") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        ("", 401),
        (f"Bearer {TOKEN}", 200),
        (f"bearer   {TOKEN}  ", 200),
        (basic(TOKEN), 200),
        (basic(TOKEN, user=""), 200),
        (f"Bearer {TOKEN}x", 401),
        (f"Bearer {TOKEN[:-1]}", 401),
        (basic("wrong"), 401),
        (f"Token {TOKEN}", 401),
        (TOKEN, 401),
        ("Basic !!!", 401),
    ],
)
async def test_metrics_need_their_token_when_one_is_set(
    make_settings: Make, authorization: str | None, status: int
) -> None:
    settings = make_settings(RULES, metrics=True, metrics_token=TOKEN)
    headers = {} if authorization is None else {"authorization": authorization}
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        await client.get("/")
        scraped = await client.get(METRICS, headers=headers)
    assert scraped.status_code == status
    if status == 200:
        assert "omotenashi_responses_total" in scraped.text
    else:
        assert "omotenashi_" not in scraped.text
        challenges = scraped.headers.get_list("www-authenticate")
        assert [c.split()[0] for c in challenges] == ["Bearer", "Basic"]


@pytest.mark.parametrize(("token", "status"), [(None, 200), ("", 401)])
async def test_metrics_without_a_token_stay_as_they_were(
    make_settings: Make, token: str | None, status: int
) -> None:
    """Unset: open, as before (keep the path internal); set but empty: nobody, like the report."""
    settings = make_settings(RULES, metrics=True, metrics_token=token)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        scraped = await client.get(METRICS, headers={"authorization": "Bearer "})
    assert scraped.status_code == status


async def test_the_token_does_not_turn_metrics_on(make_settings: Make) -> None:
    settings = make_settings(RULES, metrics=False, metrics_token=TOKEN)
    async with client_for(Omotenashi(page_app(PAGE), settings=settings)) as client:
        scraped = await client.get(METRICS, headers={"authorization": f"Bearer {TOKEN}"})
    assert scraped.status_code == 404


def test_the_token_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMOTENASHI_METRICS", "true")
    monkeypatch.setenv("OMOTENASHI_METRICS_TOKEN", TOKEN)
    settings = Settings()
    assert settings.metrics is True and settings.metrics_token is not None
    assert settings.metrics_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
