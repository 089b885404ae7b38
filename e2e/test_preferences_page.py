"""The visitor's own pages in Chromium: a choice saved by keyboard lands on the notice that says
it (focused, so a screen reader reads it); a long value wraps at 320 pixels wide rather than
scrolling the page sideways; and a block's own switch never contradicts what the card says."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .test_respect import HERO, family_visitor

PREFS = "/_omotenashi/preferences"
# whether the focused element is the notice, and what it says
FOCUSED = "() => [document.activeElement.id, document.activeElement.textContent.trim()]"


@pytest.mark.parametrize(
    ("button", "said"),
    [
        ("Save my choices", "Your choices are saved."),
        ("Start afresh (keep my choices)", "Done: we start afresh."),
    ],
    ids=["save", "reset"],
)
def test_a_keyboard_choice_lands_on_its_notice_focused(
    page: Page, base_url: str, button: str, said: str
) -> None:
    page.goto(base_url + "/tours/kyoto-autumn")
    page.goto(base_url + PREFS)
    page.get_by_role("checkbox", name="Journey").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name=button).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(
        re.compile(re.escape(base_url + PREFS) + r"\?\w+=1&n=[^#]+#omo-notice")
    )
    notice = page.get_by_role("status")
    expect(notice).to_be_focused()
    identity, text = page.evaluate(FOCUSED)
    assert identity == "omo-notice" and text.startswith(said)


def test_a_page_with_no_notice_keeps_focus_at_the_top(page: Page, base_url: str) -> None:
    """A reload of the link without its mark says nothing was done: nothing is focused."""
    page.goto(base_url + "/tours/kyoto-autumn")
    page.goto(base_url + PREFS + "?saved=1#omo-notice")
    expect(page.get_by_role("status")).to_have_count(0)
    assert page.evaluate("document.activeElement === document.body")


@pytest.mark.parametrize("path", [PREFS, PREFS + "/data"], ids=["preferences", "data"])
def test_a_long_value_wraps_at_320_pixels(page: Page, base_url: str, path: str) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    campaign = "black_friday_2026_newsletter_b" * 2  # one long word
    page.goto(f"{base_url}/?utm_source=newsletter&utm_campaign={campaign}")
    page.goto(base_url + "/tours/kyoto-autumn")
    page.goto(base_url + path)
    expect(page.locator("main")).to_contain_text(campaign)
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# Each switch (a block's, a kind's) and its card's words: ticked never beside "Off: ..."
CARDS = """() => [...document.querySelectorAll('#omo-switches li.card')].map(card => {
  const box = card.querySelector('input[type=checkbox]');
  const off = card.querySelector('.off');
  const told = (box.getAttribute('aria-describedby') || '').split(' ');
  return {ticked: box.checked, off: off ? off.textContent.trim() : '',
          told: !off || told.includes(off.id)};
})"""


@pytest.mark.parametrize(
    ("switch", "turned_on"),
    [("Browsing history", False), ("Personalise nothing for me", True)],
    ids=["history-off", "nothing"],
)
def test_a_ticked_switch_held_back_by_another_says_so_and_keeps_its_choice(
    page: Page, base_url: str, switch: str, turned_on: bool
) -> None:
    family_visitor(page, base_url)
    page.goto(base_url + PREFS)
    page.get_by_label(switch, exact=True).set_checked(turned_on)
    page.get_by_role("button", name="Save my choices").click()
    # (the saved page loaded: read before it, the cards were none, CI at 50284dc)
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
    cards = page.evaluate(CARDS)
    held = [c for c in cards if c["ticked"] and c["off"]]
    assert held, cards
    assert all(c["told"] for c in cards), cards  # read out with the switch
    assert not [c for c in held if c["off"].startswith("Off")], held
    assert all(
        re.search(r"Left ticked, (it|they|these) (may show|come back)", c["off"]) for c in held
    )
    page.get_by_role("button", name="Save my choices").click()  # saved again as it is
    expect(page.get_by_role("status")).to_contain_text("Your choices are saved")
    assert page.evaluate(CARDS) == cards  # each switch stays as it was
    page.get_by_label(switch, exact=True).set_checked(not turned_on)
    page.get_by_role("button", name="Save my choices").click()
    page.goto(base_url + "/")
    expect(page.locator(HERO + " h1")).to_have_text("Aloha, families!")  # back, as it said
