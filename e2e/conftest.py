"""End-to-end: the demo shop served by uvicorn in its own process, driven by real Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from omotenashi import Settings
from omotenashi.store.embedded import free_port
from omotenashi.testing.remote import remote_base_url

ROOT = Path(__file__).resolve().parent.parent
E2E_KEY = "e2e-secret-key"


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the demo exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the demo did not answer at {url}")


def pytest_configure(config: pytest.Config) -> None:
    """These tests start the demo themselves (its keys, a copy of its rules they edit): a site
    named by ``--base-url`` would not be touched, and a green run would have tested nothing of
    it (qa70). Refused at once, saying what to run instead."""
    site = remote_base_url(config)
    if site is not None:
        raise pytest.UsageError(
            f"e2e/ tests the demo it starts itself, not the site at {site}: run it without "
            "--base-url (nor PYTEST_BASE_URL in the environment, nor base_url in your ini); "
            "for your own site, write tests like the README's QA guide shows and run those "
            "with --base-url"
        )


@pytest.fixture(scope="session")
def omotenashi_settings(omotenashi_redis_url: str, editable_rules: Path) -> Settings:
    """The demo's keys and rules, so the plugin's fixtures make cookies the demo accepts and
    choose visitors by its holdouts. (The browser: the plugin's ``browser_type_launch_args``.)"""
    return Settings(
        secret_keys=[E2E_KEY],
        redis={"url": omotenashi_redis_url},
        rules={"dir": editable_rules / "rules", "snippets_dir": editable_rules / "snippets"},
    )


@pytest.fixture(scope="session")
def editable_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo's rules and snippets that tests may edit while the demo runs."""
    root = tmp_path_factory.mktemp("editors")
    shutil.copytree(ROOT / "rules", root / "rules")
    shutil.copytree(ROOT / "snippets", root / "snippets")
    return root


@pytest.fixture(scope="session")
def demo_url(omotenashi_redis_url: str, editable_rules: Path) -> Iterator[str]:
    """The demo started the README's way (``omotenashi demo``) against the test Redis."""
    port = free_port()
    env = {
        "OMOTENASHI_RULES_DIR": str(editable_rules / "rules"),
        "OMOTENASHI_RULES_SNIPPETS_DIR": str(editable_rules / "snippets"),
        **os.environ,
        "OMOTENASHI_REDIS_URL": omotenashi_redis_url,
        "OMOTENASHI_DEBUG_HEADER": "true",
        "OMOTENASHI_RESPECT_FRESH_SHARE": "0",  # every page view personalised: deterministic
        # a busy test machine may stall a read past the 0.15 s default: the page would then be
        # served unpersonalised (as it should), failing a test about something else
        "OMOTENASHI_REDIS_READ_TIMEOUT": "1.0",
        "OMOTENASHI_SECRET_KEYS": E2E_KEY,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "omotenashi.cli", "demo", "--port", str(port), "--root", str(ROOT)],
        env=env,
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url + "/tours", proc)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(demo_url: str) -> str:
    return demo_url
