"""Goal 8 a week into visitors' lives: Redis memory of returning visitors' profiles after three
visits days apart (several tours each, the home page), not only after their first pages.

    python bench/lives.py [--visitors 60]

The clock of this process (``time.time``) is moved forward between visits, so the profile's
times are what a week makes them; Redis is a real server (a private one unless
``OMOTENASHI_REDIS_URL`` is set). Prints the median ``MEMORY USAGE`` and the share of profiles
Redis keeps in its compact encoding.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "middleware")]

import redis  # noqa: E402
from bench.inprocess import profile_memory  # noqa: E402
from bench.landing import call  # noqa: E402
from bench.serve import make_app  # noqa: E402
from demo_site.app import TOURS  # noqa: E402

from omotenashi import EmbeddedRedis  # noqa: E402

DAYS = (0, 3, 6)  # the visits of a week


@contextmanager
def clock() -> Iterator[list[float]]:
    """``time.time`` of this process, ahead by the seconds in the yielded list."""
    real, ahead = time.time, [0.0]
    time.time = lambda: real() + ahead[0]
    try:
        yield ahead
    finally:
        time.time = real


async def week(url: str, visitors: int, seed: int = 8, full: bool = False) -> dict[str, Any]:
    """Median Redis memory of ``visitors`` profiles a week in, and how many stay compact
    (Redis's listpack encoding); ``full``: written in the full forms (``OMOTENASHI_REDIS_COMPACT``
    off, as releases before 86f3d79 write the profile and the recommendation pairs)."""
    os.environ["OMOTENASHI_REDIS_URL"] = url
    # these visitors' keys only, measured (a prefix of one length either way)
    os.environ["OMOTENASHI_REDIS_KEY_PREFIX"] = "wful" if full else "week"
    os.environ["OMOTENASHI_REDIS_COMPACT"] = "0" if full else "1"
    rng, tours = random.Random(seed), sorted(TOURS)
    try:
        app = make_app(bare=False)
    finally:
        del os.environ["OMOTENASHI_REDIS_KEY_PREFIX"], os.environ["OMOTENASHI_REDIS_COMPACT"]
    await app.startup()
    try:
        with clock() as ahead:
            for _ in range(visitors):
                cookie = None
                for day in DAYS:
                    ahead[0] = day * 86400 + rng.uniform(0, 6 * 3600)
                    paths = [f"/tours/{t}" for t in rng.sample(tours, rng.randint(2, 5))]
                    for path in ["/", *paths, "/"]:
                        _, headers, _ = await call(app, path, cookie)
                        if b"set-cookie" in headers:
                            cookie = headers[b"set-cookie"].split(b";")[0]
                        ahead[0] += rng.uniform(20, 180)
        await app.store.aclose()  # every queued write sent
        server = redis.Redis.from_url(url)
        prefix = app.settings.redis.key_prefix
        memory = profile_memory(server, prefix)
        keys = list(server.scan_iter(f"{prefix}:{{*}}:p2", count=1000))
        compact = sum(server.object("encoding", k) == b"listpack" for k in keys)
        server.close()
    finally:
        await app.shutdown()
    return {"median_bytes": memory, "profiles": len(keys), "compact": compact}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=60)
    parser.add_argument(
        "--full", action="store_true", help="OMOTENASHI_REDIS_COMPACT off (the full forms)"
    )
    args = parser.parse_args()
    url = os.environ.get("OMOTENASHI_REDIS_URL")
    server = None if url else EmbeddedRedis().start()
    try:
        got = asyncio.run(week(url or server.url, args.visitors, full=args.full))  # type: ignore[union-attr]
    finally:
        if server is not None:
            server.stop()
    print(f"`python bench/lives.py --visitors {args.visitors}{' --full' * args.full}`")
    print(
        f"median profile a week in: {got['median_bytes']:.0f} B; "
        f"{got['compact']} of {got['profiles']} profiles compact (listpack)"
    )


if __name__ == "__main__":
    main()
