"""``omotenashi check`` reads the journey file as strictly as rule files: every event name it
names (transitions' ``on``, conditions in transitions, decay rules and segments, the beacon's
allow-list), topic paths, the words for each stage, and stage orders that cannot work."""

from __future__ import annotations

from pathlib import Path

import pytest

from omotenashi.cli.main import main
from omotenashi.loader.findings import LoadWarning
from omotenashi.loader.journey import load_journey

ROOT = Path(__file__).resolve().parent.parent

JOURNEY = """\
transitions:
  - to: interest
    when: {views: {at_least: 3}}
  - to: consideration
    on: add_to_cart
  - to: purchase
    on: purchase
  - to: loyalty
    on: join_club
stages:
  purchase: "you have booked a trip with us"
  loyalty: "you have joined our member club"
decay:
  - {from: [loyalty, purchase], to: interest, when: {absent_days: {at_least: 180}}}
topics:
  - {path: "/tours/hawaii-*", topics: [hawaii], item: true}
segments:
  member: {event: {join_club: {at_least: 1}}}
beacon:
  events: [view_item, video_play]
"""
NEVER = "can never be recorded: event names are lowercase letters, digits and _, starting"
ONE_LINE = "(write them as one line that follows 'because')"
MOST = "(say what being there means, e.g. 'you have joined our member club or booked with us"


def check(
    journey: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, list[str]]:
    (tmp_path / "rules").mkdir()
    (tmp_path / "snippets").mkdir()
    (tmp_path / "rules" / "journey.yaml").write_text(journey)
    (tmp_path / "rules" / "site.yaml").write_text(
        'rules:\n  - {id: a, slot: hero, text: X, why: "because", when: {stage: interest}}\n'
    )
    monkeypatch.chdir(tmp_path)
    code = main(["check", "rules"])
    return code, capsys.readouterr().out.splitlines()


def edit(*changes: tuple[str, str]) -> str:
    text = JOURNEY
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text


