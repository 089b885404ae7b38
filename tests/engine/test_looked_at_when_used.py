"""trim48: work done for a page only when its answer is used. The page's ``<base>`` (where our
addresses go: html/base.py ``base_facts``) is looked for only when something of ours with an
address is written into the page (an "i", the panel, the confirmation), and once then; the
confirmation's place on a page with its own ``id="omo-done"`` costs one scan of the page, not
two or three. What the page becomes is the same bytes (tests/engine/test_base_href.py,
test_flash_own_id.py, test_flash_places.py): these count the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from omotenashi.engine import flashplace, page
from omotenashi.engine.disclosure import Disclosure
from omotenashi.engine.facts import RequestInfo
from omotenashi.engine.flash import Flash, confirm
from omotenashi.engine.journey import Journey
from omotenashi.engine.page import EngineConfig, personalise_page
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.engine.ruleset import RuleSet
from omotenashi.engine.understand import Visit
from omotenashi.settings import RespectSettings
from tests.engine.test_base_href import GONE, HERO, NOW
from tests.engine.test_flash_places import DOC, OFF, RULE

SLOTTED = (
    '<!doctype html><html><head><base href="//cdn.invalid/"><title>t</title></head><body>'
    '<div id="hero" data-omo-slot="hero">H</div><div data-omo-slot="tagline">T</div>'
    "</body></html>"
)
PLAIN = '<!doctype html><html><head><base href="//cdn.invalid/"></head><body><p>x</p></body>'


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """Calls of ``module.name`` from now on, counted (it still does its work)."""
    calls: list[int] = []
    real: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return calls


@pytest.mark.parametrize(
    ("html", "disclosure", "panel", "flash", "looked", "ours"),
    [
        (PLAIN, True, True, False, 0, False),  # no block: nothing of ours in the page
        (PLAIN, True, True, True, 1, True),  # the confirmation alone (before </body>)
        (SLOTTED, False, False, False, 0, False),  # a block, without "i" or panel
        (SLOTTED, False, False, True, 0, False),  # (the confirmation goes with the "i" only)
        (SLOTTED, True, False, False, 1, True),  # its "i"
        (SLOTTED, False, True, False, 1, True),  # the panel
        (SLOTTED, True, True, True, 1, True),  # "i", panel and confirmation: looked at once
    ],
)
def test_the_base_is_looked_for_only_when_an_address_of_ours_is_written(
    monkeypatch: pytest.MonkeyPatch,
    html: str,
    disclosure: bool,
    panel: bool,
    flash: bool,
    looked: int,
    ours: bool,
) -> None:
    calls = counted(monkeypatch, page, "base_facts")
    respect = RespectSettings(disclosure=disclosure, page_panel=panel, fresh_share=0.0)
    visit = Visit(
        visitor_id="v1",
        profile=Profile(),
        now=NOW,
        request=RequestInfo(path="/rooms/", host="shop.test", origin="https://shop.test"),
        csrf="token",
        choices=Prefs(off_rules=frozenset({"gone"})),
        flash=Flash("gone", NOW) if flash else None,
    )
    out = personalise_page(
        html, visit, RuleSet(rules=[HERO, GONE]), Journey(), EngineConfig(respect=respect)
    )
    assert len(calls) == looked
    assert ("https://shop.test/_omotenashi/preferences" in out.html) is ours  # (the <base>'s)


CACHED = '<div class="omo-done" id="omo-done" tabindex="-1">Done: an old one.</div>'
HERO_DIV = '<div id="hero" data-omo-slot="hero">H</div>'


@pytest.mark.parametrize(
    ("marked", "scans"),
    [
        (f"{DOC}<main>@{CACHED}<p>x</p>{HERO_DIV}</main></body></html>", 1),
        # the block does not fit where it is (a closed <details>): looked around it, same scan
        (f"{DOC}@{CACHED}<details><summary>s</summary>{HERO_DIV}</details></body></html>", 1),
        (f'{DOC}@<div id="omo-done">x</div><h1>{HERO_DIV}</h1></body></html>', 1),  # (in an <h1>)
        (f"{DOC}{HERO_DIV}@<p>x</p></body></html>", 1),  # (no omo-done of the page's)
    ],
)
def test_the_confirmation_is_placed_with_one_scan(
    monkeypatch: pytest.MonkeyPatch, marked: str, scans: int
) -> None:
    calls = counted(monkeypatch, flashplace, "scan")
    flash = Flash("seen-hero", NOW, anchor="hero")
    got, said = confirm(
        marked.replace("@", ""),
        flash,
        RuleSet(rules=[RULE]),
        OFF,
        NOW,
        Disclosure(True),
        "data-omo-slot",
    )
    before = marked[: marked.index("@")]  # (the rest: test_flash_own_id.py)
    assert said and got.startswith(before + '<div class="omo-done" id="omo-done"')
    assert len(calls) == scans
