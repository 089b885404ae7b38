from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from omotenashi import SnippetError
from omotenashi.engine.profile import Profile, visitor_view
from omotenashi.engine.render import VISITOR_FIELDS, render, warn_once
from omotenashi.engine.ruleset import RuleSet
from omotenashi.loader.snippets import SAMPLE_VISITOR, Renderer


@pytest.fixture
def renderer(tmp_path: Path) -> Renderer:
    (tmp_path / "hero.html").write_text("<h1>{{ headline }}</h1><p>{{ visitor.stage }}</p>")
    (tmp_path / "evil.html").write_text("{{ headline.__class__.__mro__ }}")
    (tmp_path / "strict.html").write_text("<p>{{ missing }}</p>")
    return Renderer(tmp_path)


def test_values_are_autoescaped(renderer: Renderer) -> None:
    out = render(
        renderer.snippet("hero.html"), {"headline": "<script>x</script>"}, {"stage": "interest"}
    )
    assert out == "<h1>&lt;script&gt;x&lt;/script&gt;</h1><p>interest</p>"


def test_the_sandbox_refuses_internals(renderer: Renderer) -> None:
    with pytest.raises(SnippetError, match="evil.html"):
        render(renderer.snippet("evil.html"), {"headline": "x"}, {})


def test_a_missing_value_fails_rather_than_printing_blank(renderer: Renderer) -> None:
    with pytest.raises(SnippetError, match="failed to render"):
        render(renderer.snippet("strict.html"), {}, {})


def test_copy_is_escaped_text(renderer: Renderer) -> None:
    template = renderer.copy("Hi {{ visitor.name }} & welcome <back>")
    assert render(template, {}, {"name": "<Ann>"}) == ("Hi &lt;Ann&gt; &amp; welcome &lt;back&gt;")


@pytest.mark.parametrize("name", ["missing.html", "../etc/passwd"])
def test_unknown_or_escaping_snippet_names_are_refused(renderer: Renderer, name: str) -> None:
    with pytest.raises(SnippetError):
        renderer.snippet(name)


def visitor() -> dict[str, object]:
    return visitor_view(
        Profile(stage="interest", cart={"kyoto-autumn": 1}),
        is_new=False,
        device="desktop",
        interests={},
        segments=frozenset(),
        viewed_in={},
    )


def test_the_visitor_fields_named_to_editors_are_the_visitors_view() -> None:
    assert tuple(visitor()) == VISITOR_FIELDS == tuple(SAMPLE_VISITOR)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("{{ visitor.frist_name }}", "'frist_name' is not a visitor field (fields: stage, "),
        ("{% set v = visitor %}{{ v['plan'] }}", "'plan' is not a visitor field"),
        ("{{ visitor.cart.append(1) }}", "access to attribute 'append' of 'list' object is unsafe"),
        ("{{ visitor.pop('cart') }}", "'pop' is not a visitor field"),
    ],
)
def test_a_snippet_reads_the_visitor_and_changes_nothing(
    tmp_path: Path, source: str, said: str
) -> None:
    (tmp_path / "s.html").write_text(source)
    seen = visitor()
    with pytest.raises(SnippetError, match=re.escape(said)):
        render(Renderer(tmp_path).snippet("s.html"), {}, seen)
    assert seen == visitor()


def test_a_byte_order_mark_stays_out_of_the_page(tmp_path: Path) -> None:
    (tmp_path / "s.html").write_bytes("\ufeff<p>{{ headline }}</p>".encode())
    assert render(Renderer(tmp_path).snippet("s.html"), {"headline": "Hi"}, {}) == "<p>Hi</p>"


def test_a_snippet_problem_is_logged_once_per_rule_set_and_problem(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("omotenashi.test")
    first, reloaded = RuleSet(), RuleSet()
    for owner, problem in [(first, "a")] * 5 + [(first, "b"), (reloaded, "a")]:
        warn_once(log, problem, owner)
    assert [r.getMessage() for r in caplog.records] == [
        "omotenashi: a",
        "omotenashi: b",
        "omotenashi: a",
    ]


def test_two_apps_in_one_process_each_log_a_problem_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("omotenashi.test")
    site_a, site_b = RuleSet(), RuleSet()  # two middleware instances, requests alternating
    for request in range(1000):
        warn_once(log, "rule hero: the snippet failed", site_a if request % 2 else site_b)
    assert len(caplog.records) == 2
