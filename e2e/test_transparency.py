"""Honest transparency as visitors meet it in Chromium: true reasons, choices that do what they
say, one block per intent, a light "i" control, and pages that pass axe-core."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import axe_playwright_python
import pytest
import redis
from playwright.sync_api import Browser, BrowserContext, Page, expect

from omotenashi import Settings
from omotenashi.identity.cookie import CookieSigner
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .conftest import E2E_KEY, ROOT

AXE_JS = Path(axe_playwright_python.__file__).parent / "axe.min.js"
SHOTS = ROOT / "e2e" / "screenshots"  # git-ignored; the README points here
HERO = '[data-omo-slot="hero"]'
TAGLINE = '[data-omo-slot="tagline"]'
PREFS = "/_omotenashi/preferences"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
CART_REMINDERS = {"consideration-hero", "consideration-tagline", "cart-abandoned-notice"}


def first_time(page: Page, base_url: str) -> None:
    page.goto(base_url + "/")


def family(page: Page, base_url: str) -> None:
    for _ in range(2):
        page.goto(base_url + "/tours/hawaii-family")


def couple(page: Page, base_url: str) -> None:
    for _ in range(2):
        page.goto(base_url + "/tours/hawaii-couples")


def signed_in(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Name").fill("Hanako Yamada-Whitfield")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()


VISITORS: dict[str, tuple[Callable[[Page, str], None], dict[str, Any]]] = {
    "first-time": (first_time, {}),
    "family": (family, {}),
    "couple": (couple, {}),
    "signed-in": (signed_in, {}),
    "gpc": (first_time, {"extra_http_headers": {"Sec-GPC": "1"}}),
    "phone": (first_time, {"user_agent": IPHONE, "is_mobile": True, "has_touch": True}),
}


@pytest.fixture
def visitor_context(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[Callable[[dict[str, Any]], BrowserContext]]:
    made: list[BrowserContext] = []

    def make(extra: dict[str, Any]) -> BrowserContext:
        context = browser.new_context(**{**browser_context_args, **extra})
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page, every <details> opened."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("kind", list(VISITORS))
def test_pages_pass_axe_and_fit_a_phone_for_each_visitor(
    kind: str, visitor_context: Callable[[dict[str, Any]], BrowserContext], base_url: str
) -> None:
    setup, extra = VISITORS[kind]
    page = visitor_context({**extra, "bypass_csp": True}).new_page()  # to inject axe-core
    setup(page, base_url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for name, path in (
        ("home", "/"),
        ("tour", "/tours/kyoto-autumn"),
        ("cart", "/cart"),
        ("preferences", PREFS),
    ):
        for width in (1280, 360):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(base_url + path)
            page.screenshot(path=str(SHOTS / f"{kind}-{name}-{width}.png"), full_page=True)
            overflow = page.evaluate("document.documentElement.scrollWidth")
            if overflow > width:
                problems.append(f"{name} at {width}px is {overflow}px wide")
            problems += [f"{name} at {width}px: {v}" for v in serious_violations(page)]
    assert problems == []


def test_a_first_time_visitor_is_told_nothing_untrue(page: Page, base_url: str) -> None:
    response = page.goto(base_url + "/")
    assert response is not None
    shown = set(response.headers["x-omotenashi-rules"].split(",")) - {"-"}
    page.goto(base_url + PREFS)
    expect(page.locator("#omo-facts")).to_contain_text("You have visited once and seen 1 page.")
    ruleset = load_ruleset(ROOT / "rules", Renderer(ROOT / "snippets"))
    if shown:
        _until_listed(page, next(r.rule.why for r in ruleset.rules if r.id in shown))
    else:
        expect(page.locator("#omo-shown")).to_have_text(
            "Nothing on this site has been chosen for you yet."
        )
    text = page.locator("main").inner_text()
    said = {r.id for r in ruleset.rules if r.rule.why in text}
    assert said == shown  # no rule's reason is stated about a visitor it was never shown to
    assert "You booked" not in text and "You left" not in text
    for internal in ("awareness", "browsing-history", "hawaii-family-hero", "stage"):
        assert internal not in text


def _visitor_id(context: BrowserContext) -> str:
    signer = CookieSigner(Settings(secret_keys=[E2E_KEY]))
    [cookie] = [c for c in context.cookies() if c["name"] == "omo_vid"]
    ident = signer.read(cookie["value"])
    assert ident is not None
    return ident.user or ident.vid


def test_personalise_nothing_stores_nothing_new(
    page: Page, base_url: str, omotenashi_redis_url: str
) -> None:
    page.goto(base_url + "/")
    page.goto(base_url + PREFS)
    page.get_by_label("Personalise nothing for me").check()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.locator("#omo-private")).to_contain_text("We store nothing new about you")
    vid = _visitor_id(page.context)
    client = redis.Redis.from_url(omotenashi_redis_url, decode_responses=True)
    views = client.hget(f"omo:{{{vid}}}:p2", "V")
    for _ in range(3):
        page.goto(base_url + "/tours/hawaii-family")
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Find your next journey")
    fields = client.hgetall(f"omo:{{{vid}}}:p2")
    assert not any(field.startswith("i") for field in fields)  # no interests (store/scripts.py)
    assert fields.get("V") == views
    assert _visitor_id(page.context) == vid  # the choice itself is kept, in the cookie
    client.close()


def test_at_most_one_cart_reminder_per_page(page: Page, base_url: str) -> None:
    page.goto(base_url + "/tours/kyoto-autumn")
    page.get_by_role("button", name="Add to cart").click()
    response = page.goto(base_url + "/")
    assert response is not None
    shown = set(response.headers["x-omotenashi-rules"].split(","))
    assert len(shown & CART_REMINDERS) == 1, shown
    expect(page.locator(HERO + " h1")).to_have_text("Your trip is in your cart")
    expect(page.locator(TAGLINE)).not_to_contain_text("cart")


def test_the_i_control_is_small_keyboard_friendly_and_uniquely_named(
    page: Page, base_url: str
) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    summaries = page.locator("details.omo-i > summary")
    names = [summaries.nth(i).get_attribute("aria-label") for i in range(summaries.count())]
    assert len(names) >= 2 and len(set(names)) == len(names), names
    buttons = page.locator(".omo-dismiss button")
    labels = [buttons.nth(i).get_attribute("aria-label") for i in range(buttons.count())]
    assert len(set(labels)) == len(labels), labels
    first = summaries.first
    expect(first).to_have_text("i")
    first.focus()
    page.keyboard.press("Enter")
    popover = page.locator("details.omo-i").first.locator(".omo-i-pop")
    expect(popover).to_be_visible()
    expect(popover).to_contain_text("Because:")
    page.keyboard.press("Enter")
    expect(popover).not_to_be_visible()
    expect(first).to_be_focused()  # focus stays where it was
    expect(page.get_by_text("Why this page looks this way")).to_have_count(1)


def test_dont_show_me_this_returns_to_the_same_place(page: Page, base_url: str) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Aloha, families!")
    page.locator(HERO + " details.omo-i > summary").click()
    page.locator(HERO + " .omo-dismiss button").click()
    # the word said right after the slot (its own id): there either way
    expect(page).to_have_url(base_url + "/#omo-done")
    expect(page.locator(HERO + " h1")).not_to_have_text("Aloha, families!")
    expect(page.locator("#hero")).to_be_in_viewport()


def test_dont_show_me_this_far_down_the_page_comes_back_to_that_block(
    page: Page, base_url: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(base_url + "/tours/kyoto-autumn")
    page.goto(base_url + "/tours/tokyo-lights")
    block = page.locator('[data-omo-slot="also-like"]')
    expect(block).to_have_attribute("data-omo-rule", "you-may-also-like")
    block.locator("details.omo-i > summary").click()
    block.locator(".omo-dismiss button").click()
    expect(page).to_have_url(base_url + "/tours/tokyo-lights#omo-done")  # right after it
    expect(block).not_to_have_attribute("data-omo-rule", "you-may-also-like")
    expect(page.locator("#also-like")).to_be_in_viewport()  # not thrown back to the top
    assert page.evaluate("window.scrollY") > 0


def test_the_name_is_used_once_per_visit(page: Page, base_url: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Name").fill("Aiko")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(base_url + "/")
    seen = [page.locator(TAGLINE).inner_text()]  # the page the sign-in lands on counts too
    for path in ("/", "/tours", "/", "/cart"):
        page.goto(base_url + path)
        seen.append(page.locator(TAGLINE).inner_text())
    assert seen.count("Good to see you, Aiko.") == 1, seen


def test_gpc_preferences_explain_and_set_no_cookie_until_a_block_is_switched_off(
    visitor_context: Callable[[dict[str, Any]], BrowserContext], base_url: str
) -> None:
    context = visitor_context({"extra_http_headers": {"Sec-GPC": "1"}})
    page = context.new_page()
    page.goto(base_url + PREFS)
    expect(page.locator("#omo-private")).to_contain_text("Global Privacy Control")
    expect(page.locator("#omo-private")).not_to_contain_text("nothing to switch off")
    expect(page.locator("#omo-switches")).to_have_count(1)  # what they still see can go
    assert [c for c in context.cookies() if c["name"] == "omo_vid"] == []
    page.goto(base_url + "/tours/kyoto-autumn")  # suggestions from what everyone viewed
    block = page.locator('[data-omo-slot="also-like"]')
    expect(block).to_have_attribute("data-omo-rule", "you-may-also-like")
    block.locator("details.omo-i > summary").click()
    block.locator(".omo-dismiss button").click()
    expect(page).to_have_url(base_url + "/tours/kyoto-autumn#omo-done")
    expect(block).not_to_have_attribute("data-omo-rule", "you-may-also-like")
    assert [c for c in context.cookies() if c["name"] == "omo_vid"] != []  # the choice, only


def _until_listed(page: Page, text: str) -> None:
    """The page view is recorded just after it is sent: reload until it shows (a few times)."""
    for _ in range(5):
        if text in page.locator("#omo-shown").inner_text():
            return
        page.reload()
    expect(page.locator("#omo-shown")).to_contain_text(text)


def test_shown_recently_has_true_reasons_and_a_category_switch_turns_them_off(
    page: Page, base_url: str
) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    page.goto(base_url + PREFS)
    _until_listed(page, "You have been looking at Hawaii tours for families.")
    shown = page.locator("#omo-shown")
    expect(shown).to_contain_text("You have looked at pages about family holidays 2 or more times.")
    page.get_by_label("Browsing history", exact=True).uncheck()
    page.get_by_role("button", name="Save my choices").click()
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
    expect(page.locator("#omo-shown")).to_contain_text(
        "Not shown to you now: you switched off “Browsing history” below."
    )


def test_export_is_a_readable_page_with_a_json_download(page: Page, base_url: str) -> None:
    family(page, base_url)
    page.goto(base_url + PREFS)
    page.get_by_role("link", name="See all your data").click()
    expect(page.locator("h1")).to_have_text("Your data")
    expect(page.locator("main")).to_contain_text("Pages seen: 2")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download my data (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["profile"]["views"] == 2


def test_escape_a_click_elsewhere_or_another_i_closes_an_open_popover(
    page: Page, base_url: str
) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    notes = page.locator("details.omo-i")
    assert notes.count() >= 2
    first, second = notes.nth(0), notes.nth(1)
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(first).not_to_have_attribute("open", "")
    expect(first.locator("summary")).to_be_focused()  # back on its "i"
    first.locator("summary").click()
    second.locator("summary").focus()  # the open one may cover it: by keyboard
    page.keyboard.press("Enter")  # one open at a time, so none stays over another "i"
    expect(second).to_have_attribute("open", "")
    expect(first).not_to_have_attribute("open", "")
    page.locator("footer").click(position={"x": 5, "y": 5})
    expect(page.locator("details.omo-i[open]")).to_have_count(0)


def test_tabbing_out_of_an_open_popover_closes_it(page: Page, base_url: str) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    note = page.locator("details.omo-i").nth(0)
    note.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(note).to_have_attribute("open", "")
    controls = note.locator("a, button, input:not([type=hidden])").count()
    for _ in range(controls):  # through its own controls: it stays open
        page.keyboard.press("Tab")
        expect(note).to_have_attribute("open", "")
    page.keyboard.press("Tab")  # out of it: it closes, so it covers nothing focus reaches
    expect(note).not_to_have_attribute("open", "")


def test_escape_closes_the_page_panel_too(page: Page, base_url: str) -> None:
    family(page, base_url)
    page.goto(base_url + "/")
    panel = page.locator("aside.omo-why-page details")
    panel.locator("summary").click()
    expect(panel).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(panel).not_to_have_attribute("open", "")
    expect(panel.locator("summary")).to_be_focused()


def test_the_popovers_work_without_script(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        family(page, base_url)
        page.goto(base_url + "/")
        first = page.locator("details.omo-i").first
        first.locator("summary").click()
        expect(first.locator(".omo-i-pop")).to_be_visible()
        first.locator("summary").click()
        expect(first.locator(".omo-i-pop")).not_to_be_visible()
    finally:
        context.close()


def test_escape_with_focus_elsewhere_leaves_the_focus_and_the_page_panel_alone(
    page: Page, base_url: str
) -> None:
    """The key may be meant for the site's own menu or dialog: with focus outside every open
    popover, Escape only closes the popovers that cover the page; focus and scroll stay."""
    family(page, base_url)
    page.goto(base_url + "/")
    panel = page.locator("aside.omo-why-page details")
    panel.locator("summary").click()
    expect(panel).to_have_attribute("open", "")
    page.evaluate("window.scrollTo(0, 0)")
    cart = page.locator("#cart-link")
    cart.focus()
    page.keyboard.press("Escape")
    expect(panel).to_have_attribute("open", "")
    expect(cart).to_be_focused()
    assert page.evaluate("window.scrollY") == 0


def test_without_script_an_open_popover_covers_no_other_i(browser: Browser, base_url: str) -> None:
    """Nothing closes a popover as focus moves on without the script: it opens in the page's
    flow, so the next "i" a keyboard reaches is never under it (WCAG 2.4.11)."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        family(page, base_url)
        page.goto(base_url + "/")
        notes = page.locator("details.omo-i")
        assert notes.count() >= 2
        notes.nth(0).locator("summary").click()
        expect(notes.nth(0).locator(".omo-i-pop")).to_be_visible()
        for k in range(1, notes.count()):
            summary = notes.nth(k).locator("summary")
            summary.scroll_into_view_if_needed()
            box = summary.bounding_box()
            assert box is not None
            on_top = page.evaluate(
                "([x, y, k]) => { const e = document.elementFromPoint(x, y);"
                " return !!e && e.closest('details.omo-i') ==="
                " document.querySelectorAll('details.omo-i')[k]; }",
                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, k],
            )
            assert on_top, f'the open popover covers "i" number {k + 1}'
    finally:
        context.close()