CASES = {
    # (eye49b) an empty list never holds: a transition on no event never fires
    "on-empty": (
        edit(("on: add_to_cart", "on: []")),
        ["rules/journey.yaml:5: error: transitions[1].on: an empty list matches nothing"],
        "(name at least one, or leave it out)",
    ),
    "from-empty": (
        edit(("{from: [loyalty, purchase],", "{from: [],")),
        ["rules/journey.yaml:14: error: decay[0].from: an empty list matches nothing"],
        "(name at least one, or leave it out)",
    ),
    "path-empty": (
        edit(('{path: "/tours/hawaii-*",', "{path: [],")),
        ["rules/journey.yaml:16: error: topics[0].path: an empty list matches nothing"],
        "(name at least one, or leave it out)",
    ),
    "on-with-dashes": (
        edit(("on: add_to_cart", "on: add-to-cart")),
        [f"rules/journey.yaml:5: error: transitions[1].on: the event 'add-to-cart' {NEVER}"],
        "(write 'add_to_cart')",
    ),
    "on-without-underscores": (
        edit(("on: add_to_cart", "on: addtocart")),
        [
            "rules/journey.yaml:5: warning: transitions[1].on: 'addtocart' is close to "
            "'add_to_cart', an event Omotenashi records itself: names must match exactly "
            "(did you mean 'add_to_cart'?)"
        ],
        "",
    ),
    "on-listed": (
        edit(("on: join_club", "on: [join_club, Join Club]")),
        [f"rules/journey.yaml:9: error: transitions[3].on[1]: the event 'Join Club' {NEVER}"],
        "(write 'join_club')",
    ),
    "segment-event": (
        edit(("{event: {join_club:", "{event: {join-club:")),
        [
            "rules/journey.yaml:18: error: segments.member.event.join-club: the event "
            f"'join-club' {NEVER}"
        ],
        "(write 'join_club')",
    ),
    "transition-condition-event": (
        edit(("when: {views: {at_least: 3}}", "when: {event: {video-play: {at_least: 1}}}")),
        ["rules/journey.yaml:3: error: transitions[0].when.event.video-play: the event "],
        "(write 'video_play')",
    ),
    "decay-event": (
        edit(("{absent_days: {at_least: 180}}", "{event: {Unsubscribe: {at_least: 1}}}")),
        ["rules/journey.yaml:14: error: decay[0].when.event.Unsubscribe: the event "],
        "(write 'unsubscribe')",
    ),
    "beacon-event": (
        edit(("events: [view_item, video_play]", "events: [view-item, video_play]")),
        [f"rules/journey.yaml:20: error: beacon.events[0]: the event 'view-item' {NEVER}"],
        "(write 'view_item')",
    ),
    "beacon-near-miss": (
        edit(("events: [view_item, video_play]", "events: [viewitem, video_play]")),
        ["rules/journey.yaml:20: warning: beacon.events[0]: 'viewitem' is close to 'view_item'"],
        "",
    ),
    "topic-path": (
        edit(('path: "/tours/hawaii-*"', 'path: "tours/hawaii-*"')),
        [
            "rules/journey.yaml:16: error: topics[0].path: 'tours/hawaii-*' can never match: a "
            "request path always starts with '/' (write '/tours/hawaii-*')"
        ],
        "",
    ),
    "condition-path": (
        edit(("when: {views: {at_least: 3}}", 'when: {path: "tours/*"}')),
        ["rules/journey.yaml:3: error: transitions[0].when.path: 'tours/*' can never match"],
        "",
    ),
    "everyone-loyal-on-the-second-page": (
        edit(
            ("transitions:\n", "transitions:\n  - to: loyalty\n    when: {views: {at_least: 1}}\n")
        ),
        [
            "rules/journey.yaml:3: warning: transitions[0].when: every visitor becomes 'loyalty' "
            "on their second page: this when: holds for everyone, skipping 'interest', "
            "'consideration' and 'purchase' (move visitors there on an event",
            "rules/journey.yaml:4: warning: transitions[1]: this move to 'interest' can change a "
            "visitor's stage only on their first page: transitions[0] (line 2) puts every visitor "
            "at 'loyalty' on their second page",
            "rules/journey.yaml:6: warning: transitions[2]: this move to 'consideration'",
            "rules/journey.yaml:8: warning: transitions[3]: this move to 'purchase'",
            "rules/journey.yaml:10: warning: transitions[4]: this move to 'loyalty'",
        ],
        "",
    ),
    "everyone-on-the-first-page": (
        edit(("transitions:\n", "transitions:\n  - to: consideration\n    when: {}\n")),
        [
            "rules/journey.yaml:3: warning: transitions[0].when: every visitor becomes "
            "'consideration' on their first page: this when: holds for everyone, skipping "
            "'interest'",
            "rules/journey.yaml:4: warning: transitions[1]: this move to 'interest' never changes "
            "a visitor's stage: transitions[0] (line 2) puts every visitor at 'consideration' on "
            "their first page",
            "rules/journey.yaml:6: warning: transitions[2]: this move to 'consideration' never",
        ],
        "",
    ),
    "purchase-on-add-to-cart-and-back-on-purchase": (
        edit(
            ("to: consideration\n    on: add_to_cart", "to: purchase\n    on: add_to_cart"),
            ("to: purchase\n    on: purchase", "to: consideration\n    on: purchase"),
            ('  purchase: "you have booked a trip with us"\n', ""),
        ),
        [
            "rules/journey.yaml:4: warning: transitions[1].to: this puts visitors at 'purchase' "
            "on 'add_to_cart', before any purchase, and the built-in words for that stage tell "
            "them 'you have bought from us'",
            "rules/journey.yaml:6: warning: transitions[2].to: this moves visitors to "
            "'consideration' on 'purchase', but adding to the cart already puts them at "
            "'purchase' (transitions[1], line 4): it only moves those who buy without adding to "
            "the cart first (are the two stages the wrong way round?)",
        ],
        "",
    ),
    "needs-a-later-stage": (
        edit(("when: {views: {at_least: 3}}", "when: {stage: loyalty}")),
        [
            "rules/journey.yaml:3: error: transitions[0].when.stage: this transition moves "
            "visitors to 'interest' only when they are at 'loyalty' already, but visitors only "
            "move forward: it can never fire (name a stage before 'interest', or use a decay "
            "rule to move visitors back)"
        ],
        "",
    ),
    "stage-words-markup-and-lines": (
        edit(("our member club", "<b>our most loyal</b> visitors.\\nSecond line.")),
        [
            "rules/journey.yaml:12: warning: stages.loyalty: the text for 'loyalty' has HTML "
            "('<b>'), shown as written: visitors would see '<b>' (write plain text)",
            "rules/journey.yaml:12: warning: stages.loyalty: the words for 'loyalty' have a line "
            "break: they are shown on one line ('you have joined <b>our most loyal</b> "
            f"visitors. Second line.') {ONE_LINE}",
            "rules/journey.yaml:12: warning: stages.loyalty: the words for 'loyalty' rank the "
            "visitor among others ('our most loyal')",
        ],
        MOST,
    ),
    "stage-words-entity": (
        edit(("booked a trip", "booked a trip &amp; more")),
        [
            "rules/journey.yaml:11: warning: stages.purchase: the text for 'purchase' has an HTML "
            "entity ('&amp;'), shown as written: visitors would see '&amp;'"
        ],
        "",
    ),
    "stage-words-template": (
        edit(("you have booked a trip", "{{ visitor.name }}, you have booked a trip")),
        [
            "rules/journey.yaml:11: error: stages.purchase: the words for 'purchase' contain "
            "template syntax ('{{ visitor.name }}, you have booked a trip with us'): they are "
            "shown as written, never filled in (write plain words)"
        ],
        "",
    ),
    "segment-words-template-and-markup": (
        edit(
            (
                "beacon:",
                'segment_words:\n  member: "{{ visitor.name }}\'s <b>club</b>"\nbeacon:',
            )
        ),
        [
            "rules/journey.yaml:20: error: segment_words.member: the words for segment 'member' "
            'contain template syntax ("{{ visitor.name }}\'s <b>club</b>"): they are shown as '
            "written, never filled in (write plain words)",
            "rules/journey.yaml:20: warning: segment_words.member: the text for segment 'member' "
            "has HTML ('<b>'), shown as written",
        ],
        "",
    ),
}


