"""The shape of the package: a pure engine under thin adapters, small modules, a stable API."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import omotenashi
from omotenashi.engine import (
    EngineConfig,
    Prefs,
    Profile,
    RequestInfo,
    Visit,
    can_personalise,
    personalise_response,
)
from omotenashi.engine.journey import Journey
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

PACKAGE = Path(omotenashi.__file__).parent
PUBLIC = {
    "ConfigError",
    "EmbeddedRedis",
    "EmbeddedServerError",
    "Omotenashi",
    "OmotenashiError",
    "PayloadError",
    "Profile",
    "ProfileNotReady",
    "RuleError",
    "RuleSetError",
    "SelectorError",
    "Settings",
    "SnippetError",
    "StoreError",
    "Visitor",
    "consent",
    "forget",
    "get_visitor",
    "identify",
    "remember",
    "revoke",
    "track",
}


def test_the_public_api_is_what_the_readme_documents() -> None:
    assert set(omotenashi.__all__) == PUBLIC
    for name in omotenashi.__all__:
        assert getattr(omotenashi, name) is not None


def test_importing_the_engine_loads_no_redis_no_asgi_framework_no_http() -> None:
    code = (
        "import sys, omotenashi.engine;"
        "bad = {'redis', 'starlette', 'httpx', 'uvicorn'} & set(sys.modules);"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_every_module_stays_small() -> None:
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert big == {}


def test_the_engine_personalises_plain_bytes_without_redis_or_an_event_loop(
    tmp_path: Path,
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        textwrap.dedent(
            """
            rules:
              - id: mobile-hero
                slot: hero
                text: "Travel light"
                when: {device: mobile}
                why: "You are on a phone."
            """
        )
    )
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    page = b'<!doctype html><p>hi</p><div data-omo-slot="hero">Default</div><p>bye</p>'
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    assert can_personalise("GET", 200, headers)
    from omotenashi.engine.facts import Device

    visit = Visit(
        visitor_id="v1",
        profile=Profile(),
        now=1_700_000_000.0,
        request=RequestInfo(path="/"),
        device=Device("mobile", "Safari", "iOS", False),
        choices=Prefs(),
    )
    config = EngineConfig(respect=RespectSettings(disclosure=False, page_panel=False))
    result = personalise_response(page, headers, visit, ruleset, Journey(), config)
    assert [d.id for d in result.shown] == ["mobile-hero"]
    assert result.body.startswith(b"<!doctype html><p>hi</p><div data-omo-slot")
    assert b">Travel light</div><p>bye</p>" in result.body
    assert result.change.view and result.change.shown == ["mobile-hero"]
    assert (b"vary", b"Cookie, Sec-GPC, DNT") in result.headers
    desktop = Visit(visitor_id="v2", profile=Profile(), now=1_700_000_000.0)
    plain = personalise_response(page, headers, desktop, ruleset, Journey(), config)
    assert plain.body == page and plain.shown == []


def test_whether_pages_adapt_for_a_private_visitor_is_decided_in_one_place() -> None:
    """``OMOTENASHI_RESPECT_PRIVATE_CONTEXTUAL`` is read by one function (respect/privacy.py
    ``pages_adapt``), which the pages and the preferences page both ask (final44: the page and
    the preferences worked it out each their own way)."""
    from omotenashi.respect.privacy import pages_adapt

    root = Path(__file__).resolve().parent.parent / "middleware" / "omotenashi"
    readers = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if re.search(
            r"\bprivate_contextual\s*(or|and)\b|\bnot\b[^\n]*\.private_contextual", path.read_text()
        )
    )
    assert readers == ["respect/privacy.py"]
    assert [pages_adapt(p, c) for p in (False, True) for c in (False, True)] == [
        True,
        True,
        False,
        True,
    ]
