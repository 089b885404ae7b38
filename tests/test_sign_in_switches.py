"""A sign-in carries into the user's profile only what the visitor's switches in this browser
let be kept (engine/recommending.py ``carried``): the user's profile is read on every device
they sign in on. No recommendation pair is carried, switches on or off: none is kept since
release 48 (they are worked out from the viewed items, which carry while the browsing history
is on); with their browsing history off nothing they browsed (views, topics, viewed items);
under GPC nothing at all (the one privacy
decision, respect/privacy.py ``decide_privacy``, makes the visitor private: ``identify`` links
nothing). Through the real middleware, against a real Redis."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from omotenashi import Omotenashi, identify
from omotenashi.engine.change import Change
from omotenashi.engine.profile import Profile
from omotenashi.engine.recommending import Carried, carried
from omotenashi.engine.restraint import Prefs
from omotenashi.identity.cookie import user_profile_id
from omotenashi.ids import new_vid
from omotenashi.loader.journey import load_journey
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings
from omotenashi.store.store import Store

from .conftest import ROOT, client_for
from .recommend.test_recommend_site import PAGE, RULES, SNIPPETS
from .test_switches40 import CATALOG, JOURNEY, SAME_SITE, Make, Seed, _returning, _save

pytestmark = pytest.mark.anyio
TOURS = ("/tours/kyoto-autumn", "/tours/tokyo-lights", "/tours/bali-retreat", "/tours/paris-art")


def signing_in(html: str) -> Starlette:
    """An app that serves ``html`` on every path, with a sign-in (``POST /login``: ``identify``
    as ``aiko``)."""

    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(html)

    async def login(request: Request) -> RedirectResponse:
        await identify(request, "aiko")
        return RedirectResponse("/", status_code=303)

    return Starlette(routes=[Route("/login", login, methods=["POST"]), Route("/{path:path}", page)])


def _site(make_settings: Make) -> Omotenashi:
    app = signing_in(PAGE)
    settings = make_settings(RULES, SNIPPETS, journey=JOURNEY)
    (Path(settings.rules.dir) / "catalog.yaml").write_text(textwrap.dedent(CATALOG))
    mw = Omotenashi(app, settings=settings)
    mw.store.recs.popular_cache = 0  # every view seen at once
    return mw


def _browsed(profile: Profile) -> tuple[bool, bool, bool]:
    """Whether it holds viewed items (what pairs come from), topics and page views."""
    return bool(profile.viewed), bool(profile.interests), profile.views > 0


@pytest.mark.parametrize(
    ("switch", "carried"),
    [
        ("", (True, True, True)),
        ("recommendations", (True, True, True)),  # every suggestion off: the views still are
        ("browsing-history", (False, False, False)),  # nothing they browsed
        ("gpc", (False, False, False)),  # private: nothing links, nothing merges
    ],
    ids=["all-on", "suggestions-off", "history-off", "gpc"],
)
async def test_a_sign_in_carries_only_what_the_switches_keep(
    make_settings: Make,
    omotenashi_redis: redis.Redis,
    omotenashi_visitor: Seed,
    switch: str,
    carried: tuple[bool, bool, bool],
) -> None:
    site = _site(make_settings)
    async with client_for(site) as client:
        for _ in range(3):  # others teach co-views: what a visitor's own pairs come from
            await _returning(client, omotenashi_visitor, *TOURS)
        mine = omotenashi_visitor(visits=2)
        await _returning(client, lambda **_: mine, *TOURS)
        await site.drain()
        assert _browsed(await site.store.load(mine.id)) == (True, True, True)
        if switch and switch != "gpc":
            await _save(client, off=switch)
        headers = {"sec-gpc": "1"} if switch == "gpc" else {}
        signed = await client.post("/login", headers=headers | SAME_SITE)
        assert signed.status_code == 303
        await site.drain()
        user = await site.store.load(user_profile_id(site.signer.user_salt, "aiko"))
    assert _browsed(user) == carried
    assert omotenashi_redis.keys("omo:{*}:also") == []  # no pair kept, before or after
    if switch in ("recommendations", "browsing-history"):  # the rest still carries over
        assert user.visits >= 2 and user.first_seen is not None
        assert omotenashi_redis.keys(f"omo:{{{mine.id}}}:*") == []  # merged, then deleted


@pytest.mark.parametrize(
    ("keep", "viewed", "views", "events"),
    [
        (Carried(), ["kyoto"], 1, {"view_item": 1, "signup": 1}),
        (Carried(history=False), [], 0, {"signup": 1}),
    ],
    ids=["all", "no-history"],
)
async def test_the_merge_leaves_out_what_it_is_told_to(
    store: Store,
    omotenashi_redis: redis.Redis,
    keep: Carried,
    viewed: list[str],
    views: int,
    events: dict[str, int],
) -> None:
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    change = Change(now=now - 600, view=True, topics=["japan"], items=["kyoto"], bought=["bali"])
    change.first = {"utm_source": "mail"}
    change.add_event("view_item", {"item": "kyoto"})
    change.add_event("signup", {})
    await store.record(anon, change, 7 * 86400.0)
    omotenashi_redis.zadd(store.key(anon, "also"), {"a>b": 3.0})  # an earlier release's
    assert await store.merge(anon, user, now, 7 * 86400.0, keep) is True
    merged = await store.load(user)
    assert (merged.also, sorted(merged.viewed), merged.views) == ({}, viewed, views)
    assert not omotenashi_redis.exists(store.key(anon, "also"))  # erased with the rest
    assert merged.events == events and bool(merged.interests) is keep.history
    assert bool(merged.first_touch) is keep.history
    assert merged.purchased == {"bali"}  # what restraint and suggestions' filters need: kept


@pytest.mark.parametrize(
    ("keep", "cart", "event", "stage"),
    [
        (Carried(), False, False, "interest"),  # history on: the stage goes with the rest
        (Carried(history=False), False, False, "awareness"),  # browsing alone
        (Carried(history=False), True, False, "interest"),  # a cart: may have
        (Carried(history=False), False, True, "interest"),  # an event: may have
    ],
    ids=["history-on", "browsed-only", "with-a-cart", "with-an-event"],
)
async def test_a_stage_browsing_alone_reached_is_not_carried_with_the_history_off(
    store: Store, omotenashi_redis: redis.Redis, keep: Carried, cart: bool, event: bool, stage: str
) -> None:
    """The journey's stage a visitor reached only by browsing ("interest": three pages seen)
    stays out of the account when their history is off; one what they did beyond browsing may
    have moved (a cart, an event: both carried) goes with it. Through the real merge."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    change = Change(now=now - 600, view=True, topics=["japan"], stage="interest")
    if cart:
        change.cart_add = {"kyoto": 1}
    if event:
        change.add_event("signup", {})
    await store.record(anon, change, 7 * 86400.0)
    assert (await store.load(anon)).stage == "interest"
    assert await store.merge(anon, user, now, 7 * 86400.0, keep) is True
    assert (await store.load(user)).stage == stage


