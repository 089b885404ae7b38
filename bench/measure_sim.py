"""Simulation audit of measurement: real requests through the middleware, a real Valkey, then
``omotenashi report``'s numbers, over many seeded experiments.

Each experiment is a fresh key prefix. Simulated visitors (a browser each: its own cookie)
make several visits over the simulated days (``time.time`` runs on a simulated clock), view
pages (the measured rule applies only on ``/tours/*``; the home page has no slot for it),
and some convert (``track(request, "purchase")``, a path goal ``/thanks``) at a rate that
depends on their arm only when a lift is asked for. The arm of a visitor is read from the
page they were shown (the rule's block or the default), never from the code under test.

    python bench/measure_sim.py aa --runs 30 --visitors 1500 --holdout 50
    python bench/measure_sim.py aa --runs 30 --visitors 2000 --holdout 10 --noise 0.1
    python bench/measure_sim.py lift --runs 50 --visitors 800 --lift 0.5
    python bench/measure_sim.py peek --runs 30 --visitors 1200 --days 21

``--noise``: that share of visitors are bots, GPC browsers or clients that never send the
cookie back (a third each): the first two are never counted, the last once per tour page.

``aa``: a rule that changes nothing. Prints the split and SRM alarms, the rates per arm, how
often the verdict is *helps*/*hurts*, and the simulation's own truth against the report's
counts (visitors exposed per arm, conversions after exposure). ``lift``: the treatment raises
the conversion probability from p to p·(1+L); how often the interval covers the true
difference of the simulated population, and the mean estimate. ``peek``: an A/A test read
every simulated day; how many experiments show an unmarked verdict on some day.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import landing  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import HTMLResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from omotenashi import EmbeddedRedis, Omotenashi, Settings, track  # noqa: E402
from omotenashi.measure.collect import read_report  # noqa: E402
from omotenashi.measure.report import Row  # noqa: E402
from omotenashi.testing import written  # noqa: E402

DAY = 86400
USER_AGENT = landing.UA
START = 1_795_000_000  # a simulated moment (2026-11-18): the clock the experiments run on
PAGE = "<!doctype html><html><head></head><body>{slot}<p>{path}</p></body></html>"
SLOT = '<div data-omo-slot="hero">Default hero</div>'
RULES = """
goals:
  - {{id: purchase, event: purchase}}
  - {{id: thanks, path: /thanks}}
rules:
  - {{id: promo, slot: hero, text: Promo, holdout: {holdout}%, when: {{path: "/tours/*"}},
     goals: [purchase, thanks], why: "Everyone on a tour page sees it."}}
