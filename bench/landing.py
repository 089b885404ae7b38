"""Benchmark: the demo landing page with and without Omotenashi, in the same run.

``--mode http`` (the default, what a visitor sees): the bare shop and the personalised shop
each run in their own uvicorn process; one keep-alive connection asks for the landing page
again and again. ``--mode asgi``: both apps are called in-process (no sockets), which shows
the middleware's own cost alone. Either way the visitor is a returning family visitor (the
script prints how many slots are personalised: 4 on the demo's home page) and Redis is a real
server; rounds alternate between the two apps.

    python bench/landing.py [--mode http|asgi] [--requests 2000] [--rounds 5]

The last line is ``ratio: X.XX``: time per request with Omotenashi ÷ without (1.00 = free).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo_site.app import demo_settings, site  # noqa: E402

from omotenashi import EmbeddedRedis, Omotenashi  # noqa: E402
from omotenashi.store.embedded import free_port  # noqa: E402

APPLIED = [0]  # slots personalised on the measured page
# A mix of returning visitors, each with a real profile made by what they viewed (a tour twice,
# or two or three tours): the home page's rules differ between them (heroes, pictures, picks,
# taglines and the reasons that go with them), as a site's returning visitors do
JOURNEYS = (
    ("hawaii-family", "hawaii-family"),
    ("hawaii-couples", "hawaii-couples"),
    ("kyoto-autumn", "kyoto-autumn"),
    ("kyoto-autumn", "tokyo-lights"),
    ("lapland-aurora", "kenya-safari"),
    ("paris-art", "amalfi-coast"),
    ("bali-retreat", "hawaii-couples"),
    ("iceland-ring", "patagonia-trek", "hokkaido-snow"),
    ("hawaii-family", "lapland-aurora"),
    ("tokyo-lights", "hokkaido-snow"),
)
UA = b"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0"


EXTRA: list[tuple[bytes, bytes]] = []  # more request headers (the hostile-headers run)
QUERY = b""  # the query string of every call


async def call(app: Any, path: str, cookie: bytes | None) -> tuple[int, dict[bytes, bytes], bytes]:
    headers = [(b"host", b"bench"), (b"user-agent", UA)]
    if cookie:
        headers.append((b"cookie", cookie))
    if EXTRA:
        headers += EXTRA
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": QUERY,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
    }
    status, out_headers, body = 0, {}, bytearray()

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, out_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            out_headers = dict(message["headers"])
        else:
            body.extend(message.get("body", b""))

    await app(scope, receive, send)
    return status, out_headers, bytes(body)


async def timed(app: Any, n: int, cookie: bytes | None) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await call(app, "/", cookie)
    return (time.perf_counter() - start) / n


class Connection:
    """A minimal HTTP/1.1 keep-alive client: cheap enough not to be what is measured."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def get(self, path: str, cookie: bytes | None) -> tuple[dict[bytes, bytes], bytes]:
        extra = b"Cookie: " + cookie + b"\r\n" if cookie else b""
        self.sock.sendall(
            b"GET "
            + path.encode()
            + b" HTTP/1.1\r\nHost: bench\r\nUser-Agent: "
            + UA
            + b"\r\n"
            + extra
            + b"\r\n"
        )
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self._recv()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            headers[key.strip().lower()] = value.strip()
        length = int(headers[b"content-length"])
        while len(self.buffer) < length:
            self.buffer += self._recv()
        body, self.buffer = self.buffer[:length], self.buffer[length:]
        return headers, body

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the benchmark server closed the connection")
        return data

    def timed(self, n: int, cookie: bytes | None) -> float:
        start = time.perf_counter()
        for _ in range(n):
            self.get("/", cookie)
        return (time.perf_counter() - start) / n


