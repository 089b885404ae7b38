"""pkg56 P3: the pytest plugin turned the sandbox off for every Playwright suite of a project
with Omotenashi installed, Playwright's own Chromium run by an ordinary user included, whose
sandbox works. It is left alone there; a system Chromium, or any run as root (containers, this
repository's CI), is launched as before."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import pytest

from omotenashi.testing import CHROMIUM_ARGS, chromium_launch_args


@dataclass
class BrowserType:  # the two attributes the plugin reads of Playwright's BrowserType
    name: str
    executable_path: str


OWN = BrowserType("chromium", sys.executable)  # (a file that exists: "installed")


@pytest.mark.parametrize(
    ("uid", "browser", "changed"),
    [
        (1000, OWN, False),  # Playwright's Chromium, an ordinary user: as they launch it
        (0, OWN, True),  # as root: no sandbox there
        (1000, BrowserType("chromium", "/nonexistent/chrome"), "system"),  # a system one
        (0, BrowserType("firefox", sys.executable), False),
    ],
)
def test_the_launch_is_changed_only_where_it_must_be(
    monkeypatch: pytest.MonkeyPatch, uid: int, browser: BrowserType, changed: bool | str
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: uid)
    if changed == "system":
        monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/chromium")
    parent = {"headless": False}
    args = chromium_launch_args(parent, browser)
    if not changed:
        assert args == parent
    else:
        assert args["args"] == CHROMIUM_ARGS and args["headless"] is False
        assert args.get("executable_path") == ("/usr/bin/chromium" if changed == "system" else None)