@pytest.mark.parametrize(
    ("events", "cart", "stage"),
    [
        ({}, False, "awareness"),  # browsing alone ("interest": three pages seen)
        ({"video_play": 1}, False, "awareness"),  # an event no transition reads
        ({"add_to_cart": 1}, True, "consideration"),  # on: add_to_cart
        ({"join_club": 1}, False, "interest"),  # on: join_club, but never past their own
    ],
    ids=["browsed-only", "unrelated-event", "cart", "club-capped"],
)
async def test_with_the_journey_a_stage_is_carried_as_far_as_what_is_carried_reaches(
    store: Store,
    omotenashi_redis: redis.Redis,
    events: dict[str, int],
    cart: bool,
    stage: str,
) -> None:
    """With the history off, the stage a sign-in carries is the furthest the site's journey
    reaches from what is carried (events, a cart, bookings; nothing browsed), never past the
    profile's own: an event no transition reads moves nothing (hunt44: a beacon's video_play
    carried 'interest', reached by three pages seen, into the account). The demo's journey."""
    journey = load_journey(ROOT / "rules")
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    reached = "consideration" if cart else "interest"
    change = Change(now=now - 600, view=True, topics=["japan"], stage=reached)
    for name, n in events.items():
        for _ in range(n):
            change.add_event(name, {"item": "kyoto"} if name == "add_to_cart" else {})
    await store.record(anon, change, 7 * 86400.0)
    assert (await store.load(anon)).stage == reached
    keep = Carried(history=False, journey=journey)
    assert await store.merge(anon, user, now, 7 * 86400.0, keep) is True
    assert (await store.load(user)).stage == stage


