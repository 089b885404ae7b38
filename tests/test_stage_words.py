"""The journey stage is said truthfully: the built-in words claim nothing a site's transitions
may not have done (a club joined on the first page may lead to loyalty), and a site says what
its stages mean in the journey file's ``stages:``, used by a block's reasons, the preferences
page and the data page alike. Against a real Redis through the whole ASGI stack."""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, track
from omotenashi.engine import explain
from omotenashi.errors import RuleSetError
from omotenashi.loader.journey import load_journey
from omotenashi.respect.yourdata import STAGE_WORDS, stage_sentence
from omotenashi.rules.model import STAGES

from .conftest import client_for, page_words

Make = Callable[..., Settings]
ROOT = Path(__file__).resolve().parent.parent
PAGE = (
    "<!doctype html><html><head></head><body>"
    '<div data-omo-slot="hero">Default hero</div></body></html>'
)
RULES = """
rules:
  - {id: members, slot: hero, text: "Members' corner", why: "For our members.",
     when: {stage: loyalty}}
"""
JOURNEY = """
transitions:
  - {to: loyalty, on: join_club}
"""
CLUB = "you have joined our member club"
# Words that say how long, how much or how well a visitor has been with us: no transition
# guarantees any of them (the demo's club moves a visitor to loyalty on their first page).
OVER_CLAIM = re.compile(r"\b(most|more|best|loyal|long|often|regular|again|always|many)\b")


def club_site(make_settings: Make, journey: str) -> Omotenashi:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE)

    async def join(request: Request) -> PlainTextResponse:
        await track(request, "join_club")
        return PlainTextResponse("joined")

    app = Starlette(routes=[Route("/", page), Route("/club", join, methods=["POST"])])
    respect = {"disclosure": True, "page_panel": True}
    return Omotenashi(app, settings=make_settings(RULES, journey=journey, respect=respect))


def said(page: str) -> str:
    return html.unescape(page_words(page)).lower()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("stages", "words"),
    [
        ("", explain.STAGE_WORDS["loyalty"]),
        (f'stages:\n  loyalty: "{CLUB}"\n', CLUB),
        (f"stages:\n  interest: we know\n  loyalty: >\n    {CLUB}.\n", CLUB),
    ],
    ids=["built-in", "the-sites-words", "folded-with-a-full-stop"],
)
async def test_a_visitor_who_joined_on_their_first_page_is_told_what_is_true(
    make_settings: Make, omotenashi_redis: redis.Redis, stages: str, words: str
) -> None:
    async with client_for(club_site(make_settings, JOURNEY + stages)) as client:
        await client.get("/")
        await client.post("/club")
        page = (await client.get("/")).text
        prefs = (await client.get("/_omotenashi/preferences")).text
        data = (await client.get("/_omotenashi/preferences/data")).text
    assert "Members&#39; corner" in page or "Members' corner" in page  # the rule fired
    sentence = words[:1].upper() + words[1:] + "."
    assert words in said(page)  # the block's reasons
    assert sentence in html.unescape(page_words(prefs))  # what we keep, in sentences
    assert sentence in html.unescape(page_words(data))  # "How far along we think you are"
    for text in (page, prefs, data):
        assert "loyal visitors" not in said(text)


@pytest.mark.parametrize("stage", STAGES)
def test_the_built_in_words_claim_no_time_amount_or_standing(stage: str) -> None:
    assert not OVER_CLAIM.search(explain.STAGE_WORDS[stage]), explain.STAGE_WORDS[stage]
    assert not OVER_CLAIM.search(STAGE_WORDS[stage].lower()), STAGE_WORDS[stage]


@pytest.mark.parametrize(
    ("stage", "site", "reason", "sentence"),
    [
        ("loyalty", {}, explain.STAGE_WORDS["loyalty"], STAGE_WORDS["loyalty"]),
        ("loyalty", {"loyalty": CLUB}, CLUB, "You have joined our member club."),
        ("purchase", {"loyalty": CLUB}, "you have bought from us", "You have bought from us."),
        ("limbo", {}, explain.NO_STAGE, ""),
    ],
)
def test_the_sites_words_come_first_in_reasons_and_sentences(
    stage: str, site: dict[str, str], reason: str, sentence: str
) -> None:
    assert explain.stage_words(stage, site) == reason
    assert stage_sentence(stage, site) == sentence


def journey_errors(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "journey.yaml").write_text(textwrap.dedent(text))
    with pytest.raises(RuleSetError) as caught:
        load_journey(tmp_path)
    return [str(e) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        (
            'stages:\n  loyal: "you joined"\n',
            [
                "journey.yaml:2: stages.loyal: 'loyal' is not allowed",
                "'awareness', 'interest', 'consideration', 'purchase' or 'loyalty'",
            ],
        ),
        ('stages:\n  purchase: "you booked"\n  loyalty: ""\n', ["journey.yaml:3: stages.loyalty"]),
        ("stages:\n  loyalty: '  . '\n", ["journey.yaml:2: stages.loyalty: the words", "empty"]),
        ("stages:\n  loyalty:\n", ["journey.yaml:2: stages.loyalty", "text"]),
        (f"stages:\n  loyalty: {'x' * 201}\n", ["journey.yaml:2", "at most 200 characters"]),
    ],
    ids=["unknown-stage", "empty", "only-a-full-stop", "no-text", "too-long"],
)
def test_stage_words_are_checked_with_file_and_line(
    tmp_path: Path, stages: str, expected: list[str]
) -> None:
    (error,) = journey_errors(tmp_path, stages)
    for part in expected:
        assert part in error, error


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("you joined our club", "you joined our club"),
        ("  you joined\n  our club. ", "you joined our club"),
        ("you joined our club...", "you joined our club"),
    ],
)
def test_stage_words_are_kept_on_one_line_without_a_full_stop(
    tmp_path: Path, given: str, kept: str
) -> None:
    (tmp_path / "journey.yaml").write_text(f"stages:\n  loyalty: {json.dumps(given)}\n")
    assert load_journey(tmp_path).spec.stages == {"loyalty": kept}


def test_the_demo_says_what_its_later_stages_mean() -> None:
    """The demo moves a visitor to loyalty when they join the club: its words say so."""
    stages = load_journey(ROOT / "rules").spec.stages
    assert {"consideration", "purchase", "loyalty"} <= stages.keys()
    assert "club" in stages["loyalty"]
