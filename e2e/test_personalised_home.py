"""A new visitor sees the default hero; after browsing like a family, the family hero."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def test_new_visitor_then_family_browsing_changes_the_hero(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    hero = page.locator('[data-omo-slot="hero"]')
    expect(hero.locator("h1")).to_have_text("Find your next journey")

    page.get_by_role("link", name="Tours", exact=True).click()
    page.get_by_role("link", name="Hawaii for families").click()
    expect(page.locator("h1")).to_have_text("Hawaii for families")
    page.get_by_role("link", name="Back to the home page").click()
    page.get_by_role("link", name="Tours", exact=True).click()
    page.get_by_role("link", name="Hawaii for families").click()
    page.get_by_role("link", name="Tabi Travel", exact=True).click()

    expect(hero.locator("h1")).to_have_text("Aloha, families!")
    expect(hero).to_have_attribute("data-omo-rule", "hawaii-family-hero")
    expect(page.locator('[data-omo-slot="featured"] h2')).to_have_text("Made for families")
    expect(page.locator("#hero-image")).to_have_attribute(  # the hero's own picture
        "src", "/static/img/hawaii.svg"
    )


def test_a_second_visitor_in_a_fresh_context_still_sees_the_default(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "/")
    expect(page.locator('[data-omo-slot="hero"] h1')).to_have_text("Find your next journey")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["omo_vid"]["httpOnly"] is True
    assert cookies["omo_vid"]["sameSite"] == "Lax"
