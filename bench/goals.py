"""Every speed goal of the project, measured in one run and printed as a table.

    python bench/goals.py                 # about 5-10 minutes on 2 busy cores
    python bench/goals.py --quick         # smaller counts, a first look
    python bench/goals.py --readme README.md   # also rewrite the README's table

Ratios are measured within one run (bare and personalised apps alternate, round after round)
and each figure is the median of the rounds: the machine is shared and noisy, so compare
ratios, not absolute times. Redis is a real server (a private one unless
``OMOTENASHI_REDIS_URL`` is set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "middleware")]

from bench import inprocess, lives, scale, throughput  # noqa: E402

from omotenashi import EmbeddedRedis  # noqa: E402

START, END = "<!-- bench:goals -->", "<!-- /bench:goals -->"
T0 = time.monotonic()


def step(name: str) -> None:
    print(f"[{time.monotonic() - T0:6.0f} s] {name}", file=sys.stderr, flush=True)


def measure(quick: bool, rounds: int) -> list[tuple[str, str, str, bool]]:
    n = 500 if quick else 2000
    visits, distinct = (10_000, 1_000) if quick else (50_000, 5_000)
    url = os.environ.get("OMOTENASHI_REDIS_URL")
    server = None if url else EmbeddedRedis().start()
    url = url or server.url  # type: ignore[union-attr]
    rows: list[tuple[str, str, str, bool]] = []
    try:
        step("CPU and share, in process")
        cpu = asyncio.run(inprocess.cpu_and_share(url, n, rounds))
        rows.append(
            (
                "1. responses personalised (returning visitors, fresh share 0; one counts when it"
                " shows a rule chosen from what is kept of the visitor, not one for everyone)",
                f"{cpu['shown']} of {cpu['requests']} ({cpu['share']:.2%})",
                "100%",
                cpu["share"] == 1.0,
            )
        )
        for label, work in (("demo home page", 0.0), ("a page that takes 5 ms", 5.0)):
            step("HTTP throughput")
            got = throughput.throughput(url, n, rounds, work)
            want = 0.8 if work == 0 else 0.97
            rows.append(
                (
                    f"2. HTTP throughput, {label} (uvicorn, 1 worker) vs bare",
                    f"{got['ratio']:.2f} ({got['omotenashi_rps']:.0f} / {got['bare_rps']:.0f}"
                    f" req/s; {got['share']:.0%} personalised)",
                    f">= {want} (all personalised)",
                    got["ratio"] >= want and got["share"] == 1.0,
                )
            )
        rows.append(
            (
                "3. Redis round trips per request: profile reads (before the app, read while it"
                " runs), record writes (after the response, batched)",
                f"reads {cpu['reads_per_request']:.2f}, write commands"
                f" {cpu['writes_per_request']:.2f} ({cpu['commands_per_request']:.2f} commands);"
                f" 50 visitors at once: {cpu['records_per_write']:.1f} page views per write;"
                f" the server's time in the scripts {cpu['server_us']:.0f} µs a request"
                " (a page goes out while Redis holds its write: tested,"
                " test_a_page_goes_out_whole_while_redis_holds_its_write; a queued write rides"
                " the next read's trip, which Valkey answers after running it)",
                "read 1, writes 0 on the response path",
                cpu["reads_per_request"] <= 1.0 and cpu["records_per_write"] > 1,
            )
        )
        rows.append(
            (
                "4. CPU per personalised request, Redis excluded (added to the bare app)",
                f"{cpu['cpu_added_us'] - cpu['cpu_redis_us']:.0f} µs: {cpu['cpu_added_us']:.0f}"
                f" µs added in all, less {cpu['cpu_redis_us']:.0f} µs of Redis client work"
                f" (bare app {cpu['cpu_bare_us']:.0f} µs)",
                "<= 150 µs",
                cpu["cpu_added_us"] - cpu["cpu_redis_us"] <= 150,
            )
        )
        step("decide at scale")
        dec = scale.decide_at_scale(rounds)
        rows.append(
            (
                "5. decide, 10,000 rules over 1,000 slots, page with 5 slots",
                f"{dec['decide_10k_us']:.1f} µs; {dec['ratio']:.2f}x the cost with 10 rules",
                "<= 50 µs, <= 2x",
                dec["decide_10k_us"] <= 50 and dec["ratio"] <= 2,
            )
        )
        step("loading 10,000 rules")
        load = scale.load_cost(1 if quick else 3)
        rows.append(
            (
                "6. load 10,000 rules as a server starts (CPU s; MB kept / peak)",
                f"{load['load_s']:.2f} s; {load['kept_mb']:.0f} / {load['peak_mb']:.0f} MB",
                "<= 1 s, <= 30 MB",
                load["load_s"] <= 1 and load["peak_mb"] <= 30,
            )
        )
        step("reload latency")
        reload = asyncio.run(scale.reload_latency())
        rows.append(
            (
                scale.RELOAD_ROW,
                scale.reload_figures(reload),
                f"<= {scale.RELOAD_TARGET:.0f}x; worst <= {scale.RELOAD_WORST_MS:.0f} ms",
                scale.reload_met(reload),
            )
        )
        step("hostile headers")
        hostile = asyncio.run(
            inprocess.hostile_headers(url, 200 if quick else 500, (8192, 65536), 2 if quick else 3)
        )
        kb8, kb64 = hostile[8192], hostile[65536]
        rows.append(
            (
                "7. Omotenashi's own CPU per request (less the bare app's), new 8 KB and 64 KB"
                " values each time (User-Agent, Referer, Accept-Language, a cookie, the query)"
                " vs ordinary ones",
                f"{kb8['ratio']:.2f}x and {kb64['ratio']:.2f}x ({kb8['ours_us']:.0f} and"
                f" {kb64['ours_us']:.0f} vs {kb8['plain_us']:.0f} µs)",
                "bounded: no more at 64 KB than at 8 KB (within 10%)",
                kb64["ours_us"] <= 1.1 * kb8["ours_us"],
            )
        )
        rows.append(
            (
                "8. Redis memory per profile after the first pages (the mix of goal 1: 2-3 tours,"
                f" then the home page, about {(750 + (rounds + 1) * n) // 50} times each by"
                " the time it is read; MEMORY USAGE, all its keys, median; compact forms, the"
                " default)",
                f"{cpu['profile_bytes']:.0f} B",
                "<= 512 B",
                cpu["profile_bytes"] <= 512,
            )
        )
        step("the first pages again, profiles in their full forms")
        on = asyncio.run(inprocess.cpu_and_share(url, n, rounds, full=True))
        rows.append(
            (
                "8. the same, full forms (OMOTENASHI_REDIS_COMPACT=0, as releases before 86f3d79"
                " write them: N kept when 1, an interest's time when F's, a shown rule's when"
                " L's; median)",
                f"{on['profile_bytes']:.0f} B",
                "<= 512 B",
                on["profile_bytes"] <= 512,
            )
        )
        step("profiles a week in")
        week = asyncio.run(lives.week(url, 20 if quick else 60))
        rows.append(
            (
                "8. Redis memory per profile a week in (3 visits days apart, 2-5 tours each:"
                " bench/lives.py; median; compact forms)",
                f"{week['median_bytes']:.0f} B ({week['compact']} of {week['profiles']} in"
                " Redis's listpack)",
                "<= 512 B",
                week["median_bytes"] <= 512,
            )
        )
        step("profiles a week in, in their full forms")
        weekc = asyncio.run(lives.week(url, 20 if quick else 60, full=True))
        rows.append(
            (
                "8. the same, full forms (OMOTENASHI_REDIS_COMPACT=0; the recommendation pairs'"
                " items by id, scores with two decimals; median)",
                f"{weekc['median_bytes']:.0f} B",
                "<= 512 B",
                weekc["median_bytes"] <= 512,
            )
        )
        step("memory over many requests")
        mem = asyncio.run(inprocess.memory_stability(url, visits, distinct))
        rows.append(
            (
                f"8. process memory over {visits:,} requests, {distinct:,} visitors "
                "(1M / 100k scaled down: a leak of less than ~200 B a request shows only in"
                " the full-scale run, `python -m bench.inprocess`)",
                f"{mem['rss_early_mb']:.0f} -> {mem['rss_late_mb']:.0f} MB ({mem['growth']:.2f}x;"
                f" {mem['per_request']:.0f} B a request)",
                "stable (<= 1.1x, <= 200 B a request)",
                mem["growth"] <= 1.1 and mem["per_request"] <= 200,
            )
        )
    finally:
        if server is not None:
            server.close()
    return rows


def table(rows: list[tuple[str, str, str, bool]], command: str) -> str:
    out = [
        f"`{command}` (medians of rounds, ratios measured in one run; shared 2-core machine)",
        "",
        "| goal | measured | target | met |",
        "| --- | --- | --- | --- |",
    ]
    out += [f"| {g} | {m} | {t} | {'yes' if ok else 'no'} |" for g, m, t, ok in rows]
    return "\n".join(out)


def rewrite_readme(path: Path, text: str) -> None:
    readme = path.read_text()
    block = f"{START}\n{text}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(readme):
        raise SystemExit(f"{path}: no {START} ... {END} block to rewrite")
    path.write_text(pattern.sub(lambda _: block, readme))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--readme", type=Path)
    args = parser.parse_args(argv)
    command = "python bench/goals.py" + (" --quick" if args.quick else "")
    command += f" --rounds {args.rounds}" if args.rounds != 5 else ""
    text = table(measure(args.quick, args.rounds), command)
    print(text)
    if args.readme is not None:
        rewrite_readme(args.readme, text)


if __name__ == "__main__":
    main()
