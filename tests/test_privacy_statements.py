"""Every statement to a visitor about their data is true of them at that moment: what an erase
or a withdrawal leaves (the shared counts, no id), what a signed-in erase cannot reach (the
other devices), what a revoked id keeps (a marker), that a withdrawal unlinks the browser, and
that "Your data" shows every family kept, saying where a list is cut. Against a real Redis."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis

from omotenashi import Settings, revoke
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import is_user_id
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect import shown

from .conftest import client_for, page_words
from .conftest import form_token as csrf
from .test_privacy_paths import keys_of, me, site

pytestmark = [pytest.mark.anyio, pytest.mark.security]
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
FORM = {"origin": "http://shop.test"}
SHARED = "Totals kept for all visitors together"
DEVICES = "your other devices where you are still signed in"


def text(page: str) -> str:
    """A page's words as a visitor reads them (entities too)."""
    return html.unescape(page_words(page))


async def erase(client: httpx.AsyncClient) -> str:
    """Confirms an erase from the page; the page it leads to, as words."""
    page = await client.get(PREFS)
    form = {"csrf": csrf(page.text), "action": "erase", "confirm": "yes"}
    done = await client.post(PREFS, data=form, headers=FORM)
    return text((await client.get(done.headers["location"])).text)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed-in", "anonymous"])
