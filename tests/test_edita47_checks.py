"""``omotenashi check`` (the load's own checks) on mistakes that made a rule never show while
it passed: a rule's text that fails for every visitor (a value it is never given, an unsafe
attribute, an include) is an error at its ``text`` line, called "the rule's text", as the same
text in a snippet file is; a snippet brought in by a name no file has is an error at the
snippet's line, with the closest name; a snippet written ``/banners/hero.html`` is the one
``banners/hero.html`` (used, not warned about as unused); an event name nothing knows is a
warning at its field, with the known name it likely misspells."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.test_cli_check import check_site

Check = Callable[[dict[str, str]], tuple[int, list[str]]]

HERO = '<div class="hero">{{ headline }}</div>\n'
NOTE = "<p>note</p>\n"
TAIL = "    why: because you looked\n"


@pytest.fixture
def check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Check:
    """``check_site`` in this test's own folder: on these files, its exit code and lines."""
    return partial(check_site, tmp_path, monkeypatch, capsys)


def rule(rule_id: str, *fields: str) -> str:
    """A rules file of one rule, ``rule_id`` in slot ``hero``: these lines, then its ``why``."""
    lines = "".join(f"    {field}\n" for field in fields)
    return f"rules:\n  - id: {rule_id}\n    slot: hero\n{lines}{TAIL}"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '"{{ headline }}"',
            "rules/r.yaml:4: error: rules[0].text: the rule's text reads 'headline', which it "
            "is never given: it fails for every visitor",
        ),
        (
            '"Hi {{ name | upper }}"',
            "rules/r.yaml:4: error: rules[0].text: the rule's text reads 'name', which it is "
            "never given",
        ),
        (
            "\"{{ ''.__class__ }}\"",
            "rules/r.yaml:4: error: rules[0].text: the rule's text: failed to render: access to "
            "attribute '__class__' of 'str' object is unsafe",
        ),
        (
            "\"{% include 'note.html' %}\"",
            "rules/r.yaml:4: error: rules[0].text: the rule's text: cannot bring in a snippet",
        ),
        (
            '"Hi {{ visitor.nmae }}"',
            "rules/r.yaml:4: error: rules[0].text: the rule's text: 'nmae' is not a visitor field",
        ),
    ],
)
def test_a_rule_text_that_fails_for_everyone_is_an_error_at_its_text_line(
    check: Check,
    text: str,
    said: str,
) -> None:
    files = {"rules/r.yaml": rule("copy", f"text: {text}"), "snippets/note.html": NOTE}
    code, out = check(files)
    assert code == 1
    assert [line for line in out if line.startswith(said)], out
    assert not [line for line in out if "snippet 'text'" in line], out


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('"{{ name }}"', "(write {{ visitor.name }})"),
        ('"{{ nmae }}"', "(did you mean {{ visitor.name }}?)"),
        ('"{{ headline }}"', "use a snippet and give headline: ... under with:)"),
    ],
)
def test_a_value_a_rule_text_reads_says_what_to_write(
    check: Check,
    text: str,
    hint: str,
) -> None:
    _code, out = check({"rules/r.yaml": rule("copy", f"text: {text}")})
    assert [line for line in out if line.endswith(hint)], out


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ('"Hello{% if visitor.name %} {{ visitor.name }}{% endif %}"', None),
        ('"Hello there"', None),
        # fails only for a visitor like the sample (one cart item): a warning at the text
        (
            '"{% if visitor.returning %}{{ visitor.cart[5] }}{% endif %}"',
            "rules/r.yaml:4: warning: rules[0].text: with a sample visitor",
        ),
    ],
)
def test_a_rule_text_that_may_show_is_kept(
    check: Check,
    text: str,
    level: str | None,
) -> None:
    code, out = check({"rules/r.yaml": rule("copy", f"text: {text}")})
    assert code == 0, out
    said = [line for line in out if ": warning: " in line or ": error: " in line]
    assert [s[: len(level or "")] for s in said] == ([level] if level else []), out
    assert not level or "the rule's text" in said[0]


@pytest.mark.parametrize(
    ("source", "said"),
    [
        (
            '<p>x</p>\n{% include "nope.html" %}\n',
            "snippets/inc.html:2: error: its {% include %} names 'nope.html', which is no "
            "snippet (did you mean 'note.html'?)",
        ),
        (
            '<p>x</p>\n{% if visitor.returning %}{% include "banners/heroo.html" %}{% endif %}\n',
            "snippets/inc.html:2: error: its {% include %} names 'banners/heroo.html', which is "
            "no snippet (did you mean 'banners/hero.html'?)",
        ),
        (
            '{% from "notes.html" import m %}{{ m() }}\n',
            "snippets/inc.html:1: error: its {% import %} names 'notes.html', which is no "
            "snippet (did you mean 'note.html'?)",
        ),
        (
            '{% extends "base.html" %}\n',
            "snippets/inc.html:1: error: its {% extends %} names 'base.html', which is no snippet",
        ),
        (  # (never itself: a snippet cannot bring in itself)
            '{% include "inc.htm" %}\n',
            "snippets/inc.html:1: error: its {% include %} names 'inc.htm', which is no snippet "
            "(did you mean 'note.html'?)",  # (was 'inc.html', the snippet itself)
        ),
        (  # in a snippet it includes: at that snippet's line
            '{% include "note2.html" %}\n',
            "snippets/note2.html:2: error: its {% include %} names 'gone.html', which is no "
            "snippet",
        ),
    ],
)
def test_a_snippet_brought_in_by_a_name_no_file_has_is_an_error_at_its_line(
    check: Check,
    source: str,
    said: str,
) -> None:
    files = {
        "rules/r.yaml": rule("inc", "snippet: inc.html"),
        "snippets/inc.html": source,
        "snippets/note.html": NOTE,
        "snippets/note2.html": '<p>a</p>\n{% include "gone.html" %}\n',
        "snippets/banners/hero.html": HERO,
    }
    code, out = check(files)
    assert code == 1
    assert [line for line in out if line.startswith(said)], out
    assert not [line for line in out if "with a sample visitor" in line], out


