"""A slot's name and a selector's text are apart (html64 P1): rule "promo" (``slot: footer``)
filled the page's own ``<footer>``, which another page's ``selector: footer`` rule matched,
and left its slot as it was; a ``slot: title`` rule became the tab's title. Through the real
middleware, a real Redis, the page read by lexbor."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from ..conftest import client_for

PAGE = (
    "<!doctype html><html><head><title>Shop</title></head><body>"
    '<div data-omo-slot="footer">Default promo</div><div data-omo-slot="title">T</div>'
    "<main>Hello</main><footer>© Shop <a href=/privacy>Privacy</a></footer></body></html>"
)


def site(make_settings: Callable[..., Settings], on: str) -> Omotenashi:
    rules = f"""
rules:
  - {{id: promo, slot: footer, text: "Free shipping", why: "Everyone."}}
  - {{id: named, slot: title, text: "Named", why: "Everyone."}}
  - {{id: their-footer, selector: footer, text: "Theirs", why: "Everyone.",
      when: {{path: "{on}"}}}}
  - {{id: their-title, selector: title, text: "Tab", why: "Everyone.", when: {{path: "{on}"}}}}
"""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/home", page), Route("/other", page)])
    return Omotenashi(app, settings=make_settings(rules))


@pytest.mark.anyio
@pytest.mark.parametrize("on", ["/other", "/home"])
async def test_a_slot_rule_fills_its_slot_never_an_element_a_selector_names(
    make_settings: Callable[..., Settings], on: str
) -> None:
    async with client_for(site(make_settings, on)) as client:
        page = await client.get("/home", headers={"accept": "text/html"})
    tree = LexborHTMLParser(page.text)
    slot = tree.css_first('[data-omo-slot="footer"]')
    footer = tree.css_first("footer")
    assert slot is not None and footer is not None and tree.css_first("title") is not None
    assert slot.text() == "Free shipping" and slot.attributes["data-omo-rule"] == "promo"
    named = tree.css_first('[data-omo-slot="title"]')
    assert named is not None and named.text() == "Named"
    shown = set(page.headers["x-omotenashi-rules"].split(","))
    if on == "/home":  # the selector rules hold here: theirs too, each in its own element
        assert footer.text() == "Theirs" and tree.css_first("title").text() == "Tab"
        assert shown == {"promo", "named", "their-footer", "their-title"}
    else:  # the page's own footer and title, as the app made them
        assert footer.text() == "© Shop Privacy" and tree.css_first("title").text() == "Shop"
        assert shown == {"promo", "named"}


def test_a_slot_and_a_selector_of_one_name_are_two_places_of_an_entry(tmp_path: Path) -> None:
    # (review64: "slot: footer" and "selector: footer" giving one reason were one place, and
    # the "Don't show me this" of either named "the “footer” block", switching off both)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n"
        '  - {id: a, slot: footer, text: A, why: "You like tea."}\n'
        '  - {id: b, selector: footer, text: B, why: "You like tea."}\n'
    )
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    assert [r.entry_places for r in ruleset.rules] == [True, True]