"""


class Clock:
    """``time.time`` on a simulated clock (the middleware reads it for every request)."""

    def __init__(self) -> None:
        self.now = float(START)
        self.real = time.time

    def __call__(self) -> float:
        return self.now


def shop() -> Starlette:
    async def page(request: Request) -> HTMLResponse:
        slot = SLOT if request.url.path.startswith("/tours/") else ""
        return HTMLResponse(PAGE.format(slot=slot, path=request.url.path))

    async def buy(request: Request) -> HTMLResponse:
        await track(request, "purchase")
        return HTMLResponse(PAGE.format(slot="", path="bought"))

    return Starlette(
        routes=[
            Route("/", page),
            Route("/tours/{name}", page),
            Route("/thanks", page),
            Route("/buy", buy),
        ]
    )


def middleware(url: str, folder: Path, holdout: float) -> Omotenashi:
    rules = folder / "rules"
    rules.mkdir(parents=True, exist_ok=True)
    (folder / "snippets").mkdir(exist_ok=True)
    (rules / "site.yaml").write_text(RULES.format(holdout=f"{holdout:g}"))
    settings = Settings(
        secret_keys=["measure-simulation-key-0123456789"],
        user_salt="measure-simulation-salt",
        redis={  # generous timeouts: a read that times out serves the page as the app made it,
            # uncounted (as it should), which is the machine's load, not what is measured here
            "url": url,
            "key_prefix": f"sim{uuid.uuid4().hex[:10]}",
            "read_timeout": 5.0,
            "write_timeout": 5.0,
        },
        rules={"dir": rules, "snippets_dir": folder / "snippets"},
        respect={"fresh_share": 0.0, "disclosure": False, "page_panel": False},
    )
    return Omotenashi(shop(), settings=settings)


@dataclass
class Truth:
    """What the simulation knows, from the pages each browser was served: visitors first
    shown the block (t) or the default (c) on a tour page, and those who then reached each goal
    on a later request (the purchase, then the thanks page)."""

    exposed: dict[str, int] = field(default_factory=lambda: {"t": 0, "c": 0})
    converted: dict[str, int] = field(default_factory=lambda: {"t": 0, "c": 0})
    switched: int = 0  # visitors shown the block on one tour page and the default on another
    timeouts: int = 0  # Redis commands that did not answer in time (a page served as made)


@dataclass
class Visitor:
    cookie: bytes | None = None
    arm: str = ""
    converted: bool = False
    kind: str = ""  # "" a browser; "bot", "gpc" (never counted); "nocookie" (a new one each time)


KINDS = {"bot": [(b"user-agent", b"Mozilla/5.0 (compatible; Googlebot/2.1)")], "gpc": []}


async def get(app: Any, path: str, who: Visitor) -> bytes:
    landing.UA = dict(KINDS.get(who.kind) or [(b"user-agent", USER_AGENT)])[b"user-agent"]
    landing.EXTRA = [(b"sec-gpc", b"1")] if who.kind == "gpc" else []
    try:
        _, headers, body = await landing.call(app, path, who.cookie)
    finally:
        landing.UA, landing.EXTRA = USER_AGENT, []
    await written()
    cookie = headers.get(b"set-cookie")
    if cookie and who.kind != "nocookie":
        who.cookie = cookie.split(b";")[0]
    return body


async def buy(app: Any, clock: Clock, who: Visitor) -> None:
    for path in ("/buy", "/thanks"):
        await get(app, path, who)
        clock.now += 5


async def visit(
    app: Any, clock: Clock, rng: random.Random, who: Visitor, truth: Truth, p: float, lift: float
) -> None:
    """One visit: a few pages. A visitor not yet exposed may buy before any tour page (not a
    conversion); one first exposed on this visit converts, on a later request of it, with
    probability p (shown the default) or p·(1+lift) (shown the block); a converted visitor may
    buy again on a later visit (counted once)."""
    for _ in range(rng.randint(1, 4)):
        path = rng.choice(["/", "/", f"/tours/t{rng.randint(1, 9)}"])
        if not who.arm and rng.random() < p / 4:
            await buy(app, clock, who)  # before any exposure: never a conversion
        body = await get(app, path, who)
        clock.now += rng.randint(5, 120)
        if not path.startswith("/tours/"):
            continue
        arm = "t" if b'data-omo-rule="promo"' in body else "c"
        if who.kind:  # never counted, or (no cookie) a new visitor on every request
            truth.exposed[arm] += who.kind == "nocookie"
            continue
        if who.arm and arm != who.arm:
            truth.switched += 1
        if not who.arm:
            who.arm = arm
            truth.exposed[arm] += 1
            if rng.random() < (p * (1 + lift) if arm == "t" else p):
                who.converted = True
                truth.converted[arm] += 1
                await buy(app, clock, who)
    if who.kind and rng.random() < p:
        await buy(app, clock, who)  # never a conversion: not counted, or not exposed
    if who.converted and rng.random() < 0.3:
        await buy(app, clock, who)  # again: still one conversion


async def experiment(
    url: str,
    seed: int,
    *,
    visitors: int,
    holdout: float,
    p: float,
    lift: float = 0.0,
    days: int = 7,
    peek: bool = False,
    noise: float = 0.0,
) -> tuple[list[Row], Truth, list[list[Row]]]:
    """One experiment: the final report's rows (read a week after the last visit), the truth,
    and with ``peek`` each simulated day's rows, read at the end of that day."""
    rng = random.Random(seed)
    clock = Clock()
    truth = Truth()
    looks: list[list[Row]] = []
    time.time = clock
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = middleware(url, Path(folder), holdout)
            await app.startup()
            try:
                people = [Visitor(kind=kind(rng, noise)) for _ in range(visitors)]
                plan = sorted(  # each visitor: one to three visits, spread over the days
                    (rng.uniform(0, days * DAY), index)
                    for index in range(visitors)
                    for _ in range(1 + (rng.random() < 0.5) + (rng.random() < 0.25))
                )
                day_end = START - START % DAY + DAY
                for at, index in plan:
                    while START + at >= day_end:
                        if peek:
                            looks.append(await rows(app, day_end - 1))
                        day_end += DAY
                    clock.now = max(clock.now, START + at)
                    await visit(app, clock, rng, people[index], truth, p, lift)
                final = await rows(app, clock.now + 8 * DAY)
                truth.timeouts = app.metrics["redis_timeout"]
            finally:
                await app.shutdown()
    finally:
        time.time = clock.real
    return final, truth, looks


