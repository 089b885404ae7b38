"""A double negation is a positive condition: ``not: {not: X}`` holds when X does and says X's
own sentences, which chose the block, so the profile keeps them (engine/conditions.py: such a
``not:`` is no guard; engine/disclosure.py ``kept_reasons``); a triple one is a ``not:`` again.
``omotenashi check`` suggests writing X alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import redis

from omotenashi import Omotenashi, Settings
from omotenashi.identity.cookie import CookieSigner

from .conftest import client_for, page_app
from .test_cli_check import check_site

PAGE = '<!doctype html><html><body><div data-omo-slot="hero">a</div></body></html>'
DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
NEW = "we have no record of an earlier visit of yours"
COMPUTER = "you are on a computer"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("when", "kept"),
    [
        ("{new: true, not: {not: {device: [desktop]}}}", [NEW, COMPUTER]),
        ("{not: {not: {device: [desktop]}}}", [COMPUTER]),
        ("{new: true, not: {not: {not: {device: [mobile]}}}}", [NEW]),  # a not: again
        ("{new: true, not: {device: [mobile]}}", [NEW]),
        ("{new: true, any: [{not: {not: {device: [desktop]}}}]}", [NEW, COMPUTER]),
    ],
    ids=["double", "double-alone", "triple", "single", "in-any"],
)
async def test_a_double_not_is_kept_as_what_chose_the_block(
    when: str,
    kept: list[str],
    make_settings: Callable[..., Settings],
    omotenashi_redis: redis.Redis,
) -> None:
    rules = f'rules:\n  - {{id: r, slot: hero, text: Hi, why: "For you.", when: {when}}}\n'
    respect = {"disclosure": True, "page_panel": False}
    mw = Omotenashi(page_app(PAGE), settings=make_settings(rules, respect=respect))
    async with client_for(mw) as client:
        page = await client.get("/", headers={"accept": "text/html", "user-agent": DESKTOP})
        await mw.drain()
        name = mw.settings.cookie.name
        vid = CookieSigner(mw.settings).identify(f"{name}={client.cookies[name]}").vid
        shown = (await mw.store.load(vid)).shown_why
    assert "Hi" in page.text
    assert shown["r"][1] == kept


@pytest.mark.parametrize(
    ("when", "line", "field"),
    [
        ("{not: {not: {device: [desktop]}}}", 2, "rules[0].when.not"),
        ("\n      new: true\n      not:\n        not: {device: [desktop]}", 8, "rules[0].when.not"),
        ("{any: [{new: true}, {not: {not: {device: [mobile]}}}]}", 2, "rules[0].when.any[1].not"),
        ("{not: {new: true, not: {device: [mobile]}}}", 0, ""),  # not only a not: inside
        ("{not: {timezone: Asia/Tokyo, not: {time: 09:00-17:00}}}", 0, ""),  # its own zone
        ("{not: {not: {not: {device: [mobile]}}}}", 2, "rules[0].when.not"),  # said once
        ("{new: true, not: {not: {not: {not: {new: false}}}}}", 2, "rules[0].when.not"),
    ],
)
def test_check_suggests_a_double_not_written_without_both(
    when: str,
    line: int,
    field: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        f'rules:\n  - {{id: a, slot: hero, text: X, why: "Because.", when: {when}}}\n'
        if when.startswith("{")
        else f'rules:\n  - id: a\n    slot: hero\n    text: X\n    why: "Because."\n'
        f"    when:{when}\n"
    )
    _, out = check_site(tmp_path, monkeypatch, capsys, {"site.yaml": text})
    found = [x for x in out if "double negation" in x]
    if not line:
        assert found == []
        return
    assert found == [
        f"rules/site.yaml:{line}: warning: {field}: 'not: {{not: ...}}' is a double negation: it "
        "holds exactly when what is inside the second not: holds (write those conditions "
        "without the two not:)"
    ]
