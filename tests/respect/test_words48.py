"""words48: sentences a Chromium QA found untrue or odd. A sign-in with the browsing history
off erased what was browsed (store/merging.py), yet "Your data" said "What we kept about you
before you signed in was joined to your account" and the history card "What was kept before
stays, unused": the merge now records what it carried (engine/joined.py), and the pages say
that. "We have a record of no page you saw" reads as English. A fresh page view says nothing
that implies a profile (a brand-new visitor's may be one). The demo's sale notice gives only
reasons about the visitor. Through the demo and the middleware, against a real Redis."""

from __future__ import annotations

import html
import re

import pytest
from demo_site.app import create_app, demo_settings

from omotenashi.engine.disclosure import FRESH, FRESH_SOME
from omotenashi.engine.profile import Profile
from omotenashi.respect.facts import visits_sentence
from omotenashi.respect.historywords import history_card
from omotenashi.respect.yourdata import more_sections

from ..conftest import ROOT, client_for
from ..test_switches40 import SAME_SITE, _save

DATA = "/_omotenashi/preferences/data"
PREFS = "/_omotenashi/preferences"
AT = 1_796_000_000.0
ERASED = (
    "What you browsed before signing in was not joined: your browsing history was off in that "
    "browser, so signing in erased it."
)
STAYS = "What was kept before stays, unused"


def demo(url: str):  # type: ignore[no-untyped-def]
    settings = demo_settings(ROOT, redis={"url": url}, respect={"fresh_share": 0})
    return create_app(ROOT, settings)


def words(page: str) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", page).split()))


@pytest.mark.anyio
@pytest.mark.parametrize("history_off", [True, False], ids=["history-off", "history-on"])
async def test_the_data_page_says_what_a_sign_in_joined_and_what_it_erased(
    omotenashi_redis_url: str, history_off: bool
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in ("/", "/tours/kyoto-autumn", "/tours/kyoto-autumn"):
            await client.get(path)
        if history_off:
            await _save(client, off="browsing-history")
        await client.get("/tours/hawaii-family")
        name = {"username": f"Hana{'Off' * history_off}"}  # (one user per case: one sign-in)
        signed = await client.post("/login", data=name, headers=SAME_SITE)
        assert signed.status_code == 303
        data = words((await client.get(DATA)).text)
        prefs = words((await client.get(PREFS)).text)
        export = (await client.get("/_omotenashi/preferences/export")).json()["profile"]
    # what the merge joined, in words: never "what we kept ... was joined" of all of it
    assert "What we kept about you before you signed in was joined" not in data
    assert "Joined to your account when you signed in on " in data
    assert "your visits (how many, and when)" in data
    assert "how often each block was shown to you" in data
    carried = list(export["merged_carried"].values())
    assert len(carried) == 1
    if history_off:
        assert ERASED in data
        assert "what you browsed" not in data.split(ERASED)[0].split("Joined to your account")[1]
        assert carried[0]["erased"] == ["browsing"] and "browsing" not in carried[0]["joined"]
        assert STAYS not in prefs  # the sign-in erased it: nothing browsed is kept now
        assert "We have no record of any page you saw" in prefs
    else:
        assert ERASED not in data and "what you browsed (the pages you saw" in data
        assert carried[0]["erased"] == [] and "browsing" in carried[0]["joined"]


@pytest.mark.parametrize(
    ("joined", "said"),
    [
        (
            "vsh",
            [
                "Joined to your account when you signed in on 30 November 2026, 00:53 UTC: your "
                "visits (how many, and when) and how often each block was shown to you.",
                ERASED,
            ],
        ),
        (
            "vbcd",
            [
                "Joined to your account when you signed in on 30 November 2026, 00:53 UTC: your "
                "visits (how many, and when), what you browsed (the pages you saw, their topics "
                "and the items), your cart and details the site passed on to us."
            ],
        ),
        (
            "h",
            [
                "Nothing kept about you before you signed in on 30 November 2026, 00:53 UTC was "
                "joined to your account.",
                ERASED,
            ],
        ),
    ],
    ids=["history-off", "history-on", "only-browsing"],
)
def test_what_one_sign_in_joined_is_listed_from_its_marks(joined: str, said: list[str]) -> None:
    profile = Profile(merged={"a" * 22: AT}, joined={"a" * 22: joined})
    sections = dict(more_sections(profile, str, {}))
    assert sections["Earlier visits joined to your account when you signed in"] == said


def test_of_several_sign_ins_the_last_ones_marks_are_said() -> None:
    profile = Profile(merged={"a" * 22: AT - 86400, "b" * 22: AT}, joined={"b" * 22: "vh"})
    sections = dict(more_sections(profile, str, {}))
    assert sections["Earlier visits joined to your account when you signed in"] == [
        "What we kept about you before 2 of your sign-ins was joined to your account, the last "
        "time on 30 November 2026, 00:53 UTC.",
        "Joined that last time: your visits (how many, and when).",
        "That last time, what you browsed before signing in was not joined: your browsing "
        "history was off in that browser, so signing in erased it.",
    ]


@pytest.mark.parametrize(
    ("kept", "browsed", "stays"),
    [(True, True, True), (True, False, False), (False, False, False)],
    ids=["browsing-kept", "only-visits-kept", "nothing-kept"],
)
def test_the_history_card_says_what_was_kept_stays_only_of_browsing_kept(
    kept: bool, browsed: bool, stays: bool
) -> None:
    card = history_card("", True, "90 days", kept, True, browsed)
    assert (STAYS in card) is stays


@pytest.mark.parametrize(
    ("views", "history_off", "said"),
    [
        (0, True, "You have visited once. We have no record of any page you saw: pages "),
        (0, False, "You have visited once. We have no record of any page you saw (pages "),
        (1, True, "You have visited once. We have a record of 1 page you saw: pages "),
        (3, False, "You have visited once. We have a record of 3 pages you saw (pages "),
    ],
)
def test_the_count_of_pages_reads_as_english(views: int, history_off: bool, said: str) -> None:
    sentence = visits_sentence(1, views, history_off, unrecorded=True)
    assert sentence.startswith(said) and "record of no" not in sentence


@pytest.mark.parametrize("sentence", [FRESH, FRESH_SOME])
def test_a_fresh_page_claims_nothing_known_or_guessed(sentence: str) -> None:
    # a brand-new visitor's first page may be fresh: nothing is known or guessed of them yet
    for claim in ("guess", "your visits", "we know"):
        assert claim not in sentence


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("steps", "where"),
    [
        (["/tours/kyoto-autumn"], "/"),
        (["/tours/kyoto-autumn", "/tours/kyoto-autumn", "/cart"], "/cart"),
        (["/tours/kyoto-autumn"], "/tours"),
    ],
    ids=["home", "cart", "tours-list"],
)
async def test_the_sale_notice_gives_only_reasons_about_the_visitor(
    omotenashi_redis_url: str, steps: list[str], where: str
) -> None:
    async with client_for(demo(omotenashi_redis_url)) as client:
        for path in steps:
            if path == "/cart":
                await client.post("/cart", data={"tour": "kyoto-autumn"}, headers=SAME_SITE)
            else:
                await client.get(path)
        page = (await client.get(where)).text
    note = page.split('data-omo-why="viewed-on-sale-notice"', 1)[1].split("</details>", 1)[0]
    said = words(note)
    assert "You looked at “Kyoto in autumn”, which is in our sale list." in said
    assert "Lapland" not in said and "left waiting" not in said
