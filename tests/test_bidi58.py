"""Right-to-left values in what a visitor reads are isolated from our English sentences
(bidi58): a Hebrew title, an Arabic topic name sit in ``<bdi>`` in the "i", the page panel,
the preferences page and the data page, so the browser keeps the sentence's words, quotes and
numbers in their places; what the profile keeps is the sentence as it was said (nothing kept
grows, an old profile reads the same), and left-to-right text is written as it always was.
Chromium's side: e2e/test_bidi58_chromium.py."""

from __future__ import annotations

import html
import re
import shutil
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from demo_site.app import demo_settings

from omotenashi.engine.bidi import said, values
from omotenashi.engine.disclosure import PREVIEW_WHY, sentence
from omotenashi.engine.facts import Device, RequestInfo
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.loader.loadall import Loaded, load_all
from omotenashi.recommend.reasons import reason
from omotenashi.recommend.signals import Signals
from omotenashi.respect.preferences import PreferencesPage
from omotenashi.settings import RespectSettings, Settings
from omotenashi.store.why import decode, encode

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC).timestamp()
DAY = 86400.0
HEBREW = "שלום עולם"  # the demo's family tour, retitled
ARABIC = "كيوتو"  # the demo's "kyoto" tag, named in Arabic
HAWAII = "הוואי"  # and its "hawaii" tag in Hebrew
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">default</div><div data-omo-slot="also-like">default</div>'
    "</body></html>"
)


CLUB = "חברי מועדון 2"  # a group's name in the site's words, ending in a digit
WHY = "טיולים להוואי 3"  # an editor's "why", Hebrew, ending in a digit


def retitled(tmp: Path) -> Settings:
    """The demo's rules with one tour titled in Hebrew and one tag named in Arabic."""
    shutil.copytree(ROOT / "rules", tmp / "rules")
    shutil.copytree(ROOT / "snippets", tmp / "snippets")
    catalog = tmp / "rules" / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    text = text.replace("title: Hawaii for families,", f"title: {HEBREW},")
    text = text.replace("  kyoto: Kyoto\n", f"  kyoto: {ARABIC}\n")
    text = text.replace("  hawaii: Hawaii\n", f"  hawaii: {HAWAII}\n")
    catalog.write_text(text, encoding="utf-8")
    journey = tmp / "rules" / "journey.yaml"  # a group named, a block's "why", right to left
    said = journey.read_text(encoding="utf-8").replace('"members of our travel club"', f'"{CLUB}"')
    journey.write_text(said, encoding="utf-8")
    home = tmp / "rules" / "home.yaml"
    why = '"You have been looking at Hawaii tours for families."'
    home.write_text(home.read_text(encoding="utf-8").replace(why, f'"{WHY}"'), encoding="utf-8")
    return demo_settings(tmp, secret_keys=["bidi58-key"])


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Loaded:
    out = load_all(retitled(tmp_path_factory.mktemp("bidi58")).rules)
    assert out.catalog.get("hawaii-family").title == HEBREW  # type: ignore[union-attr]
    return out


VISITOR = Profile(
    visits=3,
    views=12,
    first_seen=NOW - 9 * DAY,
    last_seen=NOW - DAY,
    visit_start=NOW,
    absent_days=1.0,
    interests={"kyoto": (4.0, NOW - DAY), "family": (3.0, NOW), "hawaii": (3.0, NOW)},
    viewed={"hawaii-family": NOW - DAY, "paris-art": NOW - DAY},
)


def home(loaded: Loaded, profile: Profile = VISITOR) -> tuple[str, dict[str, list[object]]]:
    visit = Visit(
        visitor_id="bidi58",
        profile=profile,
        now=NOW,
        request=RequestInfo.from_parts("/", "", {}),
        device=Device("desktop", "Chrome", "Linux", False),
    )
    config = EngineConfig(respect=RespectSettings(budget=6))
    out = personalise_page(PAGE, visit, loaded.ruleset, loaded.journey, config, loaded.catalog)
    return out.html, out.change.shown_why


