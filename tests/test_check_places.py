"""``omotenashi check --templates`` warns of a rule whose content the place the templates give
its slot would not keep (a ``<div>`` in a slot inside a ``<p>``, a link in a link, text after a
link the page leaves open ...): on every page the slot keeps its default there."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

SAID = "puts content into the slot 'promo', which page.html puts on"


@pytest.mark.parametrize(
    ("template", "action", "snippet", "warned"),
    [
        ('<p>Hi <span data-omo-slot="promo">x</span></p>', "snippet", "<div>Offer</div>", True),
        ('<p data-omo-slot="promo">x</p>', "snippet", "<p>Offer</p>", True),
        ('<a href="/"><b data-omo-slot="promo">x</b></a>', "snippet", '<a href="/o">O</a>', True),
        ('<ul><li data-omo-slot="promo">x</li></ul>', "snippet", "<li>Offer</li>", True),
        ('<div data-omo-slot="promo">x</div>', "snippet", "<div>Offer</div>", False),
        ('<p>Hi <span data-omo-slot="promo">x</span></p>', "snippet", "<b>Offer</b>", False),
        # the sample visitor's output, for a snippet that depends on the visitor
        (
            '<p><span data-omo-slot="promo">x</span></p>',
            "snippet",
            "{% if visitor.stage %}<div>{{ visitor.stage }}</div>{% endif %}",
            True,
        ),
        ('<p><a href="/">menu<div data-omo-slot="promo"></div>', "text", "", True),
        ('<p data-omo-slot="promo">x</p>', "text", "", False),
        # a block a base template may wrap: read on its own, no place to judge (no warning)
        ('{% block promo %}<div data-omo-slot="promo"></div>{% endblock %}', "snippet", "", False),
    ],
)
def test_check_warns_of_content_the_slot_s_place_would_not_keep(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    template: str,
    action: str,
    snippet: str,
    warned: bool,
) -> None:
    for folder in ("rules", "snippets", "templates"):
        (tmp_path / folder).mkdir()
    (tmp_path / "snippets" / "s.html").write_text(snippet or "<div>Offer</div>")
    what = "snippet: s.html" if action == "snippet" else 'text: "Spring <sale>"'
    rules = f"rules:\n  - {{id: promo, slot: promo, {what}, why: A promo.}}\n"
    (tmp_path / "rules" / "site.yaml").write_text(rules)
    (tmp_path / "templates" / "page.html").write_text(f"<!doctype html><body>{template}</body>")
    monkeypatch.chdir(tmp_path)
    main(["check", "rules", "--templates", "templates"])
    said = [line for line in capsys.readouterr().out.splitlines() if SAID in line]
    assert len(said) == warned, said
    if warned:
        assert said[0].startswith("rules/site.yaml:2: warning: rule 'promo'")
        assert said[0].endswith("so the slot keeps its default there")
