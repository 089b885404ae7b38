"""A block a visitor cannot see spends nothing of what a page allows: one inside an element a
``hide`` rule hides, inside content another block replaces, or whose content cannot go where
its target is leaves the page's budget, its intents and the uses of the visitor's name to the
blocks that are seen (engine/seen.py); a page where every block decided is seen is decided as
before. The response's rule list and the why panel name the blocks seen, and only them."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.engine import EngineConfig, RequestInfo, Visit, personalise_page
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

from ..conftest import client_for, page_app
from .test_hidden_blocks import HIDE, RULES, _wrapped
from .test_on_page import CATALOG, PAGE, SNIPPETS

pytestmark = pytest.mark.anyio
FILL = "  - {id: fill-it, slot: wrap, text: Closed this week, why: Not this week.}\n"
UNHIDDEN = RULES.replace(HIDE, "")
WRAP = _wrapped("also-like")  # (the page's first list inside <div data-omo-slot="wrap">)


@pytest.mark.parametrize(
    ("page", "rules", "budget", "header"),
    [  # the slots in page order: wrap (also-like inside it), feature, more
        (WRAP, RULES, 1, "hide-it"),
        (WRAP, RULES, 2, "hide-it,feature"),  # the hidden list spent the second: hide-it alone
        (WRAP, RULES, 3, "hide-it,feature,more"),
        (WRAP, RULES, 4, "hide-it,feature,more"),
        (WRAP, UNHIDDEN + FILL, 1, "fill-it"),
        (WRAP, UNHIDDEN + FILL, 2, "fill-it,feature"),  # the list inside replaced content
        (WRAP, UNHIDDEN + FILL, 3, "fill-it,feature,more"),
        (_wrapped("feature"), RULES, 2, "recs,hide-it"),  # the hidden block past the budget
        (_wrapped("feature"), RULES, 3, "recs,hide-it,more"),
    ],
)
async def test_a_block_not_seen_spends_none_of_the_budget(
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
    page: str,
    rules: str,
    budget: int,
    header: str,
) -> None:
    got = await _page(make_settings, page, rules, budget=budget, page_panel=True)
    assert got.headers["x-omotenashi-rules"] == header
    listed = re.findall(r'<li id="omo-why-([^"]+)"', got.text)  # the why panel: the same blocks
    assert sorted(listed) == sorted(header.split(",")), got.text


@pytest.mark.parametrize(
    ("page", "rules", "budget", "header"),
    [  # nothing decided is hidden or replaced: decided once, as before
        (PAGE, UNHIDDEN, 1, "recs"),
        (PAGE, UNHIDDEN, 2, "recs,feature"),
        (PAGE, UNHIDDEN, 3, "recs,feature,more"),
        (WRAP, UNHIDDEN, 2, "recs,feature"),  # a slot around the list, no rule for it
        (WRAP, RULES.replace("slot: also-like", "slot: nowhere"), 2, "hide-it,feature"),
        (_wrapped("more"), RULES, 3, "recs,feature,hide-it"),  # the hidden one: past the budget
    ],
)
async def test_a_page_whose_blocks_are_all_seen_is_decided_as_before(
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
    page: str,
    rules: str,
    budget: int,
    header: str,
) -> None:
    got = await _page(make_settings, page, rules, budget=budget)
    assert got.headers["x-omotenashi-rules"] == header


async def _page(make: Callable[..., Settings], page: str, rules: str, **respect: object) -> Any:
    """The page through the middleware, its rules, the catalogue and these respect settings."""
    snippets = {**SNIPPETS, "feature.html": "<p>Our pick</p>"}
    settings = make(rules, snippets, respect=respect)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    async with client_for(Omotenashi(page_app(page), settings=settings)) as client:
        return await client.get("/")


SLOTS = (
    '<!doctype html><html><body><div data-omo-slot="wrap"><p data-omo-slot="in">-</p></div>'
    '<p data-omo-slot="para">-</p><p data-omo-slot="out">-</p></body></html>'
)
HIDING = "  - {id: hide-it, slot: wrap, hide: true, why: Not now.}\n"
INTENTS = """
  - {id: inside, slot: in, text: IN, intent: sale, priority: 50, why: On sale.}
  - {id: outside, slot: out, text: OUT, intent: sale, priority: 10, why: On sale.}
  - {id: plain, slot: out, text: PLAIN, priority: 1, why: Everyone.}
