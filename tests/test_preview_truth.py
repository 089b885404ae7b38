"""`omotenashi preview` and force links show what the described visitor would really see: the
page's budget, one block per intent and caps still apply (unless rules are forced by name),
recommendations fire, the default visitor is on a first visit, and a held-back rule is said
to be held back for the reason that held it."""

from __future__ import annotations

import re
import shutil
import textwrap
from datetime import datetime
from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.engine import EngineConfig, Forced, RequestInfo, Visit, personalise_page
from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.loader.journey import load_journey
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .conftest import ROOT

PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default hero</div><p data-omo-slot="tagline">Default</p>'
    '<section data-omo-slot="also-like">No picks</section>'
    "</body></html>"
)
TWO_WELCOMES = """
rules:
  - {id: hello, slot: tagline, text: Hello, intent: welcome, priority: 50,
     when: {stage: awareness}, why: "new here"}
  - {id: big-hello, slot: hero, text: Big hello, intent: welcome, priority: 10,
     when: {stage: awareness}, why: "new here"}
"""


def site(tmp_path: Path, rules: str) -> Path:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    (tmp_path / "page.html").write_text(PAGE)
    return tmp_path


def preview(tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str]:
    out_file = tmp_path / "out.html"
    code = main(
        ["preview", str(tmp_path / "page.html"), "--rules", str(tmp_path / "rules")]
        + [*extra, "--out", str(out_file)]
    )
    assert code == 0
    return capsys.readouterr().out, out_file.read_text()


def line(out: str, rule: str) -> str:
    return next(text for text in out.splitlines() if f" {rule} " in text)


def test_preview_shows_one_block_per_intent_and_says_which_took_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, page = preview(site(tmp_path, TWO_WELCOMES), capsys)
    fired = [r for r in ("hello", "big-hello") if line(out, r).lstrip().startswith("fired")]
    assert len(fired) == 1, out
    other = "big-hello" if fired == ["hello"] else "hello"
    assert f"{fired[0]} already shows the intent 'welcome'" in line(out, other)
    assert page.count("data-omo-rule=") == 1


def test_preview_keeps_the_page_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OMOTENASHI_RESPECT_BUDGET", "1")
    rules = TWO_WELCOMES.replace("intent: welcome, ", "")
    out, page = preview(site(tmp_path, rules), capsys)
    said = [line(out, "hello"), line(out, "big-hello")]
    assert sum(text.lstrip().startswith("fired") for text in said) == 1, out
    assert any("the page already shows 1 block (OMOTENASHI_RESPECT_BUDGET)" in t for t in said)
    assert page.count("data-omo-rule=") == 1


@pytest.mark.parametrize(
    ("extra", "fires"),
    [
        ((), True),  # by default, a visitor on their first visit
        (("--visits", "1"), True),
        (("--visits", "0"), True),  # this page starts the first visit
        (("--visits", "3"), False),
    ],
)
def test_preview_visits_count_this_visit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], fires: bool
) -> None:
    rules = """
    rules:
      - {id: first, slot: tagline, text: First time?, when: {new: true}, why: "first visit"}
    """
    out, _ = preview(site(tmp_path, rules), capsys, *extra)
    assert line(out, "first").lstrip().startswith("fired" if fires else "not fired"), out


def test_preview_fires_recommendations_from_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site(tmp_path, "rules: []\n")
    (tmp_path / "rules" / "site.yaml").unlink()
    for name in ("catalog.yaml", "recommend.yaml", "journey.yaml"):  # the journey: page items
        shutil.copy(ROOT / "rules" / name, tmp_path / "rules" / name)
    shutil.copytree(ROOT / "rules" / "data", tmp_path / "rules" / "data")
    shutil.copytree(ROOT / "snippets" / "blocks", tmp_path / "snippets" / "blocks")
    out, page = preview(tmp_path, capsys, "--path", "/tours/kyoto-autumn")
    assert line(out, "you-may-also-like").lstrip().startswith("fired"), out
    assert "Kyoto in autumn" not in line(out, "you-may-also-like")  # the page's own tour
    assert 'data-omo-rule="you-may-also-like"' in page


def rules_page(tmp_path: Path, rules: str, forced: Forced | None) -> list[str]:
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "site.yaml").write_text(textwrap.dedent(rules))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id="qa",
        profile=Profile(visits=2, views=3, last_seen=1.7e9, visit_start=1.7e9),
        now=1.7e9 + 60,
        request=RequestInfo.from_parts("/", "", {}),
        forced=forced,
    )
    result = personalise_page(PAGE, visit, ruleset, Journey(), EngineConfig())
    return sorted(d.id for d in result.shown)


@pytest.mark.parametrize(
    ("forced", "shown"),
    [
        (None, ["hello"]),
        (Forced(stage="awareness"), ["hello"]),  # a stage alone: the page as that visitor's
        (Forced(rules=frozenset({"hello", "big-hello"})), ["big-hello", "hello"]),  # by name
    ],
)
def test_a_force_link_keeps_restraint_unless_it_names_rules(
    tmp_path: Path, forced: Forced | None, shown: list[str]
) -> None:
    assert rules_page(tmp_path, TWO_WELCOMES, forced) == shown


