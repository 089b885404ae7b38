"""A snippet whose output is not a whole piece of HTML never reaches the page: ``omotenashi
check`` (and every load) refuses it at the snippet's file, naming its rules, what is wrong and
what would be right; at request time its slot keeps the app's default, the rest of the page
byte for byte as the app made it, the problem counted and logged once."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment

from omotenashi import Omotenashi, Settings
from omotenashi.cli.main import main
from omotenashi.engine import render as render_module
from omotenashi.engine.facts import Device, Facts
from omotenashi.engine.personalise import personalise
from omotenashi.engine.render import BrokenMarkup, render_items
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer

from .conftest import client_for, page_app

RULE = """\
rules:
  - id: audit-hero
    slot: hero
    when: {query: {utm_campaign: audit}}
    priority: 1000
    snippet: audit/a.html
    with: {headline: AUDIT HERO}
    why: "You came from the audit campaign."
  - id: other-hero
    slot: hero
    snippet: audit/a.html
    with: {headline: OTHER}
    why: "Everyone."
"""
COMMENT = (
    "its HTML leaves a comment open: everything after it on the page would disappear "
    "(close it with -->)"
)
USED_BY = "(used by rules 'audit-hero', 'other-hero')"
AUDIT_REPROS = [
    (
        '<div class="x">{{ headline }}</div><!-- note to self\n',
        f"snippets/audit/a.html:1: error: {COMMENT}; the markup at fault: '<!-- note to self' "
        + USED_BY,
    ),
    (
        '<div class="x">{{ headline }}</div>\n</div></div></main></body>\n',
        "snippets/audit/a.html:2: error: its HTML has </div> with no <div> before it: a browser "
        "would close the page's own elements around the slot with it (remove the </div>, or add "
        f"the <div> it belongs to); the markup at fault: '</div>' {USED_BY}",
    ),
    (
        '<div class="x">{{ headline }}</div>\n</section></main><textarea>\n',
        "snippets/audit/a.html:2: error: its HTML has </section> with no <section> before it",
    ),
    (
        '<div class="x">{{ headline }}</div>\n<textarea>\n',
        "snippets/audit/a.html:2: error: its HTML leaves <textarea> open: the rest of the page "
        "after the slot would become its text (close it with </textarea>); the markup at fault: "
        f"'<textarea>' {USED_BY}",
    ),
    (  # broken for the sample visitor the check tries: an error too, not a warning
        "{% if visitor.returning %}<div>{{ headline }}{% else %}<p>{{ headline }}</p>{% endif %}",
        "snippets/audit/a.html:1: error: its HTML leaves <div> open",
    ),
]


def check(tmp_path: Path, snippet: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets" / "audit").mkdir(parents=True)
    (tmp_path / "rules" / "site.yaml").write_text(RULE)
    (tmp_path / "snippets" / "audit" / "a.html").write_text(snippet)
    code = main(["check", str(tmp_path / "rules")])
    return code, capsys.readouterr().out.replace(f"{tmp_path}/", "")


@pytest.mark.parametrize(("snippet", "said"), AUDIT_REPROS, ids=range(len(AUDIT_REPROS)))
def test_check_refuses_a_snippet_that_would_break_the_page(
    snippet: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(tmp_path, snippet, capsys)
    errors = [line for line in out.splitlines() if ": error: " in line]
    assert code == 1
    assert len(errors) == 1, out  # once, at the snippet: not once per rule
    assert errors[0].startswith(said), errors[0]


def test_check_accepts_the_same_snippet_made_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(tmp_path, '<div class="x">{{ headline }}</div><!-- note -->\n', capsys)
    assert code == 0 and ": error: " not in out, out


def test_the_demo_rules_and_snippets_pass_check(capsys: pytest.CaptureFixture[str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    code = main(["check", str(repo / "rules"), "--templates", str(repo / "demo_site/templates")])
    out = capsys.readouterr().out
    assert code == 0 and "its HTML" not in out, out


FACTS = Facts(
    device=Device("desktop", "Chrome", "Linux", False), now=datetime(2026, 12, 1, tzinfo=UTC)
)
PAGE = (
    "<!doctype html><html><head><title>Tours</title></head><body>\n"
    '<main><div data-omo-slot="hero"><p>Default hero</p></div>\n'
    "<section id=rest><h2>Kyoto</h2><p>Autumn leaves.</p></section></main>\n"
    "<footer>Footer</footer></body></html>\n"
)
# Whole for the sample visitor the load tries (who has a cart), broken for one without
BROKEN_FOR_SOME = {
    "comment": "<div class=x>{{ headline }}</div>{% if not visitor.cart %}<!-- note{% endif %}",
    "stray-ends": "<div>{{ headline }}</div>{% if not visitor.cart %}</div></main></body>"
    "{% endif %}",
    "textarea": "<div>{{ headline }}</div>{% if not visitor.cart %}</section></main><textarea>"
    "{% endif %}",
}


@pytest.mark.parametrize("snippet", BROKEN_FOR_SOME.values(), ids=BROKEN_FOR_SOME.keys())
def test_on_a_page_the_slot_keeps_its_default_and_the_rest_stays_whole(
    snippet: str, tmp_path: Path
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "hero.html").write_text(snippet)
    (tmp_path / "rules" / "site.yaml").write_text(
        textwrap.dedent(
            """
            rules:
              - {id: hero, slot: hero, snippet: hero.html, with: {headline: Hi}, why: "All."}
            """
        )
    )
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    with_cart = personalise(PAGE, ruleset, FACTS, {"cart": ["kyoto"]})
    assert [d.id for d in with_cart.applied] == ["hero"] and "<div" in with_cart.html
    out = personalise(PAGE, ruleset, FACTS, {"cart": []})
    assert out.html == PAGE  # byte for byte: the default hero, the rest of the page intact
    assert out.applied == []
    assert len(out.problems) == 1
    assert out.problems[0].startswith("rule hero: snippet 'hero.html': its HTML ")
    assert out.problems[0].endswith("; the slot keeps its default")


class Owner:
    """Stands for a rule: recommendation outputs are kept per rule object."""


def test_a_kept_output_keeps_its_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recommendation snippets are rendered once per rule and items: the check too."""
    (tmp_path / "s.html").write_text("<ul>{% for i in items %}<li>{{ i }}</li>{% endfor %}")
    env = SandboxedEnvironment(autoescape=True, loader=FileSystemLoader(tmp_path))
    template = env.get_template("s.html")
    looked: list[str] = []
    real = render_module.broken

    def counted(html: str) -> object:
        looked.append(html)
        return real(html)

    monkeypatch.setattr(render_module, "broken", counted)
    owner = Owner()
    for _ in range(3):
        with pytest.raises(BrokenMarkup, match="leaves <ul> open"):
            render_items(template, {"items": [1, 2]}, {}, owner, ("k",))
    assert looked == ["<ul><li>1</li><li>2</li>"]  # checked once, refused every time


