"""rules61: the visitor's whole mapping, or a list of theirs, printed as Python writes it
(``{'stage': 'awareness', 'segments': [], ...}``) reached a page two ways the sandbox's print
check did not see: plain copy (``text:``, which skips Jinja) and a filter that makes text of a
value first (``|string``, ``|pprint``, ``|join``, ``|format``, ``~``); ``omotenashi check``
said nothing. Each is now refused where a snippet printing it is: when the rules load."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omotenashi import Omotenashi, RuleSetError, Settings
from omotenashi.loader.loadall import load_all

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PAGE = '<!doctype html><html><body><div data-omo-slot="hero">Default</div></body></html>'
DUMPS = [
    ("text", "Hello {{ visitor }}"),
    ("text", "Hello {{ visitor.segments }}"),
    ("text", "Hello {{ visitor.viewed_in }}"),
    ("snippet", "<p>{{ visitor|string }}</p>"),
    ("snippet", "<p>{{ visitor.segments|string }}</p>"),
    ("snippet", "<p>{{ visitor|pprint }}</p>"),
    ("snippet", "<p>{{ [visitor]|join(', ') }}</p>"),
    ("snippet", "<p>{{ '%s'|format(visitor) }}</p>"),
    ("snippet", "<p>{{ '' ~ visitor }}</p>"),
    ("snippet", "<p>{{ 'x' ~ visitor.segments }}</p>"),
    # (last61: every filter that makes text, and Python's own formatting)
    ("snippet", "<p>{{ visitor|e }}</p>"),
    ("snippet", "<p>{{ visitor|upper }}</p>"),
    ("snippet", "<p>{{ visitor|center(9) }}</p>"),
    ("snippet", "<p>{{ visitor.cart|replace('a', 'b') }}</p>"),
    ("snippet", "<p>{{ visitor.viewed_in|striptags }}</p>"),
    ("snippet", "<p>{{ '%s' % visitor }}</p>"),
    ("snippet", "<p>{{ '{}'.format(visitor.interests) }}</p>"),
    ("snippet", "<p>{{ '{0}'.format(visitor.titles) }}</p>"),
    ("snippet", "<p>{{ '%r' % visitor }}</p>"),  # (last61c: repr)
    ("snippet", "<p>{{ '%s' % (visitor.cart|list,) }}</p>"),  # (eye61: a copy of a list)
    ("snippet", "<p>{{ '%s' % [visitor.segments|list] }}</p>"),
    ("snippet", "<p>{{ '{}'.format(visitor.interests[:]) }}</p>"),
    ("snippet", "<p>{{ visitor.segments|list|e }}</p>"),  # (final61: copies, then text)
    ("snippet", "<p>{{ visitor.cart|sort|upper }}</p>"),
    ("snippet", "<p>{{ visitor.cart|reverse|e }}</p>"),
    ("snippet", "<p>{{ '{!r}'.format(visitor.cart) }}</p>"),
]
WORDS = [
    ("text", "Hello {{ visitor.stage }}", "Hello awareness"),
    ("snippet", "<p>{{ visitor.segments|join(', ') }}.</p>", "<p>.</p>"),
    ("snippet", "<p>{{ 3|string }} {{ '%s!'|format(visitor.stage) }}</p>", "<p>3 awareness!</p>"),
    ("snippet", "<p>{{ 'a' ~ visitor.device }}</p>", "<p>adesktop</p>"),
    ("snippet", "<p>{{ {'a': 1}|join }}</p>", "<p>a</p>"),  # (a mapping's keys)
    (
        "snippet",
        "<p>{{ visitor.device|upper }} {{ '%s!' % visitor.stage }}</p>",
        "DESKTOP awareness!",
    ),
    (
        "snippet",
        "<p>{{ '{0[device]}'.format(visitor) }} {{ visitor.cart|tojson }}</p>",
        "desktop []",
    ),
    ("snippet", "<p>{{ '%(stage)s' % visitor }}</p>", "awareness"),  # (fields of a mapping)
    ("snippet", "<p>{{ '%s and %d' % (visitor.stage, visitor.visits) }}</p>", "awareness and 1"),
]


def rules(kind: str, text: str) -> tuple[str, dict[str, str]]:
    if kind == "text":
        return f'rules:\n  - {{id: hi, slot: hero, text: "{text}", why: "Hello."}}\n', {}
    return 'rules:\n  - {id: hi, slot: hero, snippet: hi.html, why: "Hello."}\n', {"hi.html": text}


@pytest.mark.parametrize(("kind", "text"), DUMPS)
async def test_a_dump_of_the_visitor_is_refused_when_the_rules_load(
    kind: str, text: str, make_settings: Make
) -> None:
    settings = make_settings(*rules(kind, text))
    with pytest.raises(RuleSetError, match="would be printed as Python writes it"):
        load_all(settings.rules)  # (omotenashi check says so too)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        page = await client.get("/")
    assert page.status_code == 200 and "Default" in page.text and "stage" not in page.text


@pytest.mark.parametrize(("kind", "text", "shown"), WORDS)
async def test_words_made_of_the_visitor_still_print(
    kind: str, text: str, shown: str, make_settings: Make
) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(*rules(kind, text)))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"user-agent": "Mozilla/5.0 (X11; Linux x86_64)"})
    assert shown in page.text, page.text


def test_a_recommendation_snippets_view_of_the_visitor_prints_as_no_text() -> None:
    # (last61b: a recommend rule's snippet is given the view in a watching mapping, which was
    # a plain dict: {{ visitor|upper }} printed the whole visitor there)
    from jinja2.exceptions import SecurityError

    from omotenashi.engine.render import _Watched

    watched = _Watched({"name": "Aiko", "cart": []})
    with pytest.raises(SecurityError, match="a mapping would be printed"):
        str(watched)
    assert watched["name"] == "Aiko" and watched.looked