"""
NAMES = """
  - {id: hi, slot: in, text: "Hi {{ visitor.name }}", priority: 50, why: Your name.}
  - {id: hey, slot: out, text: "Hey {{ visitor.name }}", priority: 10, why: Your name.}
"""
BROKEN = """
  - {id: block, slot: para, snippet: block.html, priority: 50, why: A block.}
  - {id: line, slot: para, text: A line, priority: 1, why: A line.}
  - {id: later, slot: out, text: Later, why: Later.}
"""


FILLING = "  - {id: fill-it, slot: wrap, text: Closed, why: Closed this week.}\n"
HIDDEN = "rule '{}': its target is inside an element rule 'hide-it' hides"
BROKE = "rule 'block': its target is a <p>, and its content has <div> inside <p>"


@pytest.mark.parametrize(
    ("rules", "respect", "shown", "kept", "said"),
    [
        (HIDING + INTENTS, {}, {"hide-it", "outside"}, {"in": "-"}, [HIDDEN.format("inside")]),
        (INTENTS, {}, {"inside", "plain"}, {}, []),  # nothing hidden: one block per intent
        (HIDING + NAMES, {"name_per_page": 1}, {"hide-it", "hey"}, {}, [HIDDEN.format("hi")]),
        (NAMES, {"name_per_page": 1}, {"hi"}, {"out": "-"}, []),
        (
            FILLING + NAMES,
            {"name_per_page": 1},
            {"fill-it", "hey"},
            {},
            ["rule 'hi': its target is inside content rule 'fill-it' replaces"],
        ),
        (BROKEN, {"budget": 1}, {"later"}, {"para": "-"}, [BROKE]),  # a <div> in a <p>
        (BROKEN, {"budget": 4}, {"later"}, {"para": "-"}, [BROKE]),  # the slot keeps its default
        (HIDING + BROKEN, {"budget": 2}, {"hide-it", "later"}, {"para": "-", "in": "-"}, [BROKE]),
    ],
    ids=[
        "intent-hidden",
        "intent",
        "name-hidden",
        "name",
        "name-replaced",
        "broken-budget-1",
        "broken-budget-4",
        "broken-and-hidden",
    ],
)
def test_an_intent_the_name_and_the_budget_go_to_blocks_seen(
    tmp_path: Path,
    rules: str,
    respect: dict[str, int],
    shown: set[str],
    kept: dict[str, str],
    said: list[str],
) -> None:
    """Through the engine (the visitor's name is a profile's): what each block not seen is
    said to be left out for, once (the debug log, ``omotenashi preview``)."""
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "block.html").write_text("<div>A block</div>")
    (tmp_path / "site.yaml").write_text("rules:\n" + rules)
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id="v",
        profile=Profile(visits=1, views=1, attrs={"first_name": "Aiko"}),
        now=1.7e9,
        request=RequestInfo.from_parts("/", "", {}),
    )
    config = EngineConfig(respect=RespectSettings.model_validate({"fresh_share": 0, **respect}))
    result = personalise_page(SLOTS, visit, ruleset, Journey(), config)
    assert {d.id for d in result.shown} == shown
    for slot, text in kept.items():  # left as they were
        assert f'data-omo-slot="{slot}">{text}</' in result.html, result.html
    told = [s for s in result.skipped if s.startswith("rule ")]
    assert len(told) == len(said), told
    assert all(s.startswith(prefix) for s, prefix in zip(told, said, strict=True)), told


@pytest.mark.parametrize(
    ("budget", "said"),
    [
        (
            2,
            {
                "hide-it": "fired",
                "feature": "fired",
                "recs": "not fired: its target is inside an element rule 'hide-it' hides",
                "more": "not fired: the page already shows 2 blocks (OMOTENASHI_RESPECT_BUDGET)",
            },
        ),
        (
            4,
            {
                "hide-it": "fired",
                "feature": "fired",
                "recs": "not fired: its target is inside an element rule 'hide-it' hides",
                "more": "fired",
            },
        ),
    ],
)
def test_preview_says_why_a_block_is_not_seen(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    budget: int,
    said: dict[str, str],
) -> None:
    """``omotenashi preview`` says a list inside a hidden element is not there for that, not
    that it had nothing to recommend, and that the budget held back a list it did hold back."""
    monkeypatch.setenv("OMOTENASHI_RESPECT_BUDGET", str(budget))
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    (tmp_path / "rules" / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    for name, text in {**SNIPPETS, "feature.html": "<p>Our pick</p>"}.items():
        (tmp_path / "snippets" / name).write_text(text)
    (tmp_path / "page.html").write_text(WRAP)
    where = ["--rules", str(tmp_path / "rules"), "--snippets", str(tmp_path / "snippets")]
    out = str(tmp_path / "out.html")
    assert main(["preview", str(tmp_path / "page.html"), *where, "--out", out]) == 0
    lines = capsys.readouterr().out.splitlines()
    for rule, what in said.items():
        (words,) = [t.split() for t in lines if f" {rule} " in t]
        fired, _, why = what.partition(": ")
        assert " ".join(words[: len(fired.split())]) == fired, lines
        assert " ".join(words).endswith(why), lines


@pytest.mark.parametrize("inside", [1, 3, 5])
def test_every_block_inside_a_hidden_element_is_left_out_in_one_more_decision(
    tmp_path: Path, inside: int
) -> None:
    """However many blocks were decided inside the element a hide rule hides, the block
    outside it gets the place the budget has left (before: one round per block inside, two
    rounds at most, and the block outside never came)."""
    slots = "".join(f'<p data-omo-slot="in{i}">-</p>' for i in range(inside))
    page = (
        f'<!doctype html><html><body><div data-omo-slot="wrap">{slots}</div>'
        '<p data-omo-slot="out">-</p></body></html>'
    )
    rules = ["  - {id: hide-it, slot: wrap, hide: true, priority: 100, why: Not now.}"]
    rules += [
        f"  - {{id: in{i}, slot: in{i}, text: IN, priority: {90 - i}, why: Inside.}}"
        for i in range(inside)
    ]
    rules += ["  - {id: out, slot: out, text: OUT, priority: 5, why: Outside.}"]
    (tmp_path / "snippets").mkdir()
    (tmp_path / "site.yaml").write_text("rules:\n" + "\n".join(rules) + "\n")
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id="v", profile=Profile(visits=1, views=1), now=1.7e9,
        request=RequestInfo.from_parts("/", "", {}),
    )  # fmt: skip
    config = EngineConfig(respect=RespectSettings.model_validate({"fresh_share": 0, "budget": 2}))
    result = personalise_page(page, visit, ruleset, Journey(), config)
    assert [d.id for d in result.shown] == ["hide-it", "out"]
    assert 'data-omo-slot="out" data-omo-rule="out">OUT' in result.html.replace("'", '"')


EVERY_ITEM = "".join(
    f'<a data-omo-item="{i}">{i}</a>'
    for i in ("kyoto-autumn", "tokyo-lights", "bali-retreat", "paris-art", "lapland")
)
EMPTY_LIST = """rules:
  - {id: recs, slot: also-like, snippet: recs.html, recommend: {items: 4}, priority: 50,
     why: Tours we suggest.}
  - {id: every, slot: feature, snippet: every.html, priority: 40, why: Every tour.}
  - {id: more, slot: more, text: Still more, priority: 10, why: More.}