async def test_with_the_history_off_a_block_on_behaviour_is_not_carried_as_shown(
    store: Store, omotenashi_redis: redis.Redis
) -> None:
    """Its "why" names what was browsed ("You have been looking at Hawaii tours for
    families"): listed as shown on the account's page on every device otherwise (hunt44). A
    block on the moment stays shown; caps are carried whatever the rule."""
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    change = Change(now=now - 600, view=True, shown=["hawaii-hero", "sale-banner"])
    change.shown_why = {"hawaii-hero": [now - 600, ["hawaii"]], "sale-banner": [now - 600, []]}
    change.caps = {"hawaii-hero": ["d20000", 1]}
    await store.record(anon, change, 7 * 86400.0)
    keep = Carried(history=False, behavioural=frozenset({"hawaii-hero"}))
    assert await store.merge(anon, user, now, 7 * 86400.0, keep) is True
    merged = await store.load(user)
    assert (set(merged.shown), set(merged.shown_why)) == ({"sale-banner"}, {"sale-banner"})
    assert set(merged.caps) == {"hawaii-hero"}


def test_a_rule_on_behaviour_is_left_out_under_its_former_names_too(tmp_path: Path) -> None:
    """The anonymous profile is merged as kept, under the names its rules had then (final44:
    a renamed rule on behaviour was carried as shown under its old id)."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        "rules:\n  - {id: hero-new, formerly: [hero-old], slot: hero, text: Hi, why: Browsed.,"
        " when: {views: {at_least: 2}}}\n"
        "  - {id: sale, slot: tag, text: Sale, why: Everyone.}\n"
    )
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    off = Prefs(off_categories=frozenset({"browsing-history"}))
    keep = carried(off, RespectSettings(), None, ruleset.rules)
    assert keep.behavioural == {"hero-new", "hero-old"}


BOUGHT_JOURNEY = """\
transitions:
  - {to: interest, when: {views: {at_least: 3}}}
  - {to: purchase, when: {bought: [lapland-aurora]}}
"""


@pytest.mark.parametrize(
    ("booked", "anon_stage", "stage"),
    [
        ("lapland-aurora", "purchase", "purchase"),  # the booking the transition reads
        ("kyoto-autumn", "interest", "awareness"),  # another booking: browsing reached it
        (None, "interest", "awareness"),  # no booking at all
    ],
    ids=["bought-it", "bought-another", "none"],
)
async def test_a_stage_reached_on_an_item_bought_is_carried_with_the_history_off(
    store: Store,
    omotenashi_redis: redis.Redis,
    tmp_path: Path,
    booked: str | None,
    anon_stage: str,
    stage: str,
) -> None:
    """The items bought are carried (what restraint and suggestions' filters need), so a
    journey transition on ``bought:`` reaches from them: the stage it gave goes with a sign-in
    with the history off; without that booking the stage browsing reached does not."""
    (tmp_path / "journey.yaml").write_text(BOUGHT_JOURNEY)
    journey = load_journey(tmp_path)
    anon, user = new_vid(), user_profile_id("salt", new_vid())
    now = 1_800_000_000.0
    change = Change(now=now - 600, view=True, topics=["lapland"], stage=anon_stage)
    if booked:
        change.add_event("purchase", {"items": [booked]})
    await store.record(anon, change, 7 * 86400.0)
    assert (await store.load(anon)).purchased == ({booked} if booked else set())
    keep = Carried(history=False, journey=journey)
    assert await store.merge(anon, user, now, 7 * 86400.0, keep) is True
    assert (await store.load(user)).stage == stage
