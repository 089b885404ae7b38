"""prefs47b: every statement to a visitor is true of that visitor at that moment. The browsing
history's card under GPC or without consent promises no "Start afresh", no keeping and no
sign-in erase; Personalise nothing without consent says that consent holds too (one decision,
respect/privacy.py); a signed-in GPC visitor's cookie is said to hold their sign-in; an Undo
under GPC and Personalise nothing names both; a kind's card names its reason; the shared
totals are not said to hold a visitor never counted; the pages-seen caveat says what a sign-in
with the history off left out. Through the real middleware, against a real Redis."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import redis
from selectolax.lexbor import LexborHTMLParser

from omotenashi import Omotenashi, Settings
from omotenashi.engine.flash import Flash, message
from omotenashi.engine.privacywords import held_by
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import CompiledRule, RuleSet
from omotenashi.identity.cookie import user_profile_id
from omotenashi.respect.privacy import decide_privacy
from omotenashi.rules.model import Rule, When
from omotenashi.settings import RespectSettings

from ..conftest import client_for, form_token, origin, page_words, switch_history
from ..test_prefs_truth44 import form_of
from ..test_sign_in_switches import signing_in
from .test_gpc_holds import PAGE, RULES

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
GPC = {"sec-gpc": "1"}
CONSENT = {"consent_required": True}
UNTICK = "you untick “Personalise nothing for me”"
GPC_HOLDS = held_by("gpc")


def site(make_settings: Make, **respect: Any) -> Omotenashi:
    """The GPC tests' page and rules, with a sign-in (``POST /login``: ``identify``)."""
    settings = make_settings(RULES, respect={"disclosure": True, **respect})
    return Omotenashi(signing_in(PAGE), settings=settings)


def text(node: Any) -> str:
    return " ".join(page_words(node.html or "").split()).replace("&#39;", "'")


def labelled_line(page: str, items: str, line: str, label: str) -> str:
    """The words of the ``line`` in the one of ``items`` whose switch is labelled ``label``."""
    for card in LexborHTMLParser(page).css(items):
        name, off = card.css_first("label"), card.css_first(line)
        if name is not None and name.text() == label:
            return text(off) if off is not None else ""
    raise AssertionError(f"no {items!r} labelled {label!r}")


def kind_line(page: str, label: str) -> str:
    """What a kind's card says after its count (its "-off" line), by its switch's label."""
    return labelled_line(page, "li.card", "p[id$='-off']", label)


def entry_line(page: str, label: str) -> str:
    """What a block's entry says after "Not shown to you now:" (or "Off: ..."), by label."""
    return labelled_line(page, "#omo-shown > li", "p.off", label)


def note(page: str) -> str:
    found = LexborHTMLParser(page).css_first("#omo-private")
    return text(found) if found is not None else ""


async def save(client: httpx.AsyncClient, fields: dict[str, Any]) -> None:
    saved = await client.post(PREFS, data=fields, headers={"origin": origin(client)})
    assert saved.status_code == 303


