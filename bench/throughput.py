"""Throughput over HTTP: uvicorn, one worker, bare shop vs personalised shop, one run.

Each app runs in its own uvicorn process (one worker); one keep-alive connection asks for a
page again and again (a Python client cheap enough not to be what is measured), rounds
alternating between the two. Visitors are returning visitors with real profiles, a mix of
journeys (``landing.JOURNEYS``), rotated per request; every personalised response is checked
for a shown rule.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

from bench.landing import JOURNEYS, Connection, _serve
from bench.serve import from_profile, personalised

from omotenashi.store.embedded import free_port


def _cookies(conn: Connection, count: int) -> list[bytes]:
    out = []
    for index in range(count):
        first, *rest = JOURNEYS[index % len(JOURNEYS)]
        headers, _ = conn.get(f"/tours/{first}", None)
        if b"set-cookie" not in headers:
            raise RuntimeError(f"the personalised shop set no visitor cookie: {headers!r}")
        cookie = headers[b"set-cookie"].split(b";")[0]
        for tour in rest:
            conn.get(f"/tours/{tour}", cookie)
        out.append(cookie)
    return out


def _timed(
    conn: Connection, cookies: list[bytes], n: int, ids: frozenset[bytes] = frozenset()
) -> tuple[float, int]:
    shown = 0
    start = time.perf_counter()
    for index in range(n):
        _, body = conn.get("/", cookies[index % len(cookies)])
        shown += personalised(body, ids)  # (a rule chosen from the visitor's profile shown)
    return (time.perf_counter() - start) / n, shown


def throughput(url: str, requests: int, rounds: int, work_ms: float) -> dict[str, Any]:
    env = {**os.environ, "OMOTENASHI_REDIS_URL": url}
    ports = free_port(), free_port()
    while ports[1] == ports[0]:  # two servers, two ports
        ports = ports[0], free_port()
    extra, ids = ["--work-ms", str(work_ms)], from_profile()
    procs = [_serve(ports[0], True, env, extra), _serve(ports[1], False, env, extra)]
    try:
        bare, ours = Connection(ports[0]), Connection(ports[1])
        cookies = _cookies(ours, 20)
        _timed(bare, cookies, 200)
        _timed(ours, cookies, 200)
        without, with_, shown = [], [], 0
        for _ in range(rounds):
            without.append(_timed(bare, cookies, requests)[0])
            took, personalised_count = _timed(ours, cookies, requests, ids)
            with_.append(took)
            shown += personalised_count
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
    t0, t1 = statistics.median(without), statistics.median(with_)
    return {
        "bare_rps": 1 / t0,
        "omotenashi_rps": 1 / t1,
        "ratio": t0 / t1,
        "share": shown / (requests * rounds),
    }