async def test_the_erase_says_what_stays_and_warns_a_signed_in_visitor_of_other_devices(
    make_settings: Make, omotenashi_redis: redis.Redis, signed_in: bool
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as phone, client_for(mw) as laptop:
        for device in (phone, laptop):
            await device.get("/tours/kyoto")
            if signed_in:
                await device.post("/login/mei")
        asked = text((await phone.get(PREFS + "?confirm=erase")).text)
        after = await erase(phone)
        await laptop.get("/tours/lapland")  # the other device, still signed in (or not)
    mei = user_profile_id(mw.signer.user_salt, "mei")
    assert SHARED in asked and SHARED in after
    assert (DEVICES in asked) is signed_in
    # and it is true: the user's profile is back from the laptop's next page
    assert bool(keys_of(omotenashi_redis, mei)) is signed_in


async def test_a_withdrawal_says_what_stays_and_gives_the_browser_a_new_id(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.post("/login/mei")
        await client.get("/tours/kyoto")
        before = (await me(client))["id"]
        withdrawn = await client.post("/consent?yes=0")
        after = (await me(client))["id"]
        page = text((await client.get(PREFS)).text)
    assert withdrawn.headers.get("set-cookie", "").startswith("omo_vid=")
    assert after != before and not is_user_id(after)  # no user, an id nothing is under
    assert keys_of(omotenashi_redis, before) == {} and keys_of(omotenashi_redis, after) == {}
    assert "withdrawn your consent" in page and SHARED in page


async def test_a_revoked_visitor_is_told_of_the_record_that_stays(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.post("/login/mei")
        await client.get("/tours/kyoto")
        await revoke(mw, user_id="mei")
        page = text((await client.get(PREFS)).text)
    mei = user_profile_id(mw.signer.user_salt, "mei")
    assert omotenashi_redis.hgetall(f"omo:{{{mei}}}:p2").keys() == {"revoked"}
    assert "small record that says so" in page and "400 days" in page
    assert "we keep nothing about you." not in page.lower()


RULES = """
rules:
  - {id: fan, slot: hero, text: "Tours fan", why: "You like tours.", category: interests,
     holdout: 10%}
"""


def every_family() -> Profile:
    profile = Profile(
        visits=2,
        views=5,
        first_seen=1_796_000_000.0,
        last_seen=1_796_100_000.0,
        visit_start=1_796_100_000.0,
        absent_days=1.2,
        stage="consideration",
        segments=frozenset({"club_member"}),
        purchases=1,
        purchase_at=1_796_050_000.0,
        cart={"kyoto": 1},
        cart_at=1_796_100_000.0,
        caps={"fan": ("d20790", 2)},
        merged={"a" * 32: 1_796_000_500.0},
        measured={"r|fan": "c:1796000000", "g|fan|signup": "1"},
        purchased=frozenset({"nara"}),
        also={"kyoto>osaka": 1.5},
    )
    profile.shown = {f"gone-{n}": 1 for n in range(3)} | {"fan": 2}
    profile.shown_why = {"fan": (1_796_100_000.0, ["you like tours"])}
    return profile


# (what a section says, a heading of it): one row per family the export holds
FAMILIES = [
    ("You have been getting ready to book (for example", "How far along we think you are"),
    ("club member", "Groups the site put you in"),
    ("nara", "What you bought"),
    ("kyoto: osaka", "Kept by an earlier version"),
    ("We count how often one block was shown to you", "How often blocks were shown"),
    ("What we kept about you before you signed in was joined", "Earlier visits joined to your"),
    ("You like tours: you are in the group that does not see it", "Measuring"),
    ("goals reached after it: signup", "Measuring"),
    ("This visit began", "Your visits"),
    ("Time away before this visit: 1.2 days", "Your visits"),
    ("Cart last changed", "Your visits"),
    ("Last purchase", "Your visits"),
    ("Blocks this site no longer shows (3 times)", "Shown to you"),
]


@pytest.mark.parametrize(("line", "heading"), FAMILIES)
def test_your_data_shows_every_family_kept(line: str, heading: str, tmp_path: Path) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    sections = dict(shown.data_sections(every_family(), ruleset, Prefs()))
    titled = [title for title in sections if title.startswith(heading)]
    assert titled, f"no section {heading!r}: {list(sections)}"
    assert any(line in said for said in sections[titled[0]]), sections[titled[0]]


@pytest.mark.parametrize(
    ("kept", "listed", "more"), [(30, 30, None), (31, 31, None), (32, 30, 2), (45, 30, 15)]
)  # (31: never "and 1 more", the one left is listed: visitor62)
def test_a_long_list_says_how_many_more_the_download_holds(
    kept: int, listed: int, more: int | None, tmp_path: Path
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    profile = Profile(viewed={f"item-{n:02}": 1_796_000_000.0 for n in range(kept)})
    lines = dict(shown.data_sections(profile, ruleset, Prefs()))[
        "Things you looked at (the latest first)"
    ]
    items = [line for line in lines if line.startswith("item")]
    ends = [line for line in lines if re.match(r"… and \d+ more", line)]
    assert len(items) == listed
    assert ends == ([] if more is None else [f"… and {more} more (all in the download)"])


async def test_the_data_page_does_not_call_the_download_as_stored(make_settings: Make) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/tours/kyoto")
        page = text((await client.get(PREFS + "/data")).text)
    assert "exactly as stored" not in page and "The download holds all of it" in page
    assert SHARED in page


@pytest.mark.parametrize(
    ("private", "said"),
    [
        ("", "You like tours: you are in the group that does not see it, to compare, since"),
        (  # (eye50) OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL=false: their pages pass untouched
            "consent untouched",
            "you were in the group that does not see it, since 30 November 2026, 00:53 UTC; you "
            "are not measured now, and see pages as the site makes them, unchanged",
        ),
        (
            "consent",
            "You like tours: you were in the group that does not see it, since 30 November 2026, "
            "00:53 UTC; you are not measured now; goals reached after it: signup",
        ),
        ("gpc", "you were in the group that does not see it, since 30 November 2026"),
    ],
)
def test_a_visitor_not_measured_now_is_told_their_group_is_past(
    private: str, said: str, tmp_path: Path
) -> None:
    """(consent50) Without consent (or under GPC) nobody is drawn: the page shows what the
    larger group sees, and the data page said "you are in the group that does not see it"
    above a page that showed it."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    reason, _, untouched = private.partition(" ")
    sections = dict(
        shown.data_sections(every_family(), ruleset, Prefs(), private=reason, adapts=not untouched)
    )
    (lines,) = [lines for title, lines in sections.items() if title.startswith("Measuring")]
    assert any(said in line for line in lines), lines


@pytest.mark.parametrize(
    ("days", "said"),
    [
        (40 / 1440, "40 minutes"),
        (1 / 1440, "1 minute"),
        (0.25, "6 hours"),
        (1.24, "1.2 days"),
        (59.7 / 1440, "1 hour"),  # (eye52d: rounding read "60 minutes")
        (23.7 / 24, "1.0 days"),  # (and "24 hours")
    ],
)
def test_time_away_reads_in_its_own_unit(days: float, said: str) -> None:
    """visitor52: 40 minutes away read "Days away before this visit: 0.0"."""
    from omotenashi.respect.yourdata import away

    assert away(days) == said