@pytest.mark.parametrize(
    "source",
    [
        '{% include "nope.html" ignore missing %}<p>y</p>\n',
        '{% include ["nope.html", "note.html"] %}\n',
    ],
)
def test_a_snippet_that_may_be_missing_is_no_error(
    check: Check,
    source: str,
) -> None:
    files = {
        "rules/r.yaml": rule("inc", "snippet: inc.html"),
        "snippets/inc.html": source,
        "snippets/note.html": NOTE,
    }
    code, out = check(files)
    assert code == 0, out
    assert not [line for line in out if ": error: " in line], out


def hero_rule(snippet: str) -> str:
    return rule("hero", f"snippet: {snippet}", "with: {headline: Hi}")


@pytest.mark.parametrize(
    "written",
    ["banners/hero.html", "/banners/hero.html", "./banners/hero.html", "banners//hero.html"],
)
def test_a_snippet_written_with_extra_slashes_is_the_one_in_use(
    check: Check,
    written: str,
) -> None:
    files = {"rules/r.yaml": hero_rule(written), "snippets/banners/hero.html": HERO}
    code, out = check(files)
    assert (code, out) == (0, [])


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("banners/hero", "(did you mean 'banners/hero.html'?)"),
        ("banners/heor.html", "(did you mean 'banners/hero.html'?)"),
        ("/banners/hero", "rules[0].snippet: snippet 'banners/hero': not found"),
    ],
)
def test_a_missing_snippet_names_the_one_likely_meant(
    check: Check,
    written: str,
    said: str,
) -> None:
    files = {"rules/r.yaml": hero_rule(written), "snippets/banners/hero.html": HERO}
    code, out = check(files)
    assert code == 1
    assert [line for line in out if line.startswith("rules/r.yaml:4: error:") and said in line]


GOALS = "goals:\n  - {id: signed_up, event: signup}\n"
JOURNEY = "beacon:\n  events: [view_item, watch_video]\n"


def event_rule(cap: str, when: str) -> str:
    return rule("ev", "text: Hi", f"cap: {cap}", "when:", f"  event: {when}")


@pytest.mark.parametrize(
    ("cap", "when", "said"),
    [
        (
            "{views: 3, until: purchse}",
            "{purchase: {at_least: 1}}",
            [
                "rules/r.yaml:5: warning: rules[0].cap.until: the event 'purchse' is not one "
                "Omotenashi records, nor one a goal or the journey names: the cap stops the rule "
                "for good only if your app records it with track(request, 'purchse'), which an "
                "app may do for events of its own (so a warning, not an error) (did you mean "
                "'purchase'?)"
            ],
        ),
        (
            "{views: 3, until: purchase}",
            "{purchse: {at_least: 1}}",
            [
                "rules/r.yaml:7: warning: rules[0].when.event.purchse: the event 'purchse' is "
                "not one Omotenashi records, nor one a goal or the journey names: the condition "
                "holds only if your app records it with track(request, 'purchse'), which an app "
                "may do for events of its own (so a warning, not an error) (did you mean "
                "'purchase'?)"
            ],
        ),
        (
            "{views: 3, until: signup}",
            "{signpu: {at_least: 1}}",
            ["rules/r.yaml:7: warning: rules[0].when.event.signpu: the event 'signpu' is not "],
        ),
        (
            "{views: 3, until: join_club}",
            "{watch_vidoe: {at_least: 1}}",
            ["rules/r.yaml:7: warning: rules[0].when.event.watch_vidoe: the event "],
        ),
        (
            "{views: 3, until: signup}",
            "{watch_video: {at_least: 1}, add_to_cart: {at_least: 1}}",
            [],
        ),
    ],
)
def test_an_event_nothing_names_is_a_warning_at_its_field(
    check: Check,
    cap: str,
    when: str,
    said: list[str],
) -> None:
    files = {
        "rules/r.yaml": event_rule(cap, when),
        "rules/goals.yaml": GOALS,
        "rules/journey.yaml": JOURNEY,
    }
    code, out = check(files)
    assert code == 0, out
    warned = [line for line in out if ": warning: " in line]
    assert len(warned) == len(said), out
    assert all(w.startswith(s) for w, s in zip(warned, said, strict=True)), out