"""


@pytest.mark.parametrize(
    ("budget", "recs"),
    [(2, "nothing to recommend here"), (4, "nothing to recommend here")],
)
def test_preview_says_a_list_with_nothing_left_had_nothing_whatever_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
    budget: int, recs: str,
) -> None:  # fmt: skip
    """A list whose every item another block shows makes nothing, and the page is decided
    again without it: preview says it had nothing to recommend, not that the budget held it
    back (it did not: with room for every block it still makes nothing)."""
    monkeypatch.setenv("OMOTENASHI_RESPECT_BUDGET", str(budget))
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(EMPTY_LIST)
    (tmp_path / "rules" / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    for name, text in {**SNIPPETS, "every.html": EVERY_ITEM}.items():
        (tmp_path / "snippets" / name).write_text(text)
    (tmp_path / "page.html").write_text(PAGE)
    where = ["--rules", str(tmp_path / "rules"), "--snippets", str(tmp_path / "snippets")]
    out = str(tmp_path / "out.html")
    assert main(["preview", str(tmp_path / "page.html"), *where, "--out", out]) == 0
    lines = capsys.readouterr().out.splitlines()
    (said,) = [line for line in lines if " recs " in line]
    assert said.split("->", 1)[1].split(": ", 1)[1].startswith(recs), lines
    assert any(" more " in line and "fired " in line for line in lines), lines
