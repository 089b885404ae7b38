"""URLs as Chromium reads them (issue 11, items 8 and 9): what our checks let through is safe in a
real browser, and the dismiss redirect cannot leave the site."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from omotenashi.respect.preferences import safe_next
from omotenashi.rules.urls import url_problem

pytestmark = pytest.mark.security
TRICKY = [
    "javascript:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    " \x01javascript:alert(1)",
    "\x00javascript:alert(1)",
    "java\x01script:alert(1)",
    "JAVASCRIPT:alert(1)",
    "\u00a0javascript:alert(1)",
    "vbscript:x",
    "data:text/html,x",
    "/\t/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "//evil.example",
    "/ /evil.example",
    "https:evil.example",
    "http://shop.test/ok",
    "/tours/kyoto?x=1#top",
    "tours/kyoto",
    "mailto:a@b.c",
    "#top",
]
BASE = "https://shop.test/tours/"
PARSE = "([value, base]) => { const u = new URL(value, base); return [u.protocol, u.host]; }"


@pytest.mark.parametrize("value", TRICKY)
def test_what_we_accept_chromium_reads_as_a_safe_url(page: Page, value: str) -> None:
    protocol, host = page.evaluate(PARSE, [value, BASE])
    if url_problem(value) is None:  # a rule may put it in href/src: never script or data
        assert protocol in ("http:", "https:", "mailto:", "tel:"), (value, protocol)
    if safe_next(value) == value:  # followed after a dismiss: this site only
        assert (protocol, host) == ("https:", "shop.test"), (value, protocol, host)


def test_a_dismiss_with_a_tab_in_next_keeps_the_browser_on_the_site(
    page: Page, base_url: str
) -> None:
    page.goto(base_url + "/_omotenashi/preferences")
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token
    with page.expect_navigation():
        page.evaluate(
            """([action, token]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                const next = "/\\t/evil.example";  // a tab: browsers drop it, "//evil.example"
                const fields = {csrf: token, action: "dismiss", rule: "x", next: next};
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = value;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [base_url + "/_omotenashi/preferences", token],
        )
    assert page.url.rstrip("/") == base_url.rstrip("/")
