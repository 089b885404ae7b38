"""The record script's argument, built by hand for speed, is byte for byte what ``json.dumps``
makes of the change (so the script reads what it always read): for page views as the engine
makes them, for every field filled in, for values json writes its own way (NaN, non-string
names), and for random changes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omotenashi.engine.change import Change
from omotenashi.store import argument
from omotenashi.store.argument import record_argument
from omotenashi.store.why import encode_all

NOW = 1_796_150_224.327185
TTL, HALF_LIFE, NEW_TTL = 7_776_000, 2_592_000.0, 86_400


def reference(change: Change, ttl: int, half_life: float, new_ttl: int) -> str:
    """What the store sent before: json.dumps of the payload, reasons coded."""
    payload = change.payload(ttl, half_life)
    payload["shown_why"] = {
        rule: [at, encode_all(said if isinstance(said, list) else [])]
        for rule, (at, said) in change.shown_why.items()
    }
    payload["new_ttl"] = new_ttl
    return json.dumps(payload, separators=(",", ":"))


def page_view() -> Change:
    """A returning visitor's page view with four rules shown, as the bench's home page."""
    return Change(
        now=NOW,
        view=True,
        since=1_796_150_223.0,
        topics=["hawaii", "family"],
        items=["hawaii-family"],
        shown=["hawaii-family-hero", "family-picks"],
        shown_why={
            "hawaii-family-hero": [
                NOW,
                [
                    "you have looked at pages about family holidays 2 or more times",
                    "you looked at “Hawaii for families”",
                ],
            ],
            "family-picks": [NOW, ["you have looked at pages about family holidays"]],
        },
    )


def everything() -> Change:
    """Every field filled in, times not ``now`` included."""
    change = page_view()
    change.new_visit, change.absent_days = True, 3.25
    change.shown_why["old"] = [NOW - 10.5, ["you came from news", "Ünïcode \x07 bell"]]
    change.events = {"add_to_cart": 2, "signup": 1}
    change.cart_add, change.cart_remove, change.cart_clear = {"tour-1": 2}, ["tour-2"], True
    change.purchases, change.stage, change.stage_back = 1, "purchase", True
    change.first = {"utm_source": "news", "referrer": "https://example.org/ä"}
    change.attrs = {"first_name": "Ann", "age": 42, "tags": ["a", None, 1.5], "deep": {"x": [1]}}
    change.caps = {"hero": ["visit:123", 2]}
    change.bought = ["tour-1", "tour-3"]
    change.measure = {"hero": "t 1796150224"}
    return change


def odd(change: Change) -> Change:
    """What json writes its own way: NaN and infinity, an int time, non-string names."""
    change.now = 1_796_150_224  # an int: json writes no ".0"
    change.absent_days = float("nan")
    change.since = float("inf")
    change.topics = ["a", 1, None]  # type: ignore[list-item]
    change.shown_why = {"r": [2.5, ["x", 3]], "s": [NOW, "not a list"]}
    change.stage = None
    return change


@pytest.mark.parametrize(
    ("change", "new_ttl"),
    [
        (Change(now=NOW), NEW_TTL),
        (page_view(), NEW_TTL),
        (page_view(), 0),
        (everything(), NEW_TTL),
        (odd(everything()), NEW_TTL),
    ],
)
def test_the_argument_is_json_dumps_of_the_change(change: Change, new_ttl: int) -> None:
    assert record_argument(change, TTL, HALF_LIFE, new_ttl) == reference(
        change, TTL, HALF_LIFE, new_ttl
    )


names = st.lists(st.text(max_size=8), max_size=3)
numbers = st.one_of(st.floats(allow_nan=False), st.integers(-(2**40), 2**40))


@settings(max_examples=200, deadline=None)
@given(
    now=numbers,
    view=st.booleans(),
    topics=names,
    shown=names,
    why=st.dictionaries(st.text(max_size=6), st.tuples(numbers, names), max_size=3),
    events=st.dictionaries(st.text(max_size=6), st.integers(0, 9), max_size=2),
    attrs=st.dictionaries(
        st.text(max_size=6), st.one_of(st.none(), numbers, st.text()), max_size=2
    ),
    stage=st.sampled_from(["", "interest", None]),
    absent=st.one_of(st.none(), numbers),
)
def test_random_changes_give_json_dumps_bytes(
    now: Any,
    view: bool,
    topics: list[str],
    shown: list[str],
    why: dict[str, tuple[Any, list[str]]],
    events: dict[str, int],
    attrs: dict[str, Any],
    stage: str | None,
    absent: Any,
) -> None:
    change = Change(now=now, view=view, topics=topics, shown=shown, events=events, attrs=attrs)
    change.shown_why = {rule: [at, list(said)] for rule, (at, said) in why.items()}
    change.stage, change.absent_days = stage, absent
    want = reference(change, TTL, HALF_LIFE, NEW_TTL)
    assert record_argument(change, TTL, HALF_LIFE, NEW_TTL) == want
    if stage is not None:  # names and values of the usual types: the hand-built way itself
        assert argument._fast(change, TTL, HALF_LIFE, NEW_TTL) == want


@pytest.mark.parametrize(
    "change",
    [Change(now=NOW), page_view(), everything(), Change(now=NOW, view=True, cart_clear=True)],
)
@pytest.mark.parametrize("new_ttl", [NEW_TTL, 0])
def test_the_usual_changes_are_built_by_hand_not_by_the_fallback(
    change: Change, new_ttl: int
) -> None:
    """Not json.dumps standing in: the hand-built argument itself gives its bytes."""
    want = reference(change, TTL, HALF_LIFE, new_ttl)
    assert argument._fast(change, TTL, HALF_LIFE, new_ttl) == want


@pytest.mark.parametrize(
    ("part", "value", "want"),
    [
        (argument._num, 1.5, "1.5"),
        (argument._num, 3, "3"),
        (argument._num, float("nan"), "NaN"),
        (argument._num, True, "true"),
        (argument._names, ["a", "b"], '["a","b"]'),
        (argument._names, [], "[]"),
        (argument._names, ("a",), '["a"]'),
        (argument._obj, {}, "{}"),
        (argument._obj, {"a": 1}, '{"a":1}'),
        (argument._bool, True, "true"),
        (argument._bool, False, "false"),
        (argument._bool, None, "null"),
        (argument._bool, 1, "1"),
    ],
)
def test_each_part_is_written_as_json_writes_it(part: Any, value: Any, want: str) -> None:
    assert part(value) == want == json.dumps(value, separators=(",", ":"))


def test_a_reason_time_that_is_not_now_is_written_as_itself() -> None:
    change = page_view()
    change.shown_why["later"] = [NOW + 1, ["x"]]
    change.shown_why["same value"] = [float(NOW), ["y"]]  # equal, not the same object
    assert argument._fast(change, TTL, HALF_LIFE, NEW_TTL) == reference(
        change, TTL, HALF_LIFE, NEW_TTL
    )


def test_coded_reasons_are_kept_per_distinct_sentence_and_bounded() -> None:
    one = page_view()
    other = page_view()
    other.shown_why["family-picks"] = [NOW, ["you have looked at pages about beach holidays"]]
    first, second = (record_argument(c, TTL, HALF_LIFE, NEW_TTL) for c in (one, other))
    assert "beach" not in first and "beach" in second  # one visitor's reasons never another's
    assert argument._reason.cache_info().maxsize == 4096


def test_a_usual_change_never_reaches_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_: object) -> dict[str, Any]:
        raise AssertionError("the json.dumps fallback was used")

    monkeypatch.setattr(argument, "payload", refused)
    for change in (Change(now=NOW), page_view(), everything()):
        assert record_argument(change, TTL, HALF_LIFE, NEW_TTL).startswith('{"now":')


@pytest.mark.parametrize(
    "sequence",
    [
        [["1.0"], [1.0], [True], [1], ["True"]],
        [[True], [1.0], [1], ["1"]],
        [["a", "b"], ["a", 2], ["a", "b"], ("a", "b")],
    ],
)
def test_reasons_of_other_types_are_never_taken_for_each_other(
    sequence: list[Any],
) -> None:
    """Reasons said as anything but sentences (equal as keys: 1.0 and True) read as themselves,
    one after the other, and the sentences around them too."""
    for said in sequence:
        change = page_view()
        change.shown_why["r"] = [NOW, said]
        want = reference(change, TTL, HALF_LIFE, NEW_TTL)
        assert record_argument(change, TTL, HALF_LIFE, NEW_TTL) == want


def test_each_rules_entry_is_kept_per_distinct_rule_and_sentences_and_bounded() -> None:
    one, other = page_view(), page_view()
    other.shown_why["family-picks"] = [NOW, ["you have looked at pages about beach holidays"]]
    first, second = (record_argument(c, TTL, HALF_LIFE, NEW_TTL) for c in (one, other))
    assert "beach" not in first and "beach" in second
    assert argument._rule.cache_info().maxsize == 4096