def test_the_notes_and_the_panel_isolate_a_hebrew_title_and_an_arabic_topic(
    loaded: Loaded,
) -> None:
    page, _ = home(loaded)
    note = page.split('data-omo-why="hawaii-family-hero"', 1)[1].split("</details>", 1)[0]
    # the hero's own reasons: a title between quotes, a topic before its count
    assert f"You looked at “<bdi>{HEBREW}</bdi>”." in note
    panel = page.split('<details id="omo-why"', 1)[1]
    assert f"You looked at “<bdi>{HEBREW}</bdi>”." in panel
    assert f"You have looked at pages about <bdi>{HAWAII}</bdi> 2 or more times." in note
    # a suggestion's line: "Title: Because you have been looking at <topic>"
    assert f"<li>Kyoto in autumn: Because you have been looking at <bdi>{ARABIC}</bdi>.</li>" in (
        panel
    )
    # every bdi of ours holds a right-to-left value and nothing else (the demo's own snippet
    # puts every suggestion's title in one: snippets/blocks/recommendations.html)
    for inside in re.findall("<bdi>(.*?)</bdi>", note + panel):
        assert inside in (HEBREW, ARABIC, HAWAII), inside


def test_because_you_viewed_isolates_the_title_viewed_and_the_title_suggested(
    loaded: Loaded,
) -> None:
    catalog = loaded.catalog
    signals = Signals(now=NOW, current="paris-art")
    viewed = reason("also_viewed", "hawaii-family", catalog, signals)
    assert viewed == f"Because you viewed {HEBREW}"
    line = f"{HEBREW}: {reason('also_viewed', 'paris-art', catalog, signals)}"
    lines = [f"Paris and its museums: {viewed}", line]
    assert [said(x) for x in lines] == [
        f"Paris and its museums: Because you viewed <bdi>{HEBREW}</bdi>.",
        f"<bdi>{HEBREW}</bdi>: Often viewed with Paris and its museums.",
    ]


def test_a_suggested_hebrew_title_is_isolated_before_its_reason(loaded: Loaded) -> None:
    profile = Profile(visits=2, views=5, visit_start=NOW)
    page, _ = home(loaded, profile)
    assert f"<li><bdi>{HEBREW}</bdi>: From our selection.</li>" in page


def test_what_the_profile_keeps_is_the_sentence_as_said(loaded: Loaded) -> None:
    _, kept = home(loaded)
    sentences = [str(s) for _, said_then in kept.values() for s in said_then]  # type: ignore[attr-defined]
    assert any(HEBREW in s for s in sentences)
    for s in sentences:  # nothing of the isolation is kept: the same bytes as before
        assert "bdi" not in s and "\u2068" not in s and "\u2069" not in s
        assert decode(encode(s)) == s


def test_left_to_right_text_is_written_as_it_always_was() -> None:
    for said_then in (
        "you looked at “Hawaii for families”",
        "you have looked at pages about Kyoto 2 or more times",
        "Kyoto in autumn: Because you viewed Paris and its museums",
        'you came from our <b>"sale"</b> & more',
        "日本の旅: Because you have been looking at 京都",
    ):
        assert said(said_then) == html.escape(sentence(said_then))


@pytest.mark.parametrize(
    ("reason", "found"),
    [
        ("you looked at “שלום”, “עולם” and “Paris”", ["שלום", "עולם", "Paris"]),
        ("שלום (2): Because you viewed مرحبا 3", ["שלום (2)", "مرحبا 3"]),
        ("Paris: Often viewed with שלום עולם", ["Paris", "שלום עולם"]),
        ("you have not looked at pages about עולם 3 or more times lately", ["עולם"]),
        ("we could not read your interest in עולם as a number", ["עולם"]),
    ],
)
def test_the_values_are_found_where_our_sentences_put_them(reason: str, found: list[str]) -> None:
    assert [reason[s:e] for s, e in values(reason)] == found


def test_right_to_left_text_in_no_known_place_and_a_visitors_override_are_isolated() -> None:
    assert said("you came from our שלום 2 link") == "You came from our <bdi>שלום</bdi> 2 link."
    # a campaign value from a link holds RIGHT-TO-LEFT OVERRIDE: it ends where the value does
    assert said("you came from our \u202eevil link") == (
        "You came from our <bdi>\u202e</bdi>evil link."
    )


def test_a_preview_links_headline_isolates_the_rules_why(loaded: Loaded) -> None:
    from omotenashi.engine.disclosure import _why

    why = PREVIEW_WHY.format(why="אוהבי טיולים")
    assert _why(why).endswith("“<bdi>אוהבי טיולים</bdi>”)")
    assert _why("<b>אוהבי</b>") == "&lt;b&gt;אוהבי&lt;/b&gt;"  # an editor's own why: as it was


def pages(loaded: Loaded, profile: Profile) -> tuple[str, str]:
    settings = Settings(secret_keys=["bidi58-key"])
    page = PreferencesPage(settings, CookieSigner(settings))
    ident = Identity(vid="v" * 22, is_new=False, issued_at=time.time())
    prefs = page.render(ident, profile, loaded, can_choose=True).decode()
    data = page.render_data(ident, profile, loaded).decode()
    return prefs, data