@pytest.mark.parametrize(("forced", "shown"), [(None, []), (Forced(stage="awareness"), ["all"])])
def test_a_preview_is_never_held_out(
    tmp_path: Path, forced: Forced | None, shown: list[str]
) -> None:
    rules = """
    rules:
      - {id: all, slot: hero, text: Hi, holdout: 100%, when: {stage: awareness}, why: "new"}
    """
    assert rules_page(tmp_path, rules, forced) == shown


def test_a_preview_is_never_one_of_the_fresh_page_views(tmp_path: Path) -> None:
    """About 5 % of page views show defaults (``fresh_share``); a preview's views are never
    recorded, so a browser that drew fresh once would draw fresh on every preview."""
    from omotenashi.engine.restraint import is_fresh

    fresh_id = next(f"qa-{n}" for n in range(10_000) if is_fresh(f"qa-{n}", 3, 0.05))
    (tmp_path / "snippets").mkdir()
    (tmp_path / "site.yaml").write_text(
        "rules:\n  - {id: buy, slot: hero, text: Buy, when: {stage: purchase}, why: buying}\n"
    )
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id=fresh_id,
        profile=Profile(visits=2, views=3, last_seen=1.7e9, visit_start=1.7e9),
        now=1.7e9 + 60,
        request=RequestInfo.from_parts("/", "", {}),
        forced=Forced(stage="purchase"),
    )
    result = personalise_page(PAGE, visit, ruleset, Journey(), EngineConfig())
    assert [d.id for d in result.shown] == ["buy"]


@pytest.mark.parametrize(
    ("snippet", "said"),
    [  # both render for the sample visitor the load tries (a cart, 2 visits), not for this one
        ("{{ visitor.cart[0] }}", "list object has no element 0"),
        ("{{ 10 / (visitor.visits - 1) }}", "division by zero"),
    ],
)
def test_preview_says_a_snippet_failed_to_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], snippet: str, said: str
) -> None:
    rules = """
    rules:
      - {id: cart, slot: hero, snippet: hero.html, why: "in your cart"}
    """
    (site(tmp_path, rules) / "snippets" / "hero.html").write_text(snippet)
    out, page = preview(tmp_path, capsys)  # a first visit, an empty cart
    assert "Default hero" in page
    assert f"-> hero: snippet 'hero.html' failed to render: {said}" in line(out, "cart"), out


GOLD = """
rules:
  - {id: gold, slot: hero, text: Gold, when: {segment: gold}, why: "a gold member"}
"""


@pytest.mark.parametrize(
    ("forced", "shown"),
    [
        (Forced(attrs={"tier": "gold"}), ["gold"]),  # the forced attribute derives the segment
        (Forced(attrs={"tier": "silver"}), []),
        (Forced(segments=frozenset({"gold"})), ["gold"]),  # or the segment itself
    ],
)
def test_a_forced_attribute_gets_the_segment_it_derives(
    tmp_path: Path, forced: Forced, shown: list[str]
) -> None:
    (tmp_path / "snippets").mkdir()
    (tmp_path / "site.yaml").write_text(textwrap.dedent(GOLD))
    (tmp_path / "journey.yaml").write_text("segments:\n  gold: {attr: {tier: gold}}\n")
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    journey = load_journey(tmp_path)
    visit = Visit(
        visitor_id="qa",
        profile=Profile(visits=2, views=3, last_seen=1.7e9, visit_start=1.7e9),
        now=1.7e9 + 60,
        request=RequestInfo.from_parts("/", "", {}),
        forced=forced,
    )
    result = personalise_page(PAGE, visit, ruleset, journey, EngineConfig())
    assert [d.id for d in result.shown] == shown


XMAS = """
rules:
  - {id: xmas, slot: hero, text: Xmas, schedule: {start: 2026-12-24, end: 2026-12-26},
     why: "the season"}
  - {id: evening, slot: tagline, text: Evening, when: {time: "18:00-23:00"},
     why: "the evening"}
"""
MORNING = 1.7e9 - 12 * 3600  # 2023-11-14 10:13 UTC


@pytest.mark.parametrize(
    ("at", "shown"),
    [
        (None, []),  # now (2023-11-14 10:14 UTC): neither the season nor the evening
        ("2026-12-24T19:00:00+00:00", ["evening", "xmas"]),
        ("2026-12-24T09:00:00+00:00", ["xmas"]),
        ("2026-12-27T19:00:00+00:00", ["evening"]),
    ],
)
def test_a_force_links_moment_is_what_schedules_and_time_conditions_see(
    tmp_path: Path, at: str | None, shown: list[str]
) -> None:
    moment = datetime.fromisoformat(at).timestamp() if at else None
    forced = Forced(stage="awareness", at=moment)
    (tmp_path / "snippets").mkdir()
    (tmp_path / "site.yaml").write_text(textwrap.dedent(XMAS))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id="qa",
        profile=Profile(visits=2, views=3, last_seen=MORNING, visit_start=MORNING),
        now=MORNING + 60,
        request=RequestInfo.from_parts("/", "", {}),
        forced=forced,
    )
    result = personalise_page(PAGE, visit, ruleset, Journey(), EngineConfig())
    assert sorted(d.id for d in result.shown) == shown
    assert result.change.now == MORNING + 60  # what is recorded keeps the real time


