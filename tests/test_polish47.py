"""``omotenashi check`` without false alarms: a YAML slip is blamed on a line only when YAML
names that line (a valid ``- ref:partner`` nearby is not to blame); an event name close to no
known one is the site's own (recorded with ``track``), not a warning; a path ``[...]`` set of
two or three letters (``/p/[xy]/*``) is a set, while ``[id]``, ``[slug]`` are placeholders."""

from __future__ import annotations

import pytest

from tests.test_edita47_checks import Check
from tests.test_edita47_checks import check as check

HEAD = 'rules:\n  - id: a\n    slot: s\n    why: "Because."\n    text: "Hi"\n'


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (  # the real slip is line 10's indentation; line 9's `ref:partner` is a valid value
            "    when:\n      segment: [vip]\n      tags:\n        - ref:partner\n     path: /x\n",
            "rules/r.yaml:10: error: not valid YAML: did not find expected key (check the "
            "indentation and quote text containing ':' or '#')",
        ),
        (
            "    when:\n      tags:\n        - ref:partner\n        - a:b\n      segment:[vip]\n"
            "    priority: 1\n",
            "rules/r.yaml:10: error: line 10 has no space after the ':' of 'segment' (write "
            "segment: [vip])",
        ),
        (  # a value that runs on into the next line's `key:`: the line it starts on
            "    when:\n      tags:\n        - ref:partner\n        - x:y\n          slot: b\n",
            "rules/r.yaml:9: error: line 9 has no space after the ':' of 'x' (write x: y)",
        ),
        (
            "    with:\n      a: 1\n  -id: b\n    slot: s\n",
            "rules/r.yaml:8: error: line 8 has no space after the '-' before 'id' (write - id:)",
        ),
    ],
    ids=["valid-item-near-bad-indent", "glued-on-named-line", "run-on", "dash"],
)
def test_a_yaml_slip_is_blamed_on_the_line_yaml_names(
    check: Check,
    body: str,
    said: str,
) -> None:
    code, out = check({"r.yaml": HEAD + body})
    assert code == 1
    assert out[0] == said, out


def event_rule(cap: str, when: str) -> str:
    return f"{HEAD}    cap: {cap}\n    when:\n      event: {when}\n"


@pytest.mark.parametrize(
    ("cap", "when", "warned"),
    [
        ("{views: 3, until: newsletter_signup}", "{newsletter_signup: {at_least: 1}}", []),
        ("{views: 3, until: join_club}", "{survey: {at_least: 1}}", []),
        (
            "{views: 3, until: newsletter_signup}",
            "{purchse: {at_least: 1}}",
            ["rules/r.yaml:8: warning: rules[0].when.event.purchse: the event 'purchse' "],
        ),
        (
            "{views: 3, until: add_to_crat}",
            "{newsletter_signup: {at_least: 1}}",
            ["rules/r.yaml:6: warning: rules[0].cap.until: the event 'add_to_crat' "],
        ),
    ],
    ids=["own-event", "own-events", "misspelt-event", "misspelt-until"],
)
def test_only_an_event_close_to_a_known_one_is_warned(
    check: Check,
    cap: str,
    when: str,
    warned: list[str],
) -> None:
    code, out = check({"r.yaml": event_rule(cap, when)})
    assert code == 0, out
    said = [line for line in out if ": warning: " in line]
    assert len(said) == len(warned), out
    assert all(s.startswith(w) and "did you mean" in s for s, w in zip(said, warned, strict=True))


@pytest.mark.parametrize(
    ("glob", "warned"),
    [
        ("/p/[xy]/*", False),
        ("/p/[ab]", False),
        ("/tours/[abc]/*", False),
        ("/[a-z]*", False),
        ("/[Tt]ours/*", False),
        ("/[!_]*", False),
        ("/docs/v[12]/*", False),
        ("/en-[gu][bs]/*", False),
        ("/tours/[id]", True),
        ("/tours/[ID]/*", True),
        ("/tours/tour-[id]", True),
        ("/shop/[sku]", True),
        ("/tours/[slug]/*", True),
        ("/u/[name]", True),
        ("/t/[tour]", True),
        ("/t/[tour_id]/x", True),
    ],
)
def test_a_path_set_warns_only_when_it_reads_as_a_placeholder(
    check: Check,
    glob: str,
    warned: bool,
) -> None:
    rule = f"{HEAD}    when:\n      path: {glob!r}\n"
    code, out = check({"r.yaml": rule})
    assert code == 0, out
    said = [line for line in out if ": warning: " in line]
    assert said == ([said[0]] if warned else []), out
    assert not warned or "a [...] is one character of the set" in said[0]
