"""The set in force renders the snippets it was loaded with: an edited snippet, included ones
too, is read by the next load, and a refused edit stays out of pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omotenashi import Omotenashi, Settings

from .conftest import client_for, page_app

pytestmark = pytest.mark.anyio
PAGE = b'<html><body><div data-omo-slot="hero">Default</div></body></html>'
RULES = 'rules:\n  - {id: a, slot: hero, snippet: top.html, why: "WHY"}\n'
BROKEN = "rules:\n  - {id: a, slot: hero, snippet: top.html}\n"  # why: missing
RANDOM = "<i>foot {{ [1, 2, 3, 4, 5, 6, 7, 8, 9]|random }}</i>"
RECOMMEND = """rules:
  - id: a
    slot: hero
    snippet: top.html
    why: "WHY"
    recommend: {items: 2, strategies: {popular: 1}}
"""
CATALOG = """items:
  - {id: kyoto, url: /tours/kyoto, title: Kyoto, tags: [japan]}
  - {id: tokyo, url: /tours/tokyo, title: Tokyo, tags: [japan]}
"""


def _site(tmp_path: Path, url: str, rules_text: str = RULES) -> tuple[Omotenashi, Path, Path]:
    rules, snippets = tmp_path / "rules", tmp_path / "snippets"
    rules.mkdir()
    snippets.mkdir()
    (rules / "site.yaml").write_text(rules_text.replace("WHY", "First"))
    (rules / "catalog.yaml").write_text(CATALOG)
    picks = (
        "{% for i in items %}<u>{{ i.title }}</u>{% endfor %}" if "recommend" in rules_text else ""
    )
    (snippets / "top.html").write_text(f"<b>top</b>{picks}{{% include 'foot.html' %}}")
    (snippets / "foot.html").write_text("<i>foot one</i>")
    settings = Settings(
        redis={"url": url},
        rules={"dir": rules, "snippets_dir": snippets, "reload_interval": 3600},
        respect={"fresh_share": 0},
    )
    mw = Omotenashi(page_app(PAGE), settings=settings)
    return mw, rules / "site.yaml", snippets / "foot.html"


async def test_a_refused_edit_of_an_included_snippet_stays_out_of_pages(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    mw, rule_file, foot = _site(tmp_path, omotenashi_redis_url)
    async with client_for(mw) as client:
        assert "foot one" in (await client.get("/")).text
        good = mw.rules.maybe_reload()
        foot.write_text("<i>foot two</i>")
        rule_file.write_text(BROKEN)  # the same edit breaks a rule: refused whole
        assert await mw.rules.check() is good
        assert "foot one" in (await client.get("/")).text
        rule_file.write_text(RULES.replace("WHY", "Fixed"))  # only the rule is mended
        assert await mw.rules.check() is not good
        assert "foot two" in (await client.get("/")).text
    assert mw.metrics["rule_error"] == 1 and mw.metrics["reload"] == 1


async def test_random_in_an_include_edited_with_a_refused_edit_draws_anew_once_loaded(
    tmp_path: Path, omotenashi_redis_url: str
) -> None:
    """A recommendation's snippet renders once per set of picks, unless it draws (``|random``):
    that verdict is the loaded set's, so an include that gained ``|random`` in a refused edit,
    then loaded with the fix, draws anew for every page."""
    mw, rule_file, foot = _site(tmp_path, omotenashi_redis_url, RECOMMEND)
    async with client_for(mw) as client:
        await client.get("/")
        foot.write_text(RANDOM)
        rule_file.write_text(RECOMMEND.replace('why: "WHY"', "why: [not, text]"))
        await mw.rules.check()
        rule_file.write_text(RECOMMEND.replace("WHY", "Fixed"))
        await mw.rules.check()
        drawn = set()
        for _ in range(20):  # all 20 the same by chance: 9 ** -19
            client.cookies.clear()  # a new visitor each time (no rest after a few views)
            page = (await client.get("/")).text
            assert "<u>Kyoto</u>" in page
            found = re.search(r"foot (\d)", page)
            assert found is not None
            drawn.add(found.group(1))
    assert len(drawn) > 1
    assert mw.metrics["rule_error"] == 1 and mw.metrics["reload"] == 1
