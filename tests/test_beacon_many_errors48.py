"""A beacon body full of invalid values (lists, objects in an event's data; keys that are no
field) is refused with the reason of its first, and pydantic builds a few errors for it, not
four per value (a 64 KiB body of them took 100 ms): asgi/beacon.py ``_cut``."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from omotenashi.asgi import beacon
from omotenashi.asgi.beacon import BeaconBatch, read_events

ALLOWED = ["signup", "view_item"]


class Counting(BeaconBatch):
    """BeaconBatch, noting how many errors each validation it refuses holds."""

    counts: ClassVar[list[int]] = []

    @classmethod
    def model_validate(cls, obj: Any, **kw: Any) -> BeaconBatch:  # type: ignore[override]
        try:
            return BeaconBatch.model_validate(obj, **kw)
        except ValidationError as exc:
            cls.counts.append(exc.error_count())
            raise


def event(bad: int, extra: int = 0, name: object = "signup") -> dict[str, object]:
    data: dict[str, object] = {"ok": 1}
    data.update({f"k{i}": [i] if i % 2 else {"x": i} for i in range(bad)})
    data["after"] = "fine"
    return {"name": name, "data": data, **{f"x{i}": 1 for i in range(extra)}}


MANY = 2000
ROWS = [  # (a body with one bad thing, the same with many)
    (event(1), event(MANY)),
    ({"events": [event(1)] * 3}, {"events": [event(MANY // 20)] * 20}),
    (event(0, extra=1), event(0, extra=MANY)),
    (event(1, extra=1), event(MANY, extra=MANY)),
    (event(1, name=5), event(MANY, name=5)),
    (event(1, name="Bad Name!"), event(MANY, name="Bad Name!")),
    (event(1, name="purchase"), event(MANY, name="purchase")),  # not allowed: said first
    (
        {"events": [event(1)], "zz": 1},
        {"events": [event(MANY)], **{f"z{i}": 1 for i in range(MANY)}},
    ),
    ({"events": [event(1)] * 25}, {"events": [event(MANY // 25)] * 25}),
    ({"events": [{"name": "signup"}, event(1)]}, {"events": [{"name": "signup"}, event(MANY)]}),
]


@pytest.mark.parametrize(("one", "many"), ROWS)
def test_many_bad_values_are_refused_as_one_is_and_build_few_errors(
    one: dict[str, object], many: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(beacon, "BeaconBatch", Counting)
    Counting.counts = []
    answer = read_events(json.dumps(many).encode(), ALLOWED)
    assert answer == read_events(json.dumps(one).encode(), ALLOWED)
    assert isinstance(answer, tuple) and answer[0] == 422
    assert Counting.counts and max(Counting.counts) <= 4 * 20  # one bad value per event


def whole(body: bytes) -> BeaconBatch | tuple[int, str]:
    """How the batch was read before the cut: every error built, the first one said."""
    try:
        raw = json.loads(body)
        given = raw if isinstance(raw, dict) and "events" in raw else {"events": [raw]}
        BeaconBatch.model_validate(given)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, ValidationError):
            name = beacon._not_allowed(raw, ALLOWED)
            return 422, beacon._refused(name, ALLOWED) if name else beacon._first_error(exc)
        return 400, "not JSON"
    return read_events(body, ALLOWED)  # valid: the checks after pydantic are the same code


KEYS = st.sampled_from(["name", "data", "events", "x", "k", "ok", "zz"])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.sampled_from(["signup", "view_item", "purchase", "Bad!", "", "x"]),
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
DATA = st.dictionaries(st.text(max_size=3), JSON, max_size=6)
EVENT = st.one_of(
    JSON,
    st.fixed_dictionaries(
        {"name": st.sampled_from(["signup", "view_item", "purchase", "Bad!", 3])},
        optional={"data": st.one_of(DATA, JSON), "x": JSON, "y": JSON, "events": JSON},
    ),
)
BODY = st.one_of(
    EVENT,
    st.fixed_dictionaries(
        {"events": st.one_of(st.lists(EVENT, max_size=23), JSON)},
        optional={"zz": JSON, "name": JSON, "x": JSON},
    ),
)


@given(BODY)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_the_cut_answers_as_the_whole_batch_does(raw: object) -> None:
    body = json.dumps(raw).encode()
    got, want = read_events(body, ALLOWED), whole(body)
    if isinstance(want, BeaconBatch):  # never refuses what pydantic accepts
        assert isinstance(got, BeaconBatch) and got == want
    else:  # never accepts what pydantic refuses, and says the same first error
        assert got == want