def kind(rng: random.Random, noise: float) -> str:
    """A bot, a GPC browser or a client without cookies, each ``noise``/3 of visitors."""
    draw = rng.random()
    return next(
        (k for i, k in enumerate(("bot", "gpc", "nocookie")) if draw < noise * (i + 1) / 3), ""
    )


async def rows(app: Any, at: float) -> list[Row]:
    today = dt.datetime.fromtimestamp(at, dt.UTC).date().isoformat()
    report = await read_report(
        app.store,
        app.rules.current.ruleset,
        since=None,
        until=None,
        retention_days=400,
        min_per_arm=100,
        today=today,
    )
    return [row for row in report.rows if row.goal == "purchase"]


def verdict(row: Row) -> str:
    """The verdict as the text report prints it (with "(early)")."""
    return f"{row.verdict.value} (early)" if row.early else row.verdict.value


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mode", choices=["aa", "lift", "peek"])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--visitors", type=int, default=600)
    parser.add_argument("--holdout", type=float, default=50.0)
    parser.add_argument("--p", type=float, default=0.10)
    parser.add_argument("--lift", type=float, default=0.0)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", type=float, default=0.0, help="share of bots, GPC, no cookie")
    args = parser.parse_args()
    print("command: python bench/measure_sim.py " + " ".join(sys.argv[1:]))
    lift = args.lift if args.mode == "lift" else 0.0
    with EmbeddedRedis() as server:
        results = []
        for run in range(args.runs):
            final, truth, looks = await experiment(
                server.url,
                args.seed + run,
                visitors=args.visitors,
                holdout=args.holdout,
                p=args.p,
                lift=lift,
                days=args.days,
                peek=args.mode == "peek",
                noise=args.noise,
            )
            results.append((final, truth, looks))
            row = final[0]
            print(
                f"run {run}: truth t {truth.exposed['t']}/{truth.converted['t']} "
                f"c {truth.exposed['c']}/{truth.converted['c']} switched {truth.switched}; "
                f"report t {row.n_t}/{row.x_t} c {row.n_c}/{row.x_c} "
                f"diff [{row.diff_ci.low:+.3f}, {row.diff_ci.high:+.3f}] "
                f"split p {row.srm_p:.3g} {verdict(row)}",
                flush=True,
            )
    summarise(args, lift, results)


def summarise(
    args: Any, lift: float, results: list[tuple[list[Row], Truth, list[list[Row]]]]
) -> None:
    rows_ = [final[0] for final, _, _ in results]
    exact = sum(
        (r.n_t, r.x_t, r.n_c, r.x_c)
        == (t.exposed["t"], t.converted["t"], t.exposed["c"], t.converted["c"])
        for r, (_, t, _) in zip(rows_, results, strict=True)
    )
    print(f"counts equal to the simulation's truth: {exact}/{len(rows_)}")
    print(f"switched arm (a visitor shown both): {sum(t.switched for _, t, _ in results)}")
    print(f"Redis timeouts: {sum(t.timeouts for _, t, _ in results)}")
    share = statistics.mean(r.n_c / (r.n_t + r.n_c) for r in rows_)
    print(f"mean control share {share:.4f} (holdout {args.holdout:g} %)")
    print(f"SRM alarms: {sum(r.srm for r in rows_)}/{len(rows_)}")
    verdicts = [verdict(r) for r in rows_]
    for name in sorted(set(verdicts)):
        print(f"verdict {name!r}: {verdicts.count(name)}/{len(rows_)}")
    true_diff = args.p * lift
    covered = sum(r.diff_ci.contains(true_diff) for r in rows_)
    print(f"interval covers the true difference {true_diff:+.4f}: {covered}/{len(rows_)}")
    relative = sum(r.rel_ci is not None and r.rel_ci.contains(lift) for r in rows_)
    print(f"relative interval covers the true lift {lift:+.0%}: {relative}/{len(rows_)}")
    est = [r.x_t / r.n_t - r.x_c / r.n_c for r in rows_ if r.n_t and r.n_c]
    print(
        f"mean estimated difference {statistics.mean(est):+.4f} (sd {statistics.pstdev(est):.4f})"
    )
    if args.mode == "peek":
        ever = sum(
            any(look and verdict(look[0]) in ("helps", "hurts") for look in looks)
            for _, _, looks in results
        )
        marked = sum(
            any(look and verdict(look[0]).endswith("(early)") for look in looks)
            for _, _, looks in results
        )
        print(f"an unmarked helps/hurts on some day: {ever}/{len(results)}")
        print(f"an (early) verdict on some day: {marked}/{len(results)}")


if __name__ == "__main__":
    asyncio.run(main())
