"""Nothing counted differs by arm: small deterministic scenarios through the real middleware
and a real Redis, one visitor in each group, asserting the exact counts the report reads.

Each scenario is played once by a visitor held out and once by one shown the rule (ids chosen
by their draw): a count that moves for one group and not the other biases the lift. The whole
pipeline over thousands of simulated visitors is in bench/measure_sim.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from omotenashi import Omotenashi, Settings, identify, track
from omotenashi.engine.restraint import in_holdout
from omotenashi.identity.cookie import CookieSigner, Identity
from omotenashi.measure.collect import read_report
from omotenashi.measure.counting import Arm
from omotenashi.measure.report import Counts, Row, RuleSpec, build

from ..conftest import client_for

pytestmark = pytest.mark.anyio
Make = Callable[..., Settings]
PREFS = "/_omotenashi/preferences"
DAY = "2026-11-02"

RULES = """
goals:
  - {id: purchase, event: purchase}
rules:
  - {id: promo, slot: hero, text: Promo, holdout: 50%, category: campaigns,
     when: {path: "/tours/*"}, why: "Everyone on a tour page sees it."}
"""


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        slot = "" if "bare" in request.url.path else '<div data-omo-slot="hero">Default</div>'
        return HTMLResponse(f"<!doctype html><html><head></head><body>{slot}</body></html>")

    async def buy(request: Request) -> PlainTextResponse:
        await track(request, "purchase")
        return PlainTextResponse("thank you")

    async def login(request: Request) -> PlainTextResponse:
        await identify(request, "user-1")
        return PlainTextResponse("welcome")

    return Starlette(
        routes=[
            Route("/", page),
            Route("/tours/{name}", page),
            Route("/buy", buy, methods=["POST"]),
            Route("/login", login, methods=["POST"]),
        ]
    )


CAPPED = RULES.replace(
    "holdout: 50%,", "holdout: 50%, cap: {views: 1, per: visit, until: purchase},"
)


def middleware(make_settings: Make, rules: str = RULES, **overrides: Any) -> Omotenashi:
    redis = {"key_prefix": f"b{uuid.uuid4().hex[:12]}"}
    return Omotenashi(shop(), settings=make_settings(rules, redis=redis, **overrides))


def vid(held: bool, skip: int = 0) -> str:
    """A fixed visitor id in the asked group (the ``skip``-th such)."""
    found = [f"{n:032x}" for n in range(400) if in_holdout(f"{n:032x}", "promo", 50) == held]
    return found[skip]


def cookie(settings: Settings, visitor: str) -> httpx.Cookies:
    """The visitor's cookie as the site set it (its domain), so a later one replaces it."""
    ident = Identity(vid=visitor, is_new=False, issued_at=time.time())
    jar = httpx.Cookies()
    jar.set(settings.cookie.name, CookieSigner(settings).sign(ident), domain="shop.test")
    return jar


async def row(mw: Omotenashi) -> Row:
    report = await read_report(
        mw.store, mw.rules.current.ruleset, since=None, until=None, retention_days=2,
        min_per_arm=100,
    )  # fmt: skip
    return next(r for r in report.rows if r.goal == "purchase")


def shown(page: httpx.Response) -> bool:
    return 'data-omo-rule="promo"' in page.text


async def csrf(client: httpx.AsyncClient) -> str:
    return (await client.get(PREFS)).text.split('name="csrf" value="')[1].split('"')[0]


def counted(held: bool, exposed: int, converted: int) -> tuple[int, int, int, int]:
    """(n_t, x_t, n_c, x_c) for one visitor's counts in their group."""
    return (0, 0, exposed, converted) if held else (exposed, converted, 0, 0)


@pytest.mark.parametrize("held", [True, False])
async def test_pages_without_the_block_and_goals_before_it_count_in_neither_group(
    make_settings: Make, held: bool
) -> None:
    mw = middleware(make_settings)
    async with client_for(mw, cookies=cookie(mw.settings, vid(held))) as client:
        await client.get("/")  # the slot, but not a tour page: the rule would not apply
        await client.get("/tours/bare")  # a tour page without the slot: nothing to show
        await client.post("/buy")  # before any exposure: no conversion
        assert shown(await client.get("/tours/kyoto")) != held  # the first exposure
        await client.post("/buy")
        await client.post("/buy")  # once per visitor and goal
        got = await row(mw)
    assert (got.n_t, got.x_t, got.n_c, got.x_c) == counted(held, 1, 1)


@pytest.mark.parametrize(
    ("held", "before"), [(True, True), (False, True), (True, False), (False, False)]
)
async def test_a_category_switched_off_counts_alike_in_both_groups(
    make_settings: Make, held: bool, before: bool
) -> None:
    """Off before the first exposure: never exposed, in either group. Off after it: counted in
    its group, goals too (intention to treat)."""
    mw = middleware(make_settings)
    async with client_for(mw, cookies=cookie(mw.settings, vid(held))) as client:
        if not before:
            await client.get("/tours/kyoto")
        response = await client.post(PREFS, data={"csrf": await csrf(client), "action": "save"})
        assert response.status_code == 303
        assert not shown(await client.get("/tours/kyoto"))
        await client.post("/buy")
        got = await row(mw)
    assert (got.n_t, got.x_t, got.n_c, got.x_c) == counted(
        held, 0 if before else 1, 0 if before else 1
    )


