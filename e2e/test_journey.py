"""A visitor walks through all five journey stages by ordinary browsing, then signs in."""

from __future__ import annotations

from playwright.sync_api import Page, expect

HERO = '[data-omo-slot="hero"] h1'
TAGLINE = '[data-omo-slot="tagline"]'


def home(page: Page, base_url: str) -> None:
    page.get_by_role("link", name="Tabi Travel", exact=True).click()
    expect(page).to_have_url(base_url + "/")


def test_five_stages_by_browsing(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")
    expect(page.locator(HERO)).to_have_text("Find your next journey")  # awareness
    expect(page.locator(TAGLINE)).to_have_text("Journeys planned with care.")

    page.get_by_role("link", name="Tours", exact=True).click()
    page.get_by_role("link", name="Lapland aurora nights").click()
    home(page, base_url)  # three pages seen: interest
    expect(page.locator(HERO)).to_have_text("Compare our small-group tours")
    expect(page.locator(TAGLINE)).to_have_text(
        "Still deciding? Every tour can be cancelled for free for 7 days after booking."
    )

    page.get_by_role("link", name="Tours", exact=True).click()
    page.get_by_role("link", name="Kyoto in autumn").click()
    page.get_by_role("button", name="Add to cart").click()
    home(page, base_url)  # consideration
    expect(page.locator(HERO)).to_have_text("Your trip is in your cart")
    # one cart reminder per page: the tagline's own reminder gives way to the hero's
    expect(page.locator(TAGLINE)).to_have_text("Journeys planned with care.")

    page.get_by_role("link", name="Cart (1)").click()
    page.get_by_role("link", name="Check out").click()
    page.get_by_label("Name").fill("e2e-taro")
    page.get_by_role("button", name="Book now").click()
    expect(page.locator("main h1")).to_have_text("Thank you!")
    home(page, base_url)  # purchase
    expect(page.locator(HERO)).to_have_text("Thank you for travelling with us")
    expect(page.locator(TAGLINE)).not_to_contain_text("Booked!")  # one thank-you per page

    page.get_by_role("link", name="Member club").click()
    page.get_by_role("button", name="Join the club").click()  # loyalty
    expect(page.locator(HERO)).to_have_text("Where to next?")
    expect(page.locator(TAGLINE)).to_have_text(
        "As a member, you save 10% on every tour at checkout."
    )


def test_sign_in_keeps_what_the_anonymous_visitor_did(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tours/hawaii-couples")
    page.goto(base_url + "/tours/hawaii-couples")
    page.get_by_role("button", name="Add to cart").click()
    home(page, base_url)
    expect(page.locator(HERO)).to_have_text("Your trip is in your cart")

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Name").fill("e2e-hanako")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as e2e-hanako")).to_be_visible()
    expect(page.locator(HERO)).to_have_text("Your trip is in your cart")  # merged, not lost

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(HERO)).to_have_text("Find your next journey")  # a fresh visitor
