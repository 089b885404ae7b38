"""Real Chromium reads the page panel with a Hebrew title and a Hebrew topic name as the
English sentence is written (bidi58): each name sits in its own ``<bdi>``, the quotes around
it stay either side of it, and the count after a topic stays after it (without the ``<bdi>``,
Chromium draws that "2" to the left of the name: checked below on the same page)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser
from tests.test_bidi58 import HAWAII, HEBREW, home, retitled

from omotenashi.loader.loadall import load_all

# Where a text node's characters are drawn: the box of the ``n``th of the node holding ``text``
BOX = """([sel, text, n]) => {
  const li = [...document.querySelectorAll(sel)].find((e) => e.textContent.includes(text));
  const walk = document.createTreeWalker(li, NodeFilter.SHOW_TEXT);
  const boxes = [];
  for (let t = walk.nextNode(); t; t = walk.nextNode()) {
    for (let i = 0; i < t.length; i++) {
      const r = document.createRange();
      r.setStart(t, i);
      r.setEnd(t, i + 1);
      const b = r.getBoundingClientRect();
      boxes.push([t.data[i], b.left, b.right, t.parentElement.tagName]);
    }
  }
  const bdi = li.querySelector("bdi");
  const b = bdi && bdi.getBoundingClientRect();
  return {boxes, bdi: bdi && [bdi.textContent, b.left, b.right], text: li.innerText};
}"""


def _at(boxes: list[list[Any]], char: str, nth: int = 0) -> list[Any]:
    return [b for b in boxes if b[0] == char][nth]


def test_chromium_keeps_the_english_sentence_in_order_around_hebrew_names(
    browser: Browser, tmp_path: Path
) -> None:
    loaded = load_all(retitled(tmp_path).rules)
    page_html, _ = home(loaded)
    # the same sentence as the old code wrote it, for comparison: no <bdi>
    topic = f"You have looked at pages about {HAWAII} 2 or more times."
    old = f'<ul id="old" lang="en"><li>{html.escape(topic)}</li></ul>'
    page = browser.new_page()
    page.set_content(page_html.replace("</body>", old + "</body>"))
    page.click("#omo-why summary")

    quoted = page.evaluate(BOX, ["#omo-why li li", f"You looked at “{HEBREW}”"])
    assert quoted["bdi"][0] == HEBREW  # the element exists and holds exactly the title
    assert quoted["text"] == f"You looked at “{HEBREW}”."
    _, left, right = quoted["bdi"]
    assert _at(quoted["boxes"], "“")[2] <= left + 0.5  # the opening quote before it
    assert _at(quoted["boxes"], "”")[1] >= right - 0.5  # the closing one after it
    assert _at(quoted["boxes"], "”")[1] < _at(quoted["boxes"], ".")[1]

    counted = page.evaluate(BOX, ["#omo-why li li", f"about {HAWAII} 2"])
    assert counted["bdi"][0] == HAWAII and counted["text"] == topic
    two = _at(counted["boxes"], "2")
    assert two[1] >= counted["bdi"][2] - 0.5  # "2 or more times" after the name, as written
    assert _at(counted["boxes"], "t")[1] < counted["bdi"][1]  # "about" before it

    # without the isolation, Chromium draws the "2" before (left of) the Hebrew name
    bare = page.evaluate(BOX, ["#old li", topic])
    assert bare["bdi"] is None
    hebrew = [b for b in bare["boxes"] if b[0] in HAWAII]
    assert _at(bare["boxes"], "2")[2] <= min(float(b[1]) for b in hebrew) + 0.5
    page.close()


def test_our_english_words_run_left_to_right_on_a_right_to_left_site(
    browser: Browser, tmp_path: Path
) -> None:
    """On a site written right to left (``<html dir="rtl">``: Hebrew, Arabic), our notes and
    panel are English: they say ``dir="ltr"``, so each sentence starts at the left and its full
    stop ends it at the right (they inherited the page's direction before)."""
    loaded = load_all(retitled(tmp_path).rules)
    page_html, _ = home(loaded)
    page = browser.new_page()
    page.set_content(page_html.replace("<html", '<html dir="rtl"', 1))
    page.click("#omo-why summary")
    said = page.evaluate(
        """() => [...document.querySelectorAll('#omo-why [lang="en"]')].map(
            (e) => getComputedStyle(e).direction)"""
    )
    assert said and set(said) == {"ltr"}, said
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"  # (the site's)
    page.close()