@pytest.mark.parametrize(("journey", "expected", "hint"), CASES.values(), ids=CASES.keys())
def test_check_reports_journey_mistakes(
    journey: str,
    expected: list[str],
    hint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(journey, tmp_path, monkeypatch, capsys)
    found = [line for line in out if "journey.yaml" in line]
    assert len(found) == len(expected), out
    for line, start in zip(found, expected, strict=True):
        assert line.startswith(start), line
    assert hint in "\n".join(found)
    assert code == (1 if any(": error: " in line for line in expected) else 0)


@pytest.mark.parametrize(
    "journey",
    [
        JOURNEY,
        # the stage seen is the one before the request's decay: this one can fire
        edit(
            ("when: {views: {at_least: 3}}", "when: {stage: loyalty}"),
            ("{from: [loyalty, purchase], to: interest", "{from: [loyalty], to: awareness"),
        ),
        # everyone interested from page 4: the transitions before it still do their work
        edit(("at_least: 3", "at_least: 3}, visits: {at_least: 1")),
        # a move to purchase without buying, with words that say what it means
        edit(("to: consideration\n    on: add_to_cart", "to: purchase\n    on: add_to_cart")),
        # a second purchase, written as a count
        edit(("on: join_club", "when: {purchases: {at_least: 2}}")),
    ],
    ids=["base", "decay-makes-the-stage-condition-possible", "late", "own-words", "count"],
)
def test_a_sound_journey_has_no_findings(
    journey: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(journey, tmp_path, monkeypatch, capsys)
    assert [line for line in out if "journey.yaml" in line] == []
    assert code == 0, out


def test_the_demo_journey_stays_clean() -> None:
    noted: list[LoadWarning] = []
    load_journey(ROOT / "rules", warnings=noted)
    assert noted == []


def test_the_live_load_logs_what_check_reports(tmp_path: Path) -> None:
    (tmp_path / "journey.yaml").write_text(edit(("on: add_to_cart", "on: add-to-cart")))
    noted: list[LoadWarning] = []
    journey = load_journey(tmp_path, warnings=noted)  # loads: the rest of the journey works
    assert [t.to for t in journey.spec.transitions][1] == "consideration"
    assert [(n.level, n.error.field) for n in noted] == [("error", "transitions[1].on")]
