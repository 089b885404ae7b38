from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from omotenashi import RuleSetError
from omotenashi.loader.ruleset import load_ruleset, validate_file
from omotenashi.loader.snippets import Renderer
from omotenashi.rules.model import RuleFile

ROOT = Path(__file__).resolve().parent.parent


def load(tmp_path: Path, text: str, snippets: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    (tmp_path / "rules").mkdir(exist_ok=True)
    (tmp_path / "snippets").mkdir(exist_ok=True)
    (tmp_path / "rules" / "site.yaml").write_text(textwrap.dedent(text))
    for name, body in (snippets or {"hero.html": "<h1>{{ headline }}</h1>"}).items():
        (tmp_path / "snippets" / name).write_text(body)
    return load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"), base=tmp_path)


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(RuleSetError) as info:
        load(tmp_path, text)
    return [str(e) for e in info.value.errors]


def test_the_demo_rules_load() -> None:
    rules = load_ruleset(ROOT / "rules", Renderer(ROOT / "snippets"))
    assert {"hawaii-family-hero", "kyoto-hero", "welcome-back-tagline"} <= {
        r.id for r in rules.rules
    }


def test_rules_are_ordered_by_priority_then_file_order(tmp_path: Path) -> None:
    rules = load(
        tmp_path,
        """
        rules:
          - {id: low, slot: hero, text: a, why: "because a"}
          - {id: first-80, slot: hero, text: b, priority: 80, why: "because b"}
          - {id: second-80, slot: hero, text: c, priority: 80, why: "because c"}
    """,
    )
    assert [r.id for r in rules.by_slot["hero"]] == ["first-80", "second-80", "low"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                whn: {stage: interest}
                why: because
            """,
            "rules/site.yaml:6: rules[0].whn: unknown field 'whn' (did you mean 'when'?)",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                why: because
                when:
                  stage: intrest
            """,
            "rules/site.yaml:8: rules[0].when.stage: 'intrest' is not allowed (use one of "
            "'awareness', 'interest', 'consideration', 'purchase' or 'loyalty')",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
            """,
            "rules/site.yaml:3: rules[0].why: this field is required (add why: <one sentence a "
            "visitor would understand>)",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                why: because
                priority: high
            """,
            "rules/site.yaml:7: rules[0].priority: 'high' is not a whole number (write digits "
            "only, e.g. 80)",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                snippet: hero.html
                why: because
            """,
            "rules/site.yaml:3: rules[0]: a rule needs exactly one action (got snippet, text) "
            "(give one of snippet, text, attrs or hide: true)",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                snippet: nope.html
                why: because
            """,
            "rules/site.yaml:5: rules[0].snippet: snippet 'nope.html': not found in",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                why: because
                when: {time: "9-17"}
            """,
            "rules/site.yaml:7: rules[0].when.time: '9-17' is not a time window (write it as "
            "HH:MM-HH:MM, e.g. 18:00-23:00)",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                attrs: {onclick: "steal()"}
                why: because
            """,
            "rules/site.yaml:5: rules[0].attrs: attribute 'onclick' cannot be set by a rule",
        ),
        (
            """
            rules:
              - id: a
                slot: hero
                text: hi
                why: because
                why: again
            """,
            "rules/site.yaml:7: rules[0].why: the field 'why' appears twice (keep one of them)",
        ),
        (
            "rules:\n  - id: a\n   slot: hero\n",
            "rules/site.yaml:3: not valid YAML:",
        ),
        (
            """
            rules:
              - {id: a, slot: hero, text: hi, why: because}
              - {id: a, slot: hero, text: ho, why: because}
            """,
            "rules/site.yaml:4: rules[1].id: the rule id 'a' is already used in rules/site.yaml:3",
        ),
    ],
    ids=[
        "typo-field",
        "bad-stage",
        "missing-why",
        "not-a-number",
        "two-actions",
        "missing-snippet",
        "bad-time",
        "event-handler",
        "duplicate-key",
        "bad-yaml",
        "duplicate-id",
    ],
)
def test_errors_name_file_line_field_problem_and_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    errors = errors_of(tmp_path, text)
    assert any(e.startswith(expected) for e in errors), errors


def test_every_error_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path,
        """
        rules:
          - {id: a, slot: hero, text: hi, why: because, priority: -1}
          - {id: B!, slot: hero, text: hi, why: because}
    """,
    )
    assert len(errors) == 2
    assert errors[0].startswith("rules/site.yaml:3: rules[0].priority:")
    assert errors[1].startswith("rules/site.yaml:4: rules[1].id:")


