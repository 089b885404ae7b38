"""Where goal 4's CPU goes: each stage of a personalised request, timed inside the request.

    python bench/attribution.py [--requests N]

The same in-process requests as ``bench/goals.py`` goal 4 (returning visitors, the demo home
page, a real Valkey), with each stage of the middleware wrapped in a CPU-time counter: identify
and start the profile read, the app, the wait for the profile and its parse, the engine, the
record. It then times three things apart:

- the bare app alone, as goal 4's baseline;
- the engine alone, on the same requests it just decided (``personalise_response`` called again
  and again on their captured inputs, no middleware, no event loop);
- the bare app again with two engine runs between its requests (not timed).

The last line is the point: the app's own code runs slower when the engine ran in between (its
code and data were pushed out of the CPU's caches), so part of what Omotenashi adds to a request
is not its own code at all. Figures are CPU µs per request; the wrappers add ~1 µs each.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import os
import sys
import time
import timeit
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import inprocess  # noqa: E402
from bench.landing import call  # noqa: E402
from bench.serve import Work, make_app  # noqa: E402

from omotenashi import EmbeddedRedis  # noqa: E402
from omotenashi.asgi import arrival, middleware, offload, responder, visitor  # noqa: E402
from omotenashi.engine import page  # noqa: E402

spent: Counter[str] = Counter()
clock = time.process_time_ns


def _timed(owner: Any, name: str, label: str) -> None:
    """Wrap ``owner.name`` so its CPU time adds up under ``label``."""
    original = getattr(owner, name)
    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def waited(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return await original(*args, **kwargs)
            finally:
                spent[label] += clock() - start

        setattr(owner, name, waited)
    else:

        @functools.wraps(original)
        def ran(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += clock() - start

        setattr(owner, name, ran)


STAGES = [
    (middleware.Omotenashi, "__call__", "request, in all"),
    (arrival.Arrival, "visitor", "identify, privacy, profile read sent"),
    (Work, "__call__", "app (with what it sends)"),
    (responder.Responder, "send", "our response handling"),
    (visitor.Visitor, "loaded", "profile: wait for the reply, parse"),
    (offload, "personalise_response", "engine (decide, render, splice)"),
    (responder.Responder, "_record_soon", "page view record queued"),
]


async def measure(requests: int) -> dict[str, float]:
    captured: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    engine = page.personalise_response

    def keep(*args: Any, **kwargs: Any) -> Any:
        captured.append((args, kwargs))
        return engine(*args, **kwargs)

    offload.personalise_response = keep  # type: ignore[assignment]
    for owner, name, label in STAGES:
        _timed(owner, name, label)
    app, bare = make_app(bare=False), make_app(bare=True)
    await app.startup()
    try:
        cookies = await inprocess.visitors(app, 50)
        await inprocess._run(app, cookies, 500)
        await inprocess._run(bare, cookies, 500)
        spent.clear()
        await inprocess._run(app, cookies, requests)
        out = {label: spent[label] / requests / 1000 for _, _, label in STAGES}
        out["app alone"] = out["app (with what it sends)"] - out["our response handling"]
        spent.clear()
        await inprocess._run(bare, cookies, requests)
        out["bare app"] = spent["app (with what it sends)"] / requests / 1000
        inputs = captured[-50:]
        spent.clear()
        for index in range(requests):
            await call(bare, "/", cookies[index % len(cookies)])
            for args, kwargs in (inputs[index % len(inputs)], inputs[(index + 7) % len(inputs)]):
                engine(*args, **kwargs)
        out["bare app, engine between"] = spent["app (with what it sends)"] / requests / 1000
    finally:
        await app.shutdown()

    def run() -> None:
        for args, kwargs in inputs:
            engine(*args, **kwargs)

    best = min(timeit.repeat(run, number=20, repeat=7))
    out["engine alone"] = best / 20 / len(inputs) * 1e6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args()
    server = EmbeddedRedis().start()
    os.environ["OMOTENASHI_REDIS_URL"] = server.url
    try:
        figures = asyncio.run(measure(args.requests))
    finally:
        server.stop()
    print(f"`python bench/attribution.py --requests {args.requests}`, CPU µs per request")
    for label, value in figures.items():
        print(f"  {label:40s} {value:7.1f}")
    slower = figures["app alone"] / figures["bare app"]
    between = figures["bare app, engine between"] / figures["bare app"]
    print(
        f"  the app in a personalised request runs {slower:.2f}x its bare time; with the engine"
        f" run between its requests, {between:.2f}x"
    )


if __name__ == "__main__":
    main()
