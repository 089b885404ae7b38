"""qa50: Back never brings back a personalised page kept from before. With the browser's
back/forward cache on (as for visitors: Playwright turns it off), "Don't show me this" on
"You may also like", then Back twice, restored the tour page from that cache with the block
still shown: ``no-cache`` keeps pages out of the HTTP cache's reuse, not out of that one.
Rewritten pages say ``no-store``, so Back asks the site again."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserType, expect


def test_back_after_dont_show_me_this_asks_the_site_again(
    browser_type: BrowserType, browser_type_launch_args: dict[str, Any], base_url: str
) -> None:
    browser = browser_type.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    try:
        page = browser.new_page()
        page.add_init_script(
            "window.addEventListener('pageshow', e => { window.__restored = e.persisted; });"
        )
        page.goto(base_url + "/tours/kyoto-autumn")
        page.goto(base_url + "/tours/tokyo-lights")
        expect(page.locator("#also-like li").first).to_be_visible()
        page.get_by_role("link", name="Tabi Travel", exact=True).click()
        page.wait_for_load_state()
        page.locator("#omo-i-also-like summary").click()
        with page.expect_navigation():
            page.locator("#omo-i-also-like button").click()
        expect(page.locator("#omo-done")).to_contain_text("Done: you won't see")
        page.go_back()  # the page the form was sent from
        page.go_back()  # the tour page, where the block was shown
        expect(page).to_have_url(base_url + "/tours/tokyo-lights")
        assert page.evaluate("() => window.__restored") is False  # asked again, not restored
        expect(page.locator("#also-like li")).to_have_count(0)
    finally:
        browser.close()
