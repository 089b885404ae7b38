"""``omotenashi_visitor`` deletes every key of the visitors it seeded when the test ends (what
the site wrote for them too): a QA suite run against a shared staging Redis leaves no test
visitors behind. Run as a QA suite is: pytest in a process of its own, with the plugin."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import redis

SUITE = """
import redis


def test_seeded(omotenashi_visitor, omotenashi_redis_url, tmp_path_factory):
    visitor = omotenashi_visitor(stage="interest", visits=3)
    other = omotenashi_visitor(stage="loyalty")
    client = redis.Redis.from_url(omotenashi_redis_url)
    client.zadd(f"omo:{{{visitor.id}}}:also", {"a>b": 1.0})  # as the site writes one
    assert client.exists(f"omo:{{{visitor.id}}}:p2", f"omo:{{{other.id}}}:p2") == 2
    with open(IDS, "w") as out:
        out.write(visitor.id + " " + other.id)
"""


def test_a_seeded_visitor_leaves_no_key_when_the_test_ends(
    tmp_path: Path, omotenashi_redis_url: str, omotenashi_redis: redis.Redis
) -> None:
    ids = tmp_path / "ids.txt"
    (tmp_path / "test_suite.py").write_text(textwrap.dedent(SUITE.replace("IDS", repr(str(ids)))))
    env = {
        **os.environ,
        "OMOTENASHI_REDIS_URL": omotenashi_redis_url,
        "OMOTENASHI_SECRET_KEYS": '["a-staging-key-long-enough-1234"]',
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            str(tmp_path / "test_suite.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = ids.read_text().split()
    left = [k for vid in (first, second) for k in omotenashi_redis.keys(f"omo:{{{vid}}}:*")]
    assert left == [], left
