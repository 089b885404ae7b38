"""html51: no text or snippet goes into an element whose content a browser reads as raw text
(``<script>``, ``<style>``, ``<xmp>``, ``<iframe>``, ``<noembed>``, ``<noframes>``,
``<noscript>``): escaped text showed its escapes there (``a &amp; b < c``), and in a script or a
style it changed the code. Such a target is left as it is, as a void element is; a rule that
sets attributes there still applies."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from omotenashi.engine import EngineConfig, Journey, Profile, Visit, personalise_response
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.settings import RespectSettings

from .test_void_targets import check_warnings

RAW = ["xmp", "script", "style", "iframe", "noembed", "noframes"]


def run(tmp_path: Path, tag: str, rules: str) -> tuple[bytes, bytes, list[str]]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(rules))
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)
    config = EngineConfig(respect=RespectSettings())
    page = (
        f'<!doctype html><html><body><p>a</p><{tag} data-omo-slot="x">old</{tag}>'
        "<p>b</p></body></html>"
    ).encode()
    visit = Visit(visitor_id="v1", profile=Profile(), now=1_700_000_000.0)
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    result = personalise_response(page, headers, visit, ruleset, Journey(), config)
    return page, result.body, [d.id for d in result.shown]


@pytest.mark.parametrize("tag", RAW)
def test_no_text_goes_into_an_element_read_as_raw_text(tmp_path: Path, tag: str) -> None:
    rules = 'rules:\n  - {id: r, slot: x, text: "a & b < c", why: Always.}\n'
    page, body, shown = run(tmp_path, tag, rules)
    assert (body, shown) == (page, [])  # byte for byte: no note about an unseen block


@pytest.mark.parametrize("tag", RAW)
def test_a_lower_attrs_rule_wins_such_a_target_over_a_text_rule(tmp_path: Path, tag: str) -> None:
    rules = """\
        rules:
          - {id: words, slot: x, text: "a & b", why: Always., priority: 60}
          - {id: marked, slot: x, attrs: {title: seen}, why: Always., priority: 50}
        """
    _, body, shown = run(tmp_path, tag, rules)
    assert shown == ["marked"]
    assert b'title="seen"' in body and b"&amp;" not in body
    assert f'data-omo-rule="marked">old</{tag}>'.encode() in body  # its content kept


@pytest.mark.parametrize(
    ("element", "action", "said"),
    [
        ('<xmp data-omo-slot="pic">x</xmp>', 'text: "Hi"', "put on a <xmp>: a browser reads"),
        ("<SCRIPT data-omo-slot=pic></SCRIPT>", "snippet: s.html", "put on a <script>: a browser"),
        ('<iframe data-omo-slot="pic"></iframe>', 'text: "Hi"', "put on an <iframe>: a browser"),
        ('<style data-omo-slot="pic"></style>', 'attrs: {media: "print"}', ""),
    ],
    ids=["text-xmp", "snippet-script", "text-iframe", "attrs-style"],
)
def test_check_says_a_content_rule_never_shows_in_raw_text(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    element: str,
    action: str,
    said: str,
) -> None:
    out = check_warnings(tmp_path, monkeypatch, capsys, element, action, "<b>{{ x }}</b>")
    assert len(out) == (1 if said else 0), out
    assert all(said in line and "raw text, so this rule never shows there" in line for line in out)


def test_a_noscript_still_takes_text(tmp_path: Path) -> None:
    """(eye51) A browser without scripts reads <noscript> as HTML, where text shows as
    anywhere; one with scripts never shows it."""
    rules = 'rules:\n  - {id: r, slot: x, text: "a & b", why: Always.}\n'
    _, body, shown = run(tmp_path, "noscript", rules)
    assert shown == ["r"] and b">a &amp; b</noscript>" in body