async def sign_in(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
    signed = await client.post("/login", headers={"origin": origin(client), **(headers or {})})
    assert signed.status_code == 303


# --- P1-a: the browsing history's card, true under each privacy decision ---------------------

HISTORY = "Browsing history"
FALSE_UNDER_PRIVACY = ["start afresh", "We still keep", "erases it rather than bringing it"]


@pytest.mark.parametrize(
    ("respect", "then", "reason"),
    [
        ({}, "gpc", "gpc"),  # (qa47 s4 "gpc,hist")
        (CONSENT, "no-consent", "consent"),  # consent given, browsed, then taken back
        ({}, "", ""),  # nothing holds: what was said before, all true
    ],
)
async def test_the_history_card_is_true_under_each_privacy_decision(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    respect: dict[str, Any],
    then: str,
    reason: str,
) -> None:
    mw = site(make_settings, **respect)
    async with client_for(mw) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")
        await client.get("/")
        await switch_history(client, on=False)
        await mw.drain()
        if then == "no-consent":
            client.cookies.delete("omo_consent")
        card = kind_line(
            (await client.get(PREFS, headers=GPC if then == "gpc" else {})).text, HISTORY
        )
        if reason:  # and a sign-in then links nothing, as it says (asgi/api.py identify)
            await sign_in(client, GPC if then == "gpc" else {})
            data = page_words(
                (await client.get(PREFS + "/data", headers=GPC if then == "gpc" else {})).text
            )
            assert "Visits: 1" in data  # still under the browser's id, not erased, not moved
    assert card.startswith("Off: from now on, what you browse here is not kept")
    for untrue in FALSE_UNDER_PRIVACY:
        assert (untrue in card) is not bool(reason), untrue
    if reason:
        assert card.endswith(
            f"While {held_by(reason)}, we keep nothing new about you at all, and signing in "
            "brings nothing into your account."
        )
        assert "until you erase it (or it expires, at the latest" in card


# --- P1-b: Personalise nothing without consent: one decision, both said -----------------------


@pytest.mark.parametrize(
    ("gpc", "prefs", "cookie", "reason", "missing"),
    [
        (False, Prefs(nothing=True), "", "consent", True),  # (was "nothing", consent not missing)
        (False, Prefs(nothing=True), "1", "nothing", False),
        (False, Prefs(nothing=True, consent=True), "", "nothing", False),
        (True, Prefs(nothing=True), "", "gpc", True),
        (False, Prefs(), "", "consent", True),
        (False, Prefs(), "yes", "", False),
    ],
)
def test_personalise_nothing_without_consent_is_decided_as_no_consent(
    gpc: bool, prefs: Prefs, cookie: str, reason: str, missing: bool
) -> None:
    headers = {"cookie": f"omo_consent={cookie}"} if cookie else {}
    got = decide_privacy(
        headers | ({"sec-gpc": "1"} if gpc else {}), prefs, RespectSettings(consent_required=True)
    )
    assert (got.reason, got.consent_missing, got.private) == (
        reason,
        missing,
        True if reason else False,
    )


async def test_personalise_nothing_without_consent_says_both_hold(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """qa47 s12: consent given, browsed, Personalise nothing ticked, consent cookie removed."""
    async with client_for(site(make_settings, **CONSENT)) as client:
        client.cookies.set("omo_consent", "1")
        await client.get("/")
        assert "Welcome back" in (await client.get("/")).text
        await save(client, form_of((await client.get(PREFS)).text, nothing="1"))
        client.cookies.delete("omo_consent")
        page = (await client.get(PREFS)).text
        await save(client, form_of(page, drop=frozenset({"1"})))  # unticked: consent missing
        after = (await client.get("/")).text
    assert entry_line(page, "You have been here before.") == (
        "Not shown to you now: you have not given consent to personalisation, and it uses what "
        "you did here. You also chose to personalise nothing. Left ticked, it may show again "
        f"once you give it and {UNTICK}."
    )
    assert kind_line(page, "History").endswith(  # named: the card says nothing of consent before
        f"Left ticked, these come back once you give consent to personalisation and {UNTICK}."
    )
    assert note(page).endswith(
        "You also chose “Personalise nothing for me”: no block is shown to you while it is on, "
        "and those that use what you did here come back only once you give consent to "
        "personalisation and you untick it."
    )
    assert "Welcome back" not in after  # as it said: unticking alone did not bring it back


# --- P2-a: a signed-in GPC visitor's cookie holds their sign-in too ---------------------------


@pytest.mark.parametrize(
    ("erased", "said"),
    [
        (
            True,
            "Only your choices on this page and your sign-in (the link to your account, with "
            "nothing stored under it) are kept, in a cookie on this device, so they still hold "
            "later.",
        ),
        (
            False,
            ": we keep that choice in the cookie on this device that holds your sign-in, and "
            "nothing else about you with it.",
        ),
    ],
    ids=["nothing-kept", "profile-kept"],
)
async def test_a_signed_in_gpc_visitor_is_told_the_cookie_holds_their_sign_in(
    make_settings: Make, omotenashi_redis: redis.Redis, erased: bool, said: str
) -> None:
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        await sign_in(client)
        await client.get("/")
        await mw.drain()
        if erased:  # (erased from another browser: qa47 s8)
            await mw.store.erase(user_profile_id(mw.signer.user_salt, "aiko"))
        # a choice made under GPC: a block switched off (the spring promo, on the link
        # alone, still shows: the note goes on to say how its choice is kept)
        token = form_token((await client.get(PREFS, headers=GPC)).text)
        fields = {"csrf": token, "action": "save", "listed": "fan-note", "listed_kind": ""}
        went = await client.post(PREFS, data=fields, headers={"origin": origin(client), **GPC})
        assert went.status_code == 303
        prefs = note((await client.get(PREFS, headers=GPC)).text)
        data = page_words((await client.get(PREFS + "/data", headers=GPC)).text)
    assert said in prefs
    if erased:  # (the data page says no switch: what is kept, then the choices)
        assert said in " ".join(data.split())
    for said_on in (prefs, " ".join(data.split())):
        assert "an id nothing is stored under" not in said_on
        assert "and nothing about you with it" not in said_on


# --- P2-b: an Undo under GPC and Personalise nothing names both ------------------------------

SEEN = Rule(id="seen", slot="hero", text="x", why="You were here.", when=When(viewed=["alps"]))
UNDONE = "Undone: “You were here” is switched back on."
STILL = " Your other choices still keep it off."


@pytest.mark.parametrize(
    ("reason", "prefs", "said"),
    [
        (
            "gpc",
            Prefs(nothing=True),
            f"{STILL} It also stays off while {GPC_HOLDS}: it uses what you did here.",
        ),
        (
            "consent",
            Prefs(nothing=True),
            f"{STILL} It also stays off while you have not given consent to personalisation: it "
            "uses what you did here.",
        ),
        ("nothing", Prefs(nothing=True), STILL),  # their own choice alone
    ],
)
def test_an_undo_under_privacy_and_personalise_nothing_says_both(
    reason: str, prefs: Prefs, said: str
) -> None:
    ruleset = RuleSet(rules=[CompiledRule(SEEN, "f", 1, 0, [], None)])
    got = message(Flash("seen", 1e6, undo=True), ruleset, prefs, False, 1e6, False, True, reason)
    assert got is not None and got[1] == UNDONE + said


# --- P3-b: the shared totals, said only to a visitor who may be in them ----------------------

SHARED = "Totals kept for all visitors together"


@pytest.mark.parametrize(
    ("respect", "cookies", "headers", "browse", "shared"),
    [
        (CONSENT, {}, {}, True, False),  # never counted (qa47 s10): no cookie, nothing kept
        ({}, {}, GPC, True, False),  # GPC from the first page: never counted
        (CONSENT, {"omo_consent": "1"}, {}, True, True),
        ({}, {}, {}, False, True),  # counted from their first page on
    ],
)
async def test_the_shared_totals_are_said_only_to_a_visitor_who_may_be_in_them(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    respect: dict[str, Any],
    cookies: dict[str, str],
    headers: dict[str, str],
    browse: bool,
    shared: bool,
) -> None:
    async with client_for(
        site(make_settings, **respect), cookies=cookies, headers=headers
    ) as client:
        if browse:
            await client.get("/")
            await client.get("/")
        data = (await client.get(PREFS + "/data")).text
    assert (SHARED in data) is shared


# --- P3-c: the pages-seen caveat after a sign-in with the history off ------------------------

NOT_COUNTED = "pages you see while your browsing history is off are not counted"
AT_SIGN_IN = ", nor those you saw before signing in while it was off"


@pytest.mark.parametrize(
    ("signs_in", "pages", "caveat"),
    [
        (True, 0, NOT_COUNTED + AT_SIGN_IN),  # the page counted before went at the sign-in
        (False, 1, NOT_COUNTED),
    ],
    ids=["signed-in", "anonymous"],
)
async def test_the_pages_seen_caveat_says_what_a_sign_in_left_out(
    make_settings: Make, omotenashi_redis: redis.Redis, signs_in: bool, pages: int, caveat: str
) -> None:
    """qa47 s5b hist_then: one page counted, the history off, more pages, then a sign-in."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        await mw.drain()
        await switch_history(client, on=False)
        await client.get("/")
        await client.get("/")
        await mw.drain()
        if signs_in:
            await sign_in(client)
            await mw.drain()
        data = page_words((await client.get(PREFS + "/data")).text)
        facts = page_words((await client.get(PREFS)).text)
    assert f"Pages seen: {pages} ({caveat})" in " ".join(data.split())
    record = f"a record of {pages} page you saw" if pages else "no record of any page you saw"
    assert f"We have {record}: {caveat}." in " ".join(facts.split())
    assert bool(re.search(r"before signing in", data)) is signs_in


async def save_nothing(client: httpx.AsyncClient, on: bool) -> None:
    """The preferences page saved with every kind on and *Personalise nothing* as ``on``."""
    page = await client.get(PREFS)
    form: dict[str, Any] = {
        "csrf": form_token(page.text),
        "action": "save",
        "category": re.findall(r'name="category" value="([^"]+)"', page.text),
        "listed_kind": re.findall(r'name="listed_kind" value="([^"]+)"', page.text),
        **({"nothing": "1"} if on else {}),
    }
    saved = await client.post(PREFS, data=form, headers={"origin": origin(client)})
    assert saved.status_code == 303


@pytest.mark.parametrize("gpc", [False, True], ids=["plain", "gpc-meanwhile"])
async def test_pages_seen_while_personalising_nothing_are_said_not_counted(
    make_settings: Make, omotenashi_redis: redis.Redis, gpc: bool
) -> None:
    """visitor70: 3 pages, *Personalise nothing* on, 5 pages, off again, 1 page: "You have
    visited once and seen 4 pages.", with no word of the 5 (nothing is written under it)."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        for _ in range(3):
            await client.get("/")
        await mw.drain()
        await save_nothing(client, on=True)
        for _ in range(5):
            await client.get("/")
        if gpc:  # switched off under GPC: nothing may be written, not even the mark
            client.headers.update({"sec-gpc": "1"})
        before = (await client.get(PREFS + "/export")).json()["profile"]
        (key,) = omotenashi_redis.keys("omo:*:p2")
        kept = {f: v for f, v in omotenashi_redis.hgetall(key).items() if f != "HO"}
        await save_nothing(client, on=False)
        client.headers.pop("sec-gpc", None)
        after = (await client.get(PREFS + "/export")).json()["profile"]
        assert {f: v for f, v in omotenashi_redis.hgetall(key).items() if f != "HO"} == kept
        # the mark alone: no time seen moved (privacy70: the next page continued a visit of
        # long before), no visit
        for field in ("last_seen", "visits", "visit_started", "views"):
            assert after[field] == before[field], field
        await client.get("/")
        await mw.drain()
        facts = " ".join(page_words((await client.get(PREFS)).text).split())
        data = " ".join(page_words((await client.get(PREFS + "/data")).text).split())
        export = (await client.get(PREFS + "/export")).json()
        await sign_in(client)  # the mark goes with what the sign-in joins (merge: HO's bits)
        await mw.drain()
        joined = " ".join(page_words((await client.get(PREFS + "/data")).text).split())
    marked = not gpc
    assert ("where you chose to personalise nothing are not counted" in joined) is marked
    said = "pages seen in a browser where you chose to personalise nothing are not counted"
    assert (f"We have a record of 4 pages you saw ({said})." in facts) is marked, facts
    assert (f"Pages seen: 4 ({said})" in data) is marked, data
    assert ("You have visited once and seen 4 pages." in facts) is not marked
    profile = export["profile"]
    assert profile["views"] == 4
    assert profile["pages_seen_while_personalising_nothing_not_counted"] is marked
    assert profile["pages_seen_with_history_off_not_counted"] is False


async def test_personalise_nothing_as_the_first_choice_is_said_too(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """last70: with no page counted before *Personalise nothing* (the visitor's first move),
    no profile was kept to mark, and "You have visited once and seen 2 pages" came after 7. The
    mark starts one, expiring as a new profile does; the pages after it go on from it."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get(PREFS)  # (a cookie, no page counted)
        await save_nothing(client, on=True)
        for _ in range(5):
            await client.get("/")
        await save_nothing(client, on=False)
        (key,) = omotenashi_redis.keys("omo:*:p2")
        assert omotenashi_redis.hgetall(key) == {"HO": "2"}  # the mark alone
        assert 0 < omotenashi_redis.ttl(key) <= 86400  # (a new profile's life)
        for _ in range(2):
            await client.get("/")
        await mw.drain()
        facts = " ".join(page_words((await client.get(PREFS)).text).split())
        profile = (await client.get(PREFS + "/export")).json()["profile"]
    said = "pages seen in a browser where you chose to personalise nothing are not counted"
    assert f"We have a record of 2 pages you saw ({said})." in facts, facts
    assert profile["views"] == 2 and profile["visits"] == 1
    assert profile["pages_seen_while_personalising_nothing_not_counted"] is True


async def test_a_sign_in_that_joined_the_browsing_is_not_said_to_have_left_pages_out(
    make_settings: Make, omotenashi_redis: redis.Redis
) -> None:
    """visitor70: one page with the history on, a sign-in (it joined the browsing), then the
    history off and a page: the caveat said pages seen before signing in were left out."""
    mw = site(make_settings)
    async with client_for(mw) as client:
        await client.get("/")
        await mw.drain()
        await sign_in(client)
        await mw.drain()
        await switch_history(client, on=False)
        await client.get("/")
        await mw.drain()
        data = " ".join(page_words((await client.get(PREFS + "/data")).text).split())
        facts = " ".join(page_words((await client.get(PREFS)).text).split())
        await switch_history(client, on=True)
        back = " ".join(page_words((await client.get(PREFS + "/data")).text).split())
    assert f"Pages seen: 1 ({NOT_COUNTED})" in data
    assert f"We have a record of 1 page you saw: {NOT_COUNTED}." in facts
    assert (
        "Pages seen: 1 (pages you saw while your browsing history was off are not counted)" in back
    )
    assert "before signing in while" not in data + facts + back
    assert "what you browsed (the pages you saw" in data  # (joined, as the data page says)


@pytest.mark.parametrize(
    ("headers", "said"),
    [
        ({}, "Kind: History. Ticked, it still stays off while you personalise nothing."),
        (  # final47: the card said GPC alone, leaving out Personalise nothing
            {"sec-gpc": "1"},
            "Kind: History. Ticked, it still stays off while your browser asks sites not to "
            "track you (Global Privacy Control or Do Not Track). It also stays off while you "
            "personalise nothing.",
        ),
    ],
)
async def test_a_switched_off_card_names_every_hold(
    make_settings: Make, omotenashi_redis: redis.Redis, headers: dict[str, str], said: str
) -> None:
    async with client_for(site(make_settings)) as client:
        await client.get("/")
        await client.get("/")
        fields = {"csrf": form_token((await client.get(PREFS)).text), "action": "save"}
        fields |= {"listed": "fan-note", "listed_kind": "", "nothing": "1"}
        await client.post(PREFS, data=fields, headers={"origin": origin(client)})
        page = (await client.get(PREFS, headers=headers)).text
    cards = [text(li) for li in LexborHTMLParser(page).css("#omo-switched-off li")]
    assert len(cards) == 1 and cards[0].endswith(said)
