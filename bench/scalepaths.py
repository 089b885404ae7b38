"""Three paths at scale, as ratios of 10,000 rules against 10 (bench/rulegen.py's rules):

- ``prefs``: the preferences page in process (a real Redis, ASGI calls, no sockets): a
  returning visitor's GET, a save POST with a few switches, a dismiss POST; milliseconds per
  request (wall time: all of it on the event loop) at 10 / 1,000 / 10,000 rules.
- ``check``: ``omotenashi check`` (its name checks: interest names against the catalogue's
  topics and the names other rules use) at 500, 2,000 and 10,000 rules, each with an interest
  name of its own and a catalogue of as many topics: CPU seconds, and the ratio per rule;
  and at as many rules on one slot and priority, each for a campaign of its own (the
  same-priority warning: no two can hold together). ``--sizes`` sets the rule counts.
- ``snippets``: loading rules whose snippet fails for the sample visitor (one warning for
  every rule using it) against the same rules with a snippet that renders: ms per rule.

    .venv/bin/python -m bench.scalepaths prefs check snippets   # --rounds N (default 3)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "middleware")]  # run as a file, too

from bench.rulegen import write_named, write_rules, write_sample_failures  # noqa: E402

from omotenashi import EmbeddedRedis, Omotenashi, Settings  # noqa: E402
from omotenashi.loader.checks import check  # noqa: E402
from omotenashi.loader.ruleset import load_ruleset  # noqa: E402
from omotenashi.loader.snippets import Renderer  # noqa: E402

PREFS = "/_omotenashi/preferences"
SIZES = (10, 1_000, 10_000)


async def _call(
    app: Any, method: str, path: str, cookie: bytes | None, body: bytes = b""
) -> tuple[int, dict[bytes, bytes], bytes]:
    headers = [(b"host", b"bench"), (b"accept", b"text/html")]
    if cookie:
        headers.append((b"cookie", cookie))
    if method == "POST":
        headers += [
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"origin", b"http://bench"),
        ]
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    out: dict[str, Any] = {"headers": {}, "body": bytearray()}
    sent = [False]

    async def receive() -> dict[str, Any]:
        if sent[0]:
            await asyncio.sleep(3600)
        sent[0] = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = dict(message["headers"])
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return out["status"], out["headers"], bytes(out["body"])


async def _ms(run: Callable[[], Any], n: int) -> float:
    await run()  # caches warm
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        await run()
    return (time.perf_counter() - start) / n * 1e3


def _page_app(body: bytes) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        head = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": head})
        await send({"type": "http.response.body", "body": body})

    return app


async def _prefs_at(url: str, count: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_rules(folder, count, max(count // 10, 5))
        settings = Settings(
            secret_keys=["bench-key-bench-key-bench-key"],
            user_salt="bench-salt",
            redis={"url": url},
            rules={"dir": folder, "snippets_dir": folder / "snippets"},
            respect={"fresh_share": 0.0},
        )
        page = b'<!doctype html><html><body><div data-omo-slot="slot-0">D</div></body></html>'
        app = Omotenashi(_page_app(page), settings=settings)
        await app.startup()
        try:
            _, headers, _ = await _call(app, "GET", "/", None)
            cookie = headers[b"set-cookie"].split(b";")[0]
            _, _, html = await _call(app, "GET", PREFS, cookie)
            csrf = html.split(b'name="csrf" value="')[1].split(b'"')[0].decode()
            save = urlencode(
                [("csrf", csrf), ("action", "save"), ("category", "general")]
                + [("listed", f"rule-{i}") for i in range(3)]
                + [("rule", "rule-1")]
            ).encode()
            dismiss = urlencode([("csrf", csrf), ("action", "dismiss"), ("rule", "rule-2")])
            status = (await _call(app, "POST", PREFS, cookie, save))[0]
            assert status == 303, status
            n = 200
            out: dict[str, list[float]] = {"get": [], "save": [], "dismiss": []}
            for _ in range(rounds):
                out["get"].append(await _ms(lambda: _call(app, "GET", PREFS, cookie), n))
                out["save"].append(await _ms(lambda: _call(app, "POST", PREFS, cookie, save), n))
                out["dismiss"].append(
                    await _ms(lambda: _call(app, "POST", PREFS, cookie, dismiss.encode()), n)
                )
        finally:
            await app.shutdown()
    return {k: statistics.median(v) for k, v in out.items()}


def prefs_at_scale(rounds: int) -> dict[int, dict[str, float]]:
    server = EmbeddedRedis().start()
    try:
        return {n: asyncio.run(_prefs_at(server.url, n, rounds)) for n in SIZES}
    finally:
        server.close()


def _check_cpu(
    rounds: int, sizes: tuple[int, ...], write: Callable[[Path, int], None], said: str, want: bool
) -> dict[int, float]:
    """CPU seconds of ``omotenashi check`` (as the CLI runs it) on ``write``'s rules at each
    size (one round at 10,000), checking that a finding containing ``said`` is there (``want``)
    or not."""
    out: dict[int, float] = {}
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write(folder, count)
            seconds = []
            for _ in range(rounds if count < 10_000 else 1):
                start = time.process_time()
                found = check(folder, folder / "snippets")
                seconds.append(time.process_time() - start)
            assert any(said in str(f) for f in found) is want, found[:1]
            out[count] = statistics.median(seconds)
    return out


def check_at_scale(rounds: int, sizes: tuple[int, ...] = (500, 2_000, 10_000)) -> dict[int, float]:
    """``check`` on rules each naming an interest of its own (minutes at 10,000 before the name
    checks were indexed)."""
    return _check_cpu(rounds, sizes, write_named, "did you mean", True)


def write_campaigns(folder: Path, count: int) -> None:
    """``count`` rules filling one slot at one priority, each for a campaign of its own: no two
    can hold together (what ``check``'s same-priority warning compares), in files of 1,000."""
    (folder / "snippets").mkdir(parents=True, exist_ok=True)
    for start in range(0, count, 1000):
        out = ["rules:"]
        for i in range(start, min(count, start + 1000)):
            out.append(
                f"  - {{id: rule-{i}, slot: hero, text: Offer {i}, why: Your campaign {i}., "
                f"when: {{query: {{utm_campaign: {{eq: camp-{i}}}}}}}}}"
            )
        (folder / f"rules-{start // 1000:03d}.yaml").write_text("\n".join(out) + "\n")


def clashes_at_scale(
    rounds: int, sizes: tuple[int, ...] = (500, 2_000, 10_000)
) -> dict[int, float]:
    """``check`` on ``write_campaigns``' rules (minutes at 10,000 when each rule was compared
    with every other)."""
    return _check_cpu(rounds, sizes, write_campaigns, "same priority", False)


def snippets_at_scale(rounds: int, count: int = 2_000) -> dict[str, float]:
    """ms per rule loading ``count`` rules whose snippet fails for the sample visitor (a
    warning naming them) against as many whose snippet renders."""
    out: dict[str, float] = {}
    for failing in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            write_sample_failures(folder, count, failing=failing)
            seconds = []
            for _ in range(rounds):
                gc.collect()
                start = time.process_time()
                warnings: list[Any] = []
                load_ruleset(folder, Renderer(folder / "snippets"), warnings=warnings)
                seconds.append(time.process_time() - start)
                assert bool(warnings) == failing, warnings[:1]
            out["failing" if failing else "fine"] = statistics.median(seconds) / count * 1e3
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The preferences page, check and snippets.")
    parser.add_argument("parts", nargs="*", help="prefs, check, snippets (default: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[500, 2_000, 10_000], help="check: rule counts"
    )
    args = parser.parse_args(argv)
    parts = args.parts or ["prefs", "check", "snippets"]
    if not set(parts) <= {"prefs", "check", "snippets"}:
        parser.error("parts: prefs, check, snippets")
    if "prefs" in parts:
        at = prefs_at_scale(args.rounds)
        for n, row in at.items():
            print(
                f"| preferences at {n:,} rules (ms per request) | GET {row['get']:.2f}; "
                f"save {row['save']:.2f}; dismiss {row['dismiss']:.2f} |"
            )
        big, small = at[SIZES[-1]], at[SIZES[0]]
        print(
            "| preferences 10,000 vs 10 rules | "
            + "; ".join(f"{k} {big[k] / small[k]:.1f}x" for k in ("get", "save", "dismiss"))
            + " |"
        )
    if "check" in parts:
        check = check_at_scale(args.rounds, tuple(args.sizes))
        per = {n: s / n * 1e3 for n, s in check.items()}
        first, last = min(per), max(per)
        print(
            f"| omotenashi check at {' / '.join(f'{n:,}' for n in check)} rules, each its own "
            "interest name (CPU s) | " + " / ".join(f"{s:.2f}" for s in check.values()) + "; ms "
            f"per rule {per[last]:.2f} vs {per[first]:.2f}: {per[last] / per[first]:.1f}x |"
        )
        clash = clashes_at_scale(args.rounds, tuple(args.sizes))
        per = {n: s / n * 1e3 for n, s in clash.items()}
        first, last = min(per), max(per)
        print(
            f"| omotenashi check at {' / '.join(f'{n:,}' for n in clash)} rules on one slot "
            "and priority, each its own campaign (CPU s) | "
            + " / ".join(f"{s:.2f}" for s in clash.values())
            + f"; ms per rule {per[last]:.2f} vs {per[first]:.2f}: {per[last] / per[first]:.1f}x |"
        )
    if "snippets" in parts:
        snip = snippets_at_scale(args.rounds)
        print(
            "| load 2,000 rules whose snippet fails for the sample visitor vs renders "
            f"(ms per rule) | {snip['failing']:.3f} vs {snip['fine']:.3f}; "
            f"{snip['failing'] / snip['fine']:.1f}x |"
        )


if __name__ == "__main__":
    main()