def _serve(
    port: int, bare: bool, env: dict[str, str], extra: tuple[str, ...] | list[str] = ()
) -> subprocess.Popen[bytes]:
    args = [sys.executable, str(ROOT / "bench" / "serve.py"), "--port", str(port), *extra]
    proc = subprocess.Popen([*args, "--bare"] if bare else args, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:  # it could not start (the port taken ...)
            break
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        except OSError:
            time.sleep(0.05)
            continue
        time.sleep(0.2)  # what answered is this server, not a stranger on its port
        if proc.poll() is None:
            return proc
        break
    proc.kill()
    raise RuntimeError("the benchmark server did not start")


def run_http(url: str, requests: int, rounds: int) -> tuple[list[float], list[float]]:
    env = {**os.environ, "OMOTENASHI_REDIS_URL": url}
    ports = free_port(), free_port()
    while ports[1] == ports[0]:  # two servers, two ports
        ports = ports[0], free_port()
    procs = [_serve(ports[0], True, env), _serve(ports[1], False, env)]
    try:
        bare, personalised = Connection(ports[0]), Connection(ports[1])
        headers, _ = personalised.get("/tours/hawaii-family", None)
        cookie = headers[b"set-cookie"].split(b";")[0]
        personalised.get("/tours/hawaii-family", cookie)
        _, body = personalised.get("/", cookie)
        assert b"Aloha, families!" in body, "personalisation is not active"
        APPLIED[0] = body.count(b"data-omo-rule=")
        bare.timed(200, cookie)
        personalised.timed(200, cookie)
        without, with_ = [], []
        for _ in range(rounds):
            without.append(bare.timed(requests, cookie))
            with_.append(personalised.timed(requests, cookie))
        return without, with_
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()


async def run_asgi(url: str, requests: int, rounds: int) -> tuple[list[float], list[float]]:
    bare = site(ROOT, cookie_cap=False)  # (as bench/serve.py's: no 431 for a big cookie)
    shop = site(ROOT, cookie_cap=False)
    personalised = Omotenashi(shop, settings=demo_settings(ROOT, redis={"url": url}))
    await personalised.startup()
    try:
        _, headers, _ = await call(personalised, "/tours/hawaii-family", None)
        cookie = headers[b"set-cookie"].split(b";")[0]
        await call(personalised, "/tours/hawaii-family", cookie)
        status, _, body = await call(personalised, "/", cookie)
        assert status == 200 and b"Aloha, families!" in body, "personalisation is not active"
        APPLIED[0] = body.count(b"data-omo-rule=")
        await timed(bare, 200, cookie)
        await timed(personalised, 200, cookie)
        without, with_ = [], []
        for _ in range(rounds):
            without.append(await timed(bare, requests, cookie))
            with_.append(await timed(personalised, requests, cookie))
        return without, with_
    finally:
        await personalised.shutdown()


def main(mode: str, requests: int, rounds: int) -> None:
    url = os.environ.get("OMOTENASHI_REDIS_URL")
    server = None if url else EmbeddedRedis().start()
    try:
        url = url or server.url  # type: ignore[union-attr]
        if mode == "http":
            without, with_ = run_http(url, requests, rounds)
        else:
            without, with_ = asyncio.run(run_asgi(url, requests, rounds))
    finally:
        if server is not None:
            server.close()
    t0, t1 = statistics.median(without), statistics.median(with_)
    print(
        f"mode: {mode}; {requests} requests x {rounds} rounds each; landing page, "
        f"returning family visitor, {APPLIED[0]} slots personalised (with why notes); "
        "medians of rounds"
    )
    print(f"without omotenashi: {1 / t0:9.0f} req/s  {t0 * 1e3:7.3f} ms/request")
    print(f"with omotenashi:    {1 / t1:9.0f} req/s  {t1 * 1e3:7.3f} ms/request")
    print(f"added latency:      {(t1 - t0) * 1e3:7.3f} ms/request")
    print(f"ratio: {t1 / t0:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["http", "asgi"], default="http")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    main(args.mode, args.requests, args.rounds)