WHY_RULES = """
rules:
  - {id: held, slot: hero, text: Held, holdout: 100%, why: "everyone"}
  - {id: plain, slot: tagline, text: Plain, when: {visits: {at_least: 1}}, why: "everyone"}
"""


@pytest.mark.parametrize(
    ("visitor", "private", "why", "header"),
    [
        ("qa", False, "held-out=held", "plain"),
        ("fresh", False, "held-out=held; fresh", "-"),  # fresh: behavioural rules rest too
        ("qa", True, "held-out=held; private", "-"),
    ],
)
def test_the_debug_header_says_why_matching_rules_were_not_shown(
    tmp_path: Path, visitor: str, private: bool, why: str, header: str
) -> None:
    from omotenashi.engine.page import personalise_response
    from omotenashi.engine.restraint import is_fresh

    if visitor == "fresh":
        visitor = next(f"qa-{n}" for n in range(10_000) if is_fresh(f"qa-{n}", 3, 0.05))
    (tmp_path / "snippets").mkdir()
    (tmp_path / "site.yaml").write_text(textwrap.dedent(WHY_RULES))
    ruleset = load_ruleset(tmp_path, Renderer(tmp_path / "snippets"))
    visit = Visit(
        visitor_id=visitor,
        profile=Profile(visits=2, views=3, last_seen=1.7e9, visit_start=1.7e9),
        now=1.7e9 + 60,
        request=RequestInfo.from_parts("/", "", {}),
        private=private,
    )
    headers = [(b"content-type", b"text/html")]
    result = personalise_response(
        PAGE.encode(), headers, visit, ruleset, Journey(), EngineConfig(debug_header=True)
    )
    got = {k.decode(): v.decode() for k, v in result.headers if k.startswith(b"x-omotenashi")}
    assert got == {"x-omotenashi-rules": header, "x-omotenashi-why": why}


@pytest.mark.parametrize(
    ("slot", "snippet", "said"),
    [
        (
            '<p>Intro <span data-omo-slot="promo">old</span></p>',
            '<div class="card">Big offer</div>',
            "its target is a <span> inside a <p> of the page, and its content has <div> inside",
        ),
        ('<img data-omo-slot="promo" src="/a.png" alt="">', "<b>x</b>", "holds no content"),
    ],
    ids=["div-in-p", "void"],
)
def test_preview_says_why_content_could_not_go_where_its_target_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], slot: str, snippet: str, said: str
) -> None:
    """Not "held back by a cap": the page around the slot would not keep the content."""
    site(tmp_path, "rules:\n  - {id: promo, slot: promo, snippet: s.html, why: A promo.}\n")
    (tmp_path / "snippets" / "s.html").write_text(snippet)
    (tmp_path / "page.html").write_text(f"<!doctype html><html><body>{slot}</body></html>")
    out, _ = preview(tmp_path, capsys)
    assert said in line(out, "promo") and "not fired" in line(out, "promo")
    assert "held back" not in out


ON_ITEMS = """
rules:
  - {id: thanks-lapland, slot: hero, text: Thanks, when: {bought: [lapland-aurora]},
     why: "you booked it"}
  - {id: back-to-kyoto, slot: tagline, text: Kyoto, when: {viewed: [kyoto-autumn]},
     why: "you looked at it"}
  - {id: pay-for-bali, slot: also-like, text: Bali, when: {in_cart: [bali-retreat]},
     why: "it is in your cart"}
"""
RULE_IDS = ("thanks-lapland", "back-to-kyoto", "pay-for-bali")


@pytest.mark.parametrize(
    ("extra", "fired"),
    [
        ([], set()),
        (["--bought", "lapland-aurora"], {"thanks-lapland"}),
        (["--viewed", "kyoto-autumn"], {"back-to-kyoto"}),
        (
            ["--bought", "bali-retreat", "--bought", "lapland-aurora", "--viewed", "kyoto-autumn"],
            {"thanks-lapland", "back-to-kyoto"},
        ),
        (["--viewed", "lapland-aurora"], set()),  # viewed is not bought
        (["--cart", "bali-retreat"], {"pay-for-bali"}),
        (["--bought", "bali-retreat"], set()),  # bought is not in the cart
    ],
    ids=["neither", "bought", "viewed", "repeated", "viewed-not-bought", "cart", "bought-not-cart"],
)
def test_preview_takes_the_items_bought_and_viewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], fired: set[str]
) -> None:
    out, page = preview(site(tmp_path, ON_ITEMS), capsys, *extra)
    said = {r for r in RULE_IDS if line(out, r).split()[0] == "fired"}
    assert said == fired, out
    assert set(re.findall(r'data-omo-rule="([^"]+)"', page)) == fired
    if "thanks-lapland" in fired:
        assert "because you bought “lapland aurora”" in line(out, "thanks-lapland")
