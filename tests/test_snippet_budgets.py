"""A snippet cannot hang or exhaust memory: every render has a budget of loop rounds (calls and
includes count too) and of text (engine/budget.py), at request time and at check/load time
alike. A snippet file that is not UTF-8 or is too big is refused naming the file, as a rule
file is. Through ``omotenashi check`` (the CLI's main) and through a live reload."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.engine.budget import MAX_HANDLED, MAX_STEPS, MAX_TEXT
from omotenashi.engine.render import render
from omotenashi.errors import SnippetError
from omotenashi.loader.snippets import Renderer
from omotenashi.rules.yamlguard import MAX_FILE_BYTES

from .conftest import client_for, page_app

NESTED = (
    "<div>{{ headline }}{% for i in range(100000) %}{% for j in range(100000) %}"
    "{% endfor %}{% endfor %}</div>\n"
)
LOOPS = f"failed to render: loops more than {MAX_STEPS} times in one render"
LONGER = f"failed to render: makes text longer than {MAX_TEXT} characters"
HANDLED = f"handles more than {MAX_HANDLED} characters of text in one render"
RULE = (
    "rules:\n  - {id: hero, slot: hero, snippet: banners/hero.html, why: because,\n"
    "     with: {headline: Hello, cta_label: Go}}\n"
    "  - {id: tag, slot: tagline, text: Welcome, why: because}\n"
)


def site(tmp_path: Path, snippet: str | bytes) -> Path:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets" / "banners").mkdir(parents=True)
    (tmp_path / "rules" / "site.yaml").write_text(RULE)
    path = tmp_path / "snippets" / "banners" / "hero.html"
    if isinstance(snippet, bytes):
        path.write_bytes(snippet)
    else:
        path.write_text(snippet)
    return path


def the_check_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    snippet: str,
) -> str:
    """``omotenashi check`` of the site with ``snippet`` as the hero's: it fails, with one
    error, returned."""
    site(tmp_path, snippet)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert len(errors) == 1, out
    return errors[0]


@pytest.mark.parametrize(
    ("snippet", "said"),
    [
        (NESTED, f"snippets/banners/hero.html:1: error: {LOOPS}"),
        ("<p>{{ cta_label * 10000000 }}</p>\n", f"snippets/banners/hero.html:1: error: {LONGER}"),
        ("<p>{{ cta_label * 100000000 }}</p>\n", f"snippets/banners/hero.html:1: error: {LONGER}"),
        (
            "<p>{{ visitor.name }}</p>\n{% for i in range(20000) %}{{ i }}{% endfor %}\n",
            f"snippets/banners/hero.html:2: error: {LOOPS}",
        ),
        (
            "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}\n"
            "{{ f(40) }}\n",
            f"snippets/banners/hero.html:1: error: {LOOPS}",
        ),
        ("<p>{{ headline|center(100000000) }}</p>\n", f"error: {LONGER}"),
        ("<p>{{ '%999999999d' % 1 }}</p>\n", f"error: {LONGER}"),
        ("{% set a = ['xxxxxxxxxx'] * 1000 %}{% set b = [a] * 1000 %}{{ b }}\n", f"{LONGER}"),
        (
            "{% macro d(s, n) %}{% if n %}{{ d(s ~ s, n - 1) }}{% endif %}{% endmacro %}"
            "{{ d(headline, 40) }}\n",
            HANDLED,
        ),
        ("{{ lipsum(100000) }}\n", LONGER),
    ],
    ids=[
        "nested-loops",
        "times-1e7",
        "times-1e8",
        "loop-with-visitor",
        "macro-tree",
        "center",
        "percent-width",
        "list-of-lists",
        "doubling",
        "lipsum",
    ],
)
def test_check_refuses_a_snippet_past_its_budget_naming_it(
    snippet: str,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = the_check_error(tmp_path, monkeypatch, capsys, snippet)
    assert said in error and "used by rule 'hero'" in error


@pytest.mark.parametrize(
    ("snippet", "said"),
    [
        (
            b"<p>{{ headline }}</p>\n<p>Caf\xe9</p>\n",
            "snippets/banners/hero.html:2: error: the file is not UTF-8 text (save it as UTF-8; "
            "used by rule 'hero')",
        ),
        (
            "<p>{{ headline }}</p>\n" + "<!-- padding -->\n" * 70_000,
            f"snippets/banners/hero.html:1: error: the file is {70_000 * 17 + 22} bytes, over "
            f"the {MAX_FILE_BYTES} a snippet may have (split it into several snippets; "
            "used by rule 'hero')",
        ),
    ],
    ids=["not-utf-8", "over-the-size-limit"],
)
def test_check_names_an_unreadable_snippet_and_goes_on(
    snippet: str | bytes,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site(tmp_path, snippet)
    (tmp_path / "rules" / "other.yaml").write_text(
        "rules:\n  - {id: bad, slot: x, text: X, why: because, priority: high}\n"
    )
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert said in out
    assert any(line.startswith("rules/other.yaml:2: error: ") for line in out), out


def test_an_included_snippet_that_is_not_utf_8_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    site(tmp_path, "<p>{{ headline }}</p>{% include 'parts/x.html' %}\n")
    (tmp_path / "snippets" / "parts").mkdir()
    (tmp_path / "snippets" / "parts" / "x.html").write_bytes(b"\xff\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 1
    out = capsys.readouterr().out
    assert "snippets/parts/x.html:1: error: " in out
    assert "the file is not UTF-8 text (save it as UTF-8; used by rule 'hero')" in out


@pytest.mark.parametrize(
    "snippet",
    [
        "<ul>{% for x in items %}<li>{{ x|upper }} {{ loop.index }}</li>{% endfor %}</ul>",
        "{{ 'a' ~ headline ~ 'c' }} {{ items|join(', ') }} {{ '%05d'|format(3) }} {{ 'ab' * 3 }}",
        "{% for row in items|batch(2) %}{% for x in row %}{{ x|center(12) }}{% endfor %}"
        "{% endfor %}",
        "{{ '{:>8}'.format(headline) }} {{ headline|indent(4) }} {{ headline|wordwrap(20) }}",
        "{% for i in range(3000) %}{{ i }}{% endfor %}",  # long, but within the budget
    ],
)
def test_ordinary_snippets_render_as_before(snippet: str, tmp_path: Path) -> None:
    (tmp_path / "s.html").write_text(snippet)
    renderer = Renderer(tmp_path)
    values = {"items": ["a", "b", "c"], "headline": "Hi"}
    out = render(renderer.snippet("s.html"), values, {})
    assert out == renderer.env.overlay().from_string(snippet).render(values)
    assert out.strip()


def test_a_request_past_the_budget_keeps_the_default(tmp_path: Path) -> None:
    (tmp_path / "s.html").write_text(
        "{% for i in range(100) %}{% for j in items %}{% endfor %}{% endfor %}ok"
    )
    template = Renderer(tmp_path).snippet("s.html")
    assert render(template, {"items": list(range(98))}, {}) == "ok"
    with pytest.raises(SnippetError, match=LOOPS):
        render(template, {"items": list(range(101))}, {})


PAGE = b'<html><body><h1 data-omo-slot="hero">Default</h1><p>after</p></body></html>'
GOOD = "<b>{{ headline }}</b>\n"


def reloading(tmp_path: Path, redis_url: str) -> Settings:
    """Settings for a site in ``tmp_path`` (rules/, snippets/) whose tests call
    ``mw.rules.check()`` themselves: no timed reload in between."""
    return Settings(
        redis={"url": redis_url},
        rules={
            "dir": tmp_path / "rules",
            "snippets_dir": tmp_path / "snippets",
            "reload_interval": 3600,
        },
        respect={"fresh_share": 0},
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("bad", "said"),
    [
        (NESTED, LOOPS),
        ("<p>{{ cta_label * 10000000 }}</p>\n", LONGER),
        (b"<p>Caf\xe9 {{ headline }}</p>\n", "the file is not UTF-8 text"),
        ("<p>{{ headline }}</p>\n" + "x" * (1 << 20), "a snippet may have"),
    ],
    ids=["nested-loops", "times-1e7", "not-utf-8", "one-megabyte"],
)
async def test_a_reload_with_such_a_snippet_is_refused_and_fixing_it_reloads(
    bad: str | bytes,
    said: str,
    tmp_path: Path,
    omotenashi_redis_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    snippet = site(tmp_path, GOOD)
    settings = reloading(tmp_path, omotenashi_redis_url)
    mw = Omotenashi(page_app(PAGE), settings=settings)
    async with client_for(mw) as client:
        assert "<b>Hello</b>" in (await client.get("/")).text
        good = mw.rules.current
        if isinstance(bad, bytes):
            snippet.write_bytes(bad)
        else:
            snippet.write_text(bad)
        with caplog.at_level(logging.ERROR, logger="omotenashi"):
            await mw.rules.check()
        assert mw.rules.current is good  # refused: the last good set stays in force
        assert mw.metrics["rule_error"] == 1
        logged = caplog.text
        assert "the edit was refused; the last good rules stay in force" in logged
        assert "snippets/banners/hero.html:" in logged and said in logged
        assert "<b>Hello</b>" in (await client.get("/")).text
        snippet.write_text("<i>{{ headline }}</i>\n")
        await mw.rules.check()
        assert mw.rules.current is not good
        page = (await client.get("/")).text
        assert "<i>Hello</i>" in page and "<p>after</p>" in page
