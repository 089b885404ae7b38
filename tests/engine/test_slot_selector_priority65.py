"""A slot rule and a selector rule aimed at one element: the higher priority wins it, as it
wins a slot (editor65: the slot rule always won, a selector rule at 102 lost to one at 20);
a tie keeps the slot rule's. Through the real middleware and a real Redis."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from selectolax.lexbor import LexborHTMLParser
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings

from ..conftest import client_for

PAGE = (
    "<!doctype html><html><body><main>"
    '<div id="notice" class="notice-slot" data-omo-slot="notice">Default</div>'
    "</main></body></html>"
)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("slot", "selector", "wins"),
    [(20, 102, "by-selector"), (102, 20, "by-slot"), (50, 50, "by-slot"), (10, 30, "by-selector")],
)
async def test_the_higher_priority_wins_the_element(
    make_settings: Callable[..., Settings], slot: int, selector: int, wins: str
) -> None:
    rules = f"""
rules:
  - {{id: by-slot, slot: notice, text: "From the slot rule", why: "Everyone.", priority: {slot}}}
  - {{id: by-selector, selector: "#notice", text: "From the selector rule", why: "Everyone.",
      priority: {selector}}}
"""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Omotenashi(Starlette(routes=[Route("/", page)]), settings=make_settings(rules))
    async with client_for(app) as client:
        got = await client.get("/", headers={"accept": "text/html"})
    element = LexborHTMLParser(got.text).css_first("#notice")
    assert element is not None and element.attributes["data-omo-rule"] == wins
    said = {"by-slot": "From the slot rule", "by-selector": "From the selector rule"}[wins]
    assert element.text(deep=False).startswith(said)
    assert got.headers.get("x-omotenashi-rules", wins) == wins


@pytest.mark.anyio
async def test_a_rule_that_loses_one_of_its_elements_keeps_its_i_on_another(
    make_settings: Callable[..., Settings],
) -> None:
    """review65: the selector rule took the first of the slot's two elements after the notes
    were placed, and the slot rule, shown on the second, went without its "i"."""
    rules = """
rules:
  - {id: by-slot, slot: notice, text: "From the slot rule", why: "Everyone.", priority: 20}
  - {id: by-selector, selector: "#notice", text: "From the selector rule", why: "Everyone.",
     priority: 102}
