"""The "Your data" page and "What we keep about you" in plain words: a topic's score as points,
a count of things done as times, the show counts as what they count and what for, and the stage
with a lead-in rather than a bare sentence opening the list."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from omotenashi.engine.journey import Journey
from omotenashi.engine.profile import Profile
from omotenashi.engine.restraint import Prefs
from omotenashi.loader.ruleset import load_ruleset
from omotenashi.loader.snippets import Renderer
from omotenashi.respect import shown
from omotenashi.respect.facts import describe, stage_line

AT = 1_796_000_000.0
RULES = (
    'rules:\n  - {id: fan, slot: hero, text: "Fan", why: "You like tours.", category: interests}\n'
)


def lines(profile: Profile, tmp_path: Path, prefs: Prefs | None = None) -> list[str]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "site.yaml").write_text(RULES)
    ruleset = load_ruleset(tmp_path / "rules", Renderer(tmp_path / "snippets"))
    sections = shown.data_sections(profile, ruleset, prefs or Prefs())
    return [line for _, said in sections for line in said]


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        (
            Profile(interests={"kyoto": (2.0, AT)}),
            "kyoto: 2 points when one was last added, on ",
        ),
        (Profile(interests={"kyoto": (1.0, AT)}), "kyoto: 1 point when one was last added"),
        (Profile(interests={"kyoto": (1.46, AT)}), "kyoto: 1.5 points when one was last added"),
        (Profile(events={"join_club": 6}), "join club: 6 times"),
        (Profile(events={"join_club": 1}), "join club: once"),
        (
            Profile(caps={"fan": ("v1", 2)}),
            "We count how often one block was shown to you. The count covers one visit, one day, "
            "one week or all time, as the site sets it",
        ),
        (
            Profile(caps={"fan": ("v1", 2), "other": ("d20790", 1)}),
            "We count how often each of 2 blocks was shown to you",
        ),
        (  # (final45) counters of a kind of block and of the name are no blocks
            Profile(
                caps={
                    "fan": ("v1", 1),
                    "~intent:welcome:visit": ("v1", 1),
                    "~intent:welcome:week": ("w2926", 1),
                    "~name": ("v1", 1),
                }
            ),
            "We count how often one block was shown to you, how often blocks on one subject were "
            "shown to you in all, and how often we greeted you by name. Each count covers",
        ),
        (Profile(caps={"~name": ("v1", 1)}), "We count how often we greeted you by name. The"),
    ],
    ids=[
        *("points", "one-point", "a-tenth", "times", "one-time", "one-count", "two-counts"),
        *("kinds-and-name", "name-only"),
    ],
)
def test_the_data_page_says_what_its_numbers_are(
    profile: Profile, said: str, tmp_path: Path
) -> None:
    found = lines(profile, tmp_path)
    assert any(line.startswith(said) for line in found), found


@pytest.mark.parametrize(
    ("profile", "said"),
    [
        (
            Profile(stage="interest", visits=1),
            "How far along we think you are: you have been exploring what we offer.",
        ),
        (Profile(visits=1, events={"join_club": 6}), "Things you did here: join club (6 times)."),
        (Profile(visits=1, events={"join_club": 1}), "Things you did here: join club (once)."),
    ],
    ids=["stage", "times", "one-time"],
)
def test_what_we_keep_opens_each_line_with_what_it_is(profile: Profile, said: str) -> None:
    facts = describe(profile, time.time(), Journey(), None, "UTC")
    assert said in facts, facts


@pytest.mark.parametrize(
    ("site", "said"),
    [
        ("VIP members of our club", "How far along we think you are: VIP members of our club."),
        ("Members of our club", "How far along we think you are: members of our club."),
    ],
)
def test_the_stage_line_keeps_a_word_the_site_writes_in_capitals(site: str, said: str) -> None:
    assert stage_line("loyalty", {"loyalty": site}) == said  # (final45: not "vIP")


def test_a_category_switched_off_is_named_as_the_preferences_page_names_it(
    tmp_path: Path,
) -> None:
    """qa49: "Switched off: journey" on the data page, "Journey" on the preferences page."""
    prefs = Prefs(off_categories=frozenset({"journey", "browsing-history"}))
    said = lines(Profile(), tmp_path, prefs)
    assert [s for s in said if s.startswith("Switched off")] == [
        "Switched off: Browsing history",
        "Switched off: Journey",
    ]