FIELDS = "stage, segments, visits, returning, interests, name, device, cart, purchases, " + (
    "viewed_in, titles"
)
MISSPELT = "{{ visitor.frist_name }}{% endif %}"
HERO = "<h1>{{ headline }}</h1>\n<a>{{ cta_label }}</a>"
TWO = """
rules:
  - {id: a, slot: hero, snippet: s.html, with: {headline: Hi}, why: because}
  - {id: b, slot: hero, snippet: s.html, with: {headline: Ho}, why: because}
"""


@pytest.mark.parametrize(
    ("rules", "snippets", "expected"),
    [
        (  # a snippet's own problem: once, at its file and line, naming the rules that use it
            TWO,
            {"s.html": "<p>\n{{ headline }\n</p>"},
            "snippets/s.html:2: does not compile: unexpected '}' "
            "(close the tag with }}; used by rules 'a', 'b')",
        ),
        (TWO, {"s.html": "{{ 1 / 0 }}"}, "snippets/s.html:1: failed to render: division by zero"),
        (  # a field the visitor does not have, even where the sample visitor does not look
            TWO,
            {"s.html": "{{ headline }}\n{% if visitor.visits > 9 %}" + MISSPELT},
            f"snippets/s.html:2: 'frist_name' is not a visitor field (fields: {FIELDS})",
        ),
        (TWO, {"s.html": "{{ visitor.__class__ }}"}, "snippets/s.html:1: '__class__' is not a"),
        (  # the sandbox is immutable: a snippet changes nothing
            TWO,
            {"s.html": "{{ headline }}\n{{ visitor.cart.append(1) }}"},
            "snippets/s.html:2: failed to render: access to attribute 'append' of 'list' object "
            "is unsafe.",
        ),
        (  # what a snippet includes is tried too
            TWO,
            {"s.html": "{% include 'box.html' %}", "box.html": "{{ title }}"},
            "rules/site.yaml:3: rules[0].with: the snippet 's.html' (through 'box.html') needs "
            "'title', which with: does not give",
        ),
        (  # a misspelt with: key is blamed on itself, with the name the snippet needs
            """
            rules:
              - id: a
                slot: hero
                snippet: hero.html
                with:
                  headline: Hi
                  cta_lable: Go
                why: because
            """,
            {"hero.html": HERO},
            "rules/site.yaml:8: rules[0].with.cta_lable: the snippet 'hero.html' reads "
            "'cta_label', not 'cta_lable' (snippets/hero.html:2 needs 'cta_label': one of the "
            "two is misspelt; write 'cta_label' here, or 'cta_lable' in the snippet)",
        ),
        (
            """
            rules:
              - {id: a, slot: hero, snippet: hero.html, with: {headline: Hi}, why: because}
            """,
            {"hero.html": HERO},
            "rules/site.yaml:3: rules[0].with: the snippet 'hero.html' needs 'cta_label', which "
            "with: does not give",
        ),
        (
            """
            rules:
              - {id: a, slot: hero, text: "Hi {{ visitor.frist_name }}", why: because}
              - {id: b, slot: hero, text: "Hi {{ visitor.frist_name|upper }}", why: because}
            """,
            {},
            "rules/site.yaml:3: rules[0].text: the rule's text: 'frist_name' is not a visitor "
            "field",
        ),
    ],
)
def test_a_snippet_that_cannot_render_is_refused_where_the_editor_fixes_it(
    tmp_path: Path, rules: str, snippets: dict[str, str], expected: str
) -> None:
    with pytest.raises(RuleSetError) as info:
        load(tmp_path, textwrap.dedent(rules), snippets or None)
    errors = [str(e) for e in info.value.errors]
    assert errors[0].startswith(expected)
    assert len([e for e in errors if e.startswith("snippets/")]) <= 1  # once per snippet


def test_snippets_that_ignore_the_visitor_are_rendered_once(tmp_path: Path) -> None:
    rules = load(
        tmp_path,
        """
        rules:
          - {id: a, slot: hero, snippet: hero.html, with: {headline: Hi}, why: because}
          - {id: b, slot: hero, snippet: personal.html, why: because}
    """,
        {"hero.html": "<h1>{{ headline }}</h1>", "personal.html": "{{ visitor.name }}"},
    )
    static = {r.id: r.static for r in rules.rules}
    assert static == {"a": "<h1>Hi</h1>", "b": None}


def test_an_empty_file_is_no_rules(tmp_path: Path) -> None:
    assert load(tmp_path, "").rules == []


