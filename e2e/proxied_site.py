"""Processes for the proxy's end-to-end tests: a static origin (``python -m http.server``,
not Python-ASGI) and ``omotenashi proxy`` in front of it, each a real process on a real port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from omotenashi.store.embedded import free_port

ROOT = Path(__file__).resolve().parent.parent
KEY = "e2e-proxy-key"

STYLE = "h1 { color: rgb(0, 102, 51); }\n"
HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Maple Inn</title>
<link rel="stylesheet" href="/style.css"></head>
<body>
<h1 data-omo-slot="hero">Stay with us</h1>
<p data-omo-slot="tagline">A quiet inn by the river.</p>
<p><a href="/rooms/kyoto.html">The Kyoto room</a></p>
</body></html>
"""
KYOTO = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>The Kyoto room</title>
<meta name="omotenashi:topics" content="kyoto, tea">
<link rel="stylesheet" href="/style.css"></head>
<body><h1>The Kyoto room</h1><p><a href="/">Back to the inn</a></p></body></html>
"""
RULES = """
rules:
  - id: kyoto-hero
    slot: hero
    text: "Your Kyoto room is waiting"
    when: {interest: {kyoto: {at_least: 1}}}
    priority: 80
    category: browsing-history
    why: "You looked at the Kyoto room."
  - id: welcome-back
    slot: tagline
    text: "Welcome back to the inn."
    when: {views: {at_least: 1}}
    category: visits
    why: "You have visited us before."
"""


def write_site(root: Path) -> tuple[Path, Path]:
    """The origin's files and the proxy's rules, under ``root``: (site, rules)."""
    site, rules = root / "site", root / "rules"
    (site / "rooms").mkdir(parents=True)
    rules.mkdir()
    (site / "index.html").write_text(HOME)
    (site / "rooms" / "kyoto.html").write_text(KYOTO)
    (site / "style.css").write_text(STYLE)
    (rules / "inn.yaml").write_text(RULES)
    return site, rules


def wait_until_answering(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """Until ``url`` gives any HTTP answer (a 502 is an answer too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered at {url}")


@contextmanager
def process(args: list[str], url: str, env: dict[str, str] | None = None) -> Iterator[str]:
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, cwd=ROOT)
    try:
        wait_until_answering(url, proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@contextmanager
def static_origin(directory: Path) -> Iterator[str]:
    """``python -m http.server`` serving ``directory``."""
    port = free_port()
    args = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with process([*args, "--directory", str(directory)], f"http://127.0.0.1:{port}/") as url:
        yield url.rstrip("/")


@contextmanager
def silent_origin() -> Iterator[str]:
    """An origin that accepts connections and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def omotenashi_proxy(
    upstream: str, redis_url: str, rules: Path, *, workers: int = 1, **env: str
) -> Iterator[str]:
    """``omotenashi proxy --upstream`` as a visitor would run it, against the test Redis."""
    port = free_port()
    settings = {
        "OMOTENASHI_REDIS_URL": redis_url,
        "OMOTENASHI_SECRET_KEYS": KEY,
        "OMOTENASHI_RULES_DIR": str(rules),
        "OMOTENASHI_RULES_SNIPPETS_DIR": str(rules),
        "OMOTENASHI_RESPECT_FRESH_SHARE": "0",  # every page view personalised: deterministic
        "OMOTENASHI_DEBUG_HEADER": "true",
        # as the demo's (e2e/conftest.py): a busy machine may stall a read past 0.15 s
        "OMOTENASHI_REDIS_READ_TIMEOUT": "1.0",
        **env,
    }
    command = [sys.executable, "-m", "omotenashi.cli", "proxy", "--upstream", upstream]
    command += ["--workers", str(workers)]
    with process([*command, "--port", str(port)], f"http://127.0.0.1:{port}/", settings) as url:
        yield url.rstrip("/")


def views(client: redis.Redis) -> dict[str, int]:
    return {
        key: int(client.hget(key, "V") or 0)  # type: ignore[arg-type]
        for key in client.keys("omo:{*}:p2")
    }


def wait_for_views(client: redis.Redis, total: int, timeout: float = 10) -> dict[str, int]:
    """The page views once ``total`` have been written (a page view is written after the page
    has gone, so the next request may otherwise overtake it)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = views(client)
        if sum(seen.values()) >= total:
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"page views stayed at {seen!r}, expected {total} in all")
        time.sleep(0.02)