Make = Callable[..., Settings]
MW_PAGE = (
    '<!doctype html><html><head><meta name="omotenashi:topics" content="hawaii"></head><body>'
    '<div data-omo-slot="hero">Default hero</div><p>The rest</p></body></html>'
)
MW_RULES = """
rules:
  - id: returning-hero
    slot: hero
    snippet: hero.html
    with: {headline: "Welcome back"}
    when: {interest: {hawaii: {at_least: 1}}}
    why: "You looked at Hawaii."
"""


@pytest.mark.anyio
async def test_broken_markup_is_counted_each_time_and_logged_once(
    make_settings: Make, caplog: pytest.LogCaptureFixture
) -> None:
    snippet = "<h1>{{ headline }}</h1>{% if not visitor.cart %}<!-- {{ visitor.name }}{% endif %}"
    mw = Omotenashi(page_app(MW_PAGE), settings=make_settings(MW_RULES, {"hero.html": snippet}))
    async with client_for(mw) as client:
        await client.get("/")  # records the interest in hawaii
        with caplog.at_level(logging.WARNING, logger="omotenashi"):
            responses = [await client.get("/") for _ in range(5)]
    assert all(r.status_code == 200 and r.text == MW_PAGE for r in responses)
    assert mw.metrics["snippet_error"] == 5
    said = [r.getMessage() for r in caplog.records if "its HTML" in r.getMessage()]
    assert said == [
        f"omotenashi: rule returning-hero: snippet 'hero.html': {COMMENT}; the slot keeps its "
        "default"
    ]