RULE = {"id": "a", "slot": "hero", "text": "hi", "why": "because"}


@pytest.mark.parametrize(
    "data",
    [
        {"rules": [RULE, {**RULE, "id": "b"}]},
        {"rules": [RULE], "goals": [{"id": "booked", "event": "booking"}]},
        {"rules": []},
        {},
        {"rules": [RULE, {**RULE, "priority": -1}, {**RULE, "id": "B!"}]},
        {"rules": [RULE], "goals": "none"},
        {"rules": [RULE], "other": 1},
        {"rules": "not a list"},
        ["not", "a", "mapping"],
    ],
    ids=[
        "good",
        "goals",
        "empty",
        "nothing",
        "bad-rules",
        "bad-goals",
        "extra",
        "rules-text",
        "list",
    ],
)
def test_validating_rule_by_rule_is_validating_the_whole_file(data: object) -> None:
    try:
        whole: object = RuleFile.model_validate(data)
    except ValidationError as exc:
        whole = exc.errors(include_url=False)
    try:
        by_rule: object = validate_file(data)
    except ValidationError as exc:
        by_rule = exc.errors(include_url=False)
    assert by_rule == whole


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "rules:\n  - {id: a, tagret: hero, text: hi, why: because}\n",
            "rules/site.yaml:2: rules[0].tagret: unknown field 'tagret' (did you mean 'slot', "
            "or 'selector' for a CSS selector?)",
        ),
        (
            "rules:\n  - {id: a, slot: hero, text: hi, why: because, conditions: {new: true}}\n",
            "rules/site.yaml:2: rules[0].conditions: unknown field 'conditions' (did you mean "
            "'when'?)",
        ),
        (
            "rules:\n  - {id: a, slot: hero, template: hero.html, why: because}\n",
            "rules/site.yaml:2: rules[0].template: unknown field 'template' (did you mean "
            "'snippet'?)",
        ),
        (
            "rules:\n  - {id: a, slot: hero, text: hi, reason: because}\n",
            "rules/site.yaml:2: rules[0].reason: unknown field 'reason' (did you mean 'why'?)",
        ),
        (
            "rules:\n  - {id: a, slot: hero, text: hi, why: because, when: {url: /tours/*}}\n",
            "rules/site.yaml:2: rules[0].when.url: unknown field 'url' (did you mean 'path'?)",
        ),
        (
            "rules:\n  - {id: a, slto: hero, text: hi, why: because}\n",
            "rules/site.yaml:2: rules[0].slto: unknown field 'slto' (did you mean 'slot'?)",
        ),
        (
            "- id: a\n  slot: hero\n  text: hi\n  why: because\n",
            "rules/site.yaml:1: a rule file is a mapping that starts with `rules:` (indent the "
            "list under `rules:`)",
        ),
        (
            "rules:\n  - id: a\n    slot: hero\n\tpriority: 80\n",
            "rules/site.yaml:4: line 4 is indented with a tab (indent with spaces)",
        ),
        (
            "rules:\n  - id: a\n    slot: hero\n    with:\n\t  theme: family\n",
            "rules/site.yaml:5: line 5 is indented with a tab (indent with spaces)",
        ),
        (  # pasted from a word processor or a web page
            "rules:\n  - id: a\n    slot: hero\n\u00a0\u00a0  text: hi\n    why: because\n",
            "rules/site.yaml:4: line 4 is indented with a U+00A0 NO-BREAK SPACE (indent with "
            "plain spaces)",
        ),
        (
            "rules:\n  hero:\n    slot: hero\n    text: hi\n    why: because\n",
            "rules/site.yaml:1: rules: this should be a list of rules, not rules by name (write "
            "each as '- id: hero' with its fields under it, not 'hero:')",
        ),
        (
            "rules:\n  id: hero\n  slot: hero\n  text: hi\n  why: because\n",
            "rules/site.yaml:1: rules: this should be a list of rules, each starting with '- ' "
            "(write '- ' before each rule's first field ('  - id: hero'), its other fields "
            "under it)",
        ),
    ],
    ids=[
        "target-misspelt",
        "conditions",
        "template",
        "reason",
        "url-in-when",
        "plain-typo",
        "top-level-list",
        "tab",
        "tab-and-spaces",
        "no-break-space",
        "rules-by-name",
        "one-rule-unlisted",
    ],
)
def test_an_editors_slip_is_named_with_its_fix(tmp_path: Path, text: str, expected: str) -> None:
    assert expected in errors_of(tmp_path, text)