@pytest.mark.parametrize(
    ("held", "bought_first", "counts"),
    [
        (True, True, (0, 0, 0, 0)),  # a purchase first: the cap keeps it from both groups
        (False, True, (0, 0, 0, 0)),
        (True, False, (0, 0, 1, 1)),  # the cap stops the block after one view, not the counts
        (False, False, (1, 1, 0, 0)),
    ],
)
async def test_a_cap_counts_alike_in_both_groups(
    make_settings: Make, held: bool, bought_first: bool, counts: tuple[int, int, int, int]
) -> None:
    mw = middleware(make_settings, CAPPED)
    async with client_for(mw, cookies=cookie(mw.settings, vid(held))) as client:
        if bought_first:
            await client.post("/buy")
        views = [shown(await client.get("/tours/kyoto")) for _ in range(2)]
        await client.post("/buy")
        got = await row(mw)
    assert views == [not (held or bought_first), False]
    assert (got.n_t, got.x_t, got.n_c, got.x_c) == counts


@pytest.mark.parametrize("first_held", [True, False])
async def test_two_browsers_in_different_groups_signing_in_count_once_each_then_as_one(
    make_settings: Make, first_held: bool
) -> None:
    mw = middleware(make_settings)
    one, two = vid(first_held), vid(not first_held)
    async with (
        client_for(mw, cookies=cookie(mw.settings, one)) as first,
        client_for(mw, cookies=cookie(mw.settings, two)) as second,
    ):
        assert shown(await first.get("/tours/kyoto")) != first_held
        assert shown(await second.get("/tours/kyoto")) == first_held
        await first.post("/login")
        await second.post("/login")
        # both browsers are the user now: the group of the user's first record
        assert [shown(await c.get("/tours/kyoto")) for c in (first, second)] == [not first_held] * 2
        await second.post("/buy")
        await first.post("/buy")
        got = await row(mw)
    assert (got.n_t, got.n_c) == (1, 1)
    assert (got.x_c, got.x_t) == ((1, 0) if first_held else (0, 1))


@pytest.mark.parametrize(
    ("holdout", "n_t", "n_c", "more", "less"),
    [
        (50.0, 5000, 5000, (600, 500), (500, 600)),  # 12 % and 10 %, either way round
        (50.0, 20000, 20000, (620, 580), (580, 620)),
        (10.0, 9000, 1000, (900, 120), (920, 100)),  # the control at 12 % or 10 %
    ],
)
def test_the_plan_is_the_same_whichever_group_converted_more(
    holdout: float, n_t: int, n_c: int, more: tuple[int, int], less: tuple[int, int]
) -> None:
    """The plan is made from both groups' rate together: made from the control's alone, a
    control converting more by chance planned fewer visitors, and a plan reached soon came with
    a false *hurts* about 3 times in 10 in A/A tests (bench/measure_peek.py). The same visitors
    and conversions, the control's share of them moved: the plan must not move."""
    spec = RuleSpec("promo", holdout, ("purchase",))
    plans = []
    for x_t, x_c in (more, less):
        counts = Counts()
        counts.exposures.update(
            {("promo", Arm.TREATMENT, DAY): n_t, ("promo", Arm.CONTROL, DAY): n_c}
        )
        counts.conversions.update(
            {
                ("promo", "purchase", Arm.TREATMENT, DAY): x_t,
                ("promo", "purchase", Arm.CONTROL, DAY): x_c,
            }
        )
        got = build(counts, [spec]).rows[0]
        plans.append((got.needed, got.needed_treated))
    assert plans[0][0] is not None and plans[0] == plans[1]


def counts_of(days: dict[str, tuple[int, int, int, int]]) -> Counts:
    """Counts of rule 'promo' and goal 'purchase' from {day: (n_t, x_t, n_c, x_c)}."""
    counts = Counts()
    for day, (n_t, x_t, n_c, x_c) in days.items():
        for arm, n, x in ((Arm.TREATMENT, n_t, x_t), (Arm.CONTROL, n_c, x_c)):
            counts.exposures[("promo", arm, day)] = n
            counts.conversions[("promo", "purchase", arm, day)] = x
    return counts


@pytest.mark.parametrize(
    ("days", "named"),
    [
        # the whole range (17.5 %) plans about 7,000 a group, which day 1 alone reached; but
        # the read up to day 1 (5 %) plans about 31,000: it would say "early", so it is not it
        ({"2026-11-02": (12000, 600, 12000, 600), "2026-11-03": (12000, 3600, 12000, 3600)},
         "2026-11-03"),
        ({"2026-11-02": (12000, 3600, 12000, 3600), "2026-11-03": (12000, 600, 12000, 600)},
         "2026-11-02"),
    ],
)  # fmt: skip
def test_the_read_a_report_names_is_itself_at_its_planned_size(
    days: dict[str, tuple[int, int, int, int]], named: str
) -> None:
    spec = RuleSpec("promo", 50.0, ("purchase",))
    whole = build(counts_of(days), [spec]).rows[0]
    assert whole.planned_on == named
    read = build(counts_of(days), [spec], until=named).rows[0]
    assert read.planned and not read.early and read.planned_on == named