OLD = "you looked at “שלום עולם”, “עולם” and “Paris”"  # kept by an earlier release
KEPT = Profile(
    visits=3,
    views=4,
    first_seen=NOW - DAY,
    last_seen=NOW,
    shown={"hawaii-family-hero": 2},
    shown_why={"hawaii-family-hero": (NOW, [decode(encode(OLD))])},
    viewed={"hawaii-family": NOW, "paris-art": NOW - DAY},
    cart={"hawaii-family": 2},
    interests={"kyoto": (2.0, NOW)},
    attrs={"first_name": "שרה", "plan": "gold"},
    segments=frozenset({"member"}),
)
PLAIN = Profile(
    visits=1, views=1, viewed={"paris-art": NOW}, cart={"paris-art": 1},
    shown={"hawaii-family-hero": 1},
    shown_why={"hawaii-family-hero": (NOW, ["you looked at “Paris & co”"])},
)  # fmt: skip


def test_the_preferences_page_isolates_an_old_profiles_kept_reasons(loaded: Loaded) -> None:
    """A sentence kept by an earlier release reads back the same (and no longer), and is
    shown with its values isolated."""
    assert decode(encode(OLD)) == OLD and len(encode(OLD).encode()) < len(OLD.encode())
    prefs, _ = pages(loaded, KEPT)
    assert "<li>You looked at “<bdi>שלום עולם</bdi>”, “<bdi>עולם</bdi>” and “Paris”.</li>" in (
        prefs
    )
    prefs, _ = pages(loaded, PLAIN)  # left-to-right: as it always was
    assert "<li>You looked at “Paris &amp; co”.</li>" in prefs and "<bdi>" not in prefs


def test_what_we_keep_about_you_isolates_titles_and_topics_in_its_lists(loaded: Loaded) -> None:
    prefs, _ = pages(loaded, KEPT)
    facts = prefs.split('id="omo-facts"', 1)[1].split("</ul>", 1)[0]
    assert f"<li>You recently looked at: <bdi>{HEBREW}</bdi>, Paris and its museums.</li>" in facts
    assert f"<li>In your cart: <bdi>{HEBREW}</bdi>.</li>" in facts
    assert f"<li>You have shown interest in: <bdi>{ARABIC}</bdi> (some).</li>" in facts
    prefs, _ = pages(loaded, PLAIN)
    assert "<li>You recently looked at: Paris and its museums.</li>" in prefs


def test_the_data_page_isolates_titles_and_topics_before_what_follows(loaded: Loaded) -> None:
    _, data = pages(loaded, KEPT)
    assert f"<li><bdi>{HEBREW}</bdi> (" in data  # "<title> (1 December 2026)"
    assert f"<li><bdi>{HEBREW}</bdi> × 2</li>" in data
    assert f"<li><bdi>{ARABIC}</bdi>: " in data
    assert "<li>first name: <bdi>שרה</bdi></li>" in data  # a name the visitor gave (visitor58)
    # (last58) an editor's "why" before its count; a group's name (the preferences page)
    assert f"<li><bdi>{WHY}</bdi> (2 times)</li>" in data
    prefs, _ = pages(loaded, KEPT)
    assert f"<li>Groups you are in: <bdi>{CLUB}</bdi>.</li>" in prefs
    assert "<li>plan: gold</li>" in data
    _, data = pages(loaded, PLAIN)
    assert "<li>Paris and its museums × 1</li>" in data
    assert "<bdi>" not in data.replace(f"<bdi>{WHY}</bdi>", "")  # (the editor's own, above)


def test_how_you_first_found_us_isolates_a_right_to_left_campaign(loaded: Loaded) -> None:
    """The first visit's values on both pages, a Hebrew campaign between two of ours: its
    semicolon and the source after it stay in their places; left-to-right, as it was."""
    came = {"utm_campaign": "מבצע חורף", "utm_source": "news & co"}
    prefs, data = pages(loaded, replace(PLAIN, first_touch=came))
    assert (
        "<li>How you first found us: the campaign the link you first came by was part of: "
        "<bdi>מבצע חורף</bdi>; where the link you first came by says it was from: news &amp; co."
        "</li>"
    ) in prefs
    assert "<li>The campaign the link you first came by was part of: <bdi>מבצע חורף</bdi></li>" in (
        data
    )
    prefs, data = pages(loaded, replace(PLAIN, first_touch={"utm_source": "news & co"}))
    said = "where the link you first came by says it was from: news &amp; co"
    assert f"<li>How you first found us: {said}.</li>" in prefs and "<bdi>" not in prefs
