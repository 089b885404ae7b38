"""A record built from a dict of its fields in one step (quick.py ``quick_dict``, as the
responder builds the engine's Visit) is the record ``__init__`` builds: equal, the same fields,
still frozen; a dict that leaves a field out gets ``__init__``'s default, one naming a field
the record lacks ``__init__``'s error."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from omotenashi.engine.profile import Profile
from omotenashi.engine.understand import Visit
from omotenashi.quick import quick_dict
from omotenashi.recommend.signals import Pick

EVERY = {
    "visitor_id": "v1",
    "profile": Profile(),
    "now": 1.5,
    "request": None,
    "device": None,
    "is_new": True,
    "choices": None,
    "private": False,
    "keeps_choices": True,
    "events": (("e", {}),),
    "attrs": {"a": 1},
    "forced": None,
    "csrf": "t",
    "shared": None,
    "measured_arms": {"r": "t"},
    "flash": None,
}
LEFT_OUT = {k: v for k, v in EVERY.items() if k not in ("csrf", "attrs")}
PICK = {"item": "i", "source": "s", "reason": "r", "score": 1.0, "because": ()}


@pytest.mark.parametrize(
    ("cls", "values"),
    [
        (Visit, EVERY),  # every field: one step
        (Visit, EVERY),  # (again: the class's fields known by then)
        (Visit, LEFT_OUT),  # fields left out: __init__'s defaults
        (Pick, PICK),
    ],
)
def test_a_record_from_a_dict_is_the_one_init_builds(cls: type, values: dict[str, Any]) -> None:
    made: Any = quick_dict(cls, dict(values))
    expected = cls(**values)
    assert made == expected
    assert vars(made) == vars(expected)
    assert set(vars(made)) == {f.name for f in dataclasses.fields(cls)}
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.now = 2.0


def test_a_field_the_record_lacks_is_init_s_error() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'nope'"):
        quick_dict(Visit, {**LEFT_OUT, "nope": 1})
