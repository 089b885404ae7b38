"""QA tooling against the running demo: seeded visitors, forced variants, live rule edits."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from omotenashi.loader.reload import load_all
from omotenashi.settings import RulesSettings
from omotenashi.testing import SeededVisitor, force_cookie

from .conftest import ROOT

TAGLINE = '[data-omo-slot="tagline"]'
DEMO = load_all(RulesSettings(dir=ROOT / "rules", snippets_dir=ROOT / "snippets"))
HOME_SLOTS = {"hero", "hero-image", "featured", "tagline", "notice", "also-like"}


def test_a_new_visitor_gets_the_default_copy(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator(TAGLINE)).to_have_text("Journeys planned with care.")


def test_a_returning_visitor_is_welcomed_back(
    page: Page,
    context: BrowserContext,
    base_url: str,
    omotenashi_visitor: Callable[..., SeededVisitor],
) -> None:
    visitor = omotenashi_visitor(visits=2, views=2, last_seen=time.time() - 3 * 86400)
    visitor.add_to(context, base_url)
    page.goto(base_url + "/")
    expect(page.locator(TAGLINE)).to_have_text("Welcome back. Your next journey is waiting.")


@pytest.mark.parametrize(
    "rule", sorted(DEMO.ruleset.rules, key=lambda r: r.order), ids=lambda r: r.id
)
def test_every_demo_rule_can_be_forced_and_shows(
    page: Page,
    context: BrowserContext,
    base_url: str,
    omotenashi_force: Callable[..., str],
    rule: object,
) -> None:
    compiled = rule  # a CompiledRule
    slot = compiled.rule.slot  # type: ignore[attr-defined]
    assert slot in HOME_SLOTS, f"demo rule on a slot the home page lacks: {slot}"
    token = omotenashi_force(rules=[compiled.id])  # type: ignore[attr-defined]
    context.add_cookies([force_cookie(token, base_url)])
    response = page.goto(base_url + "/")
    assert response is not None
    element = page.locator(f'[data-omo-slot="{slot}"]')
    expect(element).to_have_attribute("data-omo-rule", compiled.id)  # type: ignore[attr-defined]
    assert compiled.id in response.headers["x-omotenashi-rules"].split(",")  # type: ignore[attr-defined]


def test_a_preview_link_forces_a_stage_for_this_browser_only(
    page: Page,
    base_url: str,
    omotenashi_force: Callable[..., str],
    browser: object,
) -> None:
    token = omotenashi_force(stage="purchase")
    page.goto(f"{base_url}/?omo_preview={token}")
    expect(page.locator('[data-omo-slot="hero"] h1')).to_have_text(
        "Thank you for travelling with us"
    )
    page.goto(base_url + "/tours")  # the preview cookie follows this browser around
    expect(page.locator(TAGLINE)).to_have_text(
        "Booked! Your travel documents arrive two weeks before departure."
    )
    other = browser.new_page()  # type: ignore[attr-defined]
    other.goto(base_url + "/")
    expect(other.locator('[data-omo-slot="hero"] h1')).to_have_text("Find your next journey")
    other.close()


def test_a_rule_edited_while_the_demo_runs(
    page: Page,
    base_url: str,
    editable_rules: Path,
) -> None:
    home = editable_rules / "rules" / "home.yaml"
    original = home.read_text()
    for _ in range(2):
        page.goto(base_url + "/tours/hawaii-family")
    page.goto(base_url + "/")
    hero = page.locator('[data-omo-slot="hero"] h1')
    expect(hero).to_have_text("Aloha, families!")
    try:
        home.write_text(original.replace("Aloha, families!", "Aloha, edited families!"))
        reload_until(page, hero, "Aloha, edited families!")
        home.write_text(original.replace("priority: 80", "priority: high", 1))  # a broken edit
        time.sleep(2.5)  # looked at every second, loaded once still for a second: taken by now
        page.reload()
        expect(hero).to_have_text("Aloha, edited families!")  # the last good rules stay
    finally:
        home.write_text(original)
        reload_until(page, hero, "Aloha, families!")


def reload_until(page: Page, locator: Locator, text: str, within: float = 15.0) -> None:
    """Reload ``page`` until ``locator`` says ``text``: the demo looks for edits every second
    and loads them once they stayed as they are for a second (a save under way is not read)."""
    deadline = time.monotonic() + within
    while True:
        page.reload()
        if locator.inner_text() == text or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    expect(locator).to_have_text(text)
