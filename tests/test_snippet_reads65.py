"""``omotenashi check`` says what a rule's snippet or copy does not read, or prints unguarded
(editor65): a ``with:`` key the snippet never reads (``imgae:``, read as ``image | default``,
went unsaid while the hero showed the default picture), and ``visitor.name`` printed where no
condition or ``if`` makes sure there is one ("Hello , welcome!" for every visitor)."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main

HERO = '<img src="{{ image | default(\'/d.svg\') }}" alt="{{ alt }}">'


def site(tmp_path: Path, rule: str, snippets: dict[str, str]) -> None:
    for folder in ("rules", "snippets"):
        (tmp_path / folder).mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(
        f"rules:\n  - id: r\n    slot: hero\n    why: because\n{rule}"
    )
    for name, text in snippets.items():
        (tmp_path / "snippets" / name).write_text(text)


@pytest.mark.parametrize(
    ("rule", "snippets", "says"),
    [
        (
            "    snippet: hero.html\n    with:\n      imgae: /k.svg\n      alt: Kyoto\n",
            {"hero.html": HERO},
            "rules/site.yaml:7: warning: rule 'r': with: 'imgae' is not read by the snippet "
            "'hero.html' (did you mean 'image'?)",
        ),
        (
            '    text: "Hello {{ visitor.name }}, welcome!"\n',
            {},
            "rules/site.yaml:5: warning: rule 'r' prints visitor.name, which is empty for a "
            "visitor the site stored no first_name for",
        ),
        (
            "    snippet: hi.html\n",
            {"hi.html": "<p>Hello {{ visitor.name }}</p>"},
            "rule 'r' prints visitor.name",
        ),
        (
            "    snippet: hi.html\n",
            {"hi.html": "{% include 'part.html' %}", "part.html": "Hi {{ visitor.name }}"},
            "rule 'r' prints visitor.name",
        ),
        (  # (last65: "" is no undefined value: default without true changes nothing)
            "    snippet: hi.html\n",
            {"hi.html": "Hi {{ visitor.name | default('friend') }}"},
            "rule 'r' prints visitor.name",
        ),
    ],
    ids=["misspelt-key", "text-name", "snippet-name", "included-name", "default-alone"],
)
def test_check_says_what_a_snippet_does_not_read_or_guard(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    snippets: dict[str, str],
    says: str,
) -> None:
    site(tmp_path, rule, snippets)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    assert says in capsys.readouterr().out


@pytest.mark.parametrize(
    ("rule", "snippets"),
    [
        ("    snippet: hero.html\n    with: {image: /k.svg, alt: Kyoto}\n", {"hero.html": HERO}),
        (  # a key close to no name read: maybe for a later edit of the snippet, not said
            "    snippet: hero.html\n    with: {image: /k.svg, alt: Kyoto, subtitle: x}\n",
            {"hero.html": HERO},
        ),
        (  # read in a template it includes
            "    snippet: hero.html\n    with: {image: /k.svg, alt: Kyoto}\n",
            {"hero.html": "{% include 'img.html' %}", "img.html": HERO},
        ),
        (  # an include chosen as it renders: what it reads is not known here
            "    snippet: hero.html\n    with: {which: img.html, image: /k.svg, alt: K}\n",
            {"hero.html": "{% include which %}", "img.html": HERO},
        ),
        (
            '    text: "Hello {{ visitor.name }}"\n'
            "    when: {attr: {first_name: {exists: true}}}\n",
            {},
        ),
        (
            '    text: "Hello {{ visitor.name }}"\n'
            "    when: {all: [{attr: {first_name: {exists: true}}}]}\n",
            {},
        ),
        (
            "    snippet: hi.html\n",
            {"hi.html": "{% if visitor.name %}Hi {{ visitor.name }}{% endif %}"},
        ),
        ("    snippet: hi.html\n", {"hi.html": "Hi {{ visitor.name or 'friend' }}"}),
        ("    snippet: hi.html\n", {"hi.html": "Hi {{ visitor.name | default('friend', true) }}"}),
        ("    snippet: hi.html\n", {"hi.html": "Hi {{ visitor.name | d('you', boolean=true) }}"}),
    ],
    ids=[
        "all-read",
        "unread-far",
        "read-in-include",
        "dynamic-include",
        "attr",
        "all-attr",
        "if",
        "or",
        "default",
        "d-boolean",
    ],
)
def test_nothing_is_said_of_what_is_read_or_guarded(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    rule: str,
    snippets: dict[str, str],
) -> None:
    site(tmp_path, rule, snippets)
    monkeypatch.chdir(tmp_path)
    assert main(["check", "rules"]) == 0
    out = capsys.readouterr().out
    assert "is not read by" not in out and "prints visitor.name" not in out