"""
    two = PAGE.replace("</main>", '<div id="notice2" data-omo-slot="notice">Default 2</div></main>')

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(two)

    settings = make_settings(rules, respect={"disclosure": True, "fresh_share": 0.0})
    app = Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)
    async with client_for(app) as client:
        got = await client.get("/", headers={"accept": "text/html"})
    tree = LexborHTMLParser(got.text)
    first, second = tree.css_first("#notice"), tree.css_first("#notice2")
    assert first is not None and second is not None
    assert first.attributes["data-omo-rule"] == "by-selector"
    assert second.attributes["data-omo-rule"] == "by-slot"
    assert first.css_first("details.omo-i") is not None  # each block its own "i"
    assert second.css_first("details.omo-i") is not None


@pytest.mark.anyio
@pytest.mark.parametrize(
    "winner",
    [
        '{id: by-selector, selector: "#notice", snippet: bad.html, why: "Everyone.", priority: 50}',
        '{id: by-selector, selector: "#notice", snippet: picks.html, why: "Your views.", '
        "priority: 50, category: recommendations, "
        "recommend: {items: 2, strategies: {recently_viewed: 1}}}",
    ],
    ids=["snippet-fails", "no-picks"],
)
async def test_a_winner_that_puts_nothing_there_leaves_the_element_to_the_next(
    make_settings: Callable[..., Settings], winner: str
) -> None:
    """last65: a higher rule whose snippet failed, or whose recommendations picked nothing (a
    new visitor's "recently viewed"), kept the element from the slot rule: the default showed."""
    rules = f"""
rules:
  - {{id: by-slot, slot: notice, text: "From the slot rule", why: "Everyone.", priority: 10}}
  - {winner}
"""
    snippets = {
        "bad.html": "<b>{% if visitor.visits == 1 %}{{ 1 / 0 }}{% endif %}x</b>",
        "picks.html": "{% for i in items %}{{ i.title }}{% endfor %}",
    }
    settings = make_settings(rules, snippets=snippets)
    (settings.rules.dir / "catalog.yaml").write_text(
        "items:\n  - {id: kyoto-autumn, url: /tours/kyoto-autumn, title: Kyoto in autumn, "
        "available: false}\n"
    )

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    app = Omotenashi(Starlette(routes=[Route("/", page)]), settings=settings)
    async with client_for(app) as client:
        got = await client.get("/", headers={"accept": "text/html"})
    element = LexborHTMLParser(got.text).css_first("#notice")
    assert element is not None and element.attributes["data-omo-rule"] == "by-slot"
    assert element.text(deep=False).startswith("From the slot rule")


def test_an_element_one_rule_aims_at_is_never_placed_again() -> None:
    """eye65: an empty selector block alone on its element made every such page be placed
    twice (owners_of listed every element once a selector rule was decided)."""
    from types import SimpleNamespace
    from typing import Any, cast

    from omotenashi.engine.owning import owners_of
    from omotenashi.engine.ruleset import SELECTED

    def decision(rule: str, target: str, priority: int) -> Any:
        return SimpleNamespace(
            id=rule, target=target, rule=SimpleNamespace(rule=SimpleNamespace(priority=priority))
        )

    here, there = SimpleNamespace(start=10), SimpleNamespace(start=50)
    by_name = cast(
        Any, {SELECTED + "#a": [here], "notice": [here, there], SELECTED + "#b": [there]}
    )
    alone = [decision("recent", SELECTED + "#a", 50)]
    assert owners_of(alone, by_name) == {}
    both = [decision("slot", "notice", 10), decision("recent", SELECTED + "#a", 50)]
    assert owners_of(both, by_name) == {10: "recent"}


@pytest.mark.anyio
async def test_rules_stacked_on_one_element_that_put_nothing_are_left_in_one_pass(
    make_settings: Callable[..., Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dos66: each pass left out one failed owner and recursed, so N stacked rules that put
    nothing cost N placements of the whole page (800: 2.7 s) and 1,200 overflowed the stack."""
    from omotenashi.engine import personalise

    stacked = 300
    rules = ["rules:"] + [
        f"  - {{id: r{i}, selector: '.c{i}', snippet: picks.html, priority: {1000 - i}, "
        f"why: Because., recommend: {{items: 2, strategies: {{popular: 1}}, exclude: [current]}}}}"
        for i in range(stacked)
    ]
    rules.append("  - {id: last, selector: '.zz', text: fallback, priority: 0, why: Because.}")
    settings = make_settings(
        "\n".join(rules) + "\n",
        snippets={"picks.html": "<ul>{% for i in items %}<li>{{ i.title }}</li>{% endfor %}</ul>"},
        respect={"budget": 100000, "intent_budget": 100000},
    )
    (settings.rules.dir / "catalog.yaml").write_text(
        "items:\n  - {id: a1, url: /p/a1, title: A1, tags: [t1]}\n"
    )
    classes = " ".join(f"c{i}" for i in range(stacked))
    html = f'<!doctype html><html><body><div class="{classes} zz">default</div></body></html>'

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    passes = []  # (owners_of is asked once a pass)
    owners = personalise.owners_of
    monkeypatch.setattr(personalise, "owners_of", lambda *a: passes.append(1) or owners(*a))
    app = Omotenashi(Starlette(routes=[Route("/p/{item}", page)]), settings=settings)
    async with client_for(app) as client:
        got = await client.get("/p/a1", headers={"accept": "text/html"})
    assert got.headers["x-omotenashi-rules"] == "last" and ">fallback<" in got.text
    assert len(passes) <= 3
