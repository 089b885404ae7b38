"""Session 54: a page's item ids and ``viewed:``. A page's ids are lower-cased, as the
catalogue's ids are (``[a-z0-9][a-z0-9_-]*``): ``<meta name="omotenashi:item" content="SKU-ABC">``
is the catalogue's ``sku-abc`` (eye54: keeping the case lost that), so ``viewed: [SKU-ABC]``
never meets a page's view; ``check`` said nothing, and now warns."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from omotenashi import Omotenashi
from omotenashi.engine.journey import Journey
from omotenashi.engine.understand import page_tags
from omotenashi.rules.journey import JourneyFile

from .conftest import client_for, page_app
from .test_cli_check import check_site

RULES = """
rules:
  - {id: back, slot: hero, text: "Welcome back to SKU-ABC", when: {viewed: [sku-abc]},
     why: "You looked at it."}
"""
PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:item" content="SKU-ABC">'
    '</head><body><div data-omo-slot="hero">Default</div></body></html>'
)


@pytest.mark.parametrize(
    ("content", "items"),
    [
        ("SKU-ABC", ["sku-abc"]),
        (" SKU-ABC , sku-abc ", ["sku-abc"]),
        ("Café\u200b", ["café"]),
    ],
)
def test_a_page_s_item_id_is_the_catalogue_s(content: str, items: list[str]) -> None:
    page = f'<head><meta name="omotenashi:item" content="{content}"></head>'
    assert page_tags(page, "/", Journey()) == ([], items)


@pytest.mark.anyio
async def test_viewed_meets_an_item_a_page_named_in_capitals(make_settings: Any) -> None:
    mw = Omotenashi(page_app(PAGE), settings=make_settings(RULES))
    async with client_for(mw) as client:
        first = (await client.get("/tours/abc")).text
        again = (await client.get("/tours/abc")).text
    assert "Welcome back" not in first
    assert "Welcome back to SKU-ABC" in again


@pytest.mark.parametrize("field", ["viewed", "bought", "in_cart"])
@pytest.mark.parametrize("catalogued", [True, False])
def test_check_warns_of_a_catalogue_item_id_in_capitals(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    field: str,
    catalogued: bool,
) -> None:
    """Only where the catalogue has it in lower case: a cart's or a purchase's ids come from
    the app and the beacon as sent, and a site without the item may use capitals (eye54b)."""
    rules = (
        "rules:\n  - id: back\n    slot: hero\n    text: Hi\n    why: You looked.\n"
        f"    when:\n      {field}: [SKU-ABC]\n"
    )
    item = "sku-abc" if catalogued else "other"
    files = {"r.yaml": rules, "catalog.yaml": f"items:\n  - {{id: {item}, title: A, url: /a}}\n"}
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    said = [line for line in out if "has capitals" in line]
    assert code == 0, out
    assert said == (
        [
            f"rules/r.yaml:7: warning: rules[0].when.{field}[0]: 'SKU-ABC' has capitals: the "
            "catalogue's id is 'sku-abc', and the item ids pages name are lower-cased, so it "
            "matches only an id your app or the beacon sends as written (write 'sku-abc')"
        ]
        if catalogued
        else []
    ), out


def test_an_item_path_s_id_is_lower_case_as_the_page_s() -> None:
    """eye54b: an ``item: true`` path's last segment kept its capitals, so one view of
    /tours/SKU-ABC gave two ids (``SKU-ABC`` and the page's ``sku-abc``)."""
    spec = {"topics": [{"path": ["/tours/*"], "topics": ["kyoto"], "item": True}]}
    journey = Journey(spec=JourneyFile.model_validate(spec))
    page = '<meta name="omotenashi:item" content="SKU-ABC">'
    assert page_tags(page, "/tours/SKU-ABC", journey) == (["kyoto"], ["sku-abc"])


@pytest.mark.parametrize(
    "path",
    [
        "/tours/kyoto-autumn",
        "/tours/kyoto-autumn;jsessionid=AB12",
        "/tours/kyoto-autumn/",
        "/tours/kyoto-autumn/;jsessionid=AB12",  # (last60b: Tomcat's encodeURL of a folder)
        "/tours/kyoto-autumn;a=1;b=2",
    ],
)
def test_a_path_parameter_is_no_part_of_an_item_path_s_id(path: str) -> None:
    """recs60: ``/tours/kyoto-autumn;jsessionid=...`` (a page Java servers serve as the same)
    named the item ``kyoto-autumn;jsessionid=ab12``: the page's own tour was suggested on it."""
    spec = {"topics": [{"path": ["/tours/*"], "topics": ["kyoto"], "item": True}]}
    journey = Journey(spec=JourneyFile.model_validate(spec))
    assert page_tags("", path, journey) == (["kyoto"], ["kyoto-autumn"])


LONG = "a-very-long-topic-name-that-no-page-can-give-us"  # 47 characters


@pytest.mark.parametrize(
    ("tags", "warned"),
    [(f"[kyoto, {LONG}]", True), (f"[kyoto, {LONG[:40]}]", False), (LONG, True)],
)
def test_check_warns_of_a_catalogue_tag_no_interest_can_meet(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tags: str,
    warned: bool,
) -> None:
    """A page's topic over 40 characters is not kept, so a longer tag never meets an interest;
    ``check`` said nothing (session 54)."""
    catalog = f"items:\n  - id: a\n    title: A\n    url: /a\n    tags: {tags}\n"
    code, out = check_site(tmp_path, monkeypatch, capsys, {"catalog.yaml": catalog})
    said = [line for line in out if "no interest ever meets it" in line]
    assert code == 0, out
    warning = (
        f"rules/catalog.yaml:5: warning: items[0].tags{'[1]' * tags.startswith('[')}: the tag "
        f"{LONG!r} is 47 characters: "
        "pages' topics longer than 40 are not kept, so no interest ever meets it; shorten it "
        "to the topic your pages name"
    )
    assert said == ([warning] if warned else []), out


def test_check_refuses_an_interest_no_visitor_can_have(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = (
        "rules:\n  - id: long\n    slot: hero\n    text: Hi\n    why: You like it.\n"
        f"    when:\n      interest: {{{LONG}: {{at_least: 1}}}}\n"
    )
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": rules})
    assert code == 1
    assert any(
        line.startswith(f"rules/r.yaml:7: error: rules[0].when.interest.{LONG}: the topic ")
        and "is 47 characters" in line
        for line in out
    ), out


TWO_KINDS = """
categories:
  onsen: {label: %s}
rules:
  - {id: a, slot: hero, text: Hi, category: onsen, why: You like it.}
  - {id: b, slot: side, text: Hi, category: spa, why: You like it.}
"""


@pytest.mark.parametrize(
    ("label", "said"),
    [
        ("Spa", "the categories 'onsen' and 'spa' are both called 'Spa'"),
        ("SPA", "the categories 'onsen' and 'spa' are both called 'Spa'"),
        ("Browsing history", "'browsing-history' and 'onsen' are both called 'Browsing history'"),
        ("温泉", None),
    ],
)
def test_check_warns_of_two_switches_with_one_label(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    label: str,
    said: str | None,
) -> None:
    """The preferences page would show two switches of one name (session 54)."""
    code, out = check_site(tmp_path, monkeypatch, capsys, {"r.yaml": TWO_KINDS % label})
    warned = [line for line in out if "cannot tell apart" in line]
    assert code == 0, out
    if said is None:
        assert warned == [], out
    else:
        assert len(warned) == 1 and said in warned[0], out
        assert warned[0].startswith("rules/r.yaml:3: warning: categories.onsen.label: "), out


@pytest.mark.parametrize(("tags", "warned"), [("", True), ("    tags: [kyoto]\n", False)])
def test_check_warns_of_an_interests_strategy_with_no_tags_to_meet(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tags: str,
    warned: bool,
) -> None:
    """Interests meet items by their tags: with none, the strategy never picks (site53)."""
    catalog = f"items:\n  - id: a\n    title: A\n    url: /a\n{tags}"
    rules = (
        "rules:\n  - {id: recs, slot: recs, why: You may like these., snippet: recs.html,\n"
        "     recommend: {strategies: {interests: 1}}}\n"
    )
    recs = "{% for i in items %}<a href='{{ i.url }}'>{{ i.title }}</a>{% endfor %}"
    files = {"catalog.yaml": catalog, "r.yaml": rules, "snippets/recs.html": recs}
    code, out = check_site(tmp_path, monkeypatch, capsys, files)
    said = [line for line in out if "no catalogue item has tags" in line]
    assert code == 0, out
    assert len(said) == warned, out
    assert not said or said[0].startswith("rules/r.yaml:2: warning: rule 'recs' weighs"), out


def test_check_refuses_a_journey_topic_no_page_view_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A journey's topic over 40 characters was dropped at every page view, silently (eye54)."""
    journey = f"topics:\n  - path: [/tours/*]\n    topics: [kyoto, {LONG}]\n"
    code, out = check_site(tmp_path, monkeypatch, capsys, {"journey.yaml": journey})
    assert code == 1, out
    assert any(
        line.startswith("rules/journey.yaml:3: error: topics[0].topics[1]: the topic ")
        and "is 47 characters" in line
        for line in out
    ), out
