"""Big pages off the event loop (OMOTENASHI_THREAD_ABOVE): the loop's longest stall, and what
the hand-off costs.

    python bench/bigpage.py [--rounds 3]

A tag-dense product list echoing ``?q=`` (a new length every request: every scan is cold), in
process through the middleware, a real Valkey. Printed, each as a ratio measured in this run:

- the longest gap of a 1 ms ticker on the loop while big cold pages and small pages are served
  at once, ÷ its median gap: with every page on the loop (as before) and with pages above the
  threshold in a worker thread (now);
- per page size: the CPU of a warm request (the same page again: the scan reused) with the
  hand-off ÷ without it, and a cold scan's stall in ms (what the loop would be held for), so
  the threshold sits where the hand-off is cheap beside the stall it saves.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "middleware"))

from omotenashi import EmbeddedRedis, Omotenashi, Settings  # noqa: E402
from omotenashi.testing import written  # noqa: E402

CARD = '<li class="card"><a href="/p/{i}"><b>Item {i}</b></a> <span data-x="{i}">$1</span></li>'
NEVER = 1 << 40  # a threshold no page passes: every page on the loop, as before


def listing(size: int) -> str:
    cards, i, n = [], 0, 0
    while n < size:
        cards.append(CARD.format(i=i))
        n += len(cards[-1])
        i += 1
    return "".join(cards)


def make_app(sizes: list[int]) -> Any:
    lists = {s: listing(s) for s in sizes}

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        q = scope["query_string"].decode()
        body = (
            "<!doctype html><html><body><section data-omo-slot='hero'>x</section>"
            f"<p>Results for {q}</p><ul>{lists[int(scope['path'][1:])]}</ul></body></html>"
        ).encode()
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


async def get(mw: Any, size: int, q: str) -> bytes:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": f"/{size}",
        "raw_path": f"/{size}".encode(),
        "query_string": q.encode(),
        "root_path": "",
        "headers": [(b"host", b"shop.test"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 1),
        "server": ("shop.test", 80),
    }
    await mw(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert b"Welcome" in body, "not personalised"
    return body


def settings(url: str, rules: Path, above: int) -> Settings:
    return Settings(
        secret_keys=["bench-key-0123456789abcdef"],
        redis={"url": url},
        rules={"dir": rules / "rules", "snippets_dir": rules / "snippets"},
        respect={"fresh_share": 0.0, "disclosure": False, "page_panel": False},
        thread_above=above,
    )


async def stalls(mw: Any, big: int, small: int, count: int, seed: int) -> tuple[float, float]:
    """The longest ticker gap in ms while ``count`` big cold pages and small pages are served at
    once, and the median gap with the small pages alone."""
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async def smalls() -> None:
        n = 0
        while not done:
            await get(mw, small, "s" * (n % 50))
            await asyncio.sleep(0)  # a request without Redis reads may never yield
            n += 1

    tick, other = asyncio.create_task(ticker()), asyncio.create_task(smalls())
    await asyncio.sleep(0.3)  # small pages only: the loop's ordinary gap
    quiet = statistics.median(gaps)
    del gaps[:]
    await asyncio.gather(*(get(mw, big, "q" * (seed + i)) for i in range(count)))
    done = True
    await asyncio.gather(tick, other)
    await written()
    return max(gaps) * 1e3, quiet * 1e3


async def warm_cpu(mw: Any, size: int, n: int) -> float:
    """CPU µs per request (every thread of this process) for the same page again."""
    await get(mw, size, "same")
    start = time.process_time()
    for _ in range(n):
        await get(mw, size, "same")
    await written()
    return (time.process_time() - start) / n * 1e6


async def cold_ms(mw: Any, size: int, n: int, seed: int) -> float:
    start = time.process_time()
    for i in range(n):
        await get(mw, size, "c" * (seed + i))
    return (time.process_time() - start) / n * 1e3


async def main(rounds: int) -> None:
    import tempfile

    sizes = [16 * 1024, 64 * 1024, 256 * 1024, 1024 * 1024, 1900 * 1024]
    small, big = 16 * 1024, 1900 * 1024
    with tempfile.TemporaryDirectory() as tmp, EmbeddedRedis() as server:
        rules = Path(tmp)
        (rules / "rules").mkdir()
        (rules / "snippets").mkdir()
        (rules / "rules" / "site.yaml").write_text(
            "rules:\n  - id: hello\n    slot: hero\n    text: Welcome\n    why: Everyone.\n"
        )
        app = make_app(sizes)
        before = Omotenashi(app, settings=settings(server.url, rules, NEVER))
        after = Omotenashi(app, settings=settings(server.url, rules, 256 * 1024))
        always = Omotenashi(app, settings=settings(server.url, rules, 0))
        for mw in (before, after, always):
            await mw.startup()
        try:
            print("loop stalls: 6 big cold pages (1.9 MB, dense) with small pages between")
            for r in range(rounds):  # alternating, so both see the same machine
                for label, mw in (
                    ("every page on the loop", before),
                    ("big pages in a thread", after),
                ):
                    longest, median = await stalls(mw, big, small, 6, 1000 * r)
                    print(
                        f"  {label:24} longest gap {longest:7.1f} ms = {longest / median:6.1f}x"
                        f" the median with small pages only ({median:.2f} ms)"
                    )
            print("per page size: warm CPU with the hand-off ÷ without; a cold scan's stall")
            for size in sizes:
                inline = statistics.median(
                    [await warm_cpu(before, size, 40) for _ in range(rounds)]
                )
                handed = statistics.median(
                    [await warm_cpu(always, size, 40) for _ in range(rounds)]
                )
                cold = await cold_ms(before, size, 3, 5000 + size % 997)
                print(
                    f"  {size // 1024:5} KiB  warm {inline:8.0f} µs inline, hand-off"
                    f" {handed / inline:5.2f}x ({handed - inline:+.0f} µs);"
                    f" cold stall {cold:6.1f} ms"
                )
        finally:
            for mw in (before, after, always):
                await mw.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args().rounds))
